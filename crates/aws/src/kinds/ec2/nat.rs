//! `aws_nat_gateway`.

use aws_sdk_ec2::types::{ConnectivityType, NatGateway, NatGatewayState, ResourceType};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(n: &NatGateway) -> Observed {
    let alloc = n
        .nat_gateway_addresses()
        .first()
        .and_then(|a| a.allocation_id())
        .unwrap_or_default();
    Observed::new(n.nat_gateway_id().unwrap_or_default())
        .live("subnet_id", n.subnet_id().unwrap_or_default())
        .live("allocation_id", alloc)
}

fn gone(n: &NatGateway) -> bool {
    matches!(
        n.state(),
        Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)
    )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let ct = match d.opt_str("connectivity_type") {
        Some("private") => ConnectivityType::Private,
        _ => ConnectivityType::Public,
    };
    let mut call = op
        .c()
        .ec2
        .create_nat_gateway()
        .subnet_id(d.str("subnet_id")?)
        .connectivity_type(ct)
        .tag_specifications(tags_on(ResourceType::Natgateway, d));
    if let Some(a) = d.opt_str("allocation_id") {
        call = call.allocation_id(a);
    }
    let out = op.write("CreateNatGateway", call.send()).await?;
    let n = out.nat_gateway().ok_or(Error::Missing {
        op: "CreateNatGateway",
        what: "NatGateway",
    })?;
    let id = n.nat_gateway_id().unwrap_or_default().to_owned();
    // Routes through a pending gateway fail: wait until it is available.
    crate::poll::poll("NAT gateway available", || async {
        let out = op
            .read(
                "DescribeNatGateways",
                op.c()
                    .ec2
                    .describe_nat_gateways()
                    .nat_gateway_ids(&id)
                    .send(),
            )
            .await?;
        Ok(out
            .nat_gateways()
            .first()
            .is_none_or(|n| n.state() == Some(&NatGatewayState::Available)))
    })
    .await?;
    Ok(observed(n))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeNatGateways",
            op.c()
                .ec2
                .describe_nat_gateways()
                .nat_gateway_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.nat_gateways().iter().find(|n| !gone(n)).map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeNatGateways",
            op.c()
                .ec2
                .describe_nat_gateways()
                .filter(owned_by(d))
                .filter(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("state")
                        .values("pending")
                        .values("available")
                        .build(),
                )
                .send(),
        )
        .await?;
    Ok(out
        .nat_gateways()
        .iter()
        .find(|n| !gone(n) && ours(n.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let ec2 = &op.c().ec2;
    op.write(
        "DeleteNatGateway",
        ec2.delete_nat_gateway().nat_gateway_id(&owned.id).send(),
    )
    .await?;
    // Its address and subnet stay in use until it is gone.
    crate::poll::poll("NAT gateway deleted", || async {
        let out = op
            .read_opt(
                "DescribeNatGateways",
                ec2.describe_nat_gateways()
                    .nat_gateway_ids(&owned.id)
                    .send(),
            )
            .await?;
        Ok(out.is_none_or(|o| {
            o.nat_gateways()
                .iter()
                .all(|n| n.state() == Some(&NatGatewayState::Deleted))
        }))
    })
    .await
}
