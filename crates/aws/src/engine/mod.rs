//! The reconciler: apply, drift, destroy over one environment's graph.
//!
//! **Apply** starts each resource as soon as everything it depends on is
//! done (so the run takes about as long as the critical path of its calls),
//! at most `concurrency` at a time. Per resource: the journal's id is read
//! back; without one (a first run, or a run killed after the create call and
//! before its outcome was written) the kind looks for a resource carrying the
//! address tag (or its unique name) and adopts it; only when none exists is
//! it created. Attributes that differ are updated. A second apply with
//! nothing changed therefore makes reads only.
//!
//! **Drift** resolves desired values from the journal's outputs, reads every
//! owned resource in parallel and reports attribute-level differences.
//!
//! **Destroy** deletes in reverse dependency order and then asks AWS (the
//! tagging API, and every kind by tag or name) what still carries the
//! environment's tags.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata_model::{Address, Graph, Kind, Resource, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{self, Diff, Observed};
use crate::preview::Change;
use crate::value::{Desired, Outputs};

mod destroy;
mod observe;
mod recording;
mod strays;

use destroy::delete_when_free;
pub(crate) use destroy::tagged_with;
pub use destroy::{Remaining, destroy, protected, remaining};
pub use observe::{Absence, Drift, DriftReport, LiveGraph, Seen, drift, live_graph, observe};
pub use recording::{ExistingRecorder, Recording, existing_recording};
pub use strays::{Fate, held, stray_fates, strays};
use strays::{Gone, prune, stray_waves};

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Created.
    Created,
    /// Found by its tag or name (left by a killed run, or made before Strata
    /// owned it) and taken over.
    Adopted,
    /// Updated: these attributes differed.
    Updated(Vec<String>),
    /// Deleted and created again: these attributes cannot change in place.
    Replaced(Vec<String>),
    /// Already as desired.
    Unchanged,
    /// Deleted.
    Deleted,
    /// Already gone (deleted out of band, or with what it belonged to):
    /// dropped from the journal.
    Forgotten,
    /// An account setting that existed before Strata: left in place by
    /// destroy (or by apply once the spec drops it) and disowned.
    Kept,
    /// No longer in the spec, but it holds data: left in place and still
    /// owned (`apply --prune-data` deletes it).
    Held,
    /// Not applied: the live engine does not provision this kind yet, or it
    /// is not an AWS resource (Grafana objects ship as rendered files).
    Skipped(String),
    /// Not applied because something it depends on was not.
    Blocked(Address),
    /// The calls failed.
    Failed(String),
}

impl Action {
    /// A short word for the summary.
    pub fn word(&self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Adopted => "adopted",
            Action::Updated(_) => "updated",
            Action::Replaced(_) => "replaced",
            Action::Unchanged => "unchanged",
            Action::Deleted => "deleted",
            Action::Forgotten => "already gone",
            Action::Kept => "left in place (existed before Strata)",
            Action::Held => "kept with data (no longer in the spec)",
            Action::Skipped(_) => "skipped",
            Action::Blocked(_) => "blocked",
            Action::Failed(_) => "failed",
        }
    }

    /// Whether the run failed on this resource.
    pub fn is_failure(&self) -> bool {
        matches!(self, Action::Failed(_) | Action::Blocked(_))
    }
}

/// Progress, for the CLI's bars.
#[derive(Debug, Clone)]
pub enum Event {
    /// Work on a resource started.
    Started(Address),
    /// Work on a resource finished.
    Finished(Address, Action, Duration),
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per resource, in completion order.
    pub results: Vec<(Address, Action)>,
    /// Mutating calls made.
    pub mutating_calls: u64,
    /// Read calls made.
    pub read_calls: u64,
    /// Wall time.
    pub wall: Duration,
    /// The longest dependency chain of summed call latencies.
    pub critical_path: Duration,
    /// Interrupted calls of earlier runs this run settled.
    pub recovered: Vec<(String, String)>,
}

impl Report {
    /// Count of results per action word.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for (_, a) in &self.results {
            *m.entry(a.word()).or_insert(0) += 1;
        }
        m
    }

    /// Whether any resource failed.
    pub fn failed(&self) -> bool {
        self.results.iter().any(|(_, a)| a.is_failure())
    }
}

fn skip_reason(kind: Kind) -> String {
    if matches!(
        kind,
        Kind::AwsEksAccessEntry | Kind::AwsEksAccessPolicyAssociation
    ) {
        // Not shipped untested: the emulator the live tests run against
        // (moto 5.2.5) has no EKS access-entry API.
        format!(
            "{kind} is not provisioned by the live engine yet: moto, which its tests run against, \
             implements none of CreateAccessEntry, DescribeAccessEntry, AssociateAccessPolicy, \
             ListAssociatedAccessPolicies, DeleteAccessEntry"
        )
    } else if kind.as_str().starts_with("aws_") {
        format!("{kind} is not provisioned by the live engine yet")
    } else {
        format!("{kind} is delivered as rendered files, not through the AWS API")
    }
}

/// The outputs of a resource: its resolved scalar attributes (so `name`,
/// `bucket`, `cluster_identifier` can be referred to) overlaid with what
/// AWS computed (`id`, `arn`, …).
fn outputs_of(d: &Desired, o: &Observed) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = d
        .attrs
        .iter()
        .filter(|(_, v)| !matches!(v, Value::List(_) | Value::Map(_) | Value::Null))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in &o.outputs {
        if !matches!(v, Value::String(s) if s.is_empty()) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// What reconciling one resource did, and its outputs.
type Reconciled = (Action, BTreeMap<String, Value>);

async fn reconcile(cx: &Cx, d: &Desired) -> Result<Reconciled> {
    let op = cx.op(&d.address);
    let address = d.address.to_string();
    let kind = d.address.kind.as_str();
    let owned = cx.journal.get(&cx.env, &address)?;
    let mut seen = match &owned {
        Some(o) => kinds::read(&op, &o.id, d).await?,
        None => None,
    };
    let mut action = Action::Unchanged;
    if seen.is_none() {
        seen = kinds::find(&op, d).await?;
        if seen.is_some() {
            action = Action::Adopted;
            // An account setting no run of ours made existed before us.
            if kinds::singleton(d.address.kind) {
                let ours = cx.journal.touched_since_destroy(&cx.env, &address)?;
                cx.journal.set_preexisting(&cx.env, &address, !ours)?;
            }
        }
    }
    let o = match seen {
        Some(o) => o,
        None => {
            let o = create_when_ready(&op, d).await?;
            cx.journal.set_preexisting(&cx.env, &address, false)?;
            let outputs = outputs_of(d, &o);
            cx.journal.own(
                &cx.env,
                &Owned {
                    address,
                    kind: kind.into(),
                    id: o.id.clone(),
                    outputs: outputs.clone(),
                    needs: d.needs.clone(),
                },
            )?;
            return Ok((Action::Created, outputs));
        }
    };
    let outputs = outputs_of(d, &o);
    // Own it before changing it: a kill during the update must not lose it.
    cx.journal.own(
        &cx.env,
        &Owned {
            address: address.clone(),
            kind: kind.into(),
            id: o.id.clone(),
            outputs: outputs.clone(),
            needs: d.needs.clone(),
        },
    )?;
    // The decision the preview shows (`preview::decide`).
    let diffs = kinds::diff(d, &o);
    match crate::preview::decide(d.address.kind, &diffs) {
        Change::Replace {
            attributes,
            refused: true,
        } => Err(Error::Invalid(format!(
            "{}: {} cannot change in place, and replacing it would delete what it holds; \
             Strata does not do that on its own (change the spec back, or destroy and apply)",
            d.address,
            attributes.join(", ")
        ))),
        Change::Replace { attributes, .. } => replace(cx, d, &o, attributes).await,
        Change::Update(attributes) => {
            kinds::update(&op, &o, d, &diffs).await?;
            if action == Action::Unchanged {
                action = Action::Updated(attributes);
            }
            Ok((action, outputs))
        }
        _ => Ok((action, outputs)),
    }
}

/// Whether an error is AWS not seeing a just-made IAM role or policy yet:
/// IAM is eventually consistent, and the service the role is handed to
/// (CodeBuild, ECS, EKS, Config, CloudTrail, RDS monitoring, …) says it
/// cannot assume it, or that it lacks permissions, for some seconds after
/// the role was created. Nothing was made by the failed call.
pub(crate) fn iam_not_ready(code: &str, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    // The caller's own permissions (`User: …:assumed-role/… is not
    // authorized`) will not change by waiting.
    if m.starts_with("user:") || m.contains(":assumed-role/") {
        return false;
    }
    matches!(
        code,
        "InvalidRoleException"
            | "InsufficientDeliveryPolicyException"
            | "InsufficientCloudWatchLogsPolicyException"
            | "InvalidCloudWatchLogsRoleArnException"
            | "InsufficientS3BucketPolicyException"
    ) || (m.contains("role")
        && (m.contains("assume")
            || m.contains("not authorized")
            || m.contains("required permissions")
            || m.contains("does not exist")))
}

/// `create`, tried again for up to two minutes while AWS does not see a
/// role made moments earlier (see `iam_not_ready`).
async fn create_when_ready(op: &crate::cx::Op<'_>, d: &Desired) -> Result<Observed> {
    let start = Instant::now();
    let mut wait = Duration::from_secs(2);
    loop {
        match kinds::create(op, d).await {
            Err(Error::Aws { code, message, .. })
                if iam_not_ready(&code, &message) && start.elapsed() < Duration::from_secs(120) =>
            {
                tracing::info!(address = %d.address, %code, "IAM not consistent yet; retrying the create");
                tokio::time::sleep(wait).await;
                wait = (wait * 3 / 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}

/// Replaces a resource whose `forced` attributes cannot change in place:
/// deletes it, forgets it, creates it anew. A kill in between converges: the
/// next run reads the old id as gone and finds the new one by its tag or
/// name, or creates it. Kinds that hold data never get here
/// (`preview::decide` refuses them); a resource something still uses is
/// refused by AWS on the delete.
async fn replace(cx: &Cx, d: &Desired, o: &Observed, forced: Vec<String>) -> Result<Reconciled> {
    let kind = d.address.kind;
    let op = cx.op(&d.address);
    let address = d.address.to_string();
    // Deleting may need what the create recorded (a rule's group id).
    let old = Owned {
        address: address.clone(),
        kind: kind.as_str().into(),
        id: o.id.clone(),
        outputs: outputs_of(d, o),
        needs: d.needs.clone(),
    };
    tracing::info!(%address, attributes = ?forced, "replacing");
    match kinds::delete(&op, kind, &old).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => {
            return Err(Error::Invalid(format!(
                "{address}: {} cannot change in place; deleting it to replace it failed: {e}",
                forced.join(", ")
            )));
        }
    }
    cx.journal.disown(&cx.env, &address)?;
    let n = create_when_ready(&op, d).await?;
    let outputs = outputs_of(d, &n);
    cx.journal.own(
        &cx.env,
        &Owned {
            address,
            kind: kind.as_str().into(),
            id: n.id.clone(),
            outputs: outputs.clone(),
            needs: d.needs.clone(),
        },
    )?;
    Ok((Action::Replaced(forced), outputs))
}

/// The graph's dependencies restricted to itself.
fn edges(graph: &Graph) -> (HashMap<Address, usize>, HashMap<Address, Vec<Address>>) {
    let mut indegree = HashMap::new();
    let mut dependents: HashMap<Address, Vec<Address>> = HashMap::new();
    for r in graph.iter() {
        let deps: BTreeSet<&Address> = r
            .depends_on()
            .into_iter()
            .filter(|a| graph.contains(a))
            .collect();
        indegree.insert(r.address.clone(), deps.len());
        for dep in deps {
            dependents
                .entry(dep.clone())
                .or_default()
                .push(r.address.clone());
        }
    }
    (indegree, dependents)
}

fn critical_path(graph: &Graph, latency: &BTreeMap<Address, Duration>) -> Duration {
    let Ok(waves) = graph.waves() else {
        return Duration::ZERO;
    };
    let mut finish: HashMap<&Address, Duration> = HashMap::new();
    let mut best = Duration::ZERO;
    for wave in &waves {
        for a in wave {
            let r = graph.get(a).expect("wave addresses are in the graph");
            let start = r
                .depends_on()
                .into_iter()
                .filter_map(|d| finish.get(d).copied())
                .max()
                .unwrap_or_default();
            let end = start + latency.get(a).copied().unwrap_or_default();
            best = best.max(end);
            finish.insert(a, end);
        }
    }
    best
}

/// Applies `graph` (one environment), calling `on` with progress.
///
/// Then what the environment owns and the plan no longer has (a service
/// dropped from the spec, a renamed resource) is deleted, unless it holds
/// data and `prune_data` is off.
pub async fn apply(
    cx: Arc<Cx>,
    graph: &Graph,
    concurrency: usize,
    prune_data: bool,
    on: &(dyn Fn(&Event) + Sync),
) -> Result<Report> {
    let start = Instant::now();
    let recovered = cx.journal.interrupted(&cx.env)?;
    let (mut indegree, dependents) = edges(graph);
    let mut outputs: Outputs = BTreeMap::new();
    let mut report = Report {
        recovered,
        ..Report::default()
    };
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks: JoinSet<(Address, Result<Reconciled>, Duration)> = JoinSet::new();
    let mut ready: Vec<Address> = indegree
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(a, _)| a.clone())
        .collect();
    ready.sort();
    let mut not_done: BTreeMap<Address, Address> = BTreeMap::new(); // address -> the cause
    let mut skipped: BTreeSet<Address> = BTreeSet::new();
    let mut finished = 0usize;

    // Settles `a` and returns the dependents that became ready.
    let release = |a: &Address, indegree: &mut HashMap<Address, usize>| -> Vec<Address> {
        let mut next = Vec::new();
        for d in dependents.get(a).into_iter().flatten() {
            if let Some(n) = indegree.get_mut(d) {
                *n -= 1;
                if *n == 0 {
                    next.push(d.clone());
                }
            }
        }
        next
    };

    loop {
        while let Some(a) = ready.pop() {
            let r: &Resource = graph.get(&a).expect("ready addresses are in the graph");
            // A dependency that was not applied blocks this one.
            if let Some(cause) = r
                .depends_on()
                .into_iter()
                .find_map(|d| not_done.get(d).map(|_| d.clone()))
            {
                // Waiting on something the engine does not provision is a
                // skip; waiting on something that failed is a failure.
                let action = if skipped.contains(&cause) {
                    skipped.insert(a.clone());
                    Action::Skipped(format!("depends on {cause}, which is not provisioned"))
                } else {
                    Action::Blocked(cause.clone())
                };
                on(&Event::Finished(a.clone(), action.clone(), Duration::ZERO));
                report.results.push((a.clone(), action));
                not_done.insert(a.clone(), cause);
                finished += 1;
                ready.extend(release(&a, &mut indegree));
                continue;
            }
            if !kinds::supported(r.kind) {
                skipped.insert(a.clone());
                let action = Action::Skipped(skip_reason(r.kind));
                on(&Event::Finished(a.clone(), action.clone(), Duration::ZERO));
                report.results.push((a.clone(), action));
                not_done.insert(a.clone(), a.clone());
                finished += 1;
                ready.extend(release(&a, &mut indegree));
                continue;
            }
            let desired = match Desired::new(r, &outputs, &cx.account) {
                Ok(d) => d,
                Err(e) => {
                    let action = Action::Failed(e.to_string());
                    on(&Event::Finished(a.clone(), action.clone(), Duration::ZERO));
                    report.results.push((a.clone(), action));
                    not_done.insert(a.clone(), a.clone());
                    finished += 1;
                    ready.extend(release(&a, &mut indegree));
                    continue;
                }
            };
            let cx = cx.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let t = Instant::now();
                let result = reconcile(&cx, &desired).await;
                (desired.address, result, t.elapsed())
            });
            on(&Event::Started(a));
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (a, result, took) =
            joined.map_err(|e| Error::Invalid(format!("a task panicked: {e}")))?;
        finished += 1;
        let action = match result {
            Ok((action, out)) => {
                outputs.insert(a.clone(), out);
                action
            }
            Err(e) => {
                not_done.insert(a.clone(), a.clone());
                Action::Failed(e.to_string())
            }
        };
        on(&Event::Finished(a.clone(), action.clone(), took));
        report.results.push((a.clone(), action));
        ready.extend(release(&a, &mut indegree));
    }
    debug_assert_eq!(finished, graph.len());
    let fates = stray_fates(&cx, graph, prune_data)?;
    prune(&cx, fates, concurrency, on, &mut report).await?;
    if !report.failed() && !report.recovered.is_empty() {
        cx.journal.settle_interrupted(&cx.env, cx.run)?;
    }
    report.mutating_calls = cx.mutating_calls();
    report.read_calls = cx.read_calls();
    report.wall = start.elapsed();
    report.critical_path = critical_path(graph, &cx.latencies());
    cx.journal
        .finish_run(cx.run, if report.failed() { "failed" } else { "ok" })?;
    Ok(report)
}

/// Resources the engine cannot provision yet: kinds it does not know, and
/// everything that depends on one of them.
pub fn unprovisionable(graph: &Graph) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    let Ok(waves) = graph.waves() else { return out };
    for wave in &waves {
        for a in wave {
            let Some(r) = graph.get(a) else { continue };
            if !kinds::supported(r.kind) || r.depends_on().into_iter().any(|d| out.contains(d)) {
                out.insert(a.clone());
            }
        }
    }
    out
}

fn any_address(graph: &Graph) -> Address {
    graph
        .iter()
        .next()
        .map(|r| r.address.clone())
        .unwrap_or_else(|| {
            "env.network.aws_vpc.account"
                .parse()
                .expect("a valid address")
        })
}

/// `r` without the attributes that hold references (for lookups by tag or name).
fn strip_refs(r: &Resource) -> Resource {
    let mut r = r.clone();
    r.attributes
        .retain(|_, v| v.references().is_empty() && !matches!(v, Value::Unknown(_)));
    r
}

#[cfg(test)]
mod tests {
    use strata_model::{Address, Graph, Layer, Provenance, Resource, Value};

    use super::*;

    #[test]
    fn eks_access_entries_are_skipped_naming_what_the_emulator_lacks() {
        for kind in [Kind::AwsEksAccessEntry, Kind::AwsEksAccessPolicyAssociation] {
            assert!(!kinds::supported(kind), "{kind}");
            let why = skip_reason(kind);
            for call in [
                "CreateAccessEntry",
                "AssociateAccessPolicy",
                "DeleteAccessEntry",
            ] {
                assert!(why.contains(call), "{why}");
            }
        }
        assert!(!skip_reason(Kind::AwsEksAddon).contains("moto"));
    }

    fn r(addr: &str) -> Resource {
        Resource::new(
            addr.parse::<Address>().unwrap(),
            Layer::from_number(1).unwrap(),
            Provenance::Spec {
                file: "s".into(),
                line: 1,
                column: 1,
            },
        )
    }

    #[test]
    fn what_depends_on_an_unknown_kind_cannot_be_provisioned() {
        let mut g = Graph::new();
        let vpc = r("dev.network.aws_vpc.main");
        let folder = r("dev.observability.grafana_folder.f");
        let dash = r("dev.observability.grafana_dashboard.d")
            .with("folder", Value::reference(&folder.address, "uid"));
        let subnet =
            r("dev.network.aws_subnet.a").with("vpc_id", Value::reference(&vpc.address, "id"));
        for x in [vpc.clone(), folder.clone(), dash.clone(), subnet.clone()] {
            g.insert(x).unwrap();
        }
        let out = unprovisionable(&g);
        assert!(out.contains(&folder.address) && out.contains(&dash.address));
        assert!(!out.contains(&vpc.address) && !out.contains(&subnet.address));
    }

    #[test]
    fn a_role_not_yet_visible_is_told_from_a_real_failure() {
        for (code, message) in [
            (
                "InvalidInputException",
                "CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::1:role/b",
            ),
            (
                "InvalidParameterException",
                "Role with arn: arn:aws:iam::1:role/e could not be assumed because it does not exist or the trusted entity is not correct",
            ),
            (
                "InvalidParameterValue",
                "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING",
            ),
            (
                "InsufficientDeliveryPolicyException",
                "Insufficient delivery policy to s3 bucket",
            ),
            ("InvalidRoleException", "The role is not valid"),
        ] {
            assert!(iam_not_ready(code, message), "{code}: {message}");
        }
        for (code, message) in [
            (
                "InvalidParameterValue",
                "Value (10.0.0.0/33) for parameter cidrBlock is invalid",
            ),
            (
                "AccessDenied",
                "User is not authorized to perform: ec2:CreateVpc",
            ),
            (
                "AccessDeniedException",
                "User: arn:aws:sts::1:assumed-role/Deploy/s is not authorized to perform: iam:PassRole on resource: role/b",
            ),
            (
                "LimitExceeded",
                "The maximum number of VPCs has been reached",
            ),
        ] {
            assert!(!iam_not_ready(code, message), "{code}: {message}");
        }
    }

    #[test]
    fn outputs_carry_resolved_scalars_and_what_aws_computed() {
        let mut attrs = BTreeMap::new();
        attrs.insert("name".to_owned(), Value::from("web"));
        attrs.insert("tags".to_owned(), Value::Map(BTreeMap::new()));
        let d = Desired {
            address: "dev.network.aws_security_group.web".parse().unwrap(),
            attrs,
            tags: BTreeMap::new(),
            needs: Vec::new(),
        };
        let o = Observed::new("sg-1").out("arn", "arn:sg").out("empty", "");
        let out = outputs_of(&d, &o);
        assert_eq!(out.get("name"), Some(&Value::from("web")));
        assert_eq!(out.get("id"), Some(&Value::from("sg-1")));
        assert_eq!(out.get("arn"), Some(&Value::from("arn:sg")));
        assert!(!out.contains_key("tags") && !out.contains_key("empty"));
    }
}
