//! `aws_route53_zone` (public hosted zones). The caller reference is
//! derived from the address, so a create retried after a kill cannot make a
//! second zone.

use aws_sdk_route53::types::{HostedZoneConfig, Tag, TagResourceType};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn bare(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

async fn observe(op: &Op<'_>, id: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "GetHostedZone",
            op.c().route53.get_hosted_zone().id(id).send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(z) = out.hosted_zone() else {
        return Ok(None);
    };
    let id = bare(z.id());
    let ns: Vec<Value> = out
        .delegation_set()
        .map(|d| {
            d.name_servers()
                .iter()
                .map(|n| Value::from(n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(
        Observed::new(id)
            .out("zone_id", id)
            .out("arn", format!("arn:aws:route53:::hostedzone/{id}"))
            .out("name_servers", Value::List(ns))
            .live("name", z.name().trim_end_matches('.')),
    ))
}

fn reference(d: &Desired) -> String {
    // At most 128 characters, unique per address.
    let a = d.address.to_string();
    if a.len() > 120 {
        a[a.len() - 120..].to_owned()
    } else {
        a
    }
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let r53 = &op.c().route53;
    let out = op
        .write(
            "CreateHostedZone",
            r53.create_hosted_zone()
                .name(d.str("name")?)
                .caller_reference(reference(d))
                .hosted_zone_config(
                    HostedZoneConfig::builder()
                        .set_comment(d.opt_str("comment").map(str::to_owned))
                        .build(),
                )
                .send(),
        )
        .await?;
    let id = bare(
        out.hosted_zone()
            .ok_or(Error::Missing {
                op: "CreateHostedZone",
                what: "HostedZone",
            })?
            .id(),
    )
    .to_owned();
    let tags: Vec<Tag> = d
        .tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    op.write(
        "ChangeTagsForResource",
        r53.change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .set_add_tags(Some(tags))
            .send(),
    )
    .await?;
    observe(op, &id).await?.ok_or(Error::Missing {
        op: "GetHostedZone",
        what: "the new zone",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let r53 = &op.c().route53;
    let name = d.str("name")?;
    let want = format!("{}.", name.trim_end_matches('.'));
    let out = op
        .read(
            "ListHostedZonesByName",
            r53.list_hosted_zones_by_name().dns_name(&want).send(),
        )
        .await?;
    for z in out.hosted_zones() {
        if z.name() != want {
            continue;
        }
        // Ours if it was made with our caller reference.
        if z.caller_reference() == reference(d) {
            return observe(op, bare(z.id())).await;
        }
    }
    Ok(None)
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteHostedZone",
        op.c().route53.delete_hosted_zone().id(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
