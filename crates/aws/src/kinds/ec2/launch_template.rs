//! `aws_launch_template` (EKS node volumes and instance metadata).
//! Changes become a new version; `latest_version` follows them.

use aws_sdk_ec2::types::{
    LaunchTemplate, LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData, ResourceType,
    VolumeType,
};
use strata_model::Value;

use super::tags_on;
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int, field};

fn data(d: &Desired) -> RequestLaunchTemplateData {
    let mut b = RequestLaunchTemplateData::builder();
    for m in d
        .get("block_device_mappings")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let m = m.as_map();
        let ebs = field(m, "ebs").and_then(Value::as_map);
        b = b.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .set_device_name(
                    field(m, "device_name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .set_encrypted(field(ebs, "encrypted").and_then(Value::as_bool))
                        .set_kms_key_id(
                            field(ebs, "kms_key_id")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        )
                        .set_volume_size(
                            field(ebs, "volume_size").and_then(as_int).map(|v| v as i32),
                        )
                        .set_volume_type(
                            field(ebs, "volume_type")
                                .and_then(Value::as_str)
                                .map(VolumeType::from),
                        )
                        .build(),
                )
                .build(),
        );
    }
    if let Some(meta) = d.map("metadata_options") {
        let s = |k: &str| field(Some(meta), k).and_then(Value::as_str);
        b = b.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_endpoint(
                    s("http_endpoint").map(LaunchTemplateInstanceMetadataEndpointState::from),
                )
                .set_http_tokens(s("http_tokens").map(LaunchTemplateHttpTokensState::from))
                .set_http_put_response_hop_limit(
                    field(Some(meta), "http_put_response_hop_limit")
                        .and_then(as_int)
                        .map(|v| v as i32),
                )
                .build(),
        );
    }
    b.build()
}

fn observed(t: &LaunchTemplate) -> Observed {
    Observed::new(t.launch_template_id().unwrap_or_default())
        .out("name", t.launch_template_name().unwrap_or_default())
        .out(
            "latest_version",
            t.latest_version_number().unwrap_or(1).to_string(),
        )
        .out("default_version", t.default_version_number().unwrap_or(1))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "CreateLaunchTemplate",
            op.c()
                .ec2
                .create_launch_template()
                .launch_template_name(d.str("name")?)
                .launch_template_data(data(d))
                .tag_specifications(tags_on(ResourceType::LaunchTemplate, d))
                .send(),
        )
        .await?;
    let t = out.launch_template().ok_or(Error::Missing {
        op: "CreateLaunchTemplate",
        what: "LaunchTemplate",
    })?;
    Ok(observed(t))
}

async fn describe(
    op: &Op<'_>,
    by_id: Option<&str>,
    by_name: Option<&str>,
) -> Result<Option<Observed>> {
    let mut call = op.c().ec2.describe_launch_templates();
    if let Some(id) = by_id {
        call = call.launch_template_ids(id);
    }
    if let Some(n) = by_name {
        call = call.launch_template_names(n);
    }
    let out = op.read_opt("DescribeLaunchTemplates", call.send()).await;
    // An unknown name answers InvalidLaunchTemplateName.NotFoundException.
    let out = match out {
        Err(e) if e.code().is_some_and(|c| c.contains("NotFound")) => None,
        other => other?,
    };
    Ok(out.and_then(|o| o.launch_templates().first().map(observed)))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    describe(op, Some(id), None).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    describe(op, None, Some(d.str("name")?)).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    op.write(
        "CreateLaunchTemplateVersion",
        op.c()
            .ec2
            .create_launch_template_version()
            .launch_template_id(&o.id)
            .launch_template_data(data(d))
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteLaunchTemplate",
        op.c()
            .ec2
            .delete_launch_template()
            .launch_template_id(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}
