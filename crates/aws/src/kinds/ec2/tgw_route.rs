//! `aws_ec2_transit_gateway_route`. Its id is `<route table>_<destination>`;
//! a route a killed run created is found by searching its table.

use aws_sdk_ec2::types::{Filter, TransitGatewayRoute};

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn split(id: &str) -> Result<(&str, &str)> {
    crate::kinds::split_id(id, '_', "<table>_<destination>")
}

fn observed(table: &str, r: &TransitGatewayRoute) -> Observed {
    let o = Observed::new(format!(
        "{table}_{}",
        r.destination_cidr_block().unwrap_or_default()
    ));
    // The emulator lists no attachments on its routes; AWS always does.
    match r
        .transit_gateway_attachments()
        .first()
        .and_then(|a| a.transit_gateway_attachment_id())
    {
        Some(a) => o.live("transit_gateway_attachment_id", a),
        None => o,
    }
}

async fn lookup(op: &Op<'_>, table: &str, dest: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "SearchTransitGatewayRoutes",
            op.c()
                .ec2
                .search_transit_gateway_routes()
                .transit_gateway_route_table_id(table)
                .filters(
                    Filter::builder()
                        .name("route-search.exact-match")
                        .values(dest)
                        .build(),
                )
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.routes()
            .iter()
            .find(|r| {
                r.destination_cidr_block() == Some(dest)
                    && r.state().map(|s| s.as_str()) != Some("deleted")
            })
            .map(|r| observed(table, r))
    }))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let table = d.str("transit_gateway_route_table_id")?;
    let dest = d.str("destination_cidr_block")?;
    op.write(
        "CreateTransitGatewayRoute",
        op.c()
            .ec2
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(table)
            .destination_cidr_block(dest)
            .transit_gateway_attachment_id(d.str("transit_gateway_attachment_id")?)
            .send(),
    )
    .await?;
    Ok(Observed::new(format!("{table}_{dest}")).live(
        "transit_gateway_attachment_id",
        d.str("transit_gateway_attachment_id")?,
    ))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let (table, dest) = split(id)?;
    lookup(op, table, dest).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(
        op,
        d.str("transit_gateway_route_table_id")?,
        d.str("destination_cidr_block")?,
    )
    .await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    let (table, dest) = split(&o.id)?;
    op.write(
        "ReplaceTransitGatewayRoute",
        op.c()
            .ec2
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(table)
            .destination_cidr_block(dest)
            .transit_gateway_attachment_id(d.str("transit_gateway_attachment_id")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (table, dest) = split(&owned.id)?;
    op.write(
        "DeleteTransitGatewayRoute",
        op.c()
            .ec2
            .delete_transit_gateway_route()
            .transit_gateway_route_table_id(table)
            .destination_cidr_block(dest)
            .send(),
    )
    .await
    .map(|_| ())
}
