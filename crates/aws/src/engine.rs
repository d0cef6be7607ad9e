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
use std::future::Future;
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

/// Polls `check` until it says done: 200 ms, growing by half up to 10 s,
/// for at most 30 minutes.
pub(crate) async fn poll<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let start = Instant::now();
    let mut wait = Duration::from_millis(200);
    loop {
        if check().await? {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(1800) {
            return Err(Error::Invalid(format!("timed out waiting for {what}")));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 3 / 2).min(Duration::from_secs(10));
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

/// What the environment owns and `graph` no longer plans, by address.
pub fn strays(cx: &Cx, graph: &Graph) -> Result<Vec<Owned>> {
    let planned: BTreeSet<String> = graph.iter().map(|r| r.address.to_string()).collect();
    Ok(cx
        .journal
        .all(&cx.env)?
        .into_iter()
        .filter(|o| !planned.contains(&o.address))
        .collect())
}

/// What `apply` does with a stray (owned, no longer planned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Deleted.
    Delete,
    /// An account setting that existed before Strata: disowned and left in
    /// place.
    LeaveInPlace,
    /// Holds data or stands under what does: kept, still owned, until
    /// `--prune-data` (or `strata forget`).
    KeepWithData,
}

/// The strays of `graph`, each with what `apply` does with it.
pub fn stray_fates(cx: &Cx, graph: &Graph, prune_data: bool) -> Result<Vec<(Owned, Fate)>> {
    let gone = strays(cx, graph)?;
    let preexisting = cx.journal.preexisting(&cx.env)?;
    let held = if prune_data {
        BTreeSet::new()
    } else {
        kept_with_data(&gone)
    };
    Ok(gone
        .into_iter()
        .map(|o| {
            let fate = if preexisting.contains(&o.address) {
                Fate::LeaveInPlace
            } else if held.contains(&o.address) {
                Fate::KeepWithData
            } else {
                Fate::Delete
            };
            (o, fate)
        })
        .collect())
}

/// Of `gone` (owned, no longer planned), what stays when data is not
/// pruned: what holds data, its parts (of its service, standing on it: a
/// cluster's instances, a bucket's policy and public access block), and
/// everything those stood on when last applied (the subnet group, the
/// security groups, the KMS key that encrypts it). Journals that predate
/// recorded dependencies are read by name instead: a store's parts named
/// alike across modules (`data_db` the database's group, `data_db_from_web`
/// its rule, `db_writer` its instance) and its aspects by id. It errs on
/// keeping.
fn kept_with_data(gone: &[Owned]) -> BTreeSet<String> {
    let parse = |o: &Owned| o.address.parse::<Address>().ok();
    let stores: Vec<(String, &str)> = gone
        .iter()
        .filter_map(|o| {
            parse(o)
                .filter(|a| kinds::holds_data(a.kind))
                .map(|a| (a, o))
        })
        .map(|(a, o)| (a.name.as_str().to_owned(), o.id.as_str()))
        .collect();
    let mut kept: BTreeSet<String> = gone
        .iter()
        .filter(|o| {
            let Some(a) = parse(o) else { return false };
            let name = a.name.as_str();
            stores.iter().any(|(store, id)| {
                format!("_{name}_").contains(&format!("_{store}_"))
                    || o.id == *id
                    || o.id.starts_with(&format!("{id}|"))
            })
        })
        .map(|o| o.address.clone())
        .collect();
    // Then by recorded dependencies, until nothing more is added.
    let by_address: BTreeMap<&str, &Owned> = gone.iter().map(|o| (o.address.as_str(), o)).collect();
    let mut todo: Vec<String> = kept.iter().cloned().collect();
    while let Some(k) = todo.pop() {
        let Some(o) = by_address.get(k.as_str()) else {
            continue;
        };
        let kind = parse(o).map(|a| a.kind);
        let mut add: Vec<&str> = o
            .needs
            .iter()
            .map(String::as_str)
            .filter(|n| by_address.contains_key(n))
            .collect();
        add.extend(gone.iter().filter_map(|p| {
            let part = parse(p)?;
            (p.needs.contains(&k) && kind.is_some_and(|k| service(k) == service(part.kind)))
                .then_some(p.address.as_str())
        }));
        for a in add {
            if kept.insert(a.to_owned()) {
                todo.push(a.to_owned());
            }
        }
    }
    kept
}

/// Carries out `fates` (see [`stray_fates`]). What is deleted goes in
/// passes: each pass deletes what nothing still pending goes before (see
/// [`goes_before`]: the recorded dependencies, and aspects told by id) and
/// what AWS lets go; what it refuses is retried while a pass makes progress,
/// and what is still refused after a pass that deleted nothing is a failure.
async fn prune(
    cx: &Arc<Cx>,
    fates: Vec<(Owned, Fate)>,
    concurrency: usize,
    on: &(dyn Fn(&Event) + Sync),
    report: &mut Report,
) -> Result<()> {
    let mut pending: Vec<Gone> = Vec::new();
    for (o, fate) in fates {
        let Ok(address) = o.address.parse::<Address>() else {
            continue;
        };
        let action = match fate {
            Fate::Delete => {
                on(&Event::Started(address.clone()));
                pending.push((address, o));
                continue;
            }
            Fate::LeaveInPlace => {
                cx.journal.disown(&cx.env, &o.address)?;
                Action::Kept
            }
            Fate::KeepWithData => Action::Held,
        };
        on(&Event::Finished(
            address.clone(),
            action.clone(),
            Duration::ZERO,
        ));
        report.results.push((address, action));
    }
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    while !pending.is_empty() {
        // What needed a stray, or is an aspect of it (a bucket's policy),
        // goes in a pass before it, so that deleting it does not fail on
        // them or take them along unreported.
        let (now, later) = deletable_now(std::mem::take(&mut pending));
        let mut tasks = JoinSet::new();
        for (address, o) in now {
            let cx = cx.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let t = Instant::now();
                let result = delete_when_free(&cx.op(&address), address.kind, &o).await;
                let result = match result {
                    Ok(()) => Ok(Action::Deleted),
                    Err(e) if e.is_not_found() => Ok(Action::Forgotten),
                    Err(e) => Err(e),
                };
                if result.is_ok() {
                    let _ = cx.journal.disown(&cx.env, &o.address);
                }
                (address, o, result, t.elapsed())
            });
        }
        let mut refused = Vec::new();
        let mut progressed = false;
        while let Some(joined) = tasks.join_next().await {
            let (a, o, result, took) =
                joined.map_err(|e| Error::Invalid(format!("a task panicked: {e}")))?;
            match result {
                Ok(action) => {
                    progressed = true;
                    on(&Event::Finished(a.clone(), action.clone(), took));
                    report.results.push((a, action));
                }
                Err(e) => refused.push((a, o, e, took)),
            }
        }
        refused.sort_by(|x, y| x.0.cmp(&y.0));
        if progressed {
            pending = refused.into_iter().map(|(a, o, _, _)| (a, o)).collect();
        } else {
            for (a, _, e, took) in refused {
                let action = Action::Failed(e.to_string());
                on(&Event::Finished(a.clone(), action.clone(), took));
                report.results.push((a, action));
            }
        }
        pending.extend(later);
    }
    Ok(())
}

/// A stray to delete, with its address.
type Gone = (Address, Owned);

/// The service a kind belongs to: `aws_s3_` for `aws_s3_bucket_policy`.
fn service(kind: Kind) -> &'static str {
    let k = kind.as_str();
    k.match_indices('_').nth(1).map_or(k, |(i, _)| &k[..=i])
}

/// Whether `part` must be deleted before `whole`: it needed `whole` when it
/// was last applied, or it is an aspect of it, told by id for journals that
/// predate recorded dependencies (of the same service, its id `whole`'s
/// followed by `|`, like a role's policy attachment, or `whole`'s id itself
/// when its kind extends `whole`'s, like a bucket's `aws_s3_bucket_policy`).
fn goes_before(part: &Gone, whole: &Gone) -> bool {
    let ((pa, po), (wa, wo)) = (part, whole);
    if po.needs.contains(&wo.address) {
        return true;
    }
    service(pa.kind) == service(wa.kind)
        && (po.id.starts_with(&format!("{}|", wo.id))
            || (po.id == wo.id
                && pa
                    .kind
                    .as_str()
                    .starts_with(&format!("{}_", wa.kind.as_str()))))
}

/// Splits `pending` into what can be deleted now and what waits for a later
/// pass because something still pending goes before it. Should recorded
/// dependencies ever form a cycle, everything is tried now.
fn deletable_now(pending: Vec<Gone>) -> (Vec<Gone>, Vec<Gone>) {
    let waits: Vec<bool> = pending
        .iter()
        .map(|g| {
            pending
                .iter()
                .any(|other| !std::ptr::eq(other, g) && goes_before(other, g))
        })
        .collect();
    if waits.iter().all(|w| *w) {
        return (pending, Vec::new());
    }
    let (now, later): (Vec<_>, Vec<_>) = pending.into_iter().zip(waits).partition(|(_, w)| !*w);
    (
        now.into_iter().map(|(g, _)| g).collect(),
        later.into_iter().map(|(g, _)| g).collect(),
    )
}

/// `gone` in waves: each wave holds what nothing in a later wave goes before.
fn stray_waves(mut gone: Vec<Gone>) -> Vec<Vec<Gone>> {
    let mut waves = Vec::new();
    while !gone.is_empty() {
        let (now, later) = deletable_now(gone);
        waves.push(now);
        gone = later;
    }
    waves
}

/// One resource's drift.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// Attributes differ.
    Changed(Vec<Diff>),
    /// Owned, but gone from AWS.
    Deleted,
    /// Planned, never applied.
    NotCreated,
    /// Owned, but no longer in the spec.
    Orphaned(String),
}

/// Drift of an environment: per resource with drift, what differs.
#[derive(Debug, Clone, Default)]
pub struct DriftReport {
    /// Resources that drifted, by address.
    pub drifted: BTreeMap<String, Drift>,
    /// Resources compared.
    pub compared: usize,
    /// Resources the live engine does not provision (not compared).
    pub skipped: usize,
    /// Read calls made.
    pub read_calls: u64,
    /// Wall time.
    pub wall: Duration,
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

/// What was observed of one planned resource.
#[derive(Debug, Clone)]
pub enum Seen {
    /// Not provisioned by the live engine.
    Skipped,
    /// Never applied (or something it refers to never was).
    NotCreated,
    /// Owned, and gone from AWS.
    Deleted,
    /// Owned and live.
    Live(Box<Desired>, Observed),
}

/// Reads every owned resource of `graph` (in parallel, reads only), with
/// desired values resolved from the journal's outputs.
pub async fn observe(
    cx: Arc<Cx>,
    graph: &Graph,
    concurrency: usize,
) -> Result<BTreeMap<Address, Seen>> {
    let owned: BTreeMap<String, Owned> = cx
        .journal
        .all(&cx.env)?
        .into_iter()
        .map(|o| (o.address.clone(), o))
        .collect();
    let mut outputs: Outputs = BTreeMap::new();
    for r in graph.iter() {
        if let Some(o) = owned.get(&r.address.to_string()) {
            outputs.insert(r.address.clone(), o.outputs.clone());
        }
    }
    let mut seen = BTreeMap::new();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let unprovisionable = unprovisionable(graph);
    for r in graph.iter() {
        if unprovisionable.contains(&r.address) {
            seen.insert(r.address.clone(), Seen::Skipped);
            continue;
        }
        let Some(o) = owned.get(&r.address.to_string()).cloned() else {
            seen.insert(r.address.clone(), Seen::NotCreated);
            continue;
        };
        let Ok(desired) = Desired::new(r, &outputs, &cx.account) else {
            seen.insert(r.address.clone(), Seen::NotCreated);
            continue;
        };
        let cx = cx.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let op = cx.op(&desired.address);
            let live = kinds::read(&op, &o.id, &desired).await;
            (desired, live)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (desired, live) =
            joined.map_err(|e| Error::Invalid(format!("a task panicked: {e}")))?;
        let address = desired.address.clone();
        let s = match live? {
            None => Seen::Deleted,
            Some(o) => Seen::Live(Box::new(desired), o),
        };
        seen.insert(address, s);
    }
    Ok(seen)
}

/// Observes every owned resource of `graph` and compares it with the spec.
pub async fn drift(cx: Arc<Cx>, graph: &Graph, concurrency: usize) -> Result<DriftReport> {
    let start = Instant::now();
    let seen = observe(cx.clone(), graph, concurrency).await?;
    let mut report = DriftReport::default();
    for (a, s) in &seen {
        let address = a.to_string();
        match s {
            Seen::Skipped => report.skipped += 1,
            Seen::NotCreated => {
                report.drifted.insert(address, Drift::NotCreated);
            }
            Seen::Deleted => {
                report.compared += 1;
                report.drifted.insert(address, Drift::Deleted);
            }
            Seen::Live(d, o) => {
                report.compared += 1;
                let diffs = kinds::diff(d, o);
                if !diffs.is_empty() {
                    report.drifted.insert(address, Drift::Changed(diffs));
                }
            }
        }
    }
    for o in strays(&cx, graph)? {
        report.drifted.insert(o.address, Drift::Orphaned(o.id));
    }
    report.read_calls = cx.read_calls();
    report.wall = start.elapsed();
    cx.journal.finish_run(
        cx.run,
        if report.drifted.is_empty() {
            "clean"
        } else {
            "drift"
        },
    )?;
    Ok(report)
}

/// Why a planned AWS resource is not live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Absence {
    /// The live engine does not provision its kind yet.
    NotProvisioned,
    /// Never applied (or something it depends on never was).
    NotCreated,
    /// Owned, and gone from AWS: deleted out of band.
    Deleted,
}

impl Absence {
    /// What to tell the user.
    pub fn why(self) -> &'static str {
        match self {
            Absence::NotProvisioned => "its kind is not provisioned by the live engine yet",
            Absence::NotCreated => "never created: `strata apply` has not made it",
            Absence::Deleted => {
                "deleted out of band: `strata drift` reports it, `drift --fix` makes it again"
            }
        }
    }
}

/// What of a plan is live, for the control catalog to judge.
#[derive(Debug, Default)]
pub struct LiveGraph {
    /// The live resources only, each with every attribute its kind observes
    /// replaced by the live value.
    pub graph: Graph,
    /// Planned AWS resources that are not live: they never pass a control
    /// (`strata_policy::judge_absent` fails every control of their kind).
    pub absent: BTreeMap<Address, Absence>,
    /// Planned objects that are not AWS resources (Kubernetes and Grafana
    /// objects ship as rendered files): out of the live audit's reach.
    pub not_aws: usize,
}

/// The planned graph as it is live: every attribute a kind observes
/// replaced by its live value, so the control catalog judges what runs, not
/// what was asked for; a planned resource that is not live is absent, never
/// judged on its planned attributes. Rules added to a group out of band
/// become rule resources of their own (`unmanaged_<rule id>`), judged like
/// any other.
pub fn live_graph(graph: &Graph, seen: &BTreeMap<Address, Seen>) -> LiveGraph {
    let mut out = LiveGraph::default();
    for r in graph.iter() {
        let o = match seen.get(&r.address) {
            Some(Seen::Live(_, o)) => o,
            _ if !r.kind.as_str().starts_with("aws_") => {
                out.not_aws += 1;
                continue;
            }
            Some(Seen::Deleted) => {
                out.absent.insert(r.address.clone(), Absence::Deleted);
                continue;
            }
            Some(Seen::Skipped) => {
                out.absent
                    .insert(r.address.clone(), Absence::NotProvisioned);
                continue;
            }
            Some(Seen::NotCreated) | None => {
                out.absent.insert(r.address.clone(), Absence::NotCreated);
                continue;
            }
        };
        let mut r = r.clone();
        for (k, v) in &o.live {
            // References are the graph's edges: a live id in their place
            // would cut them (drift compares them instead).
            let linked = r
                .attributes
                .get(k)
                .is_some_and(|p| !p.references().is_empty());
            if r.attributes.contains_key(k) && !linked {
                r.attributes.insert(k.clone(), v.clone());
            }
        }
        if r.kind == Kind::AwsSecurityGroup {
            for rule in o
                .live
                .get("unmanaged_rules")
                .and_then(Value::as_list)
                .unwrap_or_default()
            {
                if let Some(extra) = unmanaged_rule(&r, rule) {
                    let _ = out.graph.insert(extra);
                }
            }
        }
        let _ = out.graph.insert(r);
    }
    out
}

fn unmanaged_rule(group: &Resource, rule: &Value) -> Option<Resource> {
    let m = rule.as_map()?;
    let id = m.get("id")?.as_str()?;
    let kind = if m.get("direction")?.as_str()? == "egress" {
        Kind::AwsVpcSecurityGroupEgressRule
    } else {
        Kind::AwsVpcSecurityGroupIngressRule
    };
    let name = strata_model::Ident::new(&format!("unmanaged_{}", id.replace('-', "_"))).ok()?;
    let address = Address::new(
        group.address.env.clone(),
        group.address.module.clone(),
        kind,
        name,
    );
    let peer = m.get("peer")?.as_str()?.to_owned();
    let mut r = Resource::new(address, group.layer, group.source.clone())
        .with("security_group_id", Value::reference(&group.address, "id"))
        .with("ip_protocol", m.get("ip_protocol")?.clone())
        .with("from_port", m.get("from_port")?.clone())
        .with("to_port", m.get("to_port")?.clone())
        .with("description", "added out of band");
    r = if peer.contains('/') {
        r.with("cidr_ipv4", peer)
    } else {
        r.with("referenced_security_group_id", peer)
    };
    Some(r)
}

/// A resource that deletion protection keeps.
pub fn protected(graph: &Graph) -> Vec<Address> {
    graph
        .iter()
        .filter(|r| {
            ["deletion_protection", "enable_deletion_protection"]
                .iter()
                .any(|k| r.get(k).and_then(Value::as_bool) == Some(true))
        })
        .map(|r| r.address.clone())
        .collect()
}

/// Deletes everything the journal owns for the environment, dependents
/// first. Protected resources make it refuse unless `force`; with `force`
/// their protection is switched off first.
pub async fn destroy(
    cx: Arc<Cx>,
    graph: &Graph,
    force: bool,
    concurrency: usize,
    on: &(dyn Fn(&Event) + Sync),
) -> Result<Report> {
    let start = Instant::now();
    let owned: BTreeMap<String, Owned> = cx
        .journal
        .all(&cx.env)?
        .into_iter()
        .map(|o| (o.address.clone(), o))
        .collect();
    let guarded: Vec<Address> = protected(graph)
        .into_iter()
        .filter(|a| owned.contains_key(&a.to_string()))
        .collect();
    if !guarded.is_empty() && !force {
        let names: Vec<String> = guarded.iter().map(|a| a.to_string()).collect();
        return Err(Error::Refused(format!(
            "deletion protection is on for {}; nothing was deleted (use --force to switch it off and delete)",
            names.join(", ")
        )));
    }
    // Order: what the spec no longer has first, in the order its recorded
    // dependencies give, then the plan's waves in reverse.
    let gone: Vec<Gone> = strays(&cx, graph)?
        .into_iter()
        .filter_map(|o| Some((o.address.parse::<Address>().ok()?, o)))
        .collect();
    let mut order: Vec<Vec<String>> = stray_waves(gone)
        .into_iter()
        .map(|w| w.into_iter().map(|(_, o)| o.address).collect())
        .collect();
    let waves = graph.waves().map_err(|e| Error::Invalid(e.to_string()))?;
    for wave in waves.iter().rev() {
        let w: Vec<String> = wave
            .iter()
            .map(|a| a.to_string())
            .filter(|a| owned.contains_key(a))
            .collect();
        if !w.is_empty() {
            order.push(w);
        }
    }
    let mut report = Report::default();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let force_ = force;
    let preexisting = Arc::new(cx.journal.preexisting(&cx.env)?);
    for wave in order {
        let mut tasks = JoinSet::new();
        for a in wave {
            let o = owned[&a].clone();
            let Ok(address) = a.parse::<Address>() else {
                continue;
            };
            let cx = cx.clone();
            let permits = permits.clone();
            let preexisting = preexisting.clone();
            on(&Event::Started(address.clone()));
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let t = Instant::now();
                let kind: Kind = address.kind;
                if preexisting.contains(&o.address) {
                    let _ = cx.journal.disown(&cx.env, &o.address);
                    return (address, Action::Kept, t.elapsed());
                }
                let op = cx.op(&address);
                let result = if force_ {
                    unprotect(&op, kind, &o).await
                } else {
                    Ok(())
                };
                let result = match result {
                    Ok(()) => delete_when_free(&op, kind, &o).await,
                    Err(e) => Err(e),
                };
                let action = match result {
                    Ok(()) => Action::Deleted,
                    Err(e) if e.is_not_found() => Action::Forgotten,
                    Err(e) => Action::Failed(e.to_string()),
                };
                if !action.is_failure() {
                    let _ = cx.journal.disown(&cx.env, &o.address);
                }
                (address, action, t.elapsed())
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (a, action, took) =
                joined.map_err(|e| Error::Invalid(format!("a task panicked: {e}")))?;
            on(&Event::Finished(a.clone(), action.clone(), took));
            report.results.push((a, action));
        }
    }
    report.mutating_calls = cx.mutating_calls();
    report.read_calls = cx.read_calls();
    report.wall = start.elapsed();
    cx.journal
        .finish_run(cx.run, if report.failed() { "failed" } else { "ok" })?;
    Ok(report)
}

/// Deletes `o`, waiting out what AWS releases asynchronously: a group or
/// subnet still used by the network interfaces of a load balancer or NAT
/// gateway deleted a moment ago answers `DependencyViolation` for a few
/// minutes. Retried with growing pauses for up to 15 minutes.
async fn delete_when_free(op: &crate::cx::Op<'_>, kind: Kind, o: &Owned) -> Result<()> {
    let start = Instant::now();
    let mut wait = Duration::from_secs(2);
    loop {
        match kinds::delete(op, kind, o).await {
            Err(e)
                if matches!(
                    e.code(),
                    Some("DependencyViolation" | "ResourceInUse" | "InvalidDBClusterStateFault")
                ) && start.elapsed() < Duration::from_secs(900) =>
            {
                tracing::debug!(address = %o.address, "in use; retrying the delete");
                tokio::time::sleep(wait).await;
                wait = (wait * 3 / 2).min(Duration::from_secs(30));
            }
            other => return other,
        }
    }
}

async fn unprotect(op: &crate::cx::Op<'_>, kind: Kind, o: &Owned) -> Result<()> {
    kinds::unprotect(op, kind, o).await
}

/// What is left of an environment after a destroy.
#[derive(Debug, Clone, Default)]
pub struct Remaining {
    /// Still there: ARNs from the tagging API, addresses a kind still finds.
    pub left: Vec<String>,
    /// Deleted, and still listed by AWS by design (keys and secrets in their
    /// waiting period, deleted NAT gateways, inactive ECS objects, automated
    /// backups), with the reason.
    pub retained: Vec<String>,
}

/// An AWS Config recorder the account has in a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingRecorder {
    /// Its name (Control Tower's is `aws-controltower-BaselineConfigRecorder`).
    pub name: String,
    /// Whether it records now.
    pub recording: bool,
    /// Whether it records every supported resource type.
    pub all_supported: bool,
    /// Whether it records global (IAM) resource types too.
    pub global: bool,
}

/// The recording an environment with `security.config_recorder: existing`
/// relies on: the region's recorders, and the same observed as the planned
/// kinds a recorder of Strata's would be, so the control catalog judges them
/// alike: `<env>.security.aws_config_configuration_recorder_status.existing`
/// (`is_enabled`: whether any recorder records) and, when there is one,
/// `<env>.security.aws_config_configuration_recorder.existing` (its
/// `recording_group`: that of the recorders that record, or of all when
/// none does).
#[derive(Clone, Debug)]
pub struct Recording {
    /// Every recorder in the region.
    pub recorders: Vec<ExistingRecorder>,
    /// The observed resources, for the catalog.
    pub resources: Vec<Resource>,
}

/// Reads the recording an environment with `config_recorder: existing`
/// relies on (see [`Recording`]).
pub async fn existing_recording(cx: &Cx, graph: &Graph) -> Result<Recording> {
    let any = any_address(graph);
    let op = cx.op(&any);
    let config = &op.c().config;
    let statuses = op
        .read(
            "DescribeConfigurationRecorderStatus",
            config.describe_configuration_recorder_status().send(),
        )
        .await?;
    let described = op
        .read(
            "DescribeConfigurationRecorders",
            config.describe_configuration_recorders().send(),
        )
        .await?;
    let recorders: Vec<ExistingRecorder> = described
        .configuration_recorders()
        .iter()
        .map(|r| {
            let name = r.name().unwrap_or_default().to_owned();
            let recording = statuses
                .configuration_recorders_status()
                .iter()
                .any(|s| s.name() == Some(name.as_str()) && s.recording());
            let group = r.recording_group();
            ExistingRecorder {
                recording,
                all_supported: group.is_some_and(|g| g.all_supported()),
                global: group.is_some_and(|g| g.include_global_resource_types()),
                name,
            }
        })
        .collect();
    Ok(Recording {
        resources: recording_resources(&any.env.to_string(), &op.c().region, &recorders)?,
        recorders,
    })
}

/// The recorders of a region as the catalog judges them (see [`Recording`]).
fn recording_resources(
    env: &str,
    region: &str,
    recorders: &[ExistingRecorder],
) -> Result<Vec<Resource>> {
    let address = |kind: &str| -> Result<Address> {
        format!("{env}.security.{kind}.existing")
            .parse()
            .map_err(|e| Error::Invalid(format!("{e}")))
    };
    let names: Vec<&str> = recorders.iter().map(|r| r.name.as_str()).collect();
    let seen = if names.is_empty() {
        format!("no AWS Config recorder in {region}")
    } else {
        format!("AWS Config recorder {} in {region}", names.join(", "))
    };
    let live = || strata_model::Provenance::Live { arn: seen.clone() };
    let recording = recorders.iter().any(|r| r.recording);
    let mut out = vec![
        Resource::new(
            address("aws_config_configuration_recorder_status")?,
            strata_model::Layer::Security,
            live(),
        )
        .with("name", names.join(","))
        .with("is_enabled", recording),
    ];
    let judged: Vec<&ExistingRecorder> = recorders
        .iter()
        .filter(|r| r.recording || !recording)
        .collect();
    if !judged.is_empty() {
        let group = strata_model::Value::Map(
            [
                (
                    "all_supported".to_owned(),
                    judged.iter().any(|r| r.all_supported).into(),
                ),
                (
                    "include_global_resource_types".to_owned(),
                    judged.iter().any(|r| r.global).into(),
                ),
            ]
            .into(),
        );
        let names: Vec<&str> = judged.iter().map(|r| r.name.as_str()).collect();
        out.push(
            Resource::new(
                address("aws_config_configuration_recorder")?,
                strata_model::Layer::Security,
                live(),
            )
            .with("name", names.join(","))
            .with("recording_group", group),
        );
    }
    Ok(out)
}

/// What the tagging API lists in `clients`' region with every tag of
/// `filters`: ARNs with their tags, through every page.
pub(crate) async fn tagged_with(
    op: &crate::cx::Op<'_>,
    clients: &crate::cx::Clients,
    filters: &[(&str, &str)],
) -> Result<Vec<(String, Vec<(String, String)>)>> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut call = clients
            .tagging
            .get_resources()
            .set_pagination_token(token.clone());
        for (k, v) in filters {
            call = call.tag_filters(TagFilter::builder().key(*k).values(*v).build());
        }
        let page = op.read("GetResources", call.send()).await?;
        for m in page.resource_tag_mapping_list() {
            let tags = m
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect();
            out.push((m.resource_arn().unwrap_or_default().to_owned(), tags));
        }
        match page.pagination_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(out),
        }
    }
}

/// What still carries the environment's tags after a destroy: ARNs from the
/// tagging API, and addresses that a kind still finds by tag or name.
pub async fn remaining(cx: Arc<Cx>, graph: &Graph, app: &str) -> Result<Remaining> {
    let mut out = Remaining::default();
    let addr = any_address(graph);
    let op = cx.op(&addr);
    let mut arns = Vec::new();
    for clients in std::iter::once(&cx.c).chain(cx.regional.values()) {
        let found = tagged_with(
            &op,
            clients,
            &[("strata:env", cx.env.as_str()), ("strata:app", app)],
        )
        .await?;
        arns.extend(found.into_iter().map(|(arn, _)| arn));
    }
    for arn in arns {
        match retained(&op, &arn).await? {
            Some(why) => out.retained.push(format!("{arn} ({why})")),
            None => out.left.push(arn),
        }
    }
    let outputs: Outputs = BTreeMap::new();
    let preexisting = cx.journal.preexisting(&cx.env)?;
    for r in graph.iter().filter(|r| kinds::supported(r.kind)) {
        if preexisting.contains(&r.address.to_string()) {
            out.retained.push(format!(
                "{} (existed before Strata: left in place)",
                r.address
            ));
            continue;
        }
        // Desired values that refer to deleted resources cannot resolve;
        // kinds found by name or tag alone still can be looked up.
        let Ok(d) = Desired::new(&strip_refs(r), &outputs, &cx.account) else {
            continue;
        };
        let op = cx.op(&r.address);
        if let Ok(Some(o)) = kinds::find(&op, &d).await {
            out.left.push(format!("{} ({})", r.address, o.id));
        }
    }
    out.left.sort();
    out.left.dedup();
    Ok(out)
}

/// Why AWS still lists a deleted resource, if it does so by design: a
/// waiting period (KMS keys, secrets), a record of something gone (deleted
/// NAT gateways, inactive ECS clusters, services and task definitions), or
/// an automated backup AWS expires by itself.
async fn retained(op: &crate::cx::Op<'_>, arn: &str) -> Result<Option<&'static str>> {
    let region = arn.split(':').nth(3).unwrap_or_default();
    let clients = op.cx.clients_for(region);
    if arn.contains(":kms:") {
        let key = op
            .read_opt("DescribeKey", clients.kms.describe_key().key_id(arn).send())
            .await?;
        let pending = key.and_then(|k| k.key_metadata().and_then(|m| m.key_state().cloned()))
            == Some(aws_sdk_kms::types::KeyState::PendingDeletion);
        return Ok(pending.then_some("pending deletion"));
    }
    if arn.contains(":secretsmanager:") {
        let s = op
            .read_opt(
                "DescribeSecret",
                clients.secrets.describe_secret().secret_id(arn).send(),
            )
            .await?;
        return Ok(s
            .is_none_or(|s| s.deleted_date().is_some())
            .then_some("pending deletion"));
    }
    if let Some(id) = arn.split(":natgateway/").nth(1) {
        let n = op
            .read_opt(
                "DescribeNatGateways",
                op.c()
                    .ec2
                    .describe_nat_gateways()
                    .nat_gateway_ids(id)
                    .send(),
            )
            .await?;
        let gone = n.is_none_or(|n| {
            n.nat_gateways()
                .iter()
                .all(|g| g.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Deleted))
        });
        return Ok(gone.then_some("deleted (listed for an hour)"));
    }
    if arn.contains(":ecs:") && arn.contains(":cluster/") {
        let c = op
            .read_opt(
                "DescribeClusters",
                clients.ecs.describe_clusters().clusters(arn).send(),
            )
            .await?;
        let gone = c.is_none_or(|c| c.clusters().iter().all(|c| c.status() == Some("INACTIVE")));
        return Ok(gone.then_some("inactive"));
    }
    if arn.contains(":ecs:") && arn.contains(":service/") {
        let mut parts = arn.rsplit('/');
        let (service, cluster) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let s = op
            .read_opt(
                "DescribeServices",
                op.c()
                    .ecs
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .send(),
            )
            .await?;
        let gone = s.is_none_or(|s| s.services().iter().all(|s| s.status() != Some("ACTIVE")));
        return Ok(gone.then_some("inactive"));
    }
    if arn.contains(":ecs:") && arn.contains(":task-definition/") {
        let t = op
            .read_opt(
                "DescribeTaskDefinition",
                op.c()
                    .ecs
                    .describe_task_definition()
                    .task_definition(arn)
                    .send(),
            )
            .await;
        let gone = match t {
            Ok(t) => t.is_none_or(|t| {
                t.task_definition()
                    .is_none_or(|t| t.status().map(|s| s.as_str()) != Some("ACTIVE"))
            }),
            Err(_) => true,
        };
        return Ok(gone.then_some("deregistered"));
    }
    if arn.contains(":cluster-snapshot:rds:") || arn.contains(":snapshot:rds:") {
        return Ok(Some("automated backup, expired by AWS"));
    }
    if arn.contains(":cluster-snapshot:") || arn.contains(":snapshot:") {
        // Made by the delete itself (`final_snapshot_identifier`): kept on
        // purpose, deleted by hand once the data is no longer wanted.
        return Ok(Some(
            "final snapshot of a deleted database, kept on purpose",
        ));
    }
    Ok(None)
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

    fn owned(address: &str, id: &str) -> Owned {
        Owned {
            address: address.into(),
            kind: address.split('.').nth(2).unwrap().into(),
            id: id.into(),
            outputs: Default::default(),
            needs: Vec::new(),
        }
    }

    #[test]
    fn aspects_are_deleted_before_what_they_belong_to() {
        let pending: Vec<(Address, Owned)> = [
            ("dev.security.aws_s3_bucket.config", "shop-dev-config"),
            (
                "dev.security.aws_s3_bucket_policy.config",
                "shop-dev-config",
            ),
            (
                "dev.security.aws_s3_bucket_public_access_block.config",
                "shop-dev-config",
            ),
            ("dev.security.aws_iam_role.config", "shop-dev-config"),
            (
                "dev.security.aws_iam_role_policy_attachment.config",
                "shop-dev-config|arn:aws:iam::aws:policy/x",
            ),
            ("dev.network.aws_vpc_endpoint.sts", "vpce-1"),
        ]
        .into_iter()
        .map(|(a, id)| (a.parse().unwrap(), owned(a, id)))
        .collect();
        let names = |v: &[(Address, Owned)]| -> Vec<String> {
            v.iter().map(|(a, _)| a.to_string()).collect()
        };
        let (now, later) = deletable_now(pending);
        assert_eq!(
            names(&later),
            [
                "dev.security.aws_s3_bucket.config",
                "dev.security.aws_iam_role.config"
            ],
            "owners wait for their aspects, whatever their ids share"
        );
        assert_eq!(now.len(), 4);
        let (now, later) = deletable_now(later);
        assert_eq!((now.len(), later.len()), (2, 0), "then they go");
    }

    /// What `--prune`, without `--prune-data`, deletes of `gone`.
    fn pruned(gone: &[Owned]) -> Vec<&str> {
        let kept = kept_with_data(gone);
        gone.iter()
            .filter(|o| !kept.contains(&o.address))
            .map(|o| o.address.as_str())
            .collect()
    }

    fn needing(address: &str, id: &str, needs: &[&str]) -> Owned {
        Owned {
            needs: needs.iter().map(|n| (*n).to_owned()).collect(),
            ..owned(address, id)
        }
    }

    #[test]
    fn recorded_dependencies_keep_what_a_store_stands_on_whatever_its_name() {
        let cluster = "dev.data.aws_rds_cluster.orders";
        let key = "dev.security.aws_kms_key.data";
        let gone = [
            needing(
                cluster,
                "shop-dev-orders",
                &[
                    "dev.data.aws_db_subnet_group.private",
                    "dev.network.aws_security_group.postgres",
                    key,
                    "dev.network.aws_vpc.main",
                ],
            ),
            needing(
                "dev.data.aws_rds_cluster_instance.one",
                "shop-dev-orders-1",
                &[cluster],
            ),
            needing("dev.data.aws_db_subnet_group.private", "g", &[]),
            needing("dev.network.aws_security_group.postgres", "sg-1", &[]),
            needing(key, "k-1", &[]),
            needing("dev.security.aws_kms_alias.data", "alias/x", &[key]),
            needing(
                "dev.security.aws_iam_policy.api_grants",
                "arn:p",
                &[cluster],
            ),
            needing("dev.logs.aws_cloudwatch_log_group.api", "/api", &[key]),
        ];
        assert_eq!(
            pruned(&gone),
            [
                "dev.security.aws_iam_policy.api_grants",
                "dev.logs.aws_cloudwatch_log_group.api"
            ],
            "a grant on the store and a user of its key go; its parts and footing stay"
        );
    }

    #[test]
    fn strays_are_deleted_in_the_order_their_recorded_dependencies_give() {
        let gone: Vec<Gone> = [
            needing(
                "dev.network.aws_subnet.a",
                "subnet-1",
                &["dev.network.aws_vpc.x"],
            ),
            needing("dev.network.aws_vpc.x", "vpc-1", &[]),
            needing(
                "dev.network.aws_route_table_association.a",
                "rtbassoc-1",
                &["dev.network.aws_subnet.a"],
            ),
            needing("dev.network.aws_vpc_endpoint.sts", "vpce-1", &[]),
        ]
        .into_iter()
        .map(|o| (o.address.parse().unwrap(), o))
        .collect();
        let waves: Vec<Vec<String>> = stray_waves(gone)
            .into_iter()
            .map(|w| w.into_iter().map(|(a, _)| a.to_string()).collect())
            .collect();
        assert_eq!(
            waves,
            [
                vec![
                    "dev.network.aws_route_table_association.a",
                    "dev.network.aws_vpc_endpoint.sts"
                ],
                vec!["dev.network.aws_subnet.a"],
                vec!["dev.network.aws_vpc.x"],
            ]
        );
        let cycle: Vec<Gone> = [
            needing("dev.network.aws_vpc.x", "vpc-1", &["dev.network.aws_vpc.y"]),
            needing("dev.network.aws_vpc.y", "vpc-2", &["dev.network.aws_vpc.x"]),
        ]
        .into_iter()
        .map(|o| (o.address.parse().unwrap(), o))
        .collect();
        assert_eq!(stray_waves(cycle).len(), 1, "a cycle is tried at once");
    }

    #[test]
    fn a_dropped_store_keeps_what_stands_under_it_and_nothing_else() {
        let gone = [
            owned("dev.data.aws_rds_cluster.db", "shop-dev-db"),
            owned(
                "dev.data.aws_rds_cluster_instance.db_writer",
                "shop-dev-db-writer",
            ),
            owned("dev.data.aws_db_subnet_group.db", "shop-dev-db"),
            owned("dev.network.aws_security_group.data_db", "sg-1"),
            owned(
                "dev.network.aws_vpc_security_group_ingress_rule.data_db_from_web",
                "sgr-1",
            ),
            owned("dev.data.aws_s3_bucket.exports", "shop-dev-exports"),
            owned("dev.data.aws_s3_bucket_policy.archive", "shop-dev-exports"),
            owned(
                "dev.data.aws_s3_bucket_versioning.uploads",
                "shop-dev-exports|x",
            ),
            owned("dev.network.aws_vpc_endpoint.sts", "vpce-1"),
            owned("dev.network.aws_security_group.dbx", "sg-2"),
            owned(
                "dev.security.aws_iam_role.exports_reader",
                "shop-dev-exports-reader",
            ),
        ];
        assert_eq!(
            pruned(&gone),
            [
                "dev.network.aws_vpc_endpoint.sts",
                "dev.network.aws_security_group.dbx"
            ],
            "a name merely starting like a store's is not its part"
        );
        // Nothing holds data: nothing is kept.
        assert!(kept_with_data(&gone[8..10]).is_empty());
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

    #[test]
    fn the_recording_relied_on_is_judged_by_the_recorders_that_record() {
        let rec = |name: &str, recording, all_supported| ExistingRecorder {
            name: name.into(),
            recording,
            all_supported,
            global: false,
        };
        // `key`, or `key.field` of a map, of the resource of `kind`.
        let attr = |rs: &[Resource], kind: &str, key: &str| -> Option<Value> {
            let r = rs.iter().find(|r| r.kind.as_str() == kind)?;
            match key.split_once('.') {
                Some((map, field)) => match r.get(map)? {
                    Value::Map(m) => m.get(field).cloned(),
                    _ => None,
                },
                None => r.get(key).cloned(),
            }
        };
        let none = recording_resources("dev", "eu-west-1", &[]).unwrap();
        assert_eq!(none.len(), 1, "no recorder: only the status, not recording");
        assert_eq!(
            attr(
                &none,
                "aws_config_configuration_recorder_status",
                "is_enabled"
            ),
            Some(Value::Bool(false))
        );
        assert_eq!(
            none[0].address.to_string(),
            "dev.security.aws_config_configuration_recorder_status.existing"
        );
        // A stopped recorder of everything and a running one of some types:
        // what records is what counts.
        let rs = recording_resources(
            "dev",
            "eu-west-1",
            &[rec("org", false, true), rec("team", true, false)],
        )
        .unwrap();
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder_status",
                "is_enabled"
            ),
            Some(Value::Bool(true))
        );
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder",
                "recording_group.all_supported"
            ),
            Some(Value::Bool(false))
        );
        assert_eq!(
            attr(&rs, "aws_config_configuration_recorder", "name"),
            Some(Value::from("team"))
        );
        // None records: the group judged is that of every recorder.
        let rs = recording_resources("dev", "eu-west-1", &[rec("org", false, true)]).unwrap();
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder",
                "recording_group.all_supported"
            ),
            Some(Value::Bool(true))
        );
    }
}
