//! `aws_appautoscaling_policy`: target tracking on a registered target.
//! `PutScalingPolicy` writes it whole. Compared flat: the policy type, the
//! target value, the predefined metric and the cooldowns.

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int, field};

const TT: &str = "target_tracking_scaling_policy_configuration";

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The plan's nested configuration, flat.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let c = d.map(TT);
    let metric = field(c, "predefined_metric_specification").and_then(Value::as_map);
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x.attrs.insert(k.into(), v);
        }
    };
    put(
        "target_value",
        number(field(c, "target_value")).map(Value::Float),
    );
    put(
        "predefined_metric_type",
        field(metric, "predefined_metric_type").cloned(),
    );
    put("scale_in_cooldown", field(c, "scale_in_cooldown").cloned());
    put(
        "scale_out_cooldown",
        field(c, "scale_out_cooldown").cloned(),
    );
    x.attrs.remove(TT);
    x
}

fn observed(p: &ScalingPolicy) -> Observed {
    let id = format!(
        "{}|{}|{}|{}",
        p.service_namespace().as_str(),
        p.resource_id(),
        p.scalable_dimension().as_str(),
        p.policy_name()
    );
    let mut o = Observed::new(id)
        .out("arn", p.policy_arn())
        .out("name", p.policy_name())
        .live("policy_type", p.policy_type().as_str());
    if let Some(c) = p.target_tracking_scaling_policy_configuration() {
        o = o.live("target_value", c.target_value());
        if let Some(m) = c.predefined_metric_specification() {
            o = o.live(
                "predefined_metric_type",
                m.predefined_metric_type().as_str(),
            );
        }
        if let Some(v) = c.scale_in_cooldown() {
            o = o.live("scale_in_cooldown", i64::from(v));
        }
        if let Some(v) = c.scale_out_cooldown() {
            o = o.live("scale_out_cooldown", i64::from(v));
        }
    }
    o
}

async fn lookup(op: &Op<'_>, p: &[&str]) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeScalingPolicies",
            op.c()
                .autoscaling
                .describe_scaling_policies()
                .service_namespace(ServiceNamespace::from(p[0]))
                .resource_id(p[1])
                .scalable_dimension(ScalableDimension::from(p[2]))
                .policy_names(p[3])
                .send(),
        )
        .await?;
    Ok(out
        .scaling_policies()
        .iter()
        .find(|x| x.policy_name() == p[3] && x.resource_id() == p[1])
        .map(observed))
}

fn key(d: &Desired) -> Result<[&str; 4]> {
    Ok([
        d.str("service_namespace")?,
        d.str("resource_id")?,
        d.str("scalable_dimension")?,
        d.str("name")?,
    ])
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let [ns, rid, dim, name] = key(d)?;
    let c = d.map(TT);
    let metric = field(c, "predefined_metric_specification").and_then(Value::as_map);
    let tt = match c {
        Some(_) => Some(
            TargetTrackingScalingPolicyConfiguration::builder()
                .set_target_value(number(field(c, "target_value")))
                .set_predefined_metric_specification(
                    field(metric, "predefined_metric_type")
                        .and_then(Value::as_str)
                        .map(|t| {
                            PredefinedMetricSpecification::builder()
                                .predefined_metric_type(MetricType::from(t))
                                .set_resource_label(
                                    field(metric, "resource_label")
                                        .and_then(Value::as_str)
                                        .map(str::to_owned),
                                )
                                .build()
                        })
                        .transpose()
                        .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))?,
                )
                .set_scale_in_cooldown(
                    field(c, "scale_in_cooldown")
                        .and_then(as_int)
                        .map(|v| v as i32),
                )
                .set_scale_out_cooldown(
                    field(c, "scale_out_cooldown")
                        .and_then(as_int)
                        .map(|v| v as i32),
                )
                .set_disable_scale_in(field(c, "disable_scale_in").and_then(Value::as_bool))
                .build()
                .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))?,
        ),
        None => None,
    };
    op.write(
        "PutScalingPolicy",
        op.c()
            .autoscaling
            .put_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::from(ns))
            .resource_id(rid)
            .scalable_dimension(ScalableDimension::from(dim))
            .policy_type(PolicyType::from(
                d.opt_str("policy_type").unwrap_or("TargetTrackingScaling"),
            ))
            .set_target_tracking_scaling_policy_configuration(tt)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    lookup(op, &key(d)?).await?.ok_or(Error::Missing {
        op: "DescribeScalingPolicies",
        what: "the new scaling policy",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, &super::parts(id, 4)?).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, &key(d)?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let p = super::parts(&owned.id, 4)?;
    op.write(
        "DeleteScalingPolicy",
        op.c()
            .autoscaling
            .delete_scaling_policy()
            .service_namespace(ServiceNamespace::from(p[0]))
            .resource_id(p[1])
            .scalable_dimension(ScalableDimension::from(p[2]))
            .policy_name(p[3])
            .send(),
    )
    .await
    .map(|_| ())
}
