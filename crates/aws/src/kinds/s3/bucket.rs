//! `aws_s3_bucket`. Names are global, so a bucket a killed run created is
//! found by name (and must carry our address tag to be adopted).

use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging,
};

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(name: &str) -> Observed {
    Observed::new(name)
        .out("bucket", name)
        .out("arn", format!("arn:aws:s3:::{name}"))
        .out("bucket_domain_name", format!("{name}.s3.amazonaws.com"))
}

async fn tagging(d: &Desired) -> Result<Tagging> {
    let tags = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    Tagging::builder()
        .set_tag_set(Some(tags))
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let s3 = &op.c().s3;
    let name = d.str("bucket")?;
    let mut call = s3.create_bucket().bucket(name);
    if op.c().region != "us-east-1" {
        call = call.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(op.c().region.as_str()))
                .build(),
        );
    }
    op.write("CreateBucket", call.send()).await?;
    op.write(
        "PutBucketTagging",
        s3.put_bucket_tagging()
            .bucket(name)
            .tagging(tagging(d).await?)
            .send(),
    )
    .await?;
    Ok(observed(name))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let found = op
        .read_opt("HeadBucket", op.c().s3.head_bucket().bucket(id).send())
        .await;
    match found {
        Ok(Some(_)) => Ok(Some(observed(id))),
        Ok(None) => Ok(None),
        // HEAD answers carry no error code: a 404 comes back as NotFound.
        Err(e) if e.code() == Some("NotFound") => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let name = d.str("bucket")?;
    if read(op, name, d).await?.is_none() {
        return Ok(None);
    }
    // The bucket exists: it is ours only if it says so (or has no tags yet:
    // a run killed between CreateBucket and PutBucketTagging).
    let tags = op
        .read_opt(
            "GetBucketTagging",
            op.c().s3.get_bucket_tagging().bucket(name).send(),
        )
        .await?;
    let addr = d.address.to_string();
    let ours = match &tags {
        None => true,
        Some(t) => {
            t.tag_set().is_empty()
                || t.tag_set()
                    .iter()
                    .any(|t| t.key() == "strata:address" && t.value() == addr)
        }
    };
    if !ours {
        return Err(Error::Invalid(format!(
            "{}: bucket {name} exists and is not Strata's (no strata:address tag for this address)",
            d.address
        )));
    }
    if tags.is_none_or(|t| t.tag_set().is_empty()) {
        op.write(
            "PutBucketTagging",
            op.c()
                .s3
                .put_bucket_tagging()
                .bucket(name)
                .tagging(tagging(d).await?)
                .send(),
        )
        .await?;
    }
    Ok(Some(observed(name)))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let s3 = &op.c().s3;
    let name = &owned.id;
    if owned.outputs.get("force_destroy").and_then(|v| v.as_bool()) == Some(true) {
        // Empty it, every version and delete marker included.
        loop {
            let page = op
                .read(
                    "ListObjectVersions",
                    s3.list_object_versions().bucket(name).send(),
                )
                .await?;
            let mut ids = Vec::new();
            for v in page.versions() {
                if let Ok(id) = ObjectIdentifier::builder()
                    .key(v.key().unwrap_or_default())
                    .set_version_id(v.version_id().map(str::to_owned))
                    .build()
                {
                    ids.push(id);
                }
            }
            for m in page.delete_markers() {
                if let Ok(id) = ObjectIdentifier::builder()
                    .key(m.key().unwrap_or_default())
                    .set_version_id(m.version_id().map(str::to_owned))
                    .build()
                {
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                break;
            }
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .build()
                .map_err(|e| Error::Invalid(e.to_string()))?;
            op.write(
                "DeleteObjects",
                s3.delete_objects().bucket(name).delete(delete).send(),
            )
            .await?;
        }
    }
    op.write("DeleteBucket", s3.delete_bucket().bucket(name).send())
        .await
        .map(|_| ())
}
