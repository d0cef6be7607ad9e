//! `aws_config_delivery_channel`: where AWS Config delivers its snapshots
//! and history (a bucket, encrypted with a key). `Put` writes it whole.

use aws_sdk_config::types::DeliveryChannel;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(c: &DeliveryChannel) -> Observed {
    let name = c.name().unwrap_or_default();
    Observed::new(name)
        .out("name", name)
        .live("s3_bucket_name", c.s3_bucket_name().unwrap_or_default())
        .live("s3_key_prefix", c.s3_key_prefix().unwrap_or_default())
        .live("s3_kms_key_arn", c.s3_kms_key_arn().unwrap_or_default())
        .live("sns_topic_arn", c.sns_topic_arn().unwrap_or_default())
}

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeDeliveryChannels",
            op.c()
                .config
                .describe_delivery_channels()
                .delivery_channel_names(name)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.delivery_channels()
            .iter()
            .find(|c| c.name() == Some(name))
            .map(observed)
    }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let s = |k: &str| d.opt_str(k).map(str::to_owned);
    op.write(
        "PutDeliveryChannel",
        op.c()
            .config
            .put_delivery_channel()
            .delivery_channel(
                DeliveryChannel::builder()
                    .name(d.str("name")?)
                    .set_s3_bucket_name(s("s3_bucket_name"))
                    .set_s3_key_prefix(s("s3_key_prefix"))
                    .set_s3_kms_key_arn(s("s3_kms_key_arn"))
                    .set_sns_topic_arn(s("sns_topic_arn"))
                    .build(),
            )
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    lookup(op, d.str("name")?).await?.ok_or(Error::Missing {
        op: "DescribeDeliveryChannels",
        what: "the new delivery channel",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDeliveryChannel",
        op.c()
            .config
            .delete_delivery_channel()
            .delivery_channel_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
