//! `aws_route`: one destination in a route table. Its id is
//! `<route table>_<destination>`, so a route created by a killed run is
//! found again by reading its table.

use aws_sdk_ec2::types::Route;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

const TARGETS: &[&str] = &[
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

fn observed(table: &str, r: &Route) -> Observed {
    let dest = r.destination_cidr_block().unwrap_or_default();
    let mut o = Observed::new(format!("{table}_{dest}"));
    for (k, v) in [
        ("gateway_id", r.gateway_id()),
        ("nat_gateway_id", r.nat_gateway_id()),
        ("transit_gateway_id", r.transit_gateway_id()),
        ("vpc_peering_connection_id", r.vpc_peering_connection_id()),
    ] {
        if let Some(v) = v {
            o = o.live(k, v);
        }
    }
    o
}

fn split(id: &str) -> Result<(&str, &str)> {
    crate::kinds::split_id(id, '_', "<table>_<destination>")
}

async fn lookup(op: &Op<'_>, table: &str, dest: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeRouteTables",
            op.c()
                .ec2
                .describe_route_tables()
                .route_table_ids(table)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.route_tables()
            .first()
            .and_then(|t| {
                t.routes()
                    .iter()
                    .find(|r| r.destination_cidr_block() == Some(dest))
            })
            .map(|r| observed(table, r))
    }))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let table = d.str("route_table_id")?;
    let dest = d.str("destination_cidr_block")?;
    let mut call = op
        .c()
        .ec2
        .create_route()
        .route_table_id(table)
        .destination_cidr_block(dest);
    call = match () {
        _ if d.opt_str("nat_gateway_id").is_some() => call.nat_gateway_id(d.str("nat_gateway_id")?),
        _ if d.opt_str("gateway_id").is_some() => call.gateway_id(d.str("gateway_id")?),
        _ if d.opt_str("transit_gateway_id").is_some() => {
            call.transit_gateway_id(d.str("transit_gateway_id")?)
        }
        _ => {
            return Err(Error::Invalid(format!(
                "{}: a route needs one of {}",
                d.address,
                TARGETS.join(", ")
            )));
        }
    };
    op.write("CreateRoute", call.send()).await?;
    let mut o = Observed::new(format!("{table}_{dest}"));
    for t in TARGETS {
        if let Some(v) = d.opt_str(t) {
            o = o.live(t, v);
        }
    }
    Ok(o)
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let (table, dest) = split(id)?;
    lookup(op, table, dest).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(
        op,
        d.str("route_table_id")?,
        d.str("destination_cidr_block")?,
    )
    .await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    let (table, dest) = split(&o.id)?;
    let mut call = op
        .c()
        .ec2
        .replace_route()
        .route_table_id(table)
        .destination_cidr_block(dest);
    if let Some(n) = d.opt_str("nat_gateway_id") {
        call = call.nat_gateway_id(n);
    } else if let Some(g) = d.opt_str("gateway_id") {
        call = call.gateway_id(g);
    } else if let Some(t) = d.opt_str("transit_gateway_id") {
        call = call.transit_gateway_id(t);
    }
    op.write("ReplaceRoute", call.send()).await.map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (table, dest) = split(&owned.id)?;
    op.write(
        "DeleteRoute",
        op.c()
            .ec2
            .delete_route()
            .route_table_id(table)
            .destination_cidr_block(dest)
            .send(),
    )
    .await
    .map(|_| ())
}
