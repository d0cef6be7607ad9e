//! What an apply would do, decided from reads only, as a value: the CLI
//! prints it, a server will store and show it. The decision per resource
//! ([`decide`]) is the one `apply` itself takes when it reaches the
//! resource, so the preview and the run cannot disagree on what is updated,
//! replaced or refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use strata_model::{Address, Graph, Kind};

use crate::cx::Cx;
use crate::engine::{self, Fate, Seen};
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{self, Diff};

/// What apply does with one planned resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Not there yet: created.
    Create,
    /// Owned, but deleted out of band: created again.
    Recreate,
    /// These attributes differ and change in place.
    Update(Vec<String>),
    /// These attributes cannot change in place: deleted and created again,
    /// unless the kind holds data (`refused`: apply fails on it instead).
    Replace {
        /// The attributes that force the replacement.
        attributes: Vec<String>,
        /// The kind holds data: apply refuses to replace it.
        refused: bool,
    },
    /// Already as desired.
    Unchanged,
    /// Not provisioned through the AWS API (see [`Skipped`]).
    Skipped,
}

/// The change that differences `diffs` of a resource of `kind` call for.
pub fn decide(kind: Kind, diffs: &[Diff]) -> Change {
    if diffs.is_empty() {
        return Change::Unchanged;
    }
    let forced = kinds::forcing_replacement(kind, diffs);
    if forced.is_empty() {
        Change::Update(diffs.iter().map(|d| d.attribute.clone()).collect())
    } else {
        Change::Replace {
            attributes: forced,
            refused: kinds::holds_data(kind),
        }
    }
}

/// What an apply would do to an environment.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Every planned resource, in address order.
    pub resources: Vec<(Address, Change)>,
    /// What the journal owns that the plan no longer has, with its fate.
    pub strays: Vec<(Owned, Fate)>,
}

/// How many resources each kind of change touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Created or created again.
    pub create: usize,
    /// Updated in place.
    pub update: usize,
    /// Replaced (refused ones included: apply fails on them).
    pub replace: usize,
    /// Strays deleted.
    pub delete: usize,
    /// Already as desired.
    pub unchanged: usize,
}

impl Changes {
    /// The counts a summary line prints.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (_, change) in &self.resources {
            match change {
                Change::Create | Change::Recreate => c.create += 1,
                Change::Update(_) => c.update += 1,
                Change::Replace { .. } => c.replace += 1,
                Change::Unchanged => c.unchanged += 1,
                Change::Skipped => {}
            }
        }
        c.delete = self
            .strays
            .iter()
            .filter(|(_, f)| *f == Fate::Delete)
            .count();
        c
    }
}

/// The changes, from what [`engine::observe`] saw and the strays' fates.
pub fn changes(seen: &BTreeMap<Address, Seen>, strays: Vec<(Owned, Fate)>) -> Changes {
    let resources = seen
        .iter()
        .map(|(a, s)| {
            let change = match s {
                Seen::Skipped => Change::Skipped,
                Seen::NotCreated => Change::Create,
                Seen::Deleted => Change::Recreate,
                Seen::Live(d, o) => decide(a.kind, &kinds::diff(d, o)),
            };
            (a.clone(), change)
        })
        .collect();
    Changes { resources, strays }
}

/// Reads the environment (reads only) and returns what an apply would do.
pub async fn preview(
    cx: Arc<Cx>,
    graph: &Graph,
    concurrency: usize,
    prune_data: bool,
) -> Result<Changes> {
    let seen = engine::observe(cx.clone(), graph, concurrency).await?;
    Ok(changes(&seen, engine::stray_fates(&cx, graph, prune_data)?))
}

/// The planned resources the live engine does not provision, by kind name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// AWS kinds the live engine does not provision yet.
    pub not_yet: BTreeMap<&'static str, usize>,
    /// Other providers' objects, Kubernetes objects and files: delivered by
    /// `strata render`, not through the AWS API.
    pub as_files: BTreeMap<&'static str, usize>,
}

/// What of `graph` an apply skips, and why.
pub fn skipped(graph: &Graph) -> Skipped {
    let mut s = Skipped::default();
    for r in graph.iter().filter(|r| !kinds::supported(r.kind)) {
        let by = if r.kind.family() == strata_model::Family::Aws {
            &mut s.not_yet
        } else {
            &mut s.as_files
        };
        *by.entry(r.kind.as_str()).or_insert(0) += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_model::Value;

    fn diff(attribute: &str) -> Diff {
        Diff {
            attribute: attribute.into(),
            desired: Value::from("a"),
            live: Value::from("b"),
        }
    }

    #[test]
    fn in_place_changes_update_and_forcing_ones_replace_unless_data_is_held() {
        assert_eq!(decide(Kind::AwsLb, &[]), Change::Unchanged);
        // A load balancer's scheme cannot change in place; it holds no data.
        assert_eq!(
            decide(Kind::AwsLb, &[diff("internal"), diff("tags")]),
            Change::Replace {
                attributes: vec!["internal".into()],
                refused: false
            }
        );
        assert_eq!(
            decide(Kind::AwsLb, &[diff("tags")]),
            Change::Update(vec!["tags".into()])
        );
        // An Aurora cluster's engine cannot change in place, and replacing
        // it would delete the database: refused.
        assert_eq!(
            decide(Kind::AwsRdsCluster, &[diff("engine")]),
            Change::Replace {
                attributes: vec!["engine".into()],
                refused: true
            }
        );
        assert_eq!(
            decide(Kind::AwsRdsCluster, &[diff("backup_retention_period")]),
            Change::Update(vec!["backup_retention_period".into()])
        );
    }

    #[test]
    fn counts_add_up_and_only_deleted_strays_count_as_deletes() {
        let a = |s: &str| -> Address { s.parse().unwrap() };
        let owned = |s: &str| Owned {
            address: s.into(),
            kind: "aws_sqs_queue".into(),
            id: "q".into(),
            outputs: BTreeMap::new(),
            needs: Vec::new(),
        };
        let c = Changes {
            resources: vec![
                (a("dev.data.aws_sqs_queue.a"), Change::Create),
                (a("dev.data.aws_sqs_queue.b"), Change::Recreate),
                (a("dev.data.aws_sqs_queue.c"), Change::Update(vec![])),
                (a("dev.data.aws_sqs_queue.d"), Change::Unchanged),
                (a("dev.data.aws_sqs_queue.e"), Change::Skipped),
            ],
            strays: vec![
                (owned("dev.data.aws_sqs_queue.x"), Fate::Delete),
                (owned("dev.data.aws_s3_bucket.y"), Fate::KeepWithData),
            ],
        };
        assert_eq!(
            c.counts(),
            Counts {
                create: 2,
                update: 1,
                replace: 0,
                delete: 1,
                unchanged: 1
            }
        );
    }
}
