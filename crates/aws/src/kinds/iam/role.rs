//! `aws_iam_role`, with its trust policy and its one inline policy
//! (`inline_policy`, kept under the name `strata`).

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, field};
use strata_model::Value;

use super::{document, tags};

const INLINE: &str = "strata";

/// The trust policy: `assume_role_policy` as given, or the one IRSA needs,
/// made from `assume_role_web_identity` (the cluster's OIDC provider trusted
/// for one service account's token).
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    if d.get("assume_role_policy").is_none() {
        if let Some(w) = d.map("assume_role_web_identity") {
            let s = |k: &str| {
                field(Some(w), k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            let host = s("provider_url").trim_start_matches("https://");
            let doc = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Federated": s("provider_arn")},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {
                        format!("{host}:sub"): s("subject"),
                        format!("{host}:aud"): s("audience"),
                    }},
                }],
            });
            x.attrs
                .insert("assume_role_policy".into(), Value::String(doc.to_string()));
        }
    }
    x.attrs.remove("assume_role_web_identity");
    x
}

async fn observe(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let iam = &op.c().iam;
    let Some(out) = op
        .read_opt("GetRole", iam.get_role().role_name(name).send())
        .await?
    else {
        return Ok(None);
    };
    let Some(r) = out.role() else { return Ok(None) };
    let inline = op
        .read_opt(
            "GetRolePolicy",
            iam.get_role_policy()
                .role_name(name)
                .policy_name(INLINE)
                .send(),
        )
        .await?;
    let mut o = Observed::new(r.role_name())
        .out("arn", r.arn())
        .out("name", r.role_name())
        .out("unique_id", r.role_id())
        .live(
            "assume_role_policy",
            document(r.assume_role_policy_document().unwrap_or_default()),
        )
        .live(
            "inline_policy",
            inline
                .map(|p| document(p.policy_document()))
                .unwrap_or_default(),
        );
    if let Some(m) = r.max_session_duration() {
        o = o.live("max_session_duration", m as i64);
    }
    Ok(Some(o))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let iam = &op.c().iam;
    let name = d.str("name")?;
    let mut call = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(flat(d).json("assume_role_policy")?)
        .set_tags(Some(tags(d)));
    if let Some(desc) = d.opt_str("description") {
        call = call.description(desc);
    }
    if let Some(m) = d.opt_int("max_session_duration") {
        call = call.max_session_duration(m as i32);
    }
    op.write("CreateRole", call.send()).await?;
    if d.get("inline_policy").is_some() {
        put_inline(op, d).await?;
    }
    observe(op, name).await?.ok_or(Error::Missing {
        op: "GetRole",
        what: "the new role",
    })
}

async fn put_inline(op: &Op<'_>, d: &Desired) -> Result<()> {
    op.write(
        "PutRolePolicy",
        op.c()
            .iam
            .put_role_policy()
            .role_name(d.str("name")?)
            .policy_name(INLINE)
            .policy_document(d.json("inline_policy")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let iam = &op.c().iam;
    for x in diffs {
        match x.attribute.as_str() {
            "assume_role_policy" => {
                op.write(
                    "UpdateAssumeRolePolicy",
                    iam.update_assume_role_policy()
                        .role_name(&o.id)
                        .policy_document(flat(d).json("assume_role_policy")?)
                        .send(),
                )
                .await?;
            }
            "inline_policy" if d.get("inline_policy").is_some() => put_inline(op, d).await?,
            "inline_policy" => {
                op.write(
                    "DeleteRolePolicy",
                    iam.delete_role_policy()
                        .role_name(&o.id)
                        .policy_name(INLINE)
                        .send(),
                )
                .await?;
            }
            "max_session_duration" => {
                op.write(
                    "UpdateRole",
                    iam.update_role()
                        .role_name(&o.id)
                        .max_session_duration(d.int("max_session_duration")? as i32)
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
    let iam = &op.c().iam;
    let name = &owned.id;
    // A role cannot be deleted while policies are attached to it or inline.
    if let Some(inline) = op
        .read_opt(
            "ListRolePolicies",
            iam.list_role_policies().role_name(name).send(),
        )
        .await?
    {
        for p in inline.policy_names() {
            op.write(
                "DeleteRolePolicy",
                iam.delete_role_policy()
                    .role_name(name)
                    .policy_name(p)
                    .send(),
            )
            .await?;
        }
    }
    if let Some(attached) = op
        .read_opt(
            "ListAttachedRolePolicies",
            iam.list_attached_role_policies().role_name(name).send(),
        )
        .await?
    {
        for p in attached.attached_policies() {
            if let Some(arn) = p.policy_arn() {
                op.write(
                    "DetachRolePolicy",
                    iam.detach_role_policy()
                        .role_name(name)
                        .policy_arn(arn)
                        .send(),
                )
                .await?;
            }
        }
    }
    op.write("DeleteRole", iam.delete_role().role_name(name).send())
        .await
        .map(|_| ())
}
