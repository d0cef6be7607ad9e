//! `aws_codebuild_project`: a build, test or scan stage of the pipeline.
//! Compared flat: service role, timeout, the build environment, the source
//! and artifacts types, the buildspec and the log group. Created and
//! updated whole; the artifacts' KMS key is set on both but not compared
//! (the emulator the tests run on reports its own default key whatever was
//! asked, so a comparison there would be a false drift on every run).

use aws_sdk_codebuild::types::{
    ArtifactsType, CloudWatchLogsConfig, ComputeType, EnvironmentType, ImagePullCredentialsType,
    LogsConfig, LogsConfigStatusType, Project, ProjectArtifacts, ProjectEnvironment, ProjectSource,
    SourceType,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

fn s<'a>(m: Option<&'a std::collections::BTreeMap<String, Value>>, k: &str) -> Option<&'a str> {
    field(m, k).and_then(Value::as_str)
}

fn cw_logs(d: &Desired) -> Option<&std::collections::BTreeMap<String, Value>> {
    field(d.map("logs_config"), "cloudwatch_logs").and_then(Value::as_map)
}

/// The plan's nested blocks, flat.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let env = d.map("environment");
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x.attrs.insert(k.into(), v);
        }
    };
    for k in [
        "compute_type",
        "image",
        "type",
        "privileged_mode",
        "image_pull_credentials_type",
    ] {
        put(&format!("environment_{k}"), field(env, k).cloned());
    }
    put("source_type", field(d.map("source"), "type").cloned());
    put("buildspec", field(d.map("source"), "buildspec").cloned());
    put("artifacts_type", field(d.map("artifacts"), "type").cloned());
    put("log_group_name", field(cw_logs(d), "group_name").cloned());
    for k in [
        "environment",
        "source",
        "artifacts",
        "logs_config",
        "encryption_key",
    ] {
        x.attrs.remove(k);
    }
    x
}

fn observed(p: &Project) -> Observed {
    let name = p.name().unwrap_or_default();
    let arn = p.arn().unwrap_or_default();
    let mut o = Observed::new(name)
        .out("arn", arn)
        .out("name", name)
        .live("service_role", p.service_role().unwrap_or_default())
        .live(
            "build_timeout",
            i64::from(p.timeout_in_minutes().unwrap_or(0)),
        );
    if let Some(e) = p.environment() {
        o = o
            .live("environment_compute_type", e.compute_type().as_str())
            .live("environment_image", e.image())
            .live("environment_type", e.r#type().as_str())
            .live(
                "environment_privileged_mode",
                e.privileged_mode().unwrap_or(false),
            )
            .live(
                "environment_image_pull_credentials_type",
                e.image_pull_credentials_type()
                    .map(|t| t.as_str())
                    .unwrap_or("CODEBUILD"),
            );
    }
    if let Some(src) = p.source() {
        o = o
            .live("source_type", src.r#type().as_str())
            .live("buildspec", src.buildspec().unwrap_or_default());
    }
    if let Some(a) = p.artifacts() {
        o = o.live("artifacts_type", a.r#type().as_str());
    }
    let group = p
        .logs_config()
        .and_then(|l| l.cloud_watch_logs())
        .and_then(|c| c.group_name())
        .unwrap_or_default();
    o.live("log_group_name", group)
}

async fn lookup(op: &Op<'_>, name: &str) -> Result<Option<Observed>> {
    let out = op
        .read(
            "BatchGetProjects",
            op.c().codebuild.batch_get_projects().names(name).send(),
        )
        .await?;
    Ok(out
        .projects()
        .iter()
        .find(|p| p.name() == Some(name))
        .map(observed))
}

struct Parts {
    source: ProjectSource,
    artifacts: ProjectArtifacts,
    environment: ProjectEnvironment,
    logs: Option<LogsConfig>,
}

fn parts(d: &Desired) -> Result<Parts> {
    let bad =
        |e: aws_sdk_codebuild::error::BuildError| Error::Invalid(format!("{}: {e}", d.address));
    let src = d.map("source");
    let kind = s(src, "type").unwrap_or("CODEPIPELINE");
    // CodeBuild ignores `location` when CodePipeline supplies the source;
    // stricter endpoints still ask for one, so name the project there.
    let location = match s(src, "location") {
        Some(l) => Some(l.to_owned()),
        None if kind == "CODEPIPELINE" => d.opt_str("name").map(str::to_owned),
        None => None,
    };
    let source = ProjectSource::builder()
        .r#type(SourceType::from(kind))
        .set_buildspec(s(src, "buildspec").map(str::to_owned))
        .set_location(location)
        .build()
        .map_err(bad)?;
    let art = d.map("artifacts");
    let artifacts = ProjectArtifacts::builder()
        .r#type(ArtifactsType::from(
            s(art, "type").unwrap_or("CODEPIPELINE"),
        ))
        .set_location(s(art, "location").map(str::to_owned))
        .build()
        .map_err(bad)?;
    let env = d.map("environment");
    let environment = ProjectEnvironment::builder()
        .r#type(EnvironmentType::from(
            s(env, "type").unwrap_or("LINUX_CONTAINER"),
        ))
        .image(s(env, "image").unwrap_or("aws/codebuild/amazonlinux-x86_64-standard:5.0"))
        .compute_type(ComputeType::from(
            s(env, "compute_type").unwrap_or("BUILD_GENERAL1_SMALL"),
        ))
        .set_privileged_mode(field(env, "privileged_mode").and_then(Value::as_bool))
        .set_image_pull_credentials_type(
            s(env, "image_pull_credentials_type").map(ImagePullCredentialsType::from),
        )
        .build()
        .map_err(bad)?;
    let logs = match cw_logs(d) {
        Some(c) => Some(
            LogsConfig::builder()
                .cloud_watch_logs(
                    CloudWatchLogsConfig::builder()
                        .status(LogsConfigStatusType::from(
                            s(Some(c), "status").unwrap_or("ENABLED"),
                        ))
                        .set_group_name(s(Some(c), "group_name").map(str::to_owned))
                        .set_stream_name(s(Some(c), "stream_name").map(str::to_owned))
                        .build()
                        .map_err(bad)?,
                )
                .build(),
        ),
        None => None,
    };
    Ok(Parts {
        source,
        artifacts,
        environment,
        logs,
    })
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let p = parts(d)?;
    let tags = d
        .tag_pairs()
        .map(|(k, v)| {
            aws_sdk_codebuild::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
        })
        .collect();
    let name = d.str("name")?;
    op.write(
        "CreateProject",
        op.c()
            .codebuild
            .create_project()
            .name(name)
            .source(p.source)
            .artifacts(p.artifacts)
            .environment(p.environment)
            .set_logs_config(p.logs)
            .service_role(d.str("service_role")?)
            .set_encryption_key(d.opt_str("encryption_key").map(str::to_owned))
            .set_timeout_in_minutes(d.opt_int("build_timeout").map(|v| v as i32))
            .set_tags(Some(tags))
            .send(),
    )
    .await?;
    lookup(op, name).await?.ok_or(Error::Missing {
        op: "BatchGetProjects",
        what: "the new project",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    lookup(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    lookup(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, async {
        let p = parts(d)?;
        op.write(
            "UpdateProject",
            op.c()
                .codebuild
                .update_project()
                .name(&o.id)
                .source(p.source)
                .artifacts(p.artifacts)
                .environment(p.environment)
                .set_logs_config(p.logs)
                .service_role(d.str("service_role")?)
                .set_encryption_key(d.opt_str("encryption_key").map(str::to_owned))
                .set_timeout_in_minutes(d.opt_int("build_timeout").map(|v| v as i32))
                .send(),
        )
        .await
        .map(|_| ())
    })
    .await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteProject",
        op.c().codebuild.delete_project().name(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
