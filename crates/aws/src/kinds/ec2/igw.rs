//! `aws_internet_gateway` (created and attached to its VPC).

use aws_sdk_ec2::types::{InternetGateway, ResourceType};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(g: &InternetGateway) -> Observed {
    let vpc = g
        .attachments()
        .first()
        .and_then(|a| a.vpc_id())
        .unwrap_or_default();
    Observed::new(g.internet_gateway_id().unwrap_or_default()).live("vpc_id", vpc)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateInternetGateway",
            op.c()
                .ec2
                .create_internet_gateway()
                .tag_specifications(tags_on(ResourceType::InternetGateway, d))
                .send(),
        )
        .await?;
    let g = out.internet_gateway().ok_or(Error::Missing {
        op: "CreateInternetGateway",
        what: "InternetGateway",
    })?;
    let o = observed(g);
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    Ok(o.live("vpc_id", d.str("vpc_id")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeInternetGateways",
            op.c()
                .ec2
                .describe_internet_gateways()
                .internet_gateway_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.internet_gateways().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeInternetGateways",
            op.c()
                .ec2
                .describe_internet_gateways()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    Ok(out
        .internet_gateways()
        .iter()
        .find(|g| ours(g.tags(), d))
        .map(observed))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let ec2 = &op.c().ec2;
    for x in diffs {
        if x.attribute == "vpc_id" {
            if let Some(old) = x.live.as_str().filter(|s| !s.is_empty()) {
                op.write(
                    "DetachInternetGateway",
                    ec2.detach_internet_gateway()
                        .internet_gateway_id(&o.id)
                        .vpc_id(old)
                        .send(),
                )
                .await?;
            }
            op.write(
                "AttachInternetGateway",
                ec2.attach_internet_gateway()
                    .internet_gateway_id(&o.id)
                    .vpc_id(d.str("vpc_id")?)
                    .send(),
            )
            .await?;
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let ec2 = &op.c().ec2;
    if let Some(g) = op
        .read_opt(
            "DescribeInternetGateways",
            ec2.describe_internet_gateways()
                .internet_gateway_ids(&owned.id)
                .send(),
        )
        .await?
    {
        for a in g.internet_gateways().iter().flat_map(|g| g.attachments()) {
            if let Some(vpc) = a.vpc_id() {
                op.write(
                    "DetachInternetGateway",
                    ec2.detach_internet_gateway()
                        .internet_gateway_id(&owned.id)
                        .vpc_id(vpc)
                        .send(),
                )
                .await?;
            }
        }
    }
    op.write(
        "DeleteInternetGateway",
        ec2.delete_internet_gateway()
            .internet_gateway_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
