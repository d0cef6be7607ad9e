//! `aws_eip` (VPC addresses).

use aws_sdk_ec2::types::{Address, DomainType, ResourceType};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(a: &Address) -> Observed {
    Observed::new(a.allocation_id().unwrap_or_default())
        .out("allocation_id", a.allocation_id().unwrap_or_default())
        .out("public_ip", a.public_ip().unwrap_or_default())
        .live("domain", a.domain().map(|d| d.as_str()).unwrap_or("vpc"))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "AllocateAddress",
            op.c()
                .ec2
                .allocate_address()
                .domain(DomainType::Vpc)
                .tag_specifications(tags_on(ResourceType::ElasticIp, d))
                .send(),
        )
        .await?;
    let id = out.allocation_id().ok_or(Error::Missing {
        op: "AllocateAddress",
        what: "AllocationId",
    })?;
    Ok(Observed::new(id)
        .out("allocation_id", id)
        .out("public_ip", out.public_ip().unwrap_or_default())
        .live("domain", "vpc"))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeAddresses",
            op.c().ec2.describe_addresses().allocation_ids(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.addresses().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeAddresses",
            op.c().ec2.describe_addresses().filters(owned_by(d)).send(),
        )
        .await?;
    Ok(out
        .addresses()
        .iter()
        .find(|a| ours(a.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "ReleaseAddress",
        op.c().ec2.release_address().allocation_id(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
