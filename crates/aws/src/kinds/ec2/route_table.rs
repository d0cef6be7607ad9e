//! `aws_route_table` (its routes and associations are kinds of their own).

use aws_sdk_ec2::types::{ResourceType, RouteTable};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(t: &RouteTable) -> Observed {
    Observed::new(t.route_table_id().unwrap_or_default())
        .live("vpc_id", t.vpc_id().unwrap_or_default())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateRouteTable",
            op.c()
                .ec2
                .create_route_table()
                .vpc_id(d.str("vpc_id")?)
                .tag_specifications(tags_on(ResourceType::RouteTable, d))
                .send(),
        )
        .await?;
    let t = out.route_table().ok_or(Error::Missing {
        op: "CreateRouteTable",
        what: "RouteTable",
    })?;
    Ok(observed(t))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeRouteTables",
            op.c()
                .ec2
                .describe_route_tables()
                .route_table_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.route_tables().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeRouteTables",
            op.c()
                .ec2
                .describe_route_tables()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    Ok(out
        .route_tables()
        .iter()
        .find(|t| ours(t.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteRouteTable",
        op.c()
            .ec2
            .delete_route_table()
            .route_table_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
