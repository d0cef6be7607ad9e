//! `aws_wafv2_web_acl_logging_configuration` (to CloudWatch Logs, with
//! credentials redacted). Its id is the web ACL's ARN.

use aws_sdk_wafv2::types::{FieldToMatch, LoggingConfiguration, SingleHeader};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

async fn observe(op: &Op<'_>, acl: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetLoggingConfiguration",
            op.c()
                .wafv2
                .get_logging_configuration()
                .resource_arn(acl)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.logging_configuration().map(|c| {
            let dest: Vec<Value> = c
                .log_destination_configs()
                .iter()
                .map(|s| Value::from(s.as_str()))
                .collect();
            Observed::new(acl).live("log_destination_configs", Value::List(dest))
        })
    }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let redacted: Vec<FieldToMatch> = d
        .get("redacted_fields")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let h = field(
                field(f.as_map(), "single_header").and_then(Value::as_map),
                "name",
            )?
            .as_str()?;
            Some(
                FieldToMatch::builder()
                    .single_header(SingleHeader::builder().name(h).build().ok()?)
                    .build(),
            )
        })
        .collect();
    let conf = LoggingConfiguration::builder()
        .resource_arn(d.str("resource_arn")?)
        .set_log_destination_configs(Some(d.strs("log_destination_configs")))
        .set_redacted_fields(Some(redacted))
        .build()
        .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))?;
    op.write(
        "PutLoggingConfiguration",
        op.c()
            .wafv2
            .put_logging_configuration()
            .logging_configuration(conf)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    Ok(Observed::new(d.str("resource_arn")?).live(
        "log_destination_configs",
        Value::List(
            d.strs("log_destination_configs")
                .into_iter()
                .map(Value::from)
                .collect(),
        ),
    ))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("resource_arn")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteLoggingConfiguration",
        op.c()
            .wafv2
            .delete_logging_configuration()
            .resource_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
