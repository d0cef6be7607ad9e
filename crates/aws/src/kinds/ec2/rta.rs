//! `aws_route_table_association` (subnet → route table). Found again by
//! the subnet it associates.

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

use super::filter;

async fn by_filter(
    op: &Op<'_>,
    name: &str,
    value: &str,
    want: impl Fn(&str) -> bool,
) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeRouteTables",
            op.c()
                .ec2
                .describe_route_tables()
                .filters(filter(name, value))
                .send(),
        )
        .await?;
    for t in out.route_tables() {
        for a in t.associations() {
            let (Some(id), Some(subnet)) = (a.route_table_association_id(), a.subnet_id()) else {
                continue;
            };
            if want(id) || want(subnet) {
                return Ok(Some(
                    Observed::new(id)
                        .live("route_table_id", t.route_table_id().unwrap_or_default())
                        .live("subnet_id", subnet),
                ));
            }
        }
    }
    Ok(None)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "AssociateRouteTable",
            op.c()
                .ec2
                .associate_route_table()
                .route_table_id(d.str("route_table_id")?)
                .subnet_id(d.str("subnet_id")?)
                .send(),
        )
        .await?;
    let id = out.association_id().ok_or(Error::Missing {
        op: "AssociateRouteTable",
        what: "AssociationId",
    })?;
    Ok(Observed::new(id)
        .live("route_table_id", d.str("route_table_id")?)
        .live("subnet_id", d.str("subnet_id")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    by_filter(op, "association.route-table-association-id", id, |x| {
        x == id
    })
    .await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let subnet = d.str("subnet_id")?;
    by_filter(op, "association.subnet-id", subnet, |x| x == subnet).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.iter().any(|x| x.attribute == "route_table_id") {
        op.write(
            "ReplaceRouteTableAssociation",
            op.c()
                .ec2
                .replace_route_table_association()
                .association_id(&o.id)
                .route_table_id(d.str("route_table_id")?)
                .send(),
        )
        .await?;
    }
    if diffs.iter().any(|x| x.attribute == "subnet_id") {
        return Err(crate::kinds::cannot_update(d, diffs));
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DisassociateRouteTable",
        op.c()
            .ec2
            .disassociate_route_table()
            .association_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
