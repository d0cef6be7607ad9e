//! `aws_ecs_service` (Fargate, awsvpc, behind target groups). Deployments
//! belong to CodeDeploy when the controller says so: the plan's
//! `ignore_changes` leaves the task definition, load balancers and count
//! to it.

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentController, DeploymentControllerType,
    LaunchType, LoadBalancer, NetworkConfiguration, PropagateTags, Service, Tag,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::{Desired, as_int, field, strs};

fn observed(s: &Service) -> Observed {
    let arn = s.service_arn().unwrap_or_default();
    Observed::new(arn)
        .out("arn", arn)
        .out("name", s.service_name().unwrap_or_default())
        .out("cluster", s.cluster_arn().unwrap_or_default())
        .live("desired_count", s.desired_count() as i64)
        .live("enable_execute_command", s.enable_execute_command())
        .live(
            "launch_type",
            s.launch_type().map(|l| l.as_str()).unwrap_or_default(),
        )
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let net = d.map("network_configuration");
    let lbs: Vec<LoadBalancer> = d
        .get("load_balancer")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let m = l.as_map();
            LoadBalancer::builder()
                .set_target_group_arn(
                    field(m, "target_group_arn")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
                .set_container_name(
                    field(m, "container_name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
                .set_container_port(
                    field(m, "container_port")
                        .and_then(as_int)
                        .map(|v| v as i32),
                )
                .build()
        })
        .collect();
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(strs(field(net, "subnets"))))
        .set_security_groups(Some(strs(field(net, "security_groups"))))
        .assign_public_ip(
            if field(net, "assign_public_ip").and_then(Value::as_bool) == Some(true) {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            },
        )
        .build()
        .map_err(|e| Error::Invalid(format!("{}: {e}", d.address)))?;
    let controller = field(d.map("deployment_controller"), "type")
        .and_then(Value::as_str)
        .unwrap_or("ECS");
    let out = op
        .write(
            "CreateService",
            op.c()
                .ecs
                .create_service()
                .cluster(d.str("cluster")?)
                .service_name(d.str("name")?)
                .task_definition(d.str("task_definition")?)
                .desired_count(d.opt_int("desired_count").unwrap_or(1) as i32)
                .launch_type(LaunchType::from(
                    d.opt_str("launch_type").unwrap_or("FARGATE"),
                ))
                .set_platform_version(d.opt_str("platform_version").map(str::to_owned))
                .deployment_controller(
                    DeploymentController::builder()
                        .r#type(DeploymentControllerType::from(controller))
                        .build()
                        .map_err(|e| Error::Invalid(e.to_string()))?,
                )
                .set_load_balancers(Some(lbs))
                .network_configuration(
                    NetworkConfiguration::builder()
                        .awsvpc_configuration(vpc)
                        .build(),
                )
                .set_health_check_grace_period_seconds(
                    d.opt_int("health_check_grace_period_seconds")
                        .map(|v| v as i32),
                )
                .enable_execute_command(d.opt_bool("enable_execute_command").unwrap_or(false))
                .set_propagate_tags(d.opt_str("propagate_tags").map(PropagateTags::from))
                .set_tags(Some(
                    d.tag_pairs()
                        .map(|(k, v)| Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .send(),
        )
        .await?;
    let s = out.service().ok_or(Error::Missing {
        op: "CreateService",
        what: "Service",
    })?;
    Ok(observed(s))
}

async fn describe(op: &Op<'_>, cluster: &str, service: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeServices",
            op.c()
                .ecs
                .describe_services()
                .cluster(cluster)
                .services(service)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .map(observed)
    }))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, d: &Desired) -> Result<Option<Observed>> {
    describe(op, d.str("cluster")?, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    describe(op, d.str("cluster")?, d.str("name")?).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    let mut call = op
        .c()
        .ecs
        .update_service()
        .cluster(d.str("cluster")?)
        .service(&o.id);
    for x in diffs {
        call = match x.attribute.as_str() {
            "enable_execute_command" => {
                call.enable_execute_command(d.opt_bool("enable_execute_command").unwrap_or(false))
            }
            "desired_count" => call.desired_count(d.int("desired_count")? as i32),
            _ => return Err(cannot_update(d, std::slice::from_ref(x))),
        };
    }
    if diffs.is_empty() {
        return Ok(());
    }
    op.write("UpdateService", call.send()).await.map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let cluster = owned
        .outputs
        .get("cluster")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Invalid(format!("{}: no cluster recorded", owned.address)))?;
    op.write(
        "DeleteService",
        op.c()
            .ecs
            .delete_service()
            .cluster(cluster)
            .service(&owned.id)
            .force(true)
            .send(),
    )
    .await
    .map(|_| ())
}
