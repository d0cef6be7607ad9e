//! `aws_acm_certificate` (DNS-validated). Its output
//! `domain_validation_options` is what the validation records are made of.

use std::collections::BTreeMap;

use aws_sdk_acm::types::{KeyAlgorithm, Tag, ValidationMethod};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, arn: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "DescribeCertificate",
            op.c()
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(c) = out.certificate() else {
        return Ok(None);
    };
    let mut seen = std::collections::BTreeSet::new();
    let options: Vec<Value> = c
        .domain_validation_options()
        .iter()
        .filter_map(|o| o.resource_record())
        .filter(|r| seen.insert(r.name().to_owned()))
        .map(|r| {
            let mut m = BTreeMap::new();
            m.insert("resource_record_name".to_owned(), Value::from(r.name()));
            m.insert(
                "resource_record_type".to_owned(),
                Value::from(r.r#type().as_str()),
            );
            m.insert("resource_record_value".to_owned(), Value::from(r.value()));
            Value::Map(m)
        })
        .collect();
    let sans: Vec<Value> = c
        .subject_alternative_names()
        .iter()
        .filter(|n| Some(n.as_str()) != c.domain_name())
        .map(|n| Value::from(n.as_str()))
        .collect();
    Ok(Some(
        Observed::new(arn)
            .out("arn", arn)
            .out("domain_validation_options", Value::List(options))
            .out("status", c.status().map(|s| s.as_str()).unwrap_or_default())
            .live("domain_name", c.domain_name().unwrap_or_default())
            .live("subject_alternative_names", Value::List(sans)),
    ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let tags: Vec<Tag> = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let sans = d.strs("subject_alternative_names");
    let mut call = op
        .c()
        .acm
        .request_certificate()
        .domain_name(d.str("domain_name")?)
        .validation_method(ValidationMethod::from(
            d.opt_str("validation_method").unwrap_or("DNS"),
        ))
        .set_subject_alternative_names(Some(sans).filter(|s| !s.is_empty()))
        .set_tags(Some(tags));
    if let Some(k) = d.opt_str("key_algorithm") {
        call = call.key_algorithm(KeyAlgorithm::from(k));
    }
    let out = op.write("RequestCertificate", call.send()).await?;
    let arn = out.certificate_arn().ok_or(Error::Missing {
        op: "RequestCertificate",
        what: "CertificateArn",
    })?;
    observe(op, arn).await?.ok_or(Error::Missing {
        op: "DescribeCertificate",
        what: "the new certificate",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let acm = &op.c().acm;
    let domain = d.str("domain_name")?;
    let addr = d.address.to_string();
    let list = op
        .read("ListCertificates", acm.list_certificates().send())
        .await?;
    for c in list.certificate_summary_list() {
        let Some(arn) = c.certificate_arn() else {
            continue;
        };
        if c.domain_name() != Some(domain) {
            continue;
        }
        let tags = op
            .read(
                "ListTagsForCertificate",
                acm.list_tags_for_certificate().certificate_arn(arn).send(),
            )
            .await?;
        if tags
            .tags()
            .iter()
            .any(|t| t.key() == "strata:address" && t.value() == Some(addr.as_str()))
        {
            return observe(op, arn).await;
        }
    }
    Ok(None)
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteCertificate",
        op.c()
            .acm
            .delete_certificate()
            .certificate_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
