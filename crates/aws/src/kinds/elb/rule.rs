//! `aws_lb_listener_rule` (path-pattern conditions). Found again by its
//! listener and priority.

use aws_sdk_elasticloadbalancingv2::types::{PathPatternConditionConfig, Rule, RuleCondition};
use strata_model::Value;

use super::{action, action_type, tags};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field, strs};

fn observed(r: &Rule) -> Observed {
    let arn = r.rule_arn().unwrap_or_default();
    let target = r
        .actions()
        .first()
        .and_then(|a| a.target_group_arn())
        .unwrap_or_default();
    Observed::new(arn)
        .out("arn", arn)
        .live(
            "priority",
            r.priority()
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0),
        )
        .live("action_type", action_type(r.actions()))
        .live("target_group_arn", target)
}

pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let a = d.map("action");
    x.attrs.insert(
        "action_type".into(),
        field(a, "type")
            .and_then(Value::as_str)
            .unwrap_or("forward")
            .into(),
    );
    x.attrs.insert(
        "target_group_arn".into(),
        field(a, "target_group_arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
    );
    x
}

fn conditions(d: &Desired) -> Vec<RuleCondition> {
    d.get("condition")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            let paths = strs(field(
                field(c.as_map(), "path_pattern").and_then(Value::as_map),
                "values",
            ));
            (!paths.is_empty()).then(|| {
                RuleCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(
                        PathPatternConditionConfig::builder()
                            .set_values(Some(paths))
                            .build(),
                    )
                    .build()
            })
        })
        .collect()
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateRule",
            op.c()
                .elb
                .create_rule()
                .listener_arn(d.str("listener_arn")?)
                .priority(d.int("priority")? as i32)
                .set_conditions(Some(conditions(d)))
                .actions(action(d, d.get("action"))?)
                .set_tags(Some(tags(d)))
                .send(),
        )
        .await?;
    let r = out.rules().first().ok_or(Error::Missing {
        op: "CreateRule",
        what: "Rules",
    })?;
    Ok(observed(r))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeRules",
            op.c().elb.describe_rules().rule_arns(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.rules().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let priority = d.int("priority")?.to_string();
    let out = op
        .read_opt(
            "DescribeRules",
            op.c()
                .elb
                .describe_rules()
                .listener_arn(d.str("listener_arn")?)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.rules()
            .iter()
            .find(|r| r.priority() == Some(priority.as_str()))
            .map(observed)
    }))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "ModifyRule",
        op.c()
            .elb
            .modify_rule()
            .rule_arn(&o.id)
            .set_conditions(Some(conditions(d)))
            .actions(action(d, d.get("action"))?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteRule",
        op.c().elb.delete_rule().rule_arn(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
