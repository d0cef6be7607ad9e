//! `aws_lb` (application load balancers) with its attributes: access logs,
//! deletion protection, idle timeout, header hygiene.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};
use strata_model::Value;

use super::tags;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, field};

/// Plan attribute → ELB attribute key.
const ATTRS: &[(&str, &str)] = &[
    ("enable_deletion_protection", "deletion_protection.enabled"),
    ("idle_timeout", "idle_timeout.timeout_seconds"),
    (
        "drop_invalid_header_fields",
        "routing.http.drop_invalid_header_fields.enabled",
    ),
    (
        "desync_mitigation_mode",
        "routing.http.desync_mitigation_mode",
    ),
];

fn wanted(d: &Desired) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (plan, key) in ATTRS {
        if let Some(v) = d.get(plan) {
            let s = match v {
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::String(s) => s.clone(),
                _ => continue,
            };
            out.push(((*key).to_owned(), s));
        }
    }
    let logs = d.map("access_logs");
    if let Some(bucket) = field(logs, "bucket").and_then(Value::as_str) {
        let on = field(logs, "enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        out.push(("access_logs.s3.enabled".into(), on.to_string()));
        out.push(("access_logs.s3.bucket".into(), bucket.to_owned()));
    }
    out
}

fn base(lb: &LoadBalancer) -> Observed {
    let arn = lb.load_balancer_arn().unwrap_or_default();
    Observed::new(arn)
        .out("arn", arn)
        .out(
            "arn_suffix",
            arn.split(":loadbalancer/").nth(1).unwrap_or_default(),
        )
        .out("dns_name", lb.dns_name().unwrap_or_default())
        .out("zone_id", lb.canonical_hosted_zone_id().unwrap_or_default())
        .out("name", lb.load_balancer_name().unwrap_or_default())
        .live(
            "internal",
            lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal),
        )
}

async fn observe(op: &Op<'_>, lb: &LoadBalancer) -> Result<Observed> {
    let mut o = base(lb);
    let attrs = op
        .read(
            "DescribeLoadBalancerAttributes",
            op.c()
                .elb
                .describe_load_balancer_attributes()
                .load_balancer_arn(&o.id)
                .send(),
        )
        .await?;
    let live: BTreeMap<&str, &str> = attrs
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?, a.value()?)))
        .collect();
    for (plan, key) in ATTRS {
        if let Some(v) = live.get(key) {
            let value = match *v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                s => s
                    .parse::<i64>()
                    .map(Value::Int)
                    .unwrap_or_else(|_| Value::String(s.to_owned())),
            };
            o = o.live(plan, value);
        }
    }
    if let Some(bucket) = live.get("access_logs.s3.bucket").filter(|b| !b.is_empty()) {
        let mut m = BTreeMap::new();
        m.insert("bucket".to_owned(), Value::from(*bucket));
        m.insert(
            "enabled".to_owned(),
            Value::Bool(live.get("access_logs.s3.enabled") == Some(&"true")),
        );
        o = o.live("access_logs", Value::Map(m));
    }
    Ok(o)
}

async fn put_attributes(op: &Op<'_>, arn: &str, attrs: Vec<(String, String)>) -> Result<()> {
    if attrs.is_empty() {
        return Ok(());
    }
    let attrs = attrs
        .into_iter()
        .map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build())
        .collect();
    op.write(
        "ModifyLoadBalancerAttributes",
        op.c()
            .elb
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let internal = d.opt_bool("internal").unwrap_or(false);
    let out = op
        .write(
            "CreateLoadBalancer",
            op.c()
                .elb
                .create_load_balancer()
                .name(d.str("name")?)
                .r#type(LoadBalancerTypeEnum::from(
                    d.opt_str("load_balancer_type").unwrap_or("application"),
                ))
                .scheme(if internal {
                    LoadBalancerSchemeEnum::Internal
                } else {
                    LoadBalancerSchemeEnum::InternetFacing
                })
                .set_subnets(Some(d.strs("subnets")))
                .set_security_groups(Some(d.strs("security_groups")))
                .set_tags(Some(tags(d)))
                .send(),
        )
        .await?;
    let lb = out.load_balancers().first().ok_or(Error::Missing {
        op: "CreateLoadBalancer",
        what: "LoadBalancers",
    })?;
    put_attributes(op, lb.load_balancer_arn().unwrap_or_default(), wanted(d)).await?;
    observe(op, lb).await
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeLoadBalancers",
            op.c()
                .elb
                .describe_load_balancers()
                .load_balancer_arns(id)
                .send(),
        )
        .await?;
    match out.as_ref().and_then(|o| o.load_balancers().first()) {
        Some(lb) => Ok(Some(observe(op, lb).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeLoadBalancers",
            op.c()
                .elb
                .describe_load_balancers()
                .names(d.str("name")?)
                .send(),
        )
        .await?;
    match out.as_ref().and_then(|o| o.load_balancers().first()) {
        Some(lb) => Ok(Some(observe(op, lb).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.iter().any(|x| x.attribute == "internal") {
        return Err(cannot_update(d, diffs));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    put_attributes(op, &o.id, wanted(d)).await
}

pub(crate) async fn unprotect(op: &Op<'_>, owned: &Owned) -> Result<()> {
    put_attributes(
        op,
        &owned.id,
        vec![("deletion_protection.enabled".into(), "false".into())],
    )
    .await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteLoadBalancer",
        op.c()
            .elb
            .delete_load_balancer()
            .load_balancer_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
