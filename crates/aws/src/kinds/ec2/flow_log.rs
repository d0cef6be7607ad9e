//! `aws_flow_log` (VPC flow logs to CloudWatch Logs or S3).

use aws_sdk_ec2::types::{
    FlowLog, FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType,
};

use super::{ours, owned_by, tags_on};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(f: &FlowLog) -> Observed {
    Observed::new(f.flow_log_id().unwrap_or_default())
        .live("vpc_id", f.resource_id().unwrap_or_default())
        .live(
            "traffic_type",
            f.traffic_type().map(|t| t.as_str()).unwrap_or_default(),
        )
        .live("log_destination", f.log_destination().unwrap_or_default())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let dest_type = match d.opt_str("log_destination_type") {
        Some("s3") => LogDestinationType::S3,
        _ => LogDestinationType::CloudWatchLogs,
    };
    let mut call = op
        .c()
        .ec2
        .create_flow_logs()
        .resource_ids(d.str("vpc_id")?)
        .resource_type(FlowLogsResourceType::Vpc)
        .traffic_type(TrafficType::from(
            d.opt_str("traffic_type").unwrap_or("ALL"),
        ))
        .log_destination_type(dest_type)
        .log_destination(d.str("log_destination")?)
        .tag_specifications(tags_on(ResourceType::VpcFlowLog, d));
    if let Some(role) = d.opt_str("iam_role_arn") {
        call = call.deliver_logs_permission_arn(role);
    }
    if let Some(i) = d.opt_int("max_aggregation_interval") {
        call = call.max_aggregation_interval(i as i32);
    }
    let out = op.write("CreateFlowLogs", call.send()).await?;
    if let Some(u) = out.unsuccessful().first() {
        let msg = u
            .error()
            .and_then(|e| e.message())
            .unwrap_or("unknown error");
        return Err(Error::Aws {
            op: "CreateFlowLogs",
            code: "Unsuccessful".into(),
            message: msg.into(),
        });
    }
    let id = out.flow_log_ids().first().ok_or(Error::Missing {
        op: "CreateFlowLogs",
        what: "FlowLogIds",
    })?;
    Ok(Observed::new(id)
        .live("vpc_id", d.str("vpc_id")?)
        .live("traffic_type", d.opt_str("traffic_type").unwrap_or("ALL"))
        .live("log_destination", d.str("log_destination")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeFlowLogs",
            op.c().ec2.describe_flow_logs().flow_log_ids(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.flow_logs().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeFlowLogs",
            op.c().ec2.describe_flow_logs().filter(owned_by(d)).send(),
        )
        .await?;
    Ok(out
        .flow_logs()
        .iter()
        .find(|f| ours(f.tags(), d))
        .map(observed))
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteFlowLogs",
        op.c().ec2.delete_flow_logs().flow_log_ids(&owned.id).send(),
    )
    .await
    .map(|_| ())
}
