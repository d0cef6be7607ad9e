//! `aws_secretsmanager_secret`: the secret's container, never its value
//! (values are put by their owners; Strata writes no secret anywhere).
//! A secret scheduled for deletion holds its name: re-applying restores it.

use aws_sdk_secretsmanager::types::Tag;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

async fn observe(op: &Op<'_>, id: &str, restore: bool) -> Result<Option<Observed>> {
    let sm = &op.c().secrets;
    let Some(s) = op
        .read_opt("DescribeSecret", sm.describe_secret().secret_id(id).send())
        .await?
    else {
        return Ok(None);
    };
    let arn = s.arn().unwrap_or_default().to_owned();
    if s.deleted_date().is_some() {
        if !restore {
            return Ok(None);
        }
        op.write("RestoreSecret", sm.restore_secret().secret_id(&arn).send())
            .await?;
    }
    Ok(Some(
        Observed::new(&arn)
            .out("arn", arn.as_str())
            .out("name", s.name().unwrap_or_default())
            .live("description", s.description().unwrap_or_default())
            .live("kms_key_id", s.kms_key_id().unwrap_or_default()),
    ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let tags = d
        .tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let mut call = op
        .c()
        .secrets
        .create_secret()
        .name(d.str("name")?)
        .set_tags(Some(tags));
    if let Some(x) = d.opt_str("description") {
        call = call.description(x);
    }
    if let Some(k) = d.opt_str("kms_key_id") {
        call = call.kms_key_id(k);
    }
    let out = match op.write("CreateSecret", call.send()).await {
        Ok(out) => out,
        // The name is held by a secret scheduled for deletion (an earlier
        // destroy): bring that one back instead. AWS says so with
        // InvalidRequestException; emulators with ResourceExistsException.
        Err(e)
            if matches!(
                e.code(),
                Some("InvalidRequestException" | "ResourceExistsException")
            ) =>
        {
            return observe(op, d.str("name")?, true).await?.ok_or(e);
        }
        Err(e) => return Err(e),
    };
    let arn = out.arn().ok_or(Error::Missing {
        op: "CreateSecret",
        what: "ARN",
    })?;
    Ok(Observed::new(arn)
        .out("arn", arn)
        .out("name", d.str("name")?)
        .live("description", d.opt_str("description").unwrap_or_default())
        .live("kms_key_id", d.opt_str("kms_key_id").unwrap_or_default()))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id, false).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("name")?, false).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs
        .iter()
        .any(|x| x.attribute != "description" && x.attribute != "kms_key_id")
    {
        return Err(cannot_update(d, diffs));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let mut call = op.c().secrets.update_secret().secret_id(&o.id);
    if let Some(x) = d.opt_str("description") {
        call = call.description(x);
    }
    if let Some(k) = d.opt_str("kms_key_id") {
        call = call.kms_key_id(k);
    }
    op.write("UpdateSecret", call.send()).await.map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let days = owned
        .outputs
        .get("recovery_window_in_days")
        .and_then(crate::value::as_int)
        .unwrap_or(30);
    let mut call = op.c().secrets.delete_secret().secret_id(&owned.id);
    call = if days == 0 {
        call.force_delete_without_recovery(true)
    } else {
        call.recovery_window_in_days(days)
    };
    op.write("DeleteSecret", call.send()).await.map(|_| ())
}
