//! `aws_securityhub_account`: Security Hub switched on in the region. The
//! hub is a singleton (`hub/default`); an enabled one is adopted.

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>) -> Result<Option<Observed>> {
    match op
        .read("DescribeHub", op.c().securityhub.describe_hub().send())
        .await
    {
        Ok(h) => {
            let arn = h.hub_arn().unwrap_or_default();
            Ok(Some(Observed::new(arn).out("arn", arn).live(
                "auto_enable_controls",
                h.auto_enable_controls().unwrap_or(true),
            )))
        }
        // A region where Security Hub is off answers "not subscribed".
        Err(e) if e.is_not_found() || e.code() == Some("InvalidAccessException") => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    op.write(
        "EnableSecurityHub",
        op.c()
            .securityhub
            .enable_security_hub()
            .enable_default_standards(d.opt_bool("enable_default_standards").unwrap_or(false))
            .set_tags(Some(d.tags.clone().into_iter().collect()))
            .send(),
    )
    .await?;
    let o = observe(op).await?.ok_or(Error::Missing {
        op: "DescribeHub",
        what: "the enabled hub",
    })?;
    let diffs = crate::kinds::diff(d, &o);
    update(op, &o, d, &diffs).await?;
    Ok(o.live(
        "auto_enable_controls",
        d.opt_bool("auto_enable_controls").unwrap_or(true),
    ))
}

pub(crate) async fn read(op: &Op<'_>, _id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op).await
}

pub(crate) async fn find(op: &Op<'_>, _d: &Desired) -> Result<Option<Observed>> {
    observe(op).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, async {
        op.write(
            "UpdateSecurityHubConfiguration",
            op.c()
                .securityhub
                .update_security_hub_configuration()
                .set_auto_enable_controls(d.opt_bool("auto_enable_controls"))
                .send(),
        )
        .await
        .map(|_| ())
    })
    .await
}

pub(crate) async fn delete(op: &Op<'_>, _owned: &Owned) -> Result<()> {
    op.write(
        "DisableSecurityHub",
        op.c().securityhub.disable_security_hub().send(),
    )
    .await
    .map(|_| ())
}
