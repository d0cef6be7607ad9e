//! `aws_lb_target_group` with its health check and deregistration delay.

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use strata_model::Value;

use super::tags;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, as_int, field};

fn observed(t: &TargetGroup) -> Observed {
    let arn = t.target_group_arn().unwrap_or_default();
    let mut o = Observed::new(arn)
        .out("arn", arn)
        .out("arn_suffix", arn.split(':').next_back().unwrap_or_default())
        .out("name", t.target_group_name().unwrap_or_default())
        .live("port", t.port().map(i64::from).unwrap_or_default())
        .live(
            "protocol",
            t.protocol().map(|p| p.as_str()).unwrap_or_default(),
        );
    if let Some(p) = t.health_check_path() {
        o = o.live("health_check_path", p);
    }
    o
}

pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    if let Some(p) = field(d.map("health_check"), "path").and_then(Value::as_str) {
        x.attrs.insert("health_check_path".into(), Value::from(p));
    }
    x
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let hc = d.map("health_check");
    let hi = |k: &str| field(hc, k).and_then(as_int).map(|i| i as i32);
    let mut call = op
        .c()
        .elb
        .create_target_group()
        .name(d.str("name")?)
        .port(d.int("port")? as i32)
        .protocol(ProtocolEnum::from(d.opt_str("protocol").unwrap_or("HTTP")))
        .vpc_id(d.str("vpc_id")?)
        .target_type(TargetTypeEnum::from(
            d.opt_str("target_type").unwrap_or("ip"),
        ))
        .set_health_check_path(field(hc, "path").and_then(Value::as_str).map(str::to_owned))
        .set_health_check_interval_seconds(hi("interval"))
        .set_healthy_threshold_count(hi("healthy_threshold"))
        .set_unhealthy_threshold_count(hi("unhealthy_threshold"))
        .set_tags(Some(tags(d)));
    if let Some(pv) = d.opt_str("protocol_version") {
        call = call.protocol_version(pv);
    }
    if let Some(m) = field(hc, "matcher").and_then(Value::as_str) {
        call = call.matcher(Matcher::builder().http_code(m).build());
    }
    let out = op.write("CreateTargetGroup", call.send()).await?;
    let t = out.target_groups().first().ok_or(Error::Missing {
        op: "CreateTargetGroup",
        what: "TargetGroups",
    })?;
    if let Some(delay) = d.opt_int("deregistration_delay") {
        op.write(
            "ModifyTargetGroupAttributes",
            op.c()
                .elb
                .modify_target_group_attributes()
                .target_group_arn(t.target_group_arn().unwrap_or_default())
                .attributes(
                    TargetGroupAttribute::builder()
                        .key("deregistration_delay.timeout_seconds")
                        .value(delay.to_string())
                        .build(),
                )
                .send(),
        )
        .await?;
    }
    Ok(observed(t))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeTargetGroups",
            op.c()
                .elb
                .describe_target_groups()
                .target_group_arns(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.target_groups().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeTargetGroups",
            op.c()
                .elb
                .describe_target_groups()
                .names(d.str("name")?)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.target_groups().first().map(observed)))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    for x in diffs {
        match x.attribute.as_str() {
            "health_check_path" => {
                op.write(
                    "ModifyTargetGroup",
                    op.c()
                        .elb
                        .modify_target_group()
                        .target_group_arn(&o.id)
                        .set_health_check_path(
                            desired_flat(d)
                                .opt_str("health_check_path")
                                .map(str::to_owned),
                        )
                        .send(),
                )
                .await?;
            }
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteTargetGroup",
        op.c()
            .elb
            .delete_target_group()
            .target_group_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
