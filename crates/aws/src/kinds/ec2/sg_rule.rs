//! `aws_vpc_security_group_ingress_rule` and `…_egress_rule`: one rule,
//! tagged with its address in the call that authorises it. Its protocol,
//! ports and peer change in place (ModifySecurityGroupRules, so the rule
//! is never absent); only its group cannot.

use aws_sdk_ec2::types::{
    IpPermission, IpRange, ResourceType, SecurityGroupRule, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, UserIdGroupPair,
};
use strata_model::Kind;

use super::{filter, has_tag, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn egress(kind: Kind) -> bool {
    kind == Kind::AwsVpcSecurityGroupEgressRule
}

fn observed(r: &SecurityGroupRule) -> Observed {
    let mut o = Observed::new(r.security_group_rule_id().unwrap_or_default())
        .out("arn", r.security_group_rule_arn().unwrap_or_default())
        .out("security_group_id", r.group_id().unwrap_or_default())
        .live("security_group_id", r.group_id().unwrap_or_default())
        .live("ip_protocol", r.ip_protocol().unwrap_or_default());
    if r.ip_protocol() != Some("-1") {
        o = o
            .live("from_port", r.from_port().unwrap_or(-1) as i64)
            .live("to_port", r.to_port().unwrap_or(-1) as i64);
    }
    if let Some(c) = r.cidr_ipv4() {
        o = o.live("cidr_ipv4", c);
    }
    if let Some(g) = r.referenced_group_info().and_then(|g| g.group_id()) {
        o = o.live("referenced_security_group_id", g);
    }
    o
}

fn permission(d: &Desired) -> Result<IpPermission> {
    let proto = d.str("ip_protocol")?;
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        p = p
            .from_port(d.int("from_port")? as i32)
            .to_port(d.int("to_port")? as i32);
    }
    if let Some(c) = d.opt_str("cidr_ipv4") {
        let mut r = IpRange::builder().cidr_ip(c);
        if let Some(desc) = d.opt_str("description") {
            r = r.description(desc);
        }
        p = p.ip_ranges(r.build());
    } else if let Some(g) = d.opt_str("referenced_security_group_id") {
        let mut r = UserIdGroupPair::builder().group_id(g);
        if let Some(desc) = d.opt_str("description") {
            r = r.description(desc);
        }
        p = p.user_id_group_pairs(r.build());
    } else {
        return Err(Error::Invalid(format!(
            "{}: a rule needs cidr_ipv4 or referenced_security_group_id",
            d.address
        )));
    }
    Ok(p.build())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let ec2 = &op.c().ec2;
    let group = d.str("security_group_id")?;
    let tags = tags_on(ResourceType::SecurityGroupRule, d);
    let rules = if egress(d.address.kind) {
        op.write(
            "AuthorizeSecurityGroupEgress",
            ec2.authorize_security_group_egress()
                .group_id(group)
                .ip_permissions(permission(d)?)
                .tag_specifications(tags)
                .send(),
        )
        .await?
        .security_group_rules
    } else {
        op.write(
            "AuthorizeSecurityGroupIngress",
            ec2.authorize_security_group_ingress()
                .group_id(group)
                .ip_permissions(permission(d)?)
                .tag_specifications(tags)
                .send(),
        )
        .await?
        .security_group_rules
    };
    let r = rules
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or(Error::Missing {
            op: "AuthorizeSecurityGroupIngress",
            what: "SecurityGroupRules",
        })?;
    Ok(observed(&r))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeSecurityGroupRules",
            op.c()
                .ec2
                .describe_security_group_rules()
                .security_group_rule_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.security_group_rules().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeSecurityGroupRules",
            op.c()
                .ec2
                .describe_security_group_rules()
                .filters(filter("group-id", d.str("security_group_id")?))
                .send(),
        )
        .await?;
    let addr = d.address.to_string();
    Ok(out
        .security_group_rules()
        .iter()
        .find(|r| has_tag(r.tags(), "strata:address", &addr))
        .map(observed))
}

/// The rule as ModifySecurityGroupRules wants it: whole, ports -1 for all
/// protocols.
fn request(d: &Desired) -> Result<SecurityGroupRuleRequest> {
    let proto = d.str("ip_protocol")?;
    let (from, to) = if proto == "-1" {
        (-1, -1)
    } else {
        (d.int("from_port")? as i32, d.int("to_port")? as i32)
    };
    let mut r = SecurityGroupRuleRequest::builder()
        .ip_protocol(proto)
        .from_port(from)
        .to_port(to)
        .set_description(d.opt_str("description").map(str::to_owned));
    if let Some(c) = d.opt_str("cidr_ipv4") {
        r = r.cidr_ipv4(c);
    } else if let Some(g) = d.opt_str("referenced_security_group_id") {
        r = r.referenced_group_id(g);
    } else {
        return Err(Error::Invalid(format!(
            "{}: a rule needs cidr_ipv4 or referenced_security_group_id",
            d.address
        )));
    }
    Ok(r.build())
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if let Some(x) = diffs.iter().find(|x| x.attribute == "security_group_id") {
        return Err(crate::kinds::cannot_update(d, std::slice::from_ref(x)));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "ModifySecurityGroupRules",
        op.c()
            .ec2
            .modify_security_group_rules()
            .group_id(d.str("security_group_id")?)
            .security_group_rules(
                SecurityGroupRuleUpdate::builder()
                    .security_group_rule_id(&o.id)
                    .security_group_rule(request(d)?)
                    .build(),
            )
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let ec2 = &op.c().ec2;
    let Some(group) = owned
        .outputs
        .get("security_group_id")
        .and_then(|v| v.as_str())
    else {
        return Err(Error::Invalid(format!(
            "{}: no security group recorded",
            owned.address
        )));
    };
    if owned.kind == Kind::AwsVpcSecurityGroupEgressRule.as_str() {
        op.write(
            "RevokeSecurityGroupEgress",
            ec2.revoke_security_group_egress()
                .group_id(group)
                .security_group_rule_ids(&owned.id)
                .send(),
        )
        .await
        .map(|_| ())
    } else {
        op.write(
            "RevokeSecurityGroupIngress",
            ec2.revoke_security_group_ingress()
                .group_id(group)
                .security_group_rule_ids(&owned.id)
                .send(),
        )
        .await
        .map(|_| ())
    }
}
