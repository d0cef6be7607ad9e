//! What the journal owns and the plan no longer has: each stray's fate, and
//! the order and passes in which apply and destroy delete them.

use super::*;

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

/// The strays `apply` keeps because they hold data or stand under what
/// does (without `--prune-data`), by address: what `drift` marks as kept and
/// `forget --kept` lets go.
pub fn held(cx: &Cx, graph: &Graph) -> Result<BTreeSet<String>> {
    Ok(stray_fates(cx, graph, false)?
        .into_iter()
        .filter(|(_, fate)| *fate == Fate::KeepWithData)
        .map(|(o, _)| o.address)
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
pub(super) async fn prune(
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
pub(super) type Gone = (Address, Owned);

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
pub(super) fn stray_waves(mut gone: Vec<Gone>) -> Vec<Vec<Gone>> {
    let mut waves = Vec::new();
    while !gone.is_empty() {
        let (now, later) = deletable_now(gone);
        waves.push(now);
        gone = later;
    }
    waves
}

#[cfg(test)]
mod tests {
    use strata_model::Address;

    use super::*;

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
}
