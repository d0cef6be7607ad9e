//! `aws_s3_bucket_server_side_encryption_configuration`: the default
//! encryption (SSE-S3 or SSE-KMS with a key) and bucket keys.

use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

/// The one rule, flattened: (algorithm, key, bucket key).
fn wanted(d: &Desired) -> (String, Option<String>, bool) {
    let rule = d
        .get("rule")
        .and_then(|r| r.as_list().and_then(|l| l.first()).or(Some(r)))
        .and_then(Value::as_map);
    let by_default = field(rule, "apply_server_side_encryption_by_default").and_then(Value::as_map);
    let algo = field(by_default, "sse_algorithm")
        .and_then(Value::as_str)
        .unwrap_or("AES256")
        .to_owned();
    let key = field(by_default, "kms_master_key_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let bucket_key = field(rule, "bucket_key_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (algo, key, bucket_key)
}

fn flat(algo: &str, key: Option<&str>, bucket_key: bool) -> Observed {
    Observed::default()
        .live("sse_algorithm", algo)
        .live("kms_master_key_id", key.unwrap_or_default())
        .live("bucket_key_enabled", bucket_key)
}

/// The desired state in the flattened vocabulary `read` reports.
pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let (algo, key, bk) = wanted(d);
    let mut x = d.clone();
    x.attrs.insert("sse_algorithm".into(), Value::String(algo));
    x.attrs.insert(
        "kms_master_key_id".into(),
        Value::String(key.unwrap_or_default()),
    );
    x.attrs.insert("bucket_key_enabled".into(), Value::Bool(bk));
    x
}

async fn observe(op: &Op<'_>, bucket: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetBucketEncryption",
            op.c().s3.get_bucket_encryption().bucket(bucket).send(),
        )
        .await?;
    let Some(rule) = out
        .as_ref()
        .and_then(|o| o.server_side_encryption_configuration())
        .and_then(|c| c.rules().first())
    else {
        return Ok(None);
    };
    let by_default = rule.apply_server_side_encryption_by_default();
    let mut o = flat(
        by_default
            .map(|b| b.sse_algorithm().as_str())
            .unwrap_or("AES256"),
        by_default.and_then(|b| b.kms_master_key_id()),
        rule.bucket_key_enabled().unwrap_or(false),
    );
    o.id = bucket.to_owned();
    o.outputs
        .insert("id".into(), Value::String(bucket.to_owned()));
    Ok(Some(o))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let (algo, key, bucket_key) = wanted(d);
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(algo.as_str()))
        .set_kms_master_key_id(key)
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let conf = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .bucket_key_enabled(bucket_key)
                .build(),
        )
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    op.write(
        "PutBucketEncryption",
        op.c()
            .s3
            .put_bucket_encryption()
            .bucket(d.str("bucket")?)
            .server_side_encryption_configuration(conf)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    let (algo, key, bk) = wanted(d);
    let mut o = flat(&algo, key.as_deref(), bk);
    o.id = d.str("bucket")?.to_owned();
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
        "DeleteBucketEncryption",
        op.c()
            .s3
            .delete_bucket_encryption()
            .bucket(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
