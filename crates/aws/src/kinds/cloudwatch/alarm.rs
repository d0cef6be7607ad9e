//! `aws_cloudwatch_metric_alarm`. `PutMetricAlarm` creates or replaces by
//! name, so create and update are the same call.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};
use strata_model::Value;

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int};

fn observed(a: &MetricAlarm) -> Observed {
    let name = a.alarm_name().unwrap_or_default();
    let actions: Vec<Value> = a
        .alarm_actions()
        .iter()
        .map(|s| Value::from(s.as_str()))
        .collect();
    Observed::new(name)
        .out("arn", a.alarm_arn().unwrap_or_default())
        .out("alarm_name", name)
        .live("metric_name", a.metric_name().unwrap_or_default())
        .live("namespace", a.namespace().unwrap_or_default())
        .live(
            "comparison_operator",
            a.comparison_operator()
                .map(|c| c.as_str())
                .unwrap_or_default(),
        )
        .live("threshold", a.threshold().unwrap_or_default())
        .live(
            "evaluation_periods",
            a.evaluation_periods().map(i64::from).unwrap_or_default(),
        )
        .live("alarm_actions", Value::List(actions))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let dims: Vec<Dimension> = d
        .map("dimensions")
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    v.as_str()
                        .map(|v| Dimension::builder().name(k).value(v).build())
                })
                .collect()
        })
        .unwrap_or_default();
    let threshold = match d.get("threshold") {
        Some(Value::Float(f)) => Some(*f),
        Some(v) => as_int(v).map(|i| i as f64),
        None => None,
    };
    let tags: Vec<Tag> = d
        .tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    op.write(
        "PutMetricAlarm",
        op.c()
            .cloudwatch
            .put_metric_alarm()
            .alarm_name(d.str("alarm_name")?)
            .set_alarm_description(d.opt_str("alarm_description").map(str::to_owned))
            .set_metric_name(d.opt_str("metric_name").map(str::to_owned))
            .set_namespace(d.opt_str("namespace").map(str::to_owned))
            .set_statistic(d.opt_str("statistic").map(Statistic::from))
            .set_extended_statistic(d.opt_str("extended_statistic").map(str::to_owned))
            .set_period(d.opt_int("period").map(|v| v as i32))
            .set_evaluation_periods(d.opt_int("evaluation_periods").map(|v| v as i32))
            .set_datapoints_to_alarm(d.opt_int("datapoints_to_alarm").map(|v| v as i32))
            .set_threshold(threshold)
            .set_comparison_operator(
                d.opt_str("comparison_operator")
                    .map(ComparisonOperator::from),
            )
            .set_treat_missing_data(d.opt_str("treat_missing_data").map(str::to_owned))
            .set_dimensions(Some(dims))
            .set_alarm_actions(Some(d.strs("alarm_actions")))
            .set_ok_actions(Some(d.strs("ok_actions")))
            .set_tags(Some(tags))
            .send(),
    )
    .await
    .map(|_| ())
}

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeAlarms",
            op.c().cloudwatch.describe_alarms().alarm_names(name).send(),
        )
        .await?;
    Ok(out.metric_alarms().first().map(observed))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    lookup(op, d.str("alarm_name")?)
        .await?
        .ok_or(crate::error::Error::Missing {
            op: "DescribeAlarms",
            what: "the new alarm",
        })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("alarm_name")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteAlarms",
        op.c()
            .cloudwatch
            .delete_alarms()
            .alarm_names(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
