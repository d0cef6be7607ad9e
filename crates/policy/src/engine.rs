//! Runs controls over a graph.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use strata_model::{Address, Graph, Kind};

use crate::{Control, Ctx, Outcome};

/// A control's verdict on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It holds.
    Pass,
    /// It does not.
    Fail,
    /// It could not be decided.
    Unknown,
}

/// One control × one resource.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The control's id.
    pub control: &'static str,
    /// The resource.
    pub address: Address,
    /// The verdict.
    pub status: Status,
    /// The attribute path at fault, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Why it failed or is unknown; empty on a pass.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// Every verdict of a run.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Verdicts in graph order, then control order.
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// The failures.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.status == Status::Fail)
    }
}

/// Runs `controls` over every resource of `graph` they apply to. A control
/// that panics yields `unknown` for that resource; the run goes on.
pub fn evaluate(graph: &Graph, controls: &[&'static Control]) -> Evaluation {
    let cx = Ctx::new(graph);
    let mut by_kind: HashMap<Kind, Vec<&'static Control>> = HashMap::new();
    for c in controls {
        for k in c.kinds {
            by_kind.entry(*k).or_default().push(c);
        }
    }
    let mut findings = Vec::new();
    for r in graph.iter() {
        let Some(cs) = by_kind.get(&r.kind) else {
            continue;
        };
        for c in cs {
            let outcome =
                catch_unwind(AssertUnwindSafe(|| c.check.run(&cx, r))).unwrap_or_else(|_| {
                    Outcome::Unknown(format!("control {} failed on this resource", c.id))
                });
            let (status, at, message) = match outcome {
                Outcome::Skip => continue,
                Outcome::Pass => (Status::Pass, None, String::new()),
                Outcome::Fail { at, message } => (Status::Fail, at, message),
                Outcome::Unknown(m) => (Status::Unknown, None, m),
            };
            findings.push(Finding {
                control: c.id,
                address: r.address.clone(),
                status,
                at,
                message,
            });
        }
    }
    Evaluation { findings }
}

/// Verdicts on planned resources that do not exist. Each control in
/// `controls` that applies to a resource's kind gives it `status` (`Fail`
/// for what should be there — deleted out of band, never created — so the
/// controls that need it, "CloudTrail is logging", fail; `Unknown` for what
/// cannot be judged), with `absent: <why>` as the message: a resource that
/// is not there never passes. Controls over every kind (a credential in any
/// value) are about values, not about a resource being there, and say
/// nothing of an absent one.
pub fn judge_absent<'a>(
    absent: impl IntoIterator<Item = (&'a Address, &'a str, Status)>,
    controls: &[&'static Control],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (address, why, status) in absent {
        for c in controls
            .iter()
            .filter(|c| c.kinds.len() < Kind::ALL.len() && c.kinds.contains(&address.kind))
        {
            findings.push(Finding {
                control: c.id,
                address: address.clone(),
                status,
                at: None,
                message: format!("absent: {why}"),
            });
        }
    }
    findings
}
