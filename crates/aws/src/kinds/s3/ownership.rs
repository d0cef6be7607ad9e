//! `aws_s3_bucket_ownership_controls` (`BucketOwnerEnforced` turns ACLs off).

use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

/// `rule.object_ownership`, flattened to `object_ownership`.
pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let v = field(d.map("rule"), "object_ownership")
        .and_then(Value::as_str)
        .unwrap_or("BucketOwnerEnforced")
        .to_owned();
    let mut x = d.clone();
    x.attrs.insert("object_ownership".into(), Value::String(v));
    x
}

async fn observe(op: &Op<'_>, bucket: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetBucketOwnershipControls",
            op.c()
                .s3
                .get_bucket_ownership_controls()
                .bucket(bucket)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| Observed::new(bucket).live("object_ownership", r.object_ownership().as_str()))
    }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let flat = desired_flat(d);
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ObjectOwnership::from(flat.str("object_ownership")?))
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let controls = OwnershipControls::builder()
        .rules(rule)
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    op.write(
        "PutBucketOwnershipControls",
        op.c()
            .s3
            .put_bucket_ownership_controls()
            .bucket(d.str("bucket")?)
            .ownership_controls(controls)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    let flat = desired_flat(d);
    Ok(Observed::new(d.str("bucket")?).live("object_ownership", flat.str("object_ownership")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("bucket")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteBucketOwnershipControls",
        op.c()
            .s3
            .delete_bucket_ownership_controls()
            .bucket(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
