//! Reading what is live: `observe` (every owned resource, reads only),
//! `drift` against the plan, and `live_graph` for the control catalog.

use super::*;

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
