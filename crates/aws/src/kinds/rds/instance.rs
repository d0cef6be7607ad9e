//! `aws_rds_cluster_instance`.

use aws_sdk_rds::types::DbInstance;

use super::tags;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn observed(i: &DbInstance) -> Observed {
    let id = i.db_instance_identifier().unwrap_or_default();
    Observed::new(id)
        .out("arn", i.db_instance_arn().unwrap_or_default())
        .out("identifier", id)
        .out(
            "endpoint",
            i.endpoint().and_then(|e| e.address()).unwrap_or_default(),
        )
        .live("instance_class", i.db_instance_class().unwrap_or_default())
        .live(
            "publicly_accessible",
            i.publicly_accessible().unwrap_or(false),
        )
        .live(
            "auto_minor_version_upgrade",
            i.auto_minor_version_upgrade().unwrap_or(false),
        )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateDBInstance",
            op.c()
                .rds
                .create_db_instance()
                .db_instance_identifier(d.str("identifier")?)
                .db_cluster_identifier(d.str("cluster_identifier")?)
                .engine(d.str("engine")?)
                .db_instance_class(d.str("instance_class")?)
                .set_availability_zone(d.opt_str("availability_zone").map(str::to_owned))
                .publicly_accessible(d.opt_bool("publicly_accessible").unwrap_or(false))
                .auto_minor_version_upgrade(
                    d.opt_bool("auto_minor_version_upgrade").unwrap_or(true),
                )
                .set_monitoring_interval(d.opt_int("monitoring_interval").map(|v| v as i32))
                .set_monitoring_role_arn(d.opt_str("monitoring_role_arn").map(str::to_owned))
                .set_enable_performance_insights(d.opt_bool("performance_insights_enabled"))
                .set_performance_insights_kms_key_id(
                    d.opt_str("performance_insights_kms_key_id")
                        .map(str::to_owned),
                )
                .set_promotion_tier(d.opt_int("promotion_tier").map(|v| v as i32))
                .set_tags(Some(tags(d)))
                .send(),
        )
        .await?;
    let i = out.db_instance().ok_or(Error::Missing {
        op: "CreateDBInstance",
        what: "DBInstance",
    })?;
    Ok(observed(i))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeDBInstances",
            op.c()
                .rds
                .describe_db_instances()
                .db_instance_identifier(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.db_instances()
            .iter()
            .find(|i| i.db_instance_status() != Some("deleting"))
            .map(observed)
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("identifier")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let mut call = op
        .c()
        .rds
        .modify_db_instance()
        .db_instance_identifier(&o.id)
        .apply_immediately(true);
    for x in diffs {
        call = match x.attribute.as_str() {
            "instance_class" => call.db_instance_class(d.str("instance_class")?),
            "publicly_accessible" => {
                call.publicly_accessible(d.opt_bool("publicly_accessible").unwrap_or(false))
            }
            "auto_minor_version_upgrade" => call.auto_minor_version_upgrade(
                d.opt_bool("auto_minor_version_upgrade").unwrap_or(true),
            ),
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        };
    }
    if diffs.is_empty() {
        return Ok(());
    }
    op.write("ModifyDBInstance", call.send()).await.map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDBInstance",
        op.c()
            .rds
            .delete_db_instance()
            .db_instance_identifier(&owned.id)
            .skip_final_snapshot(true)
            .send(),
    )
    .await?;
    // Its cluster cannot be deleted while it is.
    crate::poll::poll("DB instance deleted", || async {
        Ok(read(op, &owned.id, &dummy(owned)).await?.is_none())
    })
    .await
}

/// `read` wants a desired state it does not use.
fn dummy(owned: &Owned) -> Desired {
    Desired {
        address: owned.address.parse().unwrap_or_else(|_| {
            "env.data.aws_rds_cluster_instance.x"
                .parse()
                .expect("valid")
        }),
        attrs: Default::default(),
        tags: Default::default(),
        needs: Vec::new(),
    }
}
