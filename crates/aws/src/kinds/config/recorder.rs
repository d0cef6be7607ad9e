//! `aws_config_configuration_recorder`: what AWS Config records, and the
//! role it records with. A region has one recorder; `Put` writes it whole.

use aws_sdk_config::types::{ConfigurationRecorder, RecordingGroup};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

/// The recording group compared flat.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let g = d.map("recording_group");
    for k in ["all_supported", "include_global_resource_types"] {
        if let Some(v) = field(g, k) {
            x.attrs.insert(k.into(), v.clone());
        }
    }
    x.attrs.remove("recording_group");
    x
}

fn observed(r: &ConfigurationRecorder) -> Observed {
    let name = r.name().unwrap_or_default();
    let mut o = Observed::new(name)
        .out("name", name)
        .live("role_arn", r.role_arn().unwrap_or_default());
    if let Some(g) = r.recording_group() {
        o = o.live("all_supported", g.all_supported()).live(
            "include_global_resource_types",
            g.include_global_resource_types(),
        );
    }
    o
}

async fn lookup(op: &Op<'_>, name: Option<&str>) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeConfigurationRecorders",
            op.c()
                .config
                .describe_configuration_recorders()
                .set_configuration_recorder_names(name.map(|n| vec![n.to_owned()]))
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| o.configuration_recorders().first().map(observed)))
}

async fn put(op: &Op<'_>, d: &Desired) -> Result<()> {
    let g = d.map("recording_group");
    let b = |k: &str| field(g, k).and_then(Value::as_bool);
    op.write(
        "PutConfigurationRecorder",
        op.c()
            .config
            .put_configuration_recorder()
            .configuration_recorder(
                ConfigurationRecorder::builder()
                    .name(d.str("name")?)
                    .role_arn(d.str("role_arn")?)
                    .recording_group(
                        RecordingGroup::builder()
                            .all_supported(b("all_supported").unwrap_or(true))
                            .include_global_resource_types(
                                b("include_global_resource_types").unwrap_or(false),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send(),
    )
    .await
    .map(|_| ())
}

/// AWS's answer when the region already has a recorder under another name.
const ONE_PER_REGION: &str = "MaxNumberOfConfigurationRecordersExceededException";

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    if let Err(mut e) = put(op, d).await {
        if e.code() == Some(ONE_PER_REGION) {
            let holder = lookup(op, None).await.ok().flatten();
            if let Error::Aws { message, .. } = &mut e {
                *message = one_per_region(message, holder);
            }
        }
        return Err(e);
    }
    lookup(op, Some(d.str("name")?))
        .await?
        .ok_or(Error::Missing {
            op: "DescribeConfigurationRecorders",
            what: "the new recorder",
        })
}

/// AWS's refusal, with whose recorder holds the region and what to do: a
/// recorder Strata did not make (an organisation's, Control Tower's) is not
/// taken over, since its delivery channel and history belong to its owner.
fn one_per_region(message: &str, holder: Option<Observed>) -> String {
    let who = holder.map_or_else(
        || "another recorder".to_owned(),
        |o| format!("recorder `{}`", o.id),
    );
    format!(
        "{message} (this region is already recorded by {who}, which Strata did not make \
         and does not take over: set `security.config_recorder: existing` in the spec to \
         record with it)"
    )
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, Some(id)).await
}

/// A region holds one recorder whatever its name: adopt it, so the put
/// that follows renames nothing and fails on nothing.
pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    Ok(lookup(op, None)
        .await?
        .filter(|o| d.opt_str("name").is_some_and(|n| n == o.id)))
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, put(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteConfigurationRecorder",
        op.c()
            .config
            .delete_configuration_recorder()
            .configuration_recorder_name(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
