//! `aws_ecr_repository`: tag immutability, scan on push, KMS encryption.

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository, Tag,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, field};

fn observed(r: &Repository) -> Observed {
    let name = r.repository_name().unwrap_or_default();
    Observed::new(name)
        .out("name", name)
        .out("arn", r.repository_arn().unwrap_or_default())
        .out("repository_url", r.repository_uri().unwrap_or_default())
        .out("registry_id", r.registry_id().unwrap_or_default())
        .live(
            "image_tag_mutability",
            r.image_tag_mutability()
                .map(|m| m.as_str())
                .unwrap_or("MUTABLE"),
        )
        .live(
            "scan_on_push",
            r.image_scanning_configuration()
                .map(|c| c.scan_on_push())
                .unwrap_or(false),
        )
        .live(
            "encryption_type",
            r.encryption_configuration()
                .map(|e| e.encryption_type().as_str())
                .unwrap_or("AES256"),
        )
}

/// Nested settings flattened to the names `read` reports.
pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let scan = field(d.map("image_scanning_configuration"), "scan_on_push")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let enc = field(d.map("encryption_configuration"), "encryption_type")
        .and_then(Value::as_str)
        .unwrap_or("AES256")
        .to_owned();
    x.attrs.insert("scan_on_push".into(), Value::Bool(scan));
    x.attrs.insert("encryption_type".into(), Value::String(enc));
    x.attrs
        .entry("image_tag_mutability".into())
        .or_insert(Value::String("MUTABLE".into()));
    x
}

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeRepositories",
            op.c()
                .ecr
                .describe_repositories()
                .repository_names(name)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.repositories().first().map(observed)))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let flat = desired_flat(d);
    let tags = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let enc = field(d.map("encryption_configuration"), "kms_key").and_then(Value::as_str);
    let encryption = EncryptionConfiguration::builder()
        .encryption_type(EncryptionType::from(flat.str("encryption_type")?))
        .set_kms_key(enc.map(str::to_owned))
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let out = op
        .write(
            "CreateRepository",
            op.c()
                .ecr
                .create_repository()
                .repository_name(d.str("name")?)
                .image_tag_mutability(ImageTagMutability::from(flat.str("image_tag_mutability")?))
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(flat.opt_bool("scan_on_push").unwrap_or(false))
                        .build(),
                )
                .encryption_configuration(encryption)
                .set_tags(Some(tags))
                .send(),
        )
        .await?;
    let r = out.repository().ok_or(Error::Missing {
        op: "CreateRepository",
        what: "Repository",
    })?;
    Ok(observed(r))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let flat = desired_flat(d);
    let ecr = &op.c().ecr;
    for x in diffs {
        match x.attribute.as_str() {
            "image_tag_mutability" => {
                op.write(
                    "PutImageTagMutability",
                    ecr.put_image_tag_mutability()
                        .repository_name(&o.id)
                        .image_tag_mutability(ImageTagMutability::from(
                            flat.str("image_tag_mutability")?,
                        ))
                        .send(),
                )
                .await?;
            }
            "scan_on_push" => {
                op.write(
                    "PutImageScanningConfiguration",
                    ecr.put_image_scanning_configuration()
                        .repository_name(&o.id)
                        .image_scanning_configuration(
                            ImageScanningConfiguration::builder()
                                .scan_on_push(flat.opt_bool("scan_on_push").unwrap_or(false))
                                .build(),
                        )
                        .send(),
                )
                .await?;
            }
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        }
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let force = owned
        .outputs
        .get("force_delete")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    op.write(
        "DeleteRepository",
        op.c()
            .ecr
            .delete_repository()
            .repository_name(&owned.id)
            .force(force)
            .send(),
    )
    .await
    .map(|_| ())
}
