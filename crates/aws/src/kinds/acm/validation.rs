//! `aws_acm_certificate_validation`: waits until the certificate is issued
//! (its DNS records exist). Makes no call that changes anything.

use aws_sdk_acm::types::CertificateStatus;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn status(op: &Op<'_>, arn: &str) -> Result<Option<CertificateStatus>> {
    let out = op
        .read_opt(
            "DescribeCertificate",
            op.c()
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.certificate().and_then(|c| c.status().cloned())))
}

fn observed(arn: &str) -> Observed {
    Observed::new(arn).out("certificate_arn", arn)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let arn = d.str("certificate_arn")?;
    crate::poll::poll("certificate issued", || async {
        match status(op, arn).await? {
            Some(CertificateStatus::Issued) => Ok(true),
            Some(CertificateStatus::PendingValidation) => Ok(false),
            other => Err(Error::Invalid(format!(
                "{}: certificate {arn} is {other:?}, not being validated",
                d.address
            ))),
        }
    })
    .await?;
    Ok(observed(arn))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    Ok(match status(op, id).await? {
        Some(CertificateStatus::Issued) => Some(observed(id)),
        _ => None,
    })
}

pub(crate) async fn find(_op: &Op<'_>, _d: &Desired) -> Result<Option<Observed>> {
    // Nothing to adopt: `create` only waits, and writes nothing.
    Ok(None)
}

pub(crate) async fn update(
    _op: &Op<'_>,
    _o: &Observed,
    _d: &Desired,
    _diffs: &[Diff],
) -> Result<()> {
    Ok(())
}

pub(crate) async fn delete(_op: &Op<'_>, _owned: &Owned) -> Result<()> {
    Ok(())
}
