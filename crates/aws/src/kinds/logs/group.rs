//! `aws_cloudwatch_log_group`: name, retention, KMS key.

use aws_sdk_cloudwatchlogs::types::LogGroup;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn observed(g: &LogGroup) -> Observed {
    let arn = g.arn().unwrap_or_default().trim_end_matches(":*");
    let mut o = Observed::new(g.log_group_name().unwrap_or_default())
        .out("arn", arn)
        .out("name", g.log_group_name().unwrap_or_default())
        .live("kms_key_id", g.kms_key_id().unwrap_or_default());
    o = o.live(
        "retention_in_days",
        g.retention_in_days().map(i64::from).unwrap_or(0),
    );
    o
}

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeLogGroups",
            op.c()
                .logs
                .describe_log_groups()
                .log_group_name_prefix(name)
                .send(),
        )
        .await?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(observed))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let logs = &op.c().logs;
    let name = d.str("name")?;
    let mut call = logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(d.tags.clone().into_iter().collect()));
    if let Some(k) = d.opt_str("kms_key_id") {
        call = call.kms_key_id(k);
    }
    op.write("CreateLogGroup", call.send()).await?;
    if let Some(days) = d.opt_int("retention_in_days") {
        op.write(
            "PutRetentionPolicy",
            logs.put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days as i32)
                .send(),
        )
        .await?;
    }
    lookup(op, name).await?.ok_or(Error::Missing {
        op: "DescribeLogGroups",
        what: "the new log group",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let logs = &op.c().logs;
    for x in diffs {
        match x.attribute.as_str() {
            "retention_in_days" => match d.opt_int("retention_in_days") {
                Some(days) => {
                    op.write(
                        "PutRetentionPolicy",
                        logs.put_retention_policy()
                            .log_group_name(&o.id)
                            .retention_in_days(days as i32)
                            .send(),
                    )
                    .await?;
                }
                None => {
                    op.write(
                        "DeleteRetentionPolicy",
                        logs.delete_retention_policy().log_group_name(&o.id).send(),
                    )
                    .await?;
                }
            },
            "kms_key_id" => match d.opt_str("kms_key_id") {
                Some(k) => {
                    op.write(
                        "AssociateKmsKey",
                        logs.associate_kms_key()
                            .log_group_name(&o.id)
                            .kms_key_id(k)
                            .send(),
                    )
                    .await?;
                }
                None => {
                    op.write(
                        "DisassociateKmsKey",
                        logs.disassociate_kms_key().log_group_name(&o.id).send(),
                    )
                    .await?;
                }
            },
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteLogGroup",
        op.c()
            .logs
            .delete_log_group()
            .log_group_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
