//! `aws_vpc`.

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let ec2 = &op.c().ec2;
    let out = op
        .write(
            "CreateVpc",
            ec2.create_vpc()
                .cidr_block(d.str("cidr_block")?)
                .tag_specifications(tags_on(ResourceType::Vpc, d))
                .send(),
        )
        .await?;
    let id = out
        .vpc()
        .and_then(|v| v.vpc_id())
        .ok_or(Error::Missing {
            op: "CreateVpc",
            what: "VpcId",
        })?
        .to_owned();
    let o = Observed::new(&id);
    let live = observe(op, o).await?;
    let diffs = crate::kinds::diff(d, &live);
    update(op, &live, d, &diffs).await?;
    observe(op, Observed::new(&id)).await
}

async fn observe(op: &Op<'_>, o: Observed) -> Result<Observed> {
    let ec2 = &op.c().ec2;
    let id = o.id.clone();
    let host = op
        .read(
            "DescribeVpcAttribute",
            ec2.describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(VpcAttributeName::EnableDnsHostnames)
                .send(),
        )
        .await?;
    let support = op
        .read(
            "DescribeVpcAttribute",
            ec2.describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(VpcAttributeName::EnableDnsSupport)
                .send(),
        )
        .await?;
    Ok(o.live(
        "enable_dns_hostnames",
        host.enable_dns_hostnames()
            .and_then(|v| v.value())
            .unwrap_or(false),
    )
    .live(
        "enable_dns_support",
        support
            .enable_dns_support()
            .and_then(|v| v.value())
            .unwrap_or(false),
    ))
}

fn from_vpc(v: &aws_sdk_ec2::types::Vpc) -> Observed {
    Observed::new(v.vpc_id().unwrap_or_default())
        .live("cidr_block", v.cidr_block().unwrap_or_default())
        .live(
            "instance_tenancy",
            v.instance_tenancy()
                .map(|t| t.as_str())
                .unwrap_or("default"),
        )
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeVpcs",
            op.c().ec2.describe_vpcs().vpc_ids(id).send(),
        )
        .await?;
    let Some(v) = out.as_ref().and_then(|o| o.vpcs().first()) else {
        return Ok(None);
    };
    Ok(Some(observe(op, from_vpc(v)).await?))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeVpcs",
            op.c().ec2.describe_vpcs().filters(owned_by(d)).send(),
        )
        .await?;
    match out.vpcs().iter().find(|v| ours(v.tags(), d)) {
        Some(v) => Ok(Some(observe(op, from_vpc(v)).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let ec2 = &op.c().ec2;
    for x in diffs {
        let on = |v: bool| AttributeBooleanValue::builder().value(v).build();
        match x.attribute.as_str() {
            "enable_dns_hostnames" => {
                op.write(
                    "ModifyVpcAttribute",
                    ec2.modify_vpc_attribute()
                        .vpc_id(&o.id)
                        .enable_dns_hostnames(on(d
                            .opt_bool("enable_dns_hostnames")
                            .unwrap_or(false)))
                        .send(),
                )
                .await?;
            }
            "enable_dns_support" => {
                op.write(
                    "ModifyVpcAttribute",
                    ec2.modify_vpc_attribute()
                        .vpc_id(&o.id)
                        .enable_dns_support(on(d.opt_bool("enable_dns_support").unwrap_or(true)))
                        .send(),
                )
                .await?;
            }
            _ => return Err(crate::kinds::cannot_update(d, std::slice::from_ref(x))),
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteVpc",
        op.c().ec2.delete_vpc().vpc_id(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
