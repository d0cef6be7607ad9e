//! `aws_config_configuration_recorder_status`: whether the recorder runs.
//! Its id is the recorder's name; deleting it stops the recorder (which
//! must stop before its delivery channel can go).

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn recording(op: &Op<'_>, name: &str) -> Result<Option<bool>> {
    let out = op
        .read_opt(
            "DescribeConfigurationRecorderStatus",
            op.c()
                .config
                .describe_configuration_recorder_status()
                .configuration_recorder_names(name)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.configuration_recorders_status()
            .iter()
            .find(|s| s.name() == Some(name))
            .map(|s| s.recording())
    }))
}

async fn set(op: &Op<'_>, name: &str, on: bool) -> Result<()> {
    let config = &op.c().config;
    if on {
        op.write(
            "StartConfigurationRecorder",
            config
                .start_configuration_recorder()
                .configuration_recorder_name(name)
                .send(),
        )
        .await
        .map(|_| ())
    } else {
        op.write(
            "StopConfigurationRecorder",
            config
                .stop_configuration_recorder()
                .configuration_recorder_name(name)
                .send(),
        )
        .await
        .map(|_| ())
    }
}

fn observed(name: &str, on: bool) -> Observed {
    Observed::new(name).live("is_enabled", on)
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let (name, on) = (d.str("name")?, d.opt_bool("is_enabled").unwrap_or(true));
    set(op, name, on).await?;
    Ok(observed(name, on))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    Ok(recording(op, id).await?.map(|on| observed(id, on)))
}

/// Found when the recorder already runs as wanted.
pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let (name, want) = (d.str("name")?, d.opt_bool("is_enabled").unwrap_or(true));
    Ok(recording(op, name)
        .await?
        .filter(|on| *on == want)
        .map(|on| observed(name, on)))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(
        diffs,
        set(op, &o.id, d.opt_bool("is_enabled").unwrap_or(true)),
    )
    .await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    set(op, &owned.id, false).await
}
