//! `aws_ebs_encryption_by_default`: the region's setting that encrypts every
//! new EBS volume. It always exists; "found" means it is already on, and
//! deleting it switches it back off.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn enabled(op: &Op<'_>) -> Result<bool> {
    let out = op
        .read(
            "GetEbsEncryptionByDefault",
            op.c().ec2.get_ebs_encryption_by_default().send(),
        )
        .await?;
    Ok(out.ebs_encryption_by_default().unwrap_or(false))
}

async fn set(op: &Op<'_>, on: bool) -> Result<()> {
    let ec2 = &op.c().ec2;
    if on {
        op.write(
            "EnableEbsEncryptionByDefault",
            ec2.enable_ebs_encryption_by_default().send(),
        )
        .await
        .map(|_| ())
    } else {
        op.write(
            "DisableEbsEncryptionByDefault",
            ec2.disable_ebs_encryption_by_default().send(),
        )
        .await
        .map(|_| ())
    }
}

fn observed(op: &Op<'_>, on: bool) -> Observed {
    Observed::new(op.c().region.clone()).live("enabled", on)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let on = d.opt_bool("enabled").unwrap_or(true);
    set(op, on).await?;
    Ok(observed(op, on))
}

pub(crate) async fn read(op: &Op<'_>, _id: &str, _d: &Desired) -> Result<Option<Observed>> {
    Ok(Some(observed(op, enabled(op).await?)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let on = enabled(op).await?;
    Ok((on == d.opt_bool("enabled").unwrap_or(true)).then(|| observed(op, on)))
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, set(op, d.opt_bool("enabled").unwrap_or(true))).await
}

pub(crate) async fn delete(op: &Op<'_>, _owned: &Owned) -> Result<()> {
    set(op, false).await
}
