//! `aws_subnet`.

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Subnet};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn observed(s: &Subnet) -> Observed {
    Observed::new(s.subnet_id().unwrap_or_default())
        .out("arn", s.subnet_arn().unwrap_or_default())
        .out(
            "availability_zone",
            s.availability_zone().unwrap_or_default(),
        )
        .live("cidr_block", s.cidr_block().unwrap_or_default())
        .live(
            "availability_zone",
            s.availability_zone().unwrap_or_default(),
        )
        .live(
            "map_public_ip_on_launch",
            s.map_public_ip_on_launch().unwrap_or(false),
        )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let ec2 = &op.c().ec2;
    let mut call = ec2
        .create_subnet()
        .vpc_id(d.str("vpc_id")?)
        .cidr_block(d.str("cidr_block")?)
        .tag_specifications(tags_on(ResourceType::Subnet, d));
    if let Some(az) = d.opt_str("availability_zone") {
        call = call.availability_zone(az);
    }
    let out = op.write("CreateSubnet", call.send()).await?;
    let s = out.subnet().ok_or(Error::Missing {
        op: "CreateSubnet",
        what: "Subnet",
    })?;
    let o = observed(s);
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    Ok(o.live(
        "map_public_ip_on_launch",
        d.opt_bool("map_public_ip_on_launch").unwrap_or(false),
    ))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeSubnets",
            op.c().ec2.describe_subnets().subnet_ids(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.subnets().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeSubnets",
            op.c().ec2.describe_subnets().filters(owned_by(d)).send(),
        )
        .await?;
    Ok(out
        .subnets()
        .iter()
        .find(|s| ours(s.tags(), d))
        .map(observed))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    for x in diffs {
        match x.attribute.as_str() {
            "map_public_ip_on_launch" => {
                op.write(
                    "ModifySubnetAttribute",
                    op.c()
                        .ec2
                        .modify_subnet_attribute()
                        .subnet_id(&o.id)
                        .map_public_ip_on_launch(
                            AttributeBooleanValue::builder()
                                .value(d.opt_bool("map_public_ip_on_launch").unwrap_or(false))
                                .build(),
                        )
                        .send(),
                )
                .await?;
            }
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteSubnet",
        op.c().ec2.delete_subnet().subnet_id(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
