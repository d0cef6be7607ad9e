//! `aws_db_subnet_group`.

use aws_sdk_rds::types::DbSubnetGroup;
use strata_model::Value;

use super::tags;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(g: &DbSubnetGroup) -> Observed {
    let name = g.db_subnet_group_name().unwrap_or_default();
    let subnets: Vec<Value> = g
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier().map(Value::from))
        .collect();
    Observed::new(name)
        .out("name", name)
        .out("arn", g.db_subnet_group_arn().unwrap_or_default())
        .live("subnet_ids", Value::List(subnets))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateDBSubnetGroup",
            op.c()
                .rds
                .create_db_subnet_group()
                .db_subnet_group_name(d.str("name")?)
                .db_subnet_group_description(
                    d.opt_str("description").unwrap_or("Managed by Strata"),
                )
                .set_subnet_ids(Some(d.strs("subnet_ids")))
                .set_tags(Some(tags(d)))
                .send(),
        )
        .await?;
    let g = out.db_subnet_group().ok_or(Error::Missing {
        op: "CreateDBSubnetGroup",
        what: "DBSubnetGroup",
    })?;
    Ok(observed(g))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeDBSubnetGroups",
            op.c()
                .rds
                .describe_db_subnet_groups()
                .db_subnet_group_name(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.db_subnet_groups().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("name")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "ModifyDBSubnetGroup",
        op.c()
            .rds
            .modify_db_subnet_group()
            .db_subnet_group_name(&o.id)
            .set_subnet_ids(Some(d.strs("subnet_ids")))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDBSubnetGroup",
        op.c()
            .rds
            .delete_db_subnet_group()
            .db_subnet_group_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
