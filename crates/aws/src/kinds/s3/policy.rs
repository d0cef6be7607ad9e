//! `aws_s3_bucket_policy`.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, bucket: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetBucketPolicy",
            op.c().s3.get_bucket_policy().bucket(bucket).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.policy().map(|p| Observed::new(bucket).live("policy", p))))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    op.write(
        "PutBucketPolicy",
        op.c()
            .s3
            .put_bucket_policy()
            .bucket(d.str("bucket")?)
            .policy(d.json("policy")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    Ok(Observed::new(d.str("bucket")?).live("policy", d.json("policy")?))
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
        "DeleteBucketPolicy",
        op.c().s3.delete_bucket_policy().bucket(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
