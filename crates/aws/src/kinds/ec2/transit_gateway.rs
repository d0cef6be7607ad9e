//! `aws_ec2_transit_gateway`. Outputs the default association route
//! table, which routes are put in.

use aws_sdk_ec2::types::{
    AutoAcceptSharedAttachmentsValue, DefaultRouteTableAssociationValue,
    DefaultRouteTablePropagationValue, DnsSupportValue, ResourceType, TransitGateway,
    TransitGatewayRequestOptions, TransitGatewayState,
};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(t: &TransitGateway) -> Observed {
    let o = t.options();
    Observed::new(t.transit_gateway_id().unwrap_or_default())
        .out("arn", t.transit_gateway_arn().unwrap_or_default())
        .out(
            "association_default_route_table_id",
            o.and_then(|o| o.association_default_route_table_id())
                .unwrap_or_default(),
        )
        .live("description", t.description().unwrap_or_default())
        .live(
            "dns_support",
            o.and_then(|o| o.dns_support())
                .map(|v| v.as_str())
                .unwrap_or_default(),
        )
}

fn alive(t: &TransitGateway) -> bool {
    !matches!(
        t.state(),
        Some(TransitGatewayState::Deleted | TransitGatewayState::Deleting)
    )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let s = |k: &str, default: &str| d.opt_str(k).unwrap_or(default).to_owned();
    let options = TransitGatewayRequestOptions::builder()
        .auto_accept_shared_attachments(AutoAcceptSharedAttachmentsValue::from(
            s("auto_accept_shared_attachments", "disable").as_str(),
        ))
        .default_route_table_association(DefaultRouteTableAssociationValue::from(
            s("default_route_table_association", "enable").as_str(),
        ))
        .default_route_table_propagation(DefaultRouteTablePropagationValue::from(
            s("default_route_table_propagation", "enable").as_str(),
        ))
        .dns_support(DnsSupportValue::from(s("dns_support", "enable").as_str()))
        .build();
    let out = op
        .write(
            "CreateTransitGateway",
            op.c()
                .ec2
                .create_transit_gateway()
                .set_description(d.opt_str("description").map(str::to_owned))
                .options(options)
                .tag_specifications(tags_on(ResourceType::TransitGateway, d))
                .send(),
        )
        .await?;
    let t = out.transit_gateway().ok_or(Error::Missing {
        op: "CreateTransitGateway",
        what: "TransitGateway",
    })?;
    Ok(observed(t))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeTransitGateways",
            op.c()
                .ec2
                .describe_transit_gateways()
                .transit_gateway_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.transit_gateways().iter().find(|t| alive(t)).map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeTransitGateways",
            op.c()
                .ec2
                .describe_transit_gateways()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    Ok(out
        .transit_gateways()
        .iter()
        .find(|t| alive(t) && ours(t.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteTransitGateway",
        op.c()
            .ec2
            .delete_transit_gateway()
            .transit_gateway_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
