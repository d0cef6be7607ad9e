//! `aws_vpc_endpoint` (interface and gateway endpoints).

use aws_sdk_ec2::types::{ResourceType, VpcEndpoint, VpcEndpointType};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(e: &VpcEndpoint) -> Observed {
    Observed::new(e.vpc_endpoint_id().unwrap_or_default())
        .live("service_name", e.service_name().unwrap_or_default())
        .live("vpc_id", e.vpc_id().unwrap_or_default())
}

fn alive(e: &VpcEndpoint) -> bool {
    !matches!(
        e.state().map(|s| s.as_str()),
        Some("deleted" | "deleting" | "Deleted" | "Deleting")
    )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let kind = VpcEndpointType::from(d.opt_str("vpc_endpoint_type").unwrap_or("Gateway"));
    let mut call = op
        .c()
        .ec2
        .create_vpc_endpoint()
        .vpc_id(d.str("vpc_id")?)
        .service_name(d.str("service_name")?)
        .vpc_endpoint_type(kind.clone())
        .set_route_table_ids(Some(d.strs("route_table_ids")).filter(|v| !v.is_empty()))
        .tag_specifications(tags_on(ResourceType::VpcEndpoint, d));
    if kind == VpcEndpointType::Interface {
        call = call
            .set_subnet_ids(Some(d.strs("subnet_ids")))
            .set_security_group_ids(Some(d.strs("security_group_ids")))
            .private_dns_enabled(d.opt_bool("private_dns_enabled").unwrap_or(true));
    }
    let out = op.write("CreateVpcEndpoint", call.send()).await?;
    let e = out.vpc_endpoint().ok_or(Error::Missing {
        op: "CreateVpcEndpoint",
        what: "VpcEndpoint",
    })?;
    Ok(observed(e))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeVpcEndpoints",
            op.c()
                .ec2
                .describe_vpc_endpoints()
                .vpc_endpoint_ids(id)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.vpc_endpoints().iter().find(|e| alive(e)).map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeVpcEndpoints",
            op.c()
                .ec2
                .describe_vpc_endpoints()
                .filters(owned_by(d))
                .send(),
        )
        .await?;
    Ok(out
        .vpc_endpoints()
        .iter()
        .find(|e| alive(e) && ours(e.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteVpcEndpoints",
        op.c()
            .ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
