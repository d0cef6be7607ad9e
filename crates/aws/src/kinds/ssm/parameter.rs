//! `aws_ssm_parameter`. A `SecureString`'s value is never read back (drift
//! compares its type only), so no secret reaches the journal or a report.

use aws_sdk_ssm::types::{ParameterTier, ParameterType, Tag};

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt("GetParameter", op.c().ssm.get_parameter().name(name).send())
        .await?
    else {
        return Ok(None);
    };
    let Some(p) = out.parameter() else {
        return Ok(None);
    };
    let kind = p.r#type().map(|t| t.as_str()).unwrap_or("String");
    let mut o = Observed::new(name)
        .out("arn", p.arn().unwrap_or_default())
        .out("name", name)
        .out("version", p.version())
        .live("type", kind);
    if kind != "SecureString" {
        o = o.live("value", p.value().unwrap_or_default());
    }
    Ok(Some(o))
}

async fn put(op: &Op<'_>, d: &Desired, overwrite: bool) -> Result<()> {
    let mut call = op
        .c()
        .ssm
        .put_parameter()
        .name(d.str("name")?)
        .value(d.str("value")?)
        .r#type(ParameterType::from(d.opt_str("type").unwrap_or("String")))
        .tier(ParameterTier::from(d.opt_str("tier").unwrap_or("Standard")))
        .overwrite(overwrite);
    if !overwrite {
        // Tags go with the create only (AWS refuses them with overwrite).
        let tags: Vec<Tag> = d
            .tag_pairs()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        call = call.set_tags(Some(tags));
    }
    if let Some(k) = d.opt_str("key_id") {
        call = call.key_id(k);
    }
    op.write("PutParameter", call.send()).await.map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d, false).await?;
    observe(op, d.str("name")?).await?.ok_or(Error::Missing {
        op: "GetParameter",
        what: "the new parameter",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        Ok(())
    } else {
        put(op, d, true).await
    }
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteParameter",
        op.c().ssm.delete_parameter().name(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
