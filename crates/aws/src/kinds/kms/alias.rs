//! `aws_kms_alias`.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let kms = &op.c().kms;
    let mut marker: Option<String> = None;
    loop {
        let page = op
            .read(
                "ListAliases",
                kms.list_aliases().set_marker(marker.clone()).send(),
            )
            .await?;
        if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            return Ok(Some(
                Observed::new(name)
                    .out("arn", a.alias_arn().unwrap_or_default())
                    .live("target_key_id", a.target_key_id().unwrap_or_default()),
            ));
        }
        match page.next_marker() {
            Some(m) if page.truncated() => marker = Some(m.to_owned()),
            _ => return Ok(None),
        }
    }
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let name = d.str("name")?;
    op.write(
        "CreateAlias",
        op.c()
            .kms
            .create_alias()
            .alias_name(name)
            .target_key_id(d.str("target_key_id")?)
            .send(),
    )
    .await?;
    Ok(Observed::new(name).live("target_key_id", d.str("target_key_id")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "UpdateAlias",
        op.c()
            .kms
            .update_alias()
            .alias_name(&o.id)
            .target_key_id(d.str("target_key_id")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteAlias",
        op.c().kms.delete_alias().alias_name(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
