//! `aws_rds_cluster` (Aurora). The master password is managed by RDS in
//! Secrets Manager (`manage_master_user_password`): Strata never holds it.

use aws_sdk_rds::types::DbCluster;
use strata_model::Value;

use super::tags;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn observed(c: &DbCluster) -> Observed {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let groups: Vec<Value> = c
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id().map(Value::from))
        .collect();
    Observed::new(id)
        .out("arn", c.db_cluster_arn().unwrap_or_default())
        .out("cluster_identifier", id)
        .out("endpoint", c.endpoint().unwrap_or_default())
        .out("reader_endpoint", c.reader_endpoint().unwrap_or_default())
        .out(
            "cluster_resource_id",
            c.db_cluster_resource_id().unwrap_or_default(),
        )
        .out("engine", c.engine().unwrap_or_default())
        .live("storage_encrypted", c.storage_encrypted().unwrap_or(false))
        .live(
            "deletion_protection",
            c.deletion_protection().unwrap_or(false),
        )
        .live(
            "backup_retention_period",
            c.backup_retention_period().map(i64::from).unwrap_or(0),
        )
        .live(
            "iam_database_authentication_enabled",
            c.iam_database_authentication_enabled().unwrap_or(false),
        )
        .live("vpc_security_group_ids", Value::List(groups))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let id = d.str("cluster_identifier")?;
    let mut call = op
        .c()
        .rds
        .create_db_cluster()
        .db_cluster_identifier(id)
        .engine(d.str("engine")?)
        .set_engine_version(d.opt_str("engine_version").map(str::to_owned))
        .set_database_name(d.opt_str("database_name").map(str::to_owned))
        .set_master_username(d.opt_str("master_username").map(str::to_owned))
        .set_db_subnet_group_name(d.opt_str("db_subnet_group_name").map(str::to_owned))
        .set_db_cluster_parameter_group_name(
            d.opt_str("db_cluster_parameter_group_name")
                .map(str::to_owned),
        )
        .set_vpc_security_group_ids(Some(d.strs("vpc_security_group_ids")))
        .set_availability_zones(Some(d.strs("availability_zones")).filter(|z| !z.is_empty()))
        .storage_encrypted(d.opt_bool("storage_encrypted").unwrap_or(true))
        .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_owned))
        .deletion_protection(d.opt_bool("deletion_protection").unwrap_or(false))
        .copy_tags_to_snapshot(d.opt_bool("copy_tags_to_snapshot").unwrap_or(true))
        .set_backup_retention_period(d.opt_int("backup_retention_period").map(|v| v as i32))
        .set_preferred_backup_window(d.opt_str("preferred_backup_window").map(str::to_owned))
        .set_enable_cloudwatch_logs_exports(
            Some(d.strs("enabled_cloudwatch_logs_exports")).filter(|v| !v.is_empty()),
        )
        .enable_iam_database_authentication(
            d.opt_bool("iam_database_authentication_enabled")
                .unwrap_or(false),
        )
        .set_tags(Some(tags(d)));
    if d.opt_bool("manage_master_user_password") == Some(true) {
        call = call
            .manage_master_user_password(true)
            .set_master_user_secret_kms_key_id(
                d.opt_str("master_user_secret_kms_key_id")
                    .map(str::to_owned),
            );
    }
    let out = op.write("CreateDBCluster", call.send()).await?;
    let c = out.db_cluster().ok_or(Error::Missing {
        op: "CreateDBCluster",
        what: "DBCluster",
    })?;
    Ok(observed(c))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeDBClusters",
            op.c()
                .rds
                .describe_db_clusters()
                .db_cluster_identifier(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.db_clusters()
            .iter()
            .find(|c| c.status() != Some("deleting"))
            .map(observed)
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("cluster_identifier")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let mut call = op
        .c()
        .rds
        .modify_db_cluster()
        .db_cluster_identifier(&o.id)
        .apply_immediately(true);
    for x in diffs {
        call = match x.attribute.as_str() {
            "deletion_protection" => {
                call.deletion_protection(d.opt_bool("deletion_protection").unwrap_or(false))
            }
            "backup_retention_period" => {
                call.backup_retention_period(d.int("backup_retention_period")? as i32)
            }
            "iam_database_authentication_enabled" => call.enable_iam_database_authentication(
                d.opt_bool("iam_database_authentication_enabled")
                    .unwrap_or(false),
            ),
            "vpc_security_group_ids" => {
                call.set_vpc_security_group_ids(Some(d.strs("vpc_security_group_ids")))
            }
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        };
    }
    if diffs.is_empty() {
        return Ok(());
    }
    op.write("ModifyDBCluster", call.send()).await.map(|_| ())
}

pub(crate) async fn unprotect(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "ModifyDBCluster",
        op.c()
            .rds
            .modify_db_cluster()
            .db_cluster_identifier(&owned.id)
            .deletion_protection(false)
            .apply_immediately(true)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let skip = owned
        .outputs
        .get("skip_final_snapshot")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut call = op
        .c()
        .rds
        .delete_db_cluster()
        .db_cluster_identifier(&owned.id)
        .skip_final_snapshot(skip);
    if !skip {
        let snap = owned
            .outputs
            .get("final_snapshot_identifier")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}-final", owned.id));
        call = call.final_db_snapshot_identifier(snap);
    }
    op.write("DeleteDBCluster", call.send()).await.map(|_| ())
}
