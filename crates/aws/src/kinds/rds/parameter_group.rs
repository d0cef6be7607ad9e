//! `aws_rds_cluster_parameter_group` with its parameters (applied at the
//! next reboot unless the parameter is dynamic).

use aws_sdk_rds::types::{ApplyMethod, Parameter};
use strata_model::Value;

use super::tags;
use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

fn wanted(d: &Desired) -> Vec<(String, String)> {
    d.get("parameter")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let m = p.as_map();
            Some((
                field(m, "name")?.as_str()?.to_owned(),
                field(m, "value")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn as_value(params: &[(String, String)]) -> Value {
    Value::List(
        params
            .iter()
            .map(|(n, v)| {
                let mut m = std::collections::BTreeMap::new();
                m.insert("name".to_owned(), Value::from(n.as_str()));
                m.insert("value".to_owned(), Value::from(v.as_str()));
                Value::Map(m)
            })
            .collect(),
    )
}

async fn observe(op: &Op<'_>, name: &str, d: &Desired) -> Result<Option<Observed>> {
    let rds = &op.c().rds;
    let Some(out) = op
        .read_opt(
            "DescribeDBClusterParameterGroups",
            rds.describe_db_cluster_parameter_groups()
                .db_cluster_parameter_group_name(name)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(g) = out.db_cluster_parameter_groups().first() else {
        return Ok(None);
    };
    // Compare only the parameters the spec sets: the group holds hundreds.
    let names: Vec<String> = wanted(d).into_iter().map(|(n, _)| n).collect();
    let params = op
        .read(
            "DescribeDBClusterParameters",
            rds.describe_db_cluster_parameters()
                .db_cluster_parameter_group_name(name)
                .send(),
        )
        .await?;
    let live: Vec<(String, String)> = params
        .parameters()
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_name()?.to_owned(),
                p.parameter_value()?.to_owned(),
            ))
        })
        .filter(|(n, _)| names.contains(n))
        .collect();
    Ok(Some(
        Observed::new(name)
            .out("name", name)
            .out(
                "arn",
                g.db_cluster_parameter_group_arn().unwrap_or_default(),
            )
            .live("parameter", as_value(&live)),
    ))
}

async fn put(op: &Op<'_>, name: &str, d: &Desired) -> Result<()> {
    let params: Vec<Parameter> = wanted(d)
        .into_iter()
        .map(|(n, v)| {
            Parameter::builder()
                .parameter_name(n)
                .parameter_value(v)
                .apply_method(ApplyMethod::PendingReboot)
                .build()
        })
        .collect();
    if params.is_empty() {
        return Ok(());
    }
    op.write(
        "ModifyDBClusterParameterGroup",
        op.c()
            .rds
            .modify_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .set_parameters(Some(params))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let name = d.str("name")?;
    op.write(
        "CreateDBClusterParameterGroup",
        op.c()
            .rds
            .create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(name)
            .db_parameter_group_family(d.str("family")?)
            .description(d.opt_str("description").unwrap_or("Managed by Strata"))
            .set_tags(Some(tags(d)))
            .send(),
    )
    .await?;
    put(op, name, d).await?;
    Ok(Observed::new(name)
        .out("name", name)
        .live("parameter", as_value(&wanted(d))))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, d: &Desired) -> Result<Option<Observed>> {
    observe(op, id, d).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("name")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        Ok(())
    } else {
        put(op, &o.id, d).await
    }
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDBClusterParameterGroup",
        op.c()
            .rds
            .delete_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
