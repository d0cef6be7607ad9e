//! `aws_eks_cluster`: private endpoint, secrets encrypted with a KMS key,
//! control-plane logs, API authentication. A public endpoint or a log type
//! switched off out of band is drift.

use aws_sdk_eks::types::{
    AuthenticationMode, Cluster, ClusterStatus, CreateAccessConfigRequest, EncryptionConfig,
    LogSetup, LogType, Logging, Provider, VpcConfigRequest,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, field, strs};

fn logging(d: &Desired) -> Logging {
    let types: Vec<LogType> = d
        .strs("enabled_cluster_log_types")
        .iter()
        .map(|t| LogType::from(t.as_str()))
        .collect();
    Logging::builder()
        .cluster_logging(
            LogSetup::builder()
                .set_types(Some(types))
                .enabled(true)
                .build(),
        )
        .build()
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let vpc = d.map("vpc_config");
    for k in ["endpoint_private_access", "endpoint_public_access"] {
        if let Some(v) = field(vpc, k) {
            x.attrs.insert(k.into(), v.clone());
        }
    }
    x
}

fn observed(c: &Cluster) -> Observed {
    let name = c.name().unwrap_or_default();
    let vpc = c.resources_vpc_config();
    let logs: Vec<Value> = c
        .logging()
        .map(|l| {
            l.cluster_logging()
                .iter()
                .filter(|s| s.enabled() == Some(true))
                .flat_map(|s| s.types().iter().map(|t| Value::from(t.as_str())))
                .collect()
        })
        .unwrap_or_default();
    Observed::new(name)
        .out("name", name)
        .out("arn", c.arn().unwrap_or_default())
        .out("endpoint", c.endpoint().unwrap_or_default())
        .out(
            "identity_oidc_issuer",
            c.identity()
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .unwrap_or_default(),
        )
        .out(
            "cluster_security_group_id",
            vpc.and_then(|v| v.cluster_security_group_id())
                .unwrap_or_default(),
        )
        .live("version", c.version().unwrap_or_default())
        .live(
            "endpoint_public_access",
            vpc.map(|v| v.endpoint_public_access()).unwrap_or(false),
        )
        .live(
            "endpoint_private_access",
            vpc.map(|v| v.endpoint_private_access()).unwrap_or(false),
        )
        .live("enabled_cluster_log_types", Value::List(logs))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let vpc = d.map("vpc_config");
    let b = |k: &str| field(vpc, k).and_then(Value::as_bool);
    let mut call = op
        .c()
        .eks
        .create_cluster()
        .name(d.str("name")?)
        .role_arn(d.str("role_arn")?)
        .set_version(d.opt_str("version").map(str::to_owned))
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(strs(field(vpc, "subnet_ids"))))
                .set_security_group_ids(Some(strs(field(vpc, "security_group_ids"))))
                .set_endpoint_private_access(b("endpoint_private_access"))
                .set_endpoint_public_access(b("endpoint_public_access"))
                .build(),
        )
        .logging(logging(d))
        .set_tags(Some(d.tags.clone().into_iter().collect()));
    if let Some(mode) = field(d.map("access_config"), "authentication_mode").and_then(Value::as_str)
    {
        call = call.access_config(
            CreateAccessConfigRequest::builder()
                .authentication_mode(AuthenticationMode::from(mode))
                .build(),
        );
    }
    let enc = d.map("encryption_config");
    if let Some(key) =
        field(field(enc, "provider").and_then(Value::as_map), "key_arn").and_then(Value::as_str)
    {
        call = call.encryption_config(
            EncryptionConfig::builder()
                .provider(Provider::builder().key_arn(key).build())
                .set_resources(Some(strs(field(enc, "resources"))))
                .build(),
        );
    }
    let out = op.write("CreateCluster", call.send()).await?;
    let c = out.cluster().ok_or(Error::Missing {
        op: "CreateCluster",
        what: "Cluster",
    })?;
    let name = c.name().unwrap_or_default().to_owned();
    crate::poll::poll("EKS cluster active", || async {
        let out = op
            .read(
                "DescribeCluster",
                op.c().eks.describe_cluster().name(&name).send(),
            )
            .await?;
        Ok(out
            .cluster()
            .is_none_or(|c| c.status() == Some(&ClusterStatus::Active)))
    })
    .await?;
    Ok(observed(c))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeCluster",
            op.c().eks.describe_cluster().name(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.cluster()
            .filter(|c| c.status() != Some(&ClusterStatus::Deleting))
            .map(observed)
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("name")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let eks = &op.c().eks;
    let vpc = d.map("vpc_config");
    let b = |k: &str| field(vpc, k).and_then(Value::as_bool);
    let mut endpoints = false;
    for x in diffs {
        match x.attribute.as_str() {
            "endpoint_public_access" | "endpoint_private_access" => endpoints = true,
            "enabled_cluster_log_types" => {
                op.write(
                    "UpdateClusterConfig",
                    eks.update_cluster_config()
                        .name(&o.id)
                        .logging(logging(d))
                        .send(),
                )
                .await?;
            }
            "version" => {
                op.write(
                    "UpdateClusterVersion",
                    eks.update_cluster_version()
                        .name(&o.id)
                        .version(d.str("version")?)
                        .send(),
                )
                .await?;
            }
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        }
    }
    if endpoints {
        op.write(
            "UpdateClusterConfig",
            eks.update_cluster_config()
                .name(&o.id)
                .resources_vpc_config(
                    VpcConfigRequest::builder()
                        .set_endpoint_private_access(b("endpoint_private_access"))
                        .set_endpoint_public_access(b("endpoint_public_access"))
                        .build(),
                )
                .send(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteCluster",
        op.c().eks.delete_cluster().name(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
