//! `aws_guardduty_detector`. A region has at most one detector, so an
//! existing one is adopted. A suspended detector is drift (`enable`).

use aws_sdk_guardduty::types::{
    DetectorFeature, DetectorFeatureConfiguration, FeatureStatus, FindingPublishingFrequency,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

fn features(d: &Desired) -> Vec<DetectorFeatureConfiguration> {
    d.get("features")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let m = f.as_map();
            Some(
                DetectorFeatureConfiguration::builder()
                    .name(DetectorFeature::from(field(m, "name")?.as_str()?))
                    .status(FeatureStatus::from(field(m, "status")?.as_str()?))
                    .build(),
            )
        })
        .collect()
}

async fn observe(op: &Op<'_>, id: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "GetDetector",
            op.c().guardduty.get_detector().detector_id(id).send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let mut o = Observed::new(id)
        .out(
            "arn",
            format!(
                "arn:aws:guardduty:{}:{}:detector/{id}",
                op.c().region,
                op.cx.account
            ),
        )
        .live(
            "enable",
            out.status()
                .map(|s| s.as_str() == "ENABLED")
                .unwrap_or(false),
        );
    if let Some(f) = out.finding_publishing_frequency() {
        o = o.live("finding_publishing_frequency", f.as_str());
    }
    Ok(Some(o))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateDetector",
            op.c()
                .guardduty
                .create_detector()
                .enable(d.opt_bool("enable").unwrap_or(true))
                .set_finding_publishing_frequency(
                    d.opt_str("finding_publishing_frequency")
                        .map(FindingPublishingFrequency::from),
                )
                .set_features(Some(features(d)))
                .set_tags(Some(d.tags.clone().into_iter().collect()))
                .send(),
        )
        .await?;
    let id = out.detector_id().ok_or(Error::Missing {
        op: "CreateDetector",
        what: "DetectorId",
    })?;
    observe(op, id).await?.ok_or(Error::Missing {
        op: "GetDetector",
        what: "the new detector",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read("ListDetectors", op.c().guardduty.list_detectors().send())
        .await?;
    match out.detector_ids().first() {
        Some(id) => observe(op, id).await,
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "UpdateDetector",
        op.c()
            .guardduty
            .update_detector()
            .detector_id(&o.id)
            .enable(d.opt_bool("enable").unwrap_or(true))
            .set_finding_publishing_frequency(
                d.opt_str("finding_publishing_frequency")
                    .map(FindingPublishingFrequency::from),
            )
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDetector",
        op.c()
            .guardduty
            .delete_detector()
            .detector_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
