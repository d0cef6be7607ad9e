//! `destroy` (dependents first, deletion protection honoured), and what
//! AWS still lists afterwards (`remaining`, with what it keeps by design).

use super::*;

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
pub(super) async fn delete_when_free(op: &crate::cx::Op<'_>, kind: Kind, o: &Owned) -> Result<()> {
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
