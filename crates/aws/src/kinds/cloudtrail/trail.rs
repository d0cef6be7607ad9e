//! `aws_cloudtrail`: a multi-region trail with log file validation, KMS
//! encryption, delivery to CloudWatch Logs, event and insight selectors, and
//! logging on. A trail whose logging was stopped out of band is drift
//! (`is_logging`), restarted by `drift --fix`.

use aws_sdk_cloudtrail::types::{
    EventSelector, InsightSelector, InsightType, ReadWriteType, Tag, Trail,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

/// CloudTrail wants the log group's ARN with its `:*` suffix.
fn log_group(arn: &str) -> String {
    if arn.ends_with(":*") {
        arn.to_owned()
    } else {
        format!("{arn}:*")
    }
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    x.attrs.insert(
        "is_logging".into(),
        Value::Bool(d.opt_bool("enable_logging").unwrap_or(true)),
    );
    x
}

async fn observe(op: &Op<'_>, t: &Trail) -> Result<Observed> {
    let name = t.name().unwrap_or_default();
    let arn = t.trail_arn().unwrap_or_default();
    let status = op
        .read(
            "GetTrailStatus",
            op.c().cloudtrail.get_trail_status().name(arn).send(),
        )
        .await?;
    Ok(Observed::new(name)
        .out("arn", arn)
        .out("name", name)
        .live(
            "is_multi_region_trail",
            t.is_multi_region_trail().unwrap_or(false),
        )
        .live(
            "enable_log_file_validation",
            t.log_file_validation_enabled().unwrap_or(false),
        )
        .live(
            "include_global_service_events",
            t.include_global_service_events().unwrap_or(false),
        )
        .live("kms_key_id", t.kms_key_id().unwrap_or_default())
        .live("s3_bucket_name", t.s3_bucket_name().unwrap_or_default())
        .live("is_logging", status.is_logging().unwrap_or(false)))
}

async fn selectors(op: &Op<'_>, name: &str, d: &Desired) -> Result<()> {
    let ct = &op.c().cloudtrail;
    let events: Vec<EventSelector> = d
        .get("event_selector")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let m = e.as_map();
            EventSelector::builder()
                .set_include_management_events(
                    field(m, "include_management_events").and_then(Value::as_bool),
                )
                .set_read_write_type(
                    field(m, "read_write_type")
                        .and_then(Value::as_str)
                        .map(ReadWriteType::from),
                )
                .build()
        })
        .collect();
    if !events.is_empty() {
        op.write(
            "PutEventSelectors",
            ct.put_event_selectors()
                .trail_name(name)
                .set_event_selectors(Some(events))
                .send(),
        )
        .await?;
    }
    let insights: Vec<InsightSelector> = d
        .get("insight_selector")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| field(i.as_map(), "insight_type").and_then(Value::as_str))
        .map(|t| {
            InsightSelector::builder()
                .insight_type(InsightType::from(t))
                .build()
        })
        .collect();
    if !insights.is_empty() {
        op.write(
            "PutInsightSelectors",
            ct.put_insight_selectors()
                .trail_name(name)
                .set_insight_selectors(Some(insights))
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let ct = &op.c().cloudtrail;
    let name = d.str("name")?;
    let tags: Vec<Tag> = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let out = op
        .write(
            "CreateTrail",
            ct.create_trail()
                .name(name)
                .s3_bucket_name(d.str("s3_bucket_name")?)
                .is_multi_region_trail(d.opt_bool("is_multi_region_trail").unwrap_or(true))
                .include_global_service_events(
                    d.opt_bool("include_global_service_events").unwrap_or(true),
                )
                .enable_log_file_validation(
                    d.opt_bool("enable_log_file_validation").unwrap_or(true),
                )
                .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_owned))
                .set_cloud_watch_logs_log_group_arn(
                    d.opt_str("cloud_watch_logs_group_arn").map(log_group),
                )
                .set_cloud_watch_logs_role_arn(
                    d.opt_str("cloud_watch_logs_role_arn").map(str::to_owned),
                )
                .set_tags_list(Some(tags))
                .send(),
        )
        .await?;
    let arn = out
        .trail_arn()
        .ok_or(Error::Missing {
            op: "CreateTrail",
            what: "TrailARN",
        })?
        .to_owned();
    selectors(op, name, d).await?;
    if d.opt_bool("enable_logging").unwrap_or(true) {
        op.write("StartLogging", ct.start_logging().name(&arn).send())
            .await?;
    }
    read(op, name, d).await?.ok_or(Error::Missing {
        op: "GetTrail",
        what: "the new trail",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt("GetTrail", op.c().cloudtrail.get_trail().name(id).send())
        .await?;
    match out.as_ref().and_then(|o| o.trail()) {
        Some(t) => Ok(Some(observe(op, t).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("name")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let ct = &op.c().cloudtrail;
    let mut settings = false;
    for x in diffs {
        if x.attribute == "is_logging" {
            if d.opt_bool("enable_logging").unwrap_or(true) {
                op.write("StartLogging", ct.start_logging().name(&o.id).send())
                    .await?;
            } else {
                op.write("StopLogging", ct.stop_logging().name(&o.id).send())
                    .await?;
            }
        } else {
            settings = true;
        }
    }
    if settings {
        op.write(
            "UpdateTrail",
            ct.update_trail()
                .name(&o.id)
                .s3_bucket_name(d.str("s3_bucket_name")?)
                .is_multi_region_trail(d.opt_bool("is_multi_region_trail").unwrap_or(true))
                .include_global_service_events(
                    d.opt_bool("include_global_service_events").unwrap_or(true),
                )
                .enable_log_file_validation(
                    d.opt_bool("enable_log_file_validation").unwrap_or(true),
                )
                .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_owned))
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteTrail",
        op.c().cloudtrail.delete_trail().name(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
