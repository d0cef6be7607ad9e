//! `aws_iam_openid_connect_provider`: an identity provider IAM trusts for
//! web identities (an EKS cluster's issuer for IRSA, a CI system's). Its id
//! is its ARN, `…:oidc-provider/<issuer host and path>`; IAM reports the
//! URL without its scheme, and so do the outputs (trust policies use it so).

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

use super::tags;

fn host(url: &str) -> &str {
    url.trim_start_matches("https://").trim_end_matches('/')
}

/// The URL compared without its scheme, as IAM reports it.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    if let Some(u) = d.opt_str("url") {
        x.attrs.insert("url".into(), host(u).into());
    }
    x
}

async fn observe(op: &Op<'_>, arn: &str) -> Result<Option<Observed>> {
    let Some(p) = op
        .read_opt(
            "GetOpenIDConnectProvider",
            op.c()
                .iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let url = host(p.url().unwrap_or_default());
    let clients: Vec<strata_model::Value> = p
        .client_id_list()
        .iter()
        .map(|c| c.as_str().into())
        .collect();
    Ok(Some(
        Observed::new(arn)
            .out("arn", arn)
            .out("url", url)
            .live("url", url)
            .live("client_id_list", strata_model::Value::List(clients)),
    ))
}

fn arn_of(op: &Op<'_>, url: &str) -> String {
    format!("arn:aws:iam::{}:oidc-provider/{}", op.cx.account, host(url))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let url = d.str("url")?;
    let thumbprints = d.strs("thumbprint_list");
    let out = op
        .write(
            "CreateOpenIDConnectProvider",
            op.c()
                .iam
                .create_open_id_connect_provider()
                .url(format!("https://{}", host(url)))
                .set_client_id_list(Some(d.strs("client_id_list")))
                .set_thumbprint_list((!thumbprints.is_empty()).then_some(thumbprints))
                .set_tags(Some(tags(d)))
                .send(),
        )
        .await?;
    let arn = out
        .open_id_connect_provider_arn()
        .map(str::to_owned)
        .unwrap_or_else(|| arn_of(op, url));
    observe(op, &arn).await?.ok_or(Error::Missing {
        op: "GetOpenIDConnectProvider",
        what: "the new provider",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

/// A provider is unique per issuer in an account.
pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, &arn_of(op, d.str("url")?)).await
}

/// Audiences are added and removed one by one; the issuer cannot change.
pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if !diffs.iter().any(|x| x.attribute == "client_id_list") {
        return Ok(());
    }
    let iam = &op.c().iam;
    let want = d.strs("client_id_list");
    let have = crate::value::strs(o.live.get("client_id_list"));
    for c in want.iter().filter(|c| !have.contains(c)) {
        op.write(
            "AddClientIDToOpenIDConnectProvider",
            iam.add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(&o.id)
                .client_id(c)
                .send(),
        )
        .await?;
    }
    for c in have.iter().filter(|c| !want.contains(c)) {
        op.write(
            "RemoveClientIDFromOpenIDConnectProvider",
            iam.remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(&o.id)
                .client_id(c)
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteOpenIDConnectProvider",
        op.c()
            .iam
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
