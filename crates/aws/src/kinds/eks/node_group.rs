//! `aws_eks_node_group` (managed nodes from a launch template). Its id is
//! `<cluster>|<node group>`.

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig,
    NodegroupStatus, NodegroupUpdateConfig,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, as_int, field};

fn split(id: &str) -> Result<(&str, &str)> {
    crate::kinds::split_id(id, '|', "<cluster>|<node group>")
}

fn scaling(d: &Desired) -> NodegroupScalingConfig {
    let s = d.map("scaling_config");
    let i = |k: &str| field(s, k).and_then(as_int).map(|v| v as i32);
    NodegroupScalingConfig::builder()
        .set_min_size(i("min_size"))
        .set_max_size(i("max_size"))
        .set_desired_size(i("desired_size"))
        .build()
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let s = d.map("scaling_config");
    for k in ["min_size", "max_size"] {
        if let Some(v) = field(s, k) {
            x.attrs.insert(k.into(), v.clone());
        }
    }
    x
}

fn observed(n: &Nodegroup) -> Observed {
    let id = format!(
        "{}|{}",
        n.cluster_name().unwrap_or_default(),
        n.nodegroup_name().unwrap_or_default()
    );
    let s = n.scaling_config();
    Observed::new(id)
        .out("arn", n.nodegroup_arn().unwrap_or_default())
        .out("node_group_name", n.nodegroup_name().unwrap_or_default())
        .live(
            "min_size",
            s.and_then(|s| s.min_size()).map(i64::from).unwrap_or(0),
        )
        .live(
            "max_size",
            s.and_then(|s| s.max_size()).map(i64::from).unwrap_or(0),
        )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let lt = d.map("launch_template");
    let mut call = op
        .c()
        .eks
        .create_nodegroup()
        .cluster_name(d.str("cluster_name")?)
        .nodegroup_name(d.str("node_group_name")?)
        .node_role(d.str("node_role_arn")?)
        .set_subnets(Some(d.strs("subnet_ids")))
        .scaling_config(scaling(d))
        .set_ami_type(d.opt_str("ami_type").map(AmiTypes::from))
        .set_capacity_type(d.opt_str("capacity_type").map(CapacityTypes::from))
        .set_instance_types(Some(d.strs("instance_types")).filter(|v| !v.is_empty()))
        .set_tags(Some(d.tags.clone().into_iter().collect()));
    if let Some(u) = field(d.map("update_config"), "max_unavailable").and_then(as_int) {
        call = call.update_config(
            NodegroupUpdateConfig::builder()
                .max_unavailable(u as i32)
                .build(),
        );
    }
    if lt.is_some() {
        let v = |k: &str| {
            field(lt, k).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Int(i) => Some(i.to_string()),
                _ => None,
            })
        };
        call = call.launch_template(
            LaunchTemplateSpecification::builder()
                .set_id(v("id"))
                .set_version(v("version"))
                .build(),
        );
    }
    let out = op.write("CreateNodegroup", call.send()).await?;
    let n = out.nodegroup().ok_or(Error::Missing {
        op: "CreateNodegroup",
        what: "Nodegroup",
    })?;
    Ok(observed(n))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let (cluster, name) = split(id)?;
    let out = op
        .read_opt(
            "DescribeNodegroup",
            op.c()
                .eks
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.nodegroup()
            .filter(|n| n.status() != Some(&NodegroupStatus::Deleting))
            .map(observed)
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(
        op,
        &format!("{}|{}", d.str("cluster_name")?, d.str("node_group_name")?),
        d,
    )
    .await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs
        .iter()
        .any(|x| x.attribute != "min_size" && x.attribute != "max_size")
    {
        return Err(cannot_update(d, diffs));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let (cluster, name) = split(&o.id)?;
    op.write(
        "UpdateNodegroupConfig",
        op.c()
            .eks
            .update_nodegroup_config()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .scaling_config(scaling(d))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (cluster, name) = split(&owned.id)?;
    op.write(
        "DeleteNodegroup",
        op.c()
            .eks
            .delete_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send(),
    )
    .await?;
    // A cluster cannot be deleted while its node groups are.
    crate::poll::poll("node group deleted", || async {
        let out = op
            .read_opt(
                "DescribeNodegroup",
                op.c()
                    .eks
                    .describe_nodegroup()
                    .cluster_name(cluster)
                    .nodegroup_name(name)
                    .send(),
            )
            .await?;
        Ok(out.is_none_or(|o| o.nodegroup().is_none()))
    })
    .await
}
