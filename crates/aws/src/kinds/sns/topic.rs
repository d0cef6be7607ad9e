//! `aws_sns_topic` (encrypted with a KMS key).

use aws_sdk_sns::types::Tag;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, arn: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "GetTopicAttributes",
            op.c().sns.get_topic_attributes().topic_arn(arn).send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let attrs = out.attributes();
    let key = attrs
        .and_then(|a| a.get("KmsMasterKeyId"))
        .cloned()
        .unwrap_or_default();
    Ok(Some(
        Observed::new(arn)
            .out("arn", arn)
            .live("kms_master_key_id", key),
    ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let tags: Vec<Tag> = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let mut call = op
        .c()
        .sns
        .create_topic()
        .name(d.str("name")?)
        .set_tags(Some(tags));
    if let Some(k) = d.opt_str("kms_master_key_id") {
        call = call.attributes("KmsMasterKeyId", k);
    }
    let out = op.write("CreateTopic", call.send()).await?;
    let arn = out.topic_arn().ok_or(Error::Missing {
        op: "CreateTopic",
        what: "TopicArn",
    })?;
    Ok(Observed::new(arn).out("arn", arn).live(
        "kms_master_key_id",
        d.opt_str("kms_master_key_id").unwrap_or_default(),
    ))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let arn = format!(
        "arn:aws:sns:{}:{}:{}",
        op.c().region,
        op.cx.account,
        d.str("name")?
    );
    observe(op, &arn).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "SetTopicAttributes",
        op.c()
            .sns
            .set_topic_attributes()
            .topic_arn(&o.id)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(d.opt_str("kms_master_key_id").unwrap_or_default())
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteTopic",
        op.c().sns.delete_topic().topic_arn(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
