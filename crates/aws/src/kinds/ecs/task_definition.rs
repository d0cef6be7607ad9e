//! `aws_ecs_task_definition`. Its id is the family: a change registers a
//! new revision, and `arn` always names the latest active one.

use std::collections::HashMap;

use aws_sdk_ecs::types::{
    ApplicationProtocol, Compatibility, ContainerDefinition, CpuArchitecture, HealthCheck,
    KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration, LogDriver, NetworkMode,
    OsFamily, PortMapping, RuntimePlatform, Secret, Tag, TaskDefinition, TransportProtocol,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int, field, strs};

fn container(d: &Desired, v: &Value) -> Result<ContainerDefinition> {
    let m = v.as_map();
    let s = |k: &str| field(m, k).and_then(Value::as_str).map(str::to_owned);
    let b = |k: &str| field(m, k).and_then(Value::as_bool);
    let bad = |e: aws_sdk_ecs::error::BuildError| Error::Invalid(format!("{}: {e}", d.address));
    let mut c = ContainerDefinition::builder()
        .set_name(s("name"))
        .set_image(s("image"))
        .set_essential(b("essential"))
        .set_privileged(b("privileged"))
        .set_readonly_root_filesystem(b("readonlyRootFilesystem"))
        .set_user(s("user"));
    for e in field(m, "environment")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let em = e.as_map();
        c = c.environment(
            KeyValuePair::builder()
                .set_name(field(em, "name").and_then(Value::as_str).map(str::to_owned))
                .set_value(
                    field(em, "value")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
                .build(),
        );
    }
    for e in field(m, "secrets")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let em = e.as_map();
        c = c.secrets(
            Secret::builder()
                .name(
                    field(em, "name")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )
                .value_from(
                    field(em, "valueFrom")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )
                .build()
                .map_err(bad)?,
        );
    }
    for p in field(m, "portMappings")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let pm = p.as_map();
        let ps = |k: &str| field(pm, k).and_then(Value::as_str);
        c = c.port_mappings(
            PortMapping::builder()
                .set_container_port(
                    field(pm, "containerPort")
                        .and_then(as_int)
                        .map(|v| v as i32),
                )
                .set_protocol(ps("protocol").map(TransportProtocol::from))
                .set_name(ps("name").map(str::to_owned))
                .set_app_protocol(ps("appProtocol").map(ApplicationProtocol::from))
                .build(),
        );
    }
    if let Some(l) = field(m, "logConfiguration").and_then(Value::as_map) {
        let options: HashMap<String, String> = field(Some(l), "options")
            .and_then(Value::as_map)
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        c = c.log_configuration(
            LogConfiguration::builder()
                .log_driver(LogDriver::from(
                    field(Some(l), "logDriver")
                        .and_then(Value::as_str)
                        .unwrap_or("awslogs"),
                ))
                .set_options(Some(options))
                .build()
                .map_err(bad)?,
        );
    }
    if let Some(h) = field(m, "healthCheck").and_then(Value::as_map) {
        let hi = |k: &str| field(Some(h), k).and_then(as_int).map(|v| v as i32);
        c = c.health_check(
            HealthCheck::builder()
                .set_command(Some(strs(field(Some(h), "command"))))
                .set_interval(hi("interval"))
                .set_retries(hi("retries"))
                .set_start_period(hi("startPeriod"))
                .set_timeout(hi("timeout"))
                .build()
                .map_err(bad)?,
        );
    }
    if let Some(lp) = field(m, "linuxParameters").and_then(Value::as_map) {
        let caps = field(Some(lp), "capabilities").and_then(Value::as_map);
        c = c.linux_parameters(
            LinuxParameters::builder()
                .capabilities(
                    KernelCapabilities::builder()
                        .set_drop(Some(strs(field(caps, "drop"))))
                        .set_add(Some(strs(field(caps, "add"))).filter(|a| !a.is_empty()))
                        .build(),
                )
                .set_init_process_enabled(
                    field(Some(lp), "initProcessEnabled").and_then(Value::as_bool),
                )
                .build(),
        );
    }
    Ok(c.build())
}

fn images(t: &TaskDefinition) -> Value {
    Value::List(
        t.container_definitions()
            .iter()
            .map(|c| Value::from(c.image().unwrap_or_default()))
            .collect(),
    )
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let imgs: Vec<Value> = d
        .get("container_definitions")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .map(|c| field(c.as_map(), "image").cloned().unwrap_or(Value::Null))
        .collect();
    x.attrs.insert("images".into(), Value::List(imgs));
    x
}

fn observed(family: &str, t: &TaskDefinition) -> Observed {
    Observed::new(family)
        .out("arn", t.task_definition_arn().unwrap_or_default())
        .out("revision", t.revision() as i64)
        .out("family", family)
        .live("cpu", t.cpu().unwrap_or_default())
        .live("memory", t.memory().unwrap_or_default())
        .live(
            "execution_role_arn",
            t.execution_role_arn().unwrap_or_default(),
        )
        .live("task_role_arn", t.task_role_arn().unwrap_or_default())
        .live("images", images(t))
}

async fn register(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let family = d.str("family")?;
    let containers = d
        .get("container_definitions")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .map(|c| container(d, c))
        .collect::<Result<Vec<_>>>()?;
    let rp = d.map("runtime_platform");
    let mut call = op
        .c()
        .ecs
        .register_task_definition()
        .family(family)
        .set_container_definitions(Some(containers))
        .set_cpu(d.opt_str("cpu").map(str::to_owned))
        .set_memory(d.opt_str("memory").map(str::to_owned))
        .network_mode(NetworkMode::from(
            d.opt_str("network_mode").unwrap_or("awsvpc"),
        ))
        .set_requires_compatibilities(Some(
            d.strs("requires_compatibilities")
                .iter()
                .map(|c| Compatibility::from(c.as_str()))
                .collect(),
        ))
        .set_execution_role_arn(d.opt_str("execution_role_arn").map(str::to_owned))
        .set_task_role_arn(d.opt_str("task_role_arn").map(str::to_owned))
        .set_tags(Some(
            d.tag_pairs()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    if rp.is_some() {
        let s = |k: &str| field(rp, k).and_then(Value::as_str);
        call = call.runtime_platform(
            RuntimePlatform::builder()
                .set_cpu_architecture(s("cpu_architecture").map(CpuArchitecture::from))
                .set_operating_system_family(s("operating_system_family").map(OsFamily::from))
                .build(),
        );
    }
    let out = op.write("RegisterTaskDefinition", call.send()).await?;
    let t = out.task_definition().ok_or(Error::Missing {
        op: "RegisterTaskDefinition",
        what: "TaskDefinition",
    })?;
    Ok(observed(family, t))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    register(op, d).await
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeTaskDefinition",
            op.c()
                .ecs
                .describe_task_definition()
                .task_definition(id)
                .send(),
        )
        .await;
    // A family with no active revision answers ClientException.
    let out = match out {
        Err(e) if e.code() == Some("ClientException") => return Ok(None),
        other => other?,
    };
    Ok(out.and_then(|o| {
        o.task_definition()
            .filter(|t| t.status().map(|s| s.as_str()) == Some("ACTIVE"))
            .map(|t| observed(id, t))
    }))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("family")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        Ok(())
    } else {
        register(op, d).await.map(|_| ())
    }
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let ecs = &op.c().ecs;
    let list = op
        .read(
            "ListTaskDefinitions",
            ecs.list_task_definitions().family_prefix(&owned.id).send(),
        )
        .await?;
    for arn in list.task_definition_arns() {
        // Only this family, not another that merely starts the same.
        let family = arn
            .rsplit('/')
            .next()
            .and_then(|s| s.rsplit_once(':'))
            .map(|(f, _)| f);
        if family != Some(owned.id.as_str()) {
            continue;
        }
        op.write(
            "DeregisterTaskDefinition",
            ecs.deregister_task_definition().task_definition(arn).send(),
        )
        .await?;
    }
    Ok(())
}
