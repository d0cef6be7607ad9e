//! `aws_s3_bucket_public_access_block`.

use aws_sdk_s3::types::PublicAccessBlockConfiguration;

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

use super::PAB_FLAGS as FLAGS;

async fn observe(op: &Op<'_>, bucket: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetPublicAccessBlock",
            op.c().s3.get_public_access_block().bucket(bucket).send(),
        )
        .await?;
    Ok(out
        .and_then(|o| o.public_access_block_configuration().cloned())
        .map(|c| {
            super::pab_observed(
                bucket,
                [
                    c.block_public_acls(),
                    c.block_public_policy(),
                    c.ignore_public_acls(),
                    c.restrict_public_buckets(),
                ],
            )
        }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let f = |k: &str| d.opt_bool(k).unwrap_or(false);
    op.write(
        "PutPublicAccessBlock",
        op.c()
            .s3
            .put_public_access_block()
            .bucket(d.str("bucket")?)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(f(FLAGS[0]))
                    .block_public_policy(f(FLAGS[1]))
                    .ignore_public_acls(f(FLAGS[2]))
                    .restrict_public_buckets(f(FLAGS[3]))
                    .build(),
            )
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    let mut o = Observed::new(d.str("bucket")?);
    for k in FLAGS {
        o = o.live(k, d.opt_bool(k).unwrap_or(false));
    }
    Ok(o)
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
        "DeletePublicAccessBlock",
        op.c()
            .s3
            .delete_public_access_block()
            .bucket(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
