//! `aws_ecs_cluster` with Container Insights and ECS Exec logging settings.

use aws_sdk_ecs::types::{
    Cluster, ClusterConfiguration, ClusterSetting, ClusterSettingName, ExecuteCommandConfiguration,
    ExecuteCommandLogging, Tag,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, field};

fn insights(d: &Desired) -> Option<String> {
    d.get("setting")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .find(|s| field(s.as_map(), "name").and_then(Value::as_str) == Some("containerInsights"))
        .and_then(|s| field(s.as_map(), "value").and_then(Value::as_str))
        .map(str::to_owned)
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    x.attrs.insert(
        "container_insights".into(),
        Value::from(insights(d).unwrap_or_else(|| "disabled".into())),
    );
    x
}

fn observed(c: &Cluster) -> Observed {
    let arn = c.cluster_arn().unwrap_or_default();
    let insights = c
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
        .and_then(|s| s.value())
        .unwrap_or("disabled");
    Observed::new(arn)
        .out("arn", arn)
        .out("name", c.cluster_name().unwrap_or_default())
        .live("container_insights", insights)
}

fn settings(d: &Desired) -> Vec<ClusterSetting> {
    insights(d)
        .map(|v| {
            vec![
                ClusterSetting::builder()
                    .name(ClusterSettingName::ContainerInsights)
                    .value(v)
                    .build(),
            ]
        })
        .unwrap_or_default()
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let exec =
        field(d.map("configuration"), "execute_command_configuration").and_then(Value::as_map);
    let mut call = op
        .c()
        .ecs
        .create_cluster()
        .cluster_name(d.str("name")?)
        .set_settings(Some(settings(d)))
        .set_tags(Some(
            d.tag_pairs()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    if let Some(e) = exec {
        let key = field(Some(e), "kms_key_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let logging = field(Some(e), "logging")
            .and_then(Value::as_str)
            .unwrap_or("DEFAULT");
        call = call.configuration(
            ClusterConfiguration::builder()
                .execute_command_configuration(
                    ExecuteCommandConfiguration::builder()
                        .set_kms_key_id(key)
                        .logging(ExecuteCommandLogging::from(logging))
                        .build(),
                )
                .build(),
        );
    }
    let out = op.write("CreateCluster", call.send()).await?;
    let c = out.cluster().ok_or(Error::Missing {
        op: "CreateCluster",
        what: "Cluster",
    })?;
    Ok(observed(c))
}

async fn describe(op: &Op<'_>, id: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeClusters",
            op.c()
                .ecs
                .describe_clusters()
                .clusters(id)
                .include(aws_sdk_ecs::types::ClusterField::Settings)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.clusters()
            .iter()
            .find(|c| c.status() == Some("ACTIVE"))
            .map(observed)
    }))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    describe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    describe(op, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "UpdateClusterSettings",
        op.c()
            .ecs
            .update_cluster_settings()
            .cluster(&o.id)
            .set_settings(Some(settings(d)))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteCluster",
        op.c().ecs.delete_cluster().cluster(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
