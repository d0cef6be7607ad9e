//! The AWS Config recording an environment with `config_recorder: existing`
//! relies on, observed as the resources the catalog judges.

use super::*;

/// An AWS Config recorder the account has in a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingRecorder {
    /// Its name (Control Tower's is `aws-controltower-BaselineConfigRecorder`).
    pub name: String,
    /// Whether it records now.
    pub recording: bool,
    /// Whether it records every supported resource type.
    pub all_supported: bool,
    /// Whether it records global (IAM) resource types too.
    pub global: bool,
}

/// The recording an environment with `security.config_recorder: existing`
/// relies on: the region's recorders, and the same observed as the planned
/// kinds a recorder of Strata's would be, so the control catalog judges them
/// alike: `<env>.security.aws_config_configuration_recorder_status.existing`
/// (`is_enabled`: whether any recorder records) and, when there is one,
/// `<env>.security.aws_config_configuration_recorder.existing` (its
/// `recording_group`: that of the recorders that record, or of all when
/// none does).
#[derive(Clone, Debug)]
pub struct Recording {
    /// Every recorder in the region.
    pub recorders: Vec<ExistingRecorder>,
    /// The observed resources, for the catalog.
    pub resources: Vec<Resource>,
}

/// Reads the recording an environment with `config_recorder: existing`
/// relies on (see [`Recording`]).
pub async fn existing_recording(cx: &Cx, graph: &Graph) -> Result<Recording> {
    let any = any_address(graph);
    let op = cx.op(&any);
    let config = &op.c().config;
    let statuses = op
        .read(
            "DescribeConfigurationRecorderStatus",
            config.describe_configuration_recorder_status().send(),
        )
        .await?;
    let described = op
        .read(
            "DescribeConfigurationRecorders",
            config.describe_configuration_recorders().send(),
        )
        .await?;
    let recorders: Vec<ExistingRecorder> = described
        .configuration_recorders()
        .iter()
        .map(|r| {
            let name = r.name().unwrap_or_default().to_owned();
            let recording = statuses
                .configuration_recorders_status()
                .iter()
                .any(|s| s.name() == Some(name.as_str()) && s.recording());
            let group = r.recording_group();
            ExistingRecorder {
                recording,
                all_supported: group.is_some_and(|g| g.all_supported()),
                global: group.is_some_and(|g| g.include_global_resource_types()),
                name,
            }
        })
        .collect();
    Ok(Recording {
        resources: recording_resources(&any.env.to_string(), &op.c().region, &recorders)?,
        recorders,
    })
}

/// The recorders of a region as the catalog judges them (see [`Recording`]).
fn recording_resources(
    env: &str,
    region: &str,
    recorders: &[ExistingRecorder],
) -> Result<Vec<Resource>> {
    let address = |kind: &str| -> Result<Address> {
        format!("{env}.security.{kind}.existing")
            .parse()
            .map_err(|e| Error::Invalid(format!("{e}")))
    };
    let names: Vec<&str> = recorders.iter().map(|r| r.name.as_str()).collect();
    let seen = if names.is_empty() {
        format!("no AWS Config recorder in {region}")
    } else {
        format!("AWS Config recorder {} in {region}", names.join(", "))
    };
    let live = || strata_model::Provenance::Live { arn: seen.clone() };
    let recording = recorders.iter().any(|r| r.recording);
    let mut out = vec![
        Resource::new(
            address("aws_config_configuration_recorder_status")?,
            strata_model::Layer::Security,
            live(),
        )
        .with("name", names.join(","))
        .with("is_enabled", recording),
    ];
    let judged: Vec<&ExistingRecorder> = recorders
        .iter()
        .filter(|r| r.recording || !recording)
        .collect();
    if !judged.is_empty() {
        let group = strata_model::Value::Map(
            [
                (
                    "all_supported".to_owned(),
                    judged.iter().any(|r| r.all_supported).into(),
                ),
                (
                    "include_global_resource_types".to_owned(),
                    judged.iter().any(|r| r.global).into(),
                ),
            ]
            .into(),
        );
        let names: Vec<&str> = judged.iter().map(|r| r.name.as_str()).collect();
        out.push(
            Resource::new(
                address("aws_config_configuration_recorder")?,
                strata_model::Layer::Security,
                live(),
            )
            .with("name", names.join(","))
            .with("recording_group", group),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use strata_model::{Resource, Value};

    use super::*;

    #[test]
    fn the_recording_relied_on_is_judged_by_the_recorders_that_record() {
        let rec = |name: &str, recording, all_supported| ExistingRecorder {
            name: name.into(),
            recording,
            all_supported,
            global: false,
        };
        // `key`, or `key.field` of a map, of the resource of `kind`.
        let attr = |rs: &[Resource], kind: &str, key: &str| -> Option<Value> {
            let r = rs.iter().find(|r| r.kind.as_str() == kind)?;
            match key.split_once('.') {
                Some((map, field)) => match r.get(map)? {
                    Value::Map(m) => m.get(field).cloned(),
                    _ => None,
                },
                None => r.get(key).cloned(),
            }
        };
        let none = recording_resources("dev", "eu-west-1", &[]).unwrap();
        assert_eq!(none.len(), 1, "no recorder: only the status, not recording");
        assert_eq!(
            attr(
                &none,
                "aws_config_configuration_recorder_status",
                "is_enabled"
            ),
            Some(Value::Bool(false))
        );
        assert_eq!(
            none[0].address.to_string(),
            "dev.security.aws_config_configuration_recorder_status.existing"
        );
        // A stopped recorder of everything and a running one of some types:
        // what records is what counts.
        let rs = recording_resources(
            "dev",
            "eu-west-1",
            &[rec("org", false, true), rec("team", true, false)],
        )
        .unwrap();
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder_status",
                "is_enabled"
            ),
            Some(Value::Bool(true))
        );
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder",
                "recording_group.all_supported"
            ),
            Some(Value::Bool(false))
        );
        assert_eq!(
            attr(&rs, "aws_config_configuration_recorder", "name"),
            Some(Value::from("team"))
        );
        // None records: the group judged is that of every recorder.
        let rs = recording_resources("dev", "eu-west-1", &[rec("org", false, true)]).unwrap();
        assert_eq!(
            attr(
                &rs,
                "aws_config_configuration_recorder",
                "recording_group.all_supported"
            ),
            Some(Value::Bool(true))
        );
    }
}
