//! `aws_cloudwatch_log_metric_filter`: a pattern on a log group that counts
//! into a metric (the CIS alarms' inputs). Id `<log group>|<filter name>`;
//! `PutMetricFilter` writes it whole.

use aws_sdk_cloudwatchlogs::types::{MetricFilter, MetricTransformation};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, split_id};
use crate::value::{Desired, field};

/// The plan nests the metric under `metric_transformation`; compare it flat.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let m = d.map("metric_transformation");
    for (k, flat) in [
        ("name", "metric_name"),
        ("namespace", "metric_namespace"),
        ("value", "metric_value"),
    ] {
        if let Some(v) = field(m, k) {
            x.attrs.insert(flat.into(), v.clone());
        }
    }
    x.attrs.remove("metric_transformation");
    x
}

fn observed(group: &str, f: &MetricFilter) -> Observed {
    let name = f.filter_name().unwrap_or_default();
    let mut o = Observed::new(format!("{group}|{name}"))
        .out("name", name)
        .live("pattern", f.filter_pattern().unwrap_or_default());
    if let Some(t) = f.metric_transformations().first() {
        o = o
            .live("metric_name", t.metric_name())
            .live("metric_namespace", t.metric_namespace())
            .live("metric_value", t.metric_value());
    }
    o
}

async fn lookup(op: &Op<'_>, group: &str, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeMetricFilters",
            op.c()
                .logs
                .describe_metric_filters()
                .log_group_name(group)
                .filter_name_prefix(name)
                .send(),
        )
        .await?;
    Ok(out.and_then(|out| {
        out.metric_filters()
            .iter()
            .find(|f| f.filter_name() == Some(name))
            .map(|f| observed(group, f))
    }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let m = d.map("metric_transformation");
    let s = |k: &str| field(m, k).and_then(Value::as_str).map(str::to_owned);
    let t = MetricTransformation::builder()
        .set_metric_name(s("name"))
        .set_metric_namespace(s("namespace"))
        .set_metric_value(s("value"))
        .set_default_value(field(m, "default_value").and_then(|v| match v {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }))
        .build()
        .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))?;
    op.write(
        "PutMetricFilter",
        op.c()
            .logs
            .put_metric_filter()
            .log_group_name(d.str("log_group_name")?)
            .filter_name(d.str("name")?)
            .filter_pattern(d.opt_str("pattern").unwrap_or_default())
            .metric_transformations(t)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    let (group, name) = (d.str("log_group_name")?, d.str("name")?);
    lookup(op, group, name).await?.ok_or(Error::Missing {
        op: "DescribeMetricFilters",
        what: "the new metric filter",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let (group, name) = split_id(id, '|', "<log group>|<filter>")?;
    lookup(op, group, name).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("log_group_name")?, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (group, name) = split_id(&owned.id, '|', "<log group>|<filter>")?;
    op.write(
        "DeleteMetricFilter",
        op.c()
            .logs
            .delete_metric_filter()
            .log_group_name(group)
            .filter_name(name)
            .send(),
    )
    .await
    .map(|_| ())
}
