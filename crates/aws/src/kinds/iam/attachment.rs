//! `aws_iam_role_policy_attachment`. Its id is `<role>|<policy arn>`.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn split(id: &str) -> Result<(&str, &str)> {
    crate::kinds::split_id(id, '|', "<role>|<policy arn>")
}

async fn lookup(op: &Op<'_>, role: &str, arn: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "ListAttachedRolePolicies",
            op.c()
                .iam
                .list_attached_role_policies()
                .role_name(role)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(out
        .attached_policies()
        .iter()
        .any(|p| p.policy_arn() == Some(arn))
        .then(|| {
            Observed::new(format!("{role}|{arn}"))
                .live("role", role)
                .live("policy_arn", arn)
        }))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let (role, arn) = (d.str("role")?, d.str("policy_arn")?);
    op.write(
        "AttachRolePolicy",
        op.c()
            .iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send(),
    )
    .await?;
    Ok(Observed::new(format!("{role}|{arn}"))
        .live("role", role)
        .live("policy_arn", arn))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let (role, arn) = split(id)?;
    lookup(op, role, arn).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("role")?, d.str("policy_arn")?).await
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (role, arn) = split(&owned.id)?;
    op.write(
        "DetachRolePolicy",
        op.c()
            .iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send(),
    )
    .await
    .map(|_| ())
}
