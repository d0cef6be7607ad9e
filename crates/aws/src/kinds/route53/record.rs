//! `aws_route53_record`: alias records, plain records, and the DNS
//! validation records of a certificate (`for_each_validation_option_of`).
//! Written with UPSERT, so a retried or adopted write changes nothing.
//! Its id is `<zone>|<name>|<type>[|<name>|<type>…]`.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field, strs};

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// The record sets `d` asks for.
fn wanted(d: &Desired) -> Result<Vec<ResourceRecordSet>> {
    let ttl = d.opt_int("ttl").unwrap_or(300);
    let build = |b: aws_sdk_route53::types::builders::ResourceRecordSetBuilder| {
        b.build()
            .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))
    };
    if let Some(options) = d
        .get("for_each_validation_option_of")
        .and_then(Value::as_list)
    {
        let mut out = Vec::new();
        for o in options {
            let m = o.as_map();
            let s = |k: &str| {
                field(m, k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            out.push(build(
                ResourceRecordSet::builder()
                    .name(fqdn(&s("resource_record_name")))
                    .r#type(RrType::from(s("resource_record_type").as_str()))
                    .ttl(ttl)
                    .resource_records(
                        ResourceRecord::builder()
                            .value(s("resource_record_value"))
                            .build()
                            .map_err(|e| Error::Invalid(e.to_string()))?,
                    ),
            )?);
        }
        return Ok(out);
    }
    let name = fqdn(d.str("name")?);
    let kind = RrType::from(d.str("type")?);
    if let Some(alias) = d.map("alias") {
        let s = |k: &str| {
            field(Some(alias), k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let target = AliasTarget::builder()
            .dns_name(s("name"))
            .hosted_zone_id(s("zone_id"))
            .evaluate_target_health(
                field(Some(alias), "evaluate_target_health")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            )
            .build()
            .map_err(|e| Error::Invalid(e.to_string()))?;
        return Ok(vec![build(
            ResourceRecordSet::builder()
                .name(name)
                .r#type(kind)
                .alias_target(target),
        )?]);
    }
    let records = strs(d.get("records"))
        .into_iter()
        .filter_map(|v| ResourceRecord::builder().value(v).build().ok())
        .collect();
    Ok(vec![build(
        ResourceRecordSet::builder()
            .name(name)
            .r#type(kind)
            .ttl(ttl)
            .set_resource_records(Some(records)),
    )?])
}

fn id_of(zone: &str, sets: &[ResourceRecordSet]) -> String {
    let mut id = zone.to_owned();
    for s in sets {
        id.push('|');
        id.push_str(s.name());
        id.push('|');
        id.push_str(s.r#type().as_str());
        // Weighted and latency records share a name and type: the set
        // identifier tells them apart.
        if let Some(set) = s.set_identifier() {
            id.push('@');
            id.push_str(set);
        }
    }
    id
}

fn parse(id: &str) -> Result<(String, Vec<(String, String)>)> {
    let mut parts = id.split('|');
    let zone = parts.next().unwrap_or_default().to_owned();
    let rest: Vec<&str> = parts.collect();
    if zone.is_empty() || rest.is_empty() || rest.len() % 2 != 0 {
        return Err(Error::Invalid(format!(
            "record id `{id}` is not <zone>|<name>|<type>…"
        )));
    }
    Ok((
        zone,
        rest.chunks(2)
            .map(|c| (c[0].to_owned(), c[1].to_owned()))
            .collect(),
    ))
}

async fn lookup(
    op: &Op<'_>,
    zone: &str,
    name: &str,
    kind: &str,
) -> Result<Option<ResourceRecordSet>> {
    let (kind, set) = match kind.split_once('@') {
        Some((k, s)) => (k, Some(s)),
        None => (kind, None),
    };
    let out = op
        .read_opt(
            "ListResourceRecordSets",
            op.c()
                .route53
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .start_record_name(name)
                .start_record_type(RrType::from(kind))
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.resource_record_sets()
            .iter()
            .find(|s| s.name() == name && s.r#type().as_str() == kind && s.set_identifier() == set)
            .cloned()
    }))
}

fn describe(s: &ResourceRecordSet) -> Value {
    match s.alias_target() {
        Some(a) => Value::from(format!("ALIAS {}", a.dns_name().trim_end_matches('.'))),
        None => Value::from(
            s.resource_records()
                .iter()
                .map(|r| r.value())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

async fn observe(op: &Op<'_>, id: &str) -> Result<Option<Observed>> {
    let (zone, keys) = parse(id)?;
    let mut values = Vec::new();
    for (name, kind) in &keys {
        match lookup(op, &zone, name, kind).await? {
            Some(s) => values.push(describe(&s)),
            None => return Ok(None),
        }
    }
    let first = keys
        .first()
        .map(|k| k.0.trim_end_matches('.').to_owned())
        .unwrap_or_default();
    Ok(Some(
        Observed::new(id)
            .out("fqdn", first.as_str())
            .out("name", first.as_str())
            .live("records_live", Value::List(values)),
    ))
}

async fn upsert(
    op: &Op<'_>,
    zone: &str,
    sets: Vec<ResourceRecordSet>,
    action: ChangeAction,
) -> Result<()> {
    let changes: Vec<Change> = sets
        .into_iter()
        .filter_map(|s| {
            Change::builder()
                .action(action.clone())
                .resource_record_set(s)
                .build()
                .ok()
        })
        .collect();
    let batch = ChangeBatch::builder()
        .set_changes(Some(changes))
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    op.write(
        "ChangeResourceRecordSets",
        op.c()
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send(),
    )
    .await
    .map(|_| ())
}

/// The desired values in the vocabulary `observe` reports.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    if let Ok(sets) = wanted(d) {
        x.attrs.insert(
            "records_live".into(),
            Value::List(sets.iter().map(describe).collect()),
        );
    }
    x
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let zone = d.str("zone_id")?;
    let sets = wanted(d)?;
    let id = id_of(zone, &sets);
    upsert(op, zone, sets, ChangeAction::Upsert).await?;
    observe(op, &id).await?.ok_or(Error::Missing {
        op: "ListResourceRecordSets",
        what: "the new record",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let zone = d.str("zone_id")?;
    observe(op, &id_of(zone, &wanted(d)?)).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    upsert(op, d.str("zone_id")?, wanted(d)?, ChangeAction::Upsert).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (zone, keys) = parse(&owned.id)?;
    let mut sets = Vec::new();
    for (name, kind) in &keys {
        if let Some(s) = lookup(op, &zone, name, kind).await? {
            sets.push(s);
        }
    }
    if sets.is_empty() {
        return Ok(());
    }
    upsert(op, &zone, sets, ChangeAction::Delete).await
}
