//! `aws_iam_account_password_policy`: the account's one password policy,
//! written whole.

use aws_sdk_iam::types::PasswordPolicy;

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

const FLAGS: [&str; 5] = [
    "allow_users_to_change_password",
    "require_lowercase_characters",
    "require_numbers",
    "require_symbols",
    "require_uppercase_characters",
];

fn observed(op: &Op<'_>, p: &PasswordPolicy) -> Observed {
    let n = |v: Option<i32>| i64::from(v.unwrap_or(0));
    Observed::new(op.cx.account.clone())
        .live(
            "allow_users_to_change_password",
            p.allow_users_to_change_password(),
        )
        .live(
            "require_lowercase_characters",
            p.require_lowercase_characters(),
        )
        .live("require_numbers", p.require_numbers())
        .live("require_symbols", p.require_symbols())
        .live(
            "require_uppercase_characters",
            p.require_uppercase_characters(),
        )
        .live("hard_expiry", p.hard_expiry().unwrap_or(false))
        .live("max_password_age", n(p.max_password_age()))
        .live("minimum_password_length", n(p.minimum_password_length()))
        .live(
            "password_reuse_prevention",
            n(p.password_reuse_prevention()),
        )
}

async fn observe(op: &Op<'_>) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetAccountPasswordPolicy",
            op.c().iam.get_account_password_policy().send(),
        )
        .await?;
    Ok(out
        .and_then(|o| o.password_policy().cloned())
        .map(|p| observed(op, &p)))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let f = |k: &str| d.opt_bool(k).unwrap_or(false);
    let n = |k: &str| d.opt_int(k).map(|v| v as i32);
    op.write(
        "UpdateAccountPasswordPolicy",
        op.c()
            .iam
            .update_account_password_policy()
            .allow_users_to_change_password(f(FLAGS[0]))
            .require_lowercase_characters(f(FLAGS[1]))
            .require_numbers(f(FLAGS[2]))
            .require_symbols(f(FLAGS[3]))
            .require_uppercase_characters(f(FLAGS[4]))
            .hard_expiry(f("hard_expiry"))
            .set_max_password_age(n("max_password_age"))
            .set_minimum_password_length(n("minimum_password_length"))
            .set_password_reuse_prevention(n("password_reuse_prevention"))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    observe(op).await?.ok_or(crate::error::Error::Missing {
        op: "GetAccountPasswordPolicy",
        what: "the new password policy",
    })
}

pub(crate) async fn read(op: &Op<'_>, _id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op).await
}

pub(crate) async fn find(op: &Op<'_>, _d: &Desired) -> Result<Option<Observed>> {
    observe(op).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, _owned: &Owned) -> Result<()> {
    op.write(
        "DeleteAccountPasswordPolicy",
        op.c().iam.delete_account_password_policy().send(),
    )
    .await
    .map(|_| ())
}
