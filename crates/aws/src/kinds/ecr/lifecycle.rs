//! `aws_ecr_lifecycle_policy`. Its id is the repository's name.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, repo: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetLifecyclePolicy",
            op.c()
                .ecr
                .get_lifecycle_policy()
                .repository_name(repo)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.lifecycle_policy_text()
            .map(|t| Observed::new(repo).live("policy", t))
    }))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    op.write(
        "PutLifecyclePolicy",
        op.c()
            .ecr
            .put_lifecycle_policy()
            .repository_name(d.str("repository")?)
            .lifecycle_policy_text(d.json("policy")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    put(op, d).await?;
    Ok(Observed::new(d.str("repository")?).live("policy", d.json("policy")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("repository")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteLifecyclePolicy",
        op.c()
            .ecr
            .delete_lifecycle_policy()
            .repository_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
