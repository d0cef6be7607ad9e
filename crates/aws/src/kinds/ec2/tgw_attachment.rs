//! `aws_ec2_transit_gateway_vpc_attachment`.

use aws_sdk_ec2::types::{
    CreateTransitGatewayVpcAttachmentRequestOptions, DnsSupportValue, ResourceType,
    TransitGatewayAttachmentState, TransitGatewayVpcAttachment,
};
use strata_model::Value;

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(a: &TransitGatewayVpcAttachment) -> Observed {
    let subnets: Vec<Value> = a
        .subnet_ids()
        .iter()
        .map(|s| Value::from(s.as_str()))
        .collect();
    Observed::new(a.transit_gateway_attachment_id().unwrap_or_default())
        .live("vpc_id", a.vpc_id().unwrap_or_default())
        .live(
            "transit_gateway_id",
            a.transit_gateway_id().unwrap_or_default(),
        )
        .live("subnet_ids", Value::List(subnets))
}

fn alive(a: &TransitGatewayVpcAttachment) -> bool {
    !matches!(
        a.state(),
        Some(TransitGatewayAttachmentState::Deleted | TransitGatewayAttachmentState::Deleting)
    )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateTransitGatewayVpcAttachment",
            op.c()
                .ec2
                .create_transit_gateway_vpc_attachment()
                .transit_gateway_id(d.str("transit_gateway_id")?)
                .vpc_id(d.str("vpc_id")?)
                .set_subnet_ids(Some(d.strs("subnet_ids")))
                .options(
                    CreateTransitGatewayVpcAttachmentRequestOptions::builder()
                        .dns_support(DnsSupportValue::from(
                            d.opt_str("dns_support").unwrap_or("enable"),
                        ))
                        .build(),
                )
                .tag_specifications(tags_on(ResourceType::TransitGatewayAttachment, d))
                .send(),
        )
        .await?;
    let a = out.transit_gateway_vpc_attachment().ok_or(Error::Missing {
        op: "CreateTransitGatewayVpcAttachment",
        what: "TransitGatewayVpcAttachment",
    })?;
    Ok(observed(a))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeTransitGatewayVpcAttachments",
            op.c()
                .ec2
                .describe_transit_gateway_vpc_attachments()
                .transit_gateway_attachment_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.transit_gateway_vpc_attachments()
            .iter()
            .find(|a| alive(a))
            .map(observed)
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeTransitGatewayVpcAttachments",
            op.c()
                .ec2
                .describe_transit_gateway_vpc_attachments()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    Ok(out
        .transit_gateway_vpc_attachments()
        .iter()
        .find(|a| alive(a) && ours(a.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteTransitGatewayVpcAttachment",
        op.c()
            .ec2
            .delete_transit_gateway_vpc_attachment()
            .transit_gateway_attachment_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
