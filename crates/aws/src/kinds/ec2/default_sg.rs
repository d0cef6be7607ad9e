//! `aws_default_security_group`: the group every VPC comes with. Strata
//! adopts it and keeps it empty (CIS 5.4), so nothing can use it by
//! accident; deleting it only forgets it (AWS deletes it with the VPC).

use aws_sdk_ec2::types::SecurityGroup;
use strata_model::Value;

use super::filter;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn rules(g: &SecurityGroup, egress: bool) -> Value {
    let perms = if egress {
        g.ip_permissions_egress()
    } else {
        g.ip_permissions()
    };
    Value::List(
        perms
            .iter()
            .map(|p| {
                Value::String(format!(
                    "{} {}-{}",
                    p.ip_protocol().unwrap_or_default(),
                    p.from_port().unwrap_or(-1),
                    p.to_port().unwrap_or(-1)
                ))
            })
            .collect(),
    )
}

fn observed(g: &SecurityGroup) -> Observed {
    Observed::new(g.group_id().unwrap_or_default())
        .out("arn", g.security_group_arn().unwrap_or_default())
        .live("ingress", rules(g, false))
        .live("egress", rules(g, true))
}

async fn default_of(op: &Op<'_>, vpc: &str) -> Result<Option<SecurityGroup>> {
    let out = op
        .read(
            "DescribeSecurityGroups",
            op.c()
                .ec2
                .describe_security_groups()
                .filters(filter("vpc-id", vpc))
                .filters(filter("group-name", "default"))
                .send(),
        )
        .await?;
    Ok(out.security_groups().first().cloned())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let g = default_of(op, d.str("vpc_id")?).await?.ok_or_else(|| {
        Error::Invalid(format!(
            "{}: the VPC has no default security group",
            d.address
        ))
    })?;
    let o = observed(&g);
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    Ok(Observed::new(&o.id)
        .out("arn", o.outputs.get("arn").cloned().unwrap_or(Value::Null))
        .live("ingress", Value::List(Vec::new()))
        .live("egress", Value::List(Vec::new())))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeSecurityGroups",
            op.c().ec2.describe_security_groups().group_ids(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.security_groups().first().map(observed)))
}

pub(crate) async fn find(_op: &Op<'_>, _d: &Desired) -> Result<Option<Observed>> {
    // Adopting is what `create` does: it makes no group.
    Ok(None)
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, _d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    let ec2 = &op.c().ec2;
    let Some(g) = op
        .read(
            "DescribeSecurityGroups",
            ec2.describe_security_groups().group_ids(&o.id).send(),
        )
        .await?
        .security_groups()
        .first()
        .cloned()
    else {
        return Ok(());
    };
    if !g.ip_permissions().is_empty() {
        op.write(
            "RevokeSecurityGroupIngress",
            ec2.revoke_security_group_ingress()
                .group_id(&o.id)
                .set_ip_permissions(Some(g.ip_permissions().to_vec()))
                .send(),
        )
        .await?;
    }
    if !g.ip_permissions_egress().is_empty() {
        op.write(
            "RevokeSecurityGroupEgress",
            ec2.revoke_security_group_egress()
                .group_id(&o.id)
                .set_ip_permissions(Some(g.ip_permissions_egress().to_vec()))
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn delete(_op: &Op<'_>, _owned: &Owned) -> Result<()> {
    Ok(())
}
