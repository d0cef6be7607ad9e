//! `aws_kms_key`: a customer managed key with its policy and rotation.
//! Deleting schedules deletion after the key's waiting period.

use aws_sdk_kms::types::{KeyMetadata, KeyState, Tag};

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn tags(d: &Desired) -> Vec<Tag> {
    d.tag_pairs()
        .map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build())
        .collect::<std::result::Result<_, _>>()
        .unwrap_or_default()
}

fn usable(m: &KeyMetadata) -> bool {
    !matches!(
        m.key_state(),
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    )
}

async fn observe(op: &Op<'_>, m: &KeyMetadata) -> Result<Observed> {
    let kms = &op.c().kms;
    let id = m.key_id();
    let rotation = op
        .read(
            "GetKeyRotationStatus",
            kms.get_key_rotation_status().key_id(id).send(),
        )
        .await?;
    let policy = op
        .read(
            "GetKeyPolicy",
            kms.get_key_policy()
                .key_id(id)
                .policy_name("default")
                .send(),
        )
        .await?;
    let mut o = Observed::new(id)
        .out("key_id", id)
        .out("arn", m.arn().unwrap_or_default())
        .live("description", m.description().unwrap_or_default())
        .live("enable_key_rotation", rotation.key_rotation_enabled())
        .live("policy", policy.policy().unwrap_or_default());
    if let Some(p) = rotation.rotation_period_in_days() {
        o = o.live("rotation_period_in_days", p as i64);
    }
    Ok(o)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let kms = &op.c().kms;
    let mut call = kms
        .create_key()
        .description(d.opt_str("description").unwrap_or_default())
        .set_tags(Some(tags(d)))
        .multi_region(d.opt_bool("multi_region").unwrap_or(false));
    if d.get("policy").is_some() {
        call = call.policy(d.json("policy")?);
    }
    let out = op.write("CreateKey", call.send()).await?;
    let m = out.key_metadata().ok_or(Error::Missing {
        op: "CreateKey",
        what: "KeyMetadata",
    })?;
    let o = observe(op, m).await?;
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    observe(op, m).await
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt("DescribeKey", op.c().kms.describe_key().key_id(id).send())
        .await?;
    match out
        .as_ref()
        .and_then(|o| o.key_metadata())
        .filter(|m| usable(m))
    {
        Some(m) => Ok(Some(observe(op, m).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    // Keys have no name: list them and match the address tag.
    let kms = &op.c().kms;
    let addr = d.address.to_string();
    let mut marker: Option<String> = None;
    loop {
        let page = op
            .read(
                "ListKeys",
                kms.list_keys().set_marker(marker.clone()).send(),
            )
            .await?;
        for k in page.keys() {
            let Some(id) = k.key_id() else { continue };
            let Some(tags) = op
                .read_opt(
                    "ListResourceTags",
                    kms.list_resource_tags().key_id(id).send(),
                )
                .await?
            else {
                continue;
            };
            if tags
                .tags()
                .iter()
                .any(|t| t.tag_key() == "strata:address" && t.tag_value() == addr)
            {
                return read(op, id, d).await;
            }
        }
        match page.next_marker() {
            Some(m) if page.truncated() => marker = Some(m.to_owned()),
            _ => return Ok(None),
        }
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let kms = &op.c().kms;
    for x in diffs {
        match x.attribute.as_str() {
            "enable_key_rotation" | "rotation_period_in_days" => {
                if d.opt_bool("enable_key_rotation").unwrap_or(false) {
                    let mut call = kms.enable_key_rotation().key_id(&o.id);
                    if let Some(p) = d.opt_int("rotation_period_in_days") {
                        call = call.rotation_period_in_days(p as i32);
                    }
                    op.write("EnableKeyRotation", call.send()).await?;
                } else {
                    op.write(
                        "DisableKeyRotation",
                        kms.disable_key_rotation().key_id(&o.id).send(),
                    )
                    .await?;
                }
            }
            "policy" => {
                op.write(
                    "PutKeyPolicy",
                    kms.put_key_policy()
                        .key_id(&o.id)
                        .policy_name("default")
                        .policy(d.json("policy")?)
                        .send(),
                )
                .await?;
            }
            "description" => {
                op.write(
                    "UpdateKeyDescription",
                    kms.update_key_description()
                        .key_id(&o.id)
                        .description(d.opt_str("description").unwrap_or_default())
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
    let days = owned
        .outputs
        .get("deletion_window_in_days")
        .and_then(crate::value::as_int)
        .unwrap_or(30) as i32;
    op.write(
        "ScheduleKeyDeletion",
        op.c()
            .kms
            .schedule_key_deletion()
            .key_id(&owned.id)
            .pending_window_in_days(days)
            .send(),
    )
    .await
    .map(|_| ())
}
