//! `aws_iam_policy`: a customer managed policy. A changed document becomes
//! a new default version (the oldest other version is pruned at AWS's limit
//! of five).

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

use super::{document, tags};

async fn observe(op: &Op<'_>, arn: &str) -> Result<Option<Observed>> {
    let iam = &op.c().iam;
    let Some(p) = op
        .read_opt("GetPolicy", iam.get_policy().policy_arn(arn).send())
        .await?
    else {
        return Ok(None);
    };
    let Some(p) = p.policy() else { return Ok(None) };
    let version = p.default_version_id().unwrap_or("v1");
    let v = op
        .read(
            "GetPolicyVersion",
            iam.get_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send(),
        )
        .await?;
    let doc = v
        .policy_version()
        .and_then(|v| v.document())
        .map(document)
        .unwrap_or_default();
    Ok(Some(
        Observed::new(arn)
            .out("arn", arn)
            .out("name", p.policy_name().unwrap_or_default())
            .live("policy", doc),
    ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let mut call = op
        .c()
        .iam
        .create_policy()
        .policy_name(d.str("name")?)
        .policy_document(d.json("policy")?)
        .set_tags(Some(tags(d)));
    if let Some(desc) = d.opt_str("description") {
        call = call.description(desc);
    }
    let out = op.write("CreatePolicy", call.send()).await?;
    let arn = out.policy().and_then(|p| p.arn()).ok_or(Error::Missing {
        op: "CreatePolicy",
        what: "Arn",
    })?;
    Ok(Observed::new(arn)
        .out("arn", arn)
        .out("name", d.str("name")?)
        .live("policy", d.json("policy")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let path = d.opt_str("path").unwrap_or("/");
    let arn = format!(
        "arn:aws:iam::{}:policy{}{}",
        op.cx.account,
        path,
        d.str("name")?
    );
    observe(op, &arn).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.iter().any(|x| x.attribute != "policy") {
        return Err(cannot_update(d, diffs));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let iam = &op.c().iam;
    let versions = op
        .read(
            "ListPolicyVersions",
            iam.list_policy_versions().policy_arn(&o.id).send(),
        )
        .await?;
    if versions.versions().len() >= 5 {
        if let Some(old) = versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
            .filter_map(|v| v.version_id())
            .min_by_key(|v| v.trim_start_matches('v').parse::<u32>().unwrap_or(0))
        {
            op.write(
                "DeletePolicyVersion",
                iam.delete_policy_version()
                    .policy_arn(&o.id)
                    .version_id(old)
                    .send(),
            )
            .await?;
        }
    }
    op.write(
        "CreatePolicyVersion",
        iam.create_policy_version()
            .policy_arn(&o.id)
            .policy_document(d.json("policy")?)
            .set_as_default(true)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let iam = &op.c().iam;
    if let Some(versions) = op
        .read_opt(
            "ListPolicyVersions",
            iam.list_policy_versions().policy_arn(&owned.id).send(),
        )
        .await?
    {
        for v in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            if let Some(id) = v.version_id() {
                op.write(
                    "DeletePolicyVersion",
                    iam.delete_policy_version()
                        .policy_arn(&owned.id)
                        .version_id(id)
                        .send(),
                )
                .await?;
            }
        }
    }
    op.write(
        "DeletePolicy",
        iam.delete_policy().policy_arn(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
