//! `aws_security_group`. Its rules are kinds of their own
//! (`aws_vpc_security_group_{ingress,egress}_rule`), tagged with their
//! address; a rule on the group that carries no Strata tag was added out of
//! band and is drift (`unmanaged_rules`), revoked by `drift --fix`. The
//! allow-all egress rule AWS adds to every new group is revoked the same way.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, SecurityGroup, SecurityGroupRule};
use strata_model::Value;

use super::{filter, ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn describe(r: &SecurityGroupRule) -> Value {
    let peer = r
        .cidr_ipv4()
        .or(r.cidr_ipv6())
        .map(str::to_owned)
        .or_else(|| {
            r.referenced_group_info()
                .and_then(|g| g.group_id())
                .map(str::to_owned)
        })
        .or_else(|| r.prefix_list_id().map(str::to_owned))
        .unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert(
        "id".into(),
        Value::from(r.security_group_rule_id().unwrap_or_default()),
    );
    m.insert(
        "direction".into(),
        Value::from(if r.is_egress() == Some(true) {
            "egress"
        } else {
            "ingress"
        }),
    );
    m.insert(
        "ip_protocol".into(),
        Value::from(r.ip_protocol().unwrap_or_default()),
    );
    m.insert(
        "from_port".into(),
        Value::Int(r.from_port().unwrap_or(-1) as i64),
    );
    m.insert(
        "to_port".into(),
        Value::Int(r.to_port().unwrap_or(-1) as i64),
    );
    m.insert("peer".into(), Value::from(peer));
    Value::Map(m)
}

async fn unmanaged(op: &Op<'_>, group: &str) -> Result<Vec<SecurityGroupRule>> {
    let out = op
        .read(
            "DescribeSecurityGroupRules",
            op.c()
                .ec2
                .describe_security_group_rules()
                .filters(filter("group-id", group))
                .send(),
        )
        .await?;
    Ok(out
        .security_group_rules()
        .iter()
        .filter(|r| !r.tags().iter().any(|t| t.key() == Some("strata:address")))
        .cloned()
        .collect())
}

async fn observe(op: &Op<'_>, g: &SecurityGroup) -> Result<Observed> {
    let id = g.group_id().unwrap_or_default();
    let extra = unmanaged(op, id).await?;
    Ok(Observed::new(id)
        .out("arn", g.security_group_arn().unwrap_or_default())
        .out("name", g.group_name().unwrap_or_default())
        .live("name", g.group_name().unwrap_or_default())
        .live("description", g.description().unwrap_or_default())
        .live("vpc_id", g.vpc_id().unwrap_or_default())
        .live(
            "unmanaged_rules",
            Value::List(extra.iter().map(describe).collect()),
        ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let name = d.str("name")?;
    let out = op
        .write(
            "CreateSecurityGroup",
            op.c()
                .ec2
                .create_security_group()
                .group_name(name)
                .description(d.opt_str("description").unwrap_or("Managed by Strata"))
                .vpc_id(d.str("vpc_id")?)
                .tag_specifications(tags_on(ResourceType::SecurityGroup, d))
                .send(),
        )
        .await?;
    let id = out
        .group_id()
        .ok_or(Error::Missing {
            op: "CreateSecurityGroup",
            what: "GroupId",
        })?
        .to_owned();
    let o = read(op, &id, d).await?.ok_or(Error::Missing {
        op: "DescribeSecurityGroups",
        what: "the new group",
    })?;
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    Ok(o.live("unmanaged_rules", Value::List(Vec::new())))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeSecurityGroups",
            op.c().ec2.describe_security_groups().group_ids(id).send(),
        )
        .await?;
    match out.as_ref().and_then(|o| o.security_groups().first()) {
        Some(g) => Ok(Some(observe(op, g).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeSecurityGroups",
            op.c()
                .ec2
                .describe_security_groups()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    match out.security_groups().iter().find(|g| ours(g.tags(), d)) {
        Some(g) => Ok(Some(observe(op, g).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    for x in diffs {
        if x.attribute != "unmanaged_rules" {
            return Err(cannot_update(d, std::slice::from_ref(x)));
        }
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let rules = unmanaged(op, &o.id).await?;
    let ingress: Vec<String> = rules
        .iter()
        .filter(|r| r.is_egress() != Some(true))
        .filter_map(|r| r.security_group_rule_id().map(str::to_owned))
        .collect();
    let egress: Vec<String> = rules
        .iter()
        .filter(|r| r.is_egress() == Some(true))
        .filter_map(|r| r.security_group_rule_id().map(str::to_owned))
        .collect();
    let ec2 = &op.c().ec2;
    if !ingress.is_empty() {
        op.write(
            "RevokeSecurityGroupIngress",
            ec2.revoke_security_group_ingress()
                .group_id(&o.id)
                .set_security_group_rule_ids(Some(ingress))
                .send(),
        )
        .await?;
    }
    if !egress.is_empty() {
        op.write(
            "RevokeSecurityGroupEgress",
            ec2.revoke_security_group_egress()
                .group_id(&o.id)
                .set_security_group_rule_ids(Some(egress))
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteSecurityGroup",
        op.c()
            .ec2
            .delete_security_group()
            .group_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
