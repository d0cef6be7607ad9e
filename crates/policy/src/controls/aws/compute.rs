//! EC2, EBS, ECS, EKS, Lambda.

use strata_model::{Kind::*, Resource, Value};

use super::{is_world, looks_like_secret, secret_name};
use crate::lookup::{self, Got};
use crate::{Check, Control, Ctx, Outcome, Severity::*, Want};

pub(crate) static EC2_IMDSV2: Control = Control {
    id: "STRATA-AWS-046",
    title: "Instances require IMDSv2 session tokens",
    severity: High,
    kinds: &[AwsInstance, AwsLaunchTemplate],
    rationale: "IMDSv1 lets a server-side request forgery read the instance's credentials.",
    remediation: "Set metadata_options { http_tokens = \"required\" }.",
    check: Check::Custom(|cx, r| {
        if r.kind == AwsInstance
            && let Some(lt) = launch_template(cx, r)
            && lookup::get(r, "metadata_options").is_missing()
        {
            return Want::Is("required").judge(
                lookup::get(lt, "metadata_options.http_tokens"),
                "metadata_options.http_tokens",
            );
        }
        Want::Is("required").judge(
            lookup::get(r, "metadata_options.http_tokens"),
            "metadata_options.http_tokens",
        )
    }),
};

/// The launch template an instance is launched from, when it is in the graph.
fn launch_template<'g>(cx: &Ctx<'g>, r: &Resource) -> Option<&'g Resource> {
    lookup::get(r, "launch_template.id")
        .value()
        .and_then(|v| cx.target(v, AwsLaunchTemplate))
}

/// True when the scanned code turns on EBS encryption by default.
fn ebs_encrypted_by_default(cx: &Ctx<'_>) -> bool {
    cx.of_kind(AwsEbsEncryptionByDefault)
        .iter()
        .any(|d| lookup::get(d, "enabled").value().and_then(lookup::as_bool) != Some(false))
}

fn block_devices_encrypted(r: &Resource) -> Outcome {
    let mut out = Outcome::Pass;
    let checks: &[(&str, &str)] = match r.kind {
        AwsLaunchTemplate => &[("block_device_mappings", "ebs.encrypted")],
        _ => &[
            ("root_block_device", "encrypted"),
            ("ebs_block_device", "encrypted"),
        ],
    };
    for (block, flag) in checks {
        if let Got::Value(v) = lookup::get(r, block) {
            for (i, b) in lookup::items(v).into_iter().enumerate() {
                let at = format!("{block}.{i}");
                out = out.and(match lookup::get_in(b, flag) {
                    Got::Value(x) if lookup::as_bool(x) == Some(true) => Outcome::Pass,
                    Got::Unknown(e) => Outcome::Unknown(format!("`{flag}` is `{e}`")),
                    _ => Outcome::fail(&at, format!("`{block}` is not encrypted")),
                });
            }
        }
    }
    out
}

pub(crate) static EC2_EBS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-047",
    title: "Instance volumes are encrypted",
    severity: High,
    kinds: &[AwsInstance, AwsLaunchTemplate],
    rationale: "Unencrypted volumes and their snapshots expose data to anyone who can copy them.",
    remediation: "Set encrypted = true on root_block_device / ebs_block_device (or block_device_mappings.ebs).",
    check: Check::Custom(|cx, r| {
        if ebs_encrypted_by_default(cx) {
            return Outcome::Pass;
        }
        if r.kind == AwsInstance {
            // Launched from a template: the template's volumes decide.
            if let Some(lt) = launch_template(cx, r) {
                return block_devices_encrypted(lt).and(Outcome::pass_if(
                    !lookup::get(lt, "block_device_mappings").is_missing(),
                    "launch_template",
                    "neither the instance nor its launch template encrypts the root volume",
                ));
            }
            if lookup::get(r, "root_block_device").is_missing() {
                return Outcome::fail(
                    "",
                    "the root volume's encryption is left to the account's default",
                );
            }
        }
        block_devices_encrypted(r)
    }),
};

pub(crate) static EC2_NO_PUBLIC_IP: Control = Control {
    id: "STRATA-AWS-048",
    title: "Instances have no public IP address",
    severity: Medium,
    kinds: &[AwsInstance],
    rationale: "Instances reachable from the internet bypass the load balancer, WAF and logging in front of the service.",
    remediation: "Set associate_public_ip_address = false; reach instances through SSM or a VPN.",
    check: Check::Attr("associate_public_ip_address", Want::NotTrue),
};

pub(crate) static EC2_USER_DATA_NO_SECRETS: Control = Control {
    id: "STRATA-AWS-049",
    title: "Instance user data holds no credentials",
    severity: Critical,
    kinds: &[AwsInstance, AwsLaunchTemplate],
    rationale: "User data is readable by anyone with ec2:DescribeInstanceAttribute and from inside the instance.",
    remediation: "Fetch secrets at boot from Secrets Manager or Parameter Store using the instance role.",
    check: Check::Custom(|_, r| match lookup::get(r, "user_data") {
        Got::Value(Value::String(s)) => Outcome::pass_if(
            !looks_like_secret(s),
            "user_data",
            "user data contains what looks like a credential",
        ),
        _ => Outcome::Pass,
    }),
};

pub(crate) static EBS_VOLUME_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-050",
    title: "EBS volumes are encrypted",
    severity: High,
    kinds: &[AwsEbsVolume],
    rationale: "Unencrypted volumes and their snapshots expose data to anyone who can copy them.",
    remediation: "Set encrypted = true (and kms_key_id).",
    check: Check::Custom(|cx, r| {
        if ebs_encrypted_by_default(cx) {
            Outcome::Pass
        } else {
            Want::True.judge(lookup::get(r, "encrypted"), "encrypted")
        }
    }),
};

pub(crate) static EBS_DEFAULT_ENCRYPTION: Control = Control {
    id: "STRATA-AWS-051",
    title: "EBS encryption by default is on",
    severity: Medium,
    kinds: &[AwsEbsEncryptionByDefault],
    rationale: "CIS 2.2.1: with the default on, no volume in the region is created unencrypted.",
    remediation: "Set enabled = true.",
    check: Check::Attr("enabled", Want::NotFalse),
};

pub(crate) static EC2_DETAILED_MONITORING: Control = Control {
    id: "STRATA-AWS-052",
    title: "Instances have detailed monitoring",
    severity: Low,
    kinds: &[AwsInstance, AwsLaunchTemplate],
    rationale: "One-minute metrics catch saturation and abuse that five-minute averages hide.",
    remediation: "Set monitoring = true (monitoring { enabled = true } in launch templates).",
    check: Check::Custom(|cx, r| {
        if r.kind == AwsInstance {
            if let Some(lt) = launch_template(cx, r) {
                return Want::True
                    .judge(lookup::get(lt, "monitoring.enabled"), "monitoring.enabled");
            }
            return Want::True.judge(lookup::get(r, "monitoring"), "monitoring");
        }
        Want::True.judge(lookup::get(r, "monitoring.enabled"), "monitoring.enabled")
    }),
};

pub(crate) static EC2_HOP_LIMIT: Control = Control {
    id: "STRATA-AWS-053",
    title: "Instance metadata is not reachable from containers on the host",
    severity: Low,
    kinds: &[AwsInstance, AwsLaunchTemplate],
    rationale: "A response hop limit above 2 lets pods and containers reach the node's credentials.",
    remediation: "Set metadata_options { http_put_response_hop_limit = 1 } (2 where pods need IMDS).",
    check: Check::Attr(
        "metadata_options.http_put_response_hop_limit",
        Want::AtMostOrUnset(2),
    ),
};

/// Every container definition of a task definition, as JSON-ish values.
fn containers(r: &Resource) -> Result<Vec<Value>, Outcome> {
    match lookup::get(r, "container_definitions") {
        Got::Missing => Ok(Vec::new()),
        Got::Unknown(e) => Err(Outcome::Unknown(format!(
            "`container_definitions` is `{e}`"
        ))),
        Got::Value(v) => match v {
            Value::String(_) => lookup::policy_document(v)
                .map(|d| lookup::items(&d).into_iter().cloned().collect())
                .ok_or_else(|| Outcome::Unknown("`container_definitions` is not JSON".into())),
            _ => Ok(lookup::items(v).into_iter().cloned().collect()),
        },
    }
}

fn each_container(r: &Resource, f: impl Fn(&Value) -> Option<String>) -> Outcome {
    match containers(r) {
        Ok(cs) => {
            for c in &cs {
                if let Some(why) = f(c) {
                    let name = lookup::get_in(c, "name")
                        .value()
                        .and_then(lookup::as_text)
                        .unwrap_or_else(|| "?".into());
                    return Outcome::fail(
                        "container_definitions",
                        format!("container `{name}`: {why}"),
                    );
                }
            }
            Outcome::Pass
        }
        Err(o) => o,
    }
}

fn flag(c: &Value, k: &str) -> Option<bool> {
    lookup::get_in(c, k).value().and_then(lookup::as_bool)
}

pub(crate) static ECS_NOT_PRIVILEGED: Control = Control {
    id: "STRATA-AWS-054",
    title: "ECS containers are not privileged",
    severity: High,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "A privileged container is root on the host.",
    remediation: "Remove privileged = true; grant specific Linux capabilities if needed.",
    check: Check::Custom(|_, r| {
        each_container(r, |c| {
            (flag(c, "privileged") == Some(true)).then(|| "privileged".into())
        })
    }),
};

pub(crate) static ECS_READONLY_ROOT: Control = Control {
    id: "STRATA-AWS-055",
    title: "ECS containers have read-only root file systems",
    severity: Medium,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "A writable root lets an intruder modify binaries and persist.",
    remediation: "Set readonlyRootFilesystem = true and mount volumes for paths that must be written.",
    check: Check::Custom(|_, r| {
        each_container(r, |c| {
            (flag(c, "readonlyRootFilesystem") != Some(true))
                .then(|| "root file system is writable".into())
        })
    }),
};

pub(crate) static ECS_NO_SECRET_ENV: Control = Control {
    id: "STRATA-AWS-056",
    title: "ECS task definitions keep secrets out of plain environment variables",
    severity: Critical,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "Plain environment values are visible to anyone who can describe the task definition.",
    remediation: "Move the value to Secrets Manager or Parameter Store and use the container's `secrets` list.",
    check: Check::Custom(|_, r| {
        each_container(r, |c| {
            let env = lookup::get_in(c, "environment")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            env.iter().find_map(|e| {
                let name = lookup::get_in(e, "name").value().and_then(lookup::as_text)?;
                let literal = matches!(lookup::get_in(e, "value").value(), Some(Value::String(s)) if !s.is_empty());
                (secret_name(&name) && literal).then(|| format!("`{name}` is a secret in plain text"))
            })
        })
    }),
};

pub(crate) static ECS_LOGGING: Control = Control {
    id: "STRATA-AWS-057",
    title: "ECS containers send their logs somewhere",
    severity: Medium,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "Without a log driver, container output is lost when the task stops.",
    remediation: "Set logConfiguration (awslogs or FireLens) on every container.",
    check: Check::Custom(|_, r| {
        each_container(r, |c| {
            lookup::get_in(c, "logConfiguration.logDriver")
                .is_missing()
                .then(|| "no logConfiguration".into())
        })
    }),
};

pub(crate) static ECS_CONTAINER_INSIGHTS: Control = Control {
    id: "STRATA-AWS-058",
    title: "ECS clusters have Container Insights on",
    severity: Low,
    kinds: &[AwsEcsCluster],
    rationale: "Per-task CPU, memory and network metrics are needed to see saturation and abuse.",
    remediation: "Add setting { name = \"containerInsights\", value = \"enabled\" } (or \"enhanced\").",
    check: Check::Custom(|_, r| {
        let on = lookup::get(r, "setting")
            .value()
            .map(lookup::items)
            .unwrap_or_default()
            .iter()
            .any(|s| {
                lookup::get_in(s, "name")
                    .value()
                    .and_then(lookup::as_text)
                    .as_deref()
                    == Some("containerInsights")
                    && lookup::get_in(s, "value")
                        .value()
                        .and_then(lookup::as_text)
                        .is_some_and(|v| v != "disabled")
            });
        Outcome::pass_if(on, "setting", "Container Insights is not enabled")
    }),
};

pub(crate) static ECS_NO_PUBLIC_IP: Control = Control {
    id: "STRATA-AWS-059",
    title: "ECS services do not give tasks public IP addresses",
    severity: Medium,
    kinds: &[AwsEcsService],
    rationale: "Tasks with public IPs are reachable around the load balancer.",
    remediation: "Set network_configuration { assign_public_ip = false } and run tasks in private subnets.",
    check: Check::Attr("network_configuration.assign_public_ip", Want::NotTrue),
};

pub(crate) static ECS_AWSVPC: Control = Control {
    id: "STRATA-AWS-060",
    title: "ECS tasks use awsvpc networking",
    severity: Low,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "Only awsvpc gives each task its own network interface and security groups.",
    remediation: "Set network_mode = \"awsvpc\".",
    check: Check::Attr("network_mode", Want::Is("awsvpc")),
};

pub(crate) static ECS_NOT_HOST_PID: Control = Control {
    id: "STRATA-AWS-061",
    title: "ECS tasks do not share the host's process or network namespace",
    severity: High,
    kinds: &[AwsEcsTaskDefinition],
    rationale: "Host PID or host networking lets a container see and reach everything on the instance.",
    remediation: "Remove pid_mode = \"host\" and network_mode = \"host\".",
    check: Check::All(&[
        ("pid_mode", Want::NoneOf(&["host"])),
        ("network_mode", Want::NoneOf(&["host"])),
    ]),
};

pub(crate) static EKS_ENDPOINT_PRIVATE: Control = Control {
    id: "STRATA-AWS-062",
    title: "EKS API endpoints are private or restricted to known networks",
    severity: High,
    kinds: &[AwsEksCluster],
    rationale: "A public Kubernetes API invites credential attacks and exploits of the API server.",
    remediation: "Set vpc_config { endpoint_public_access = false } or list public_access_cidrs.",
    check: Check::Custom(|_, r| {
        let public = lookup::get(r, "vpc_config.endpoint_public_access")
            .value()
            .and_then(lookup::as_bool)
            != Some(false);
        if !public {
            return Outcome::Pass;
        }
        match lookup::get(r, "vpc_config.public_access_cidrs") {
            Got::Value(v) => {
                let world = lookup::items(v)
                    .into_iter()
                    .filter_map(lookup::as_text)
                    .any(|c| is_world(&c));
                Outcome::pass_if(
                    !world,
                    "vpc_config.public_access_cidrs",
                    "the API endpoint is open to the internet",
                )
            }
            Got::Unknown(e) => Outcome::Unknown(format!("`public_access_cidrs` is `{e}`")),
            Got::Missing => Outcome::fail(
                "vpc_config",
                "the API endpoint is public to the whole internet",
            ),
        }
    }),
};

pub(crate) static EKS_SECRETS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-063",
    title: "EKS clusters encrypt Kubernetes secrets with KMS",
    severity: High,
    kinds: &[AwsEksCluster],
    rationale: "Envelope encryption keeps secrets unreadable in etcd backups.",
    remediation: "Add encryption_config { resources = [\"secrets\"], provider { key_arn = ... } }.",
    check: Check::Attr("encryption_config.provider.key_arn", Want::Present),
};

pub(crate) static EKS_CONTROL_PLANE_LOGS: Control = Control {
    id: "STRATA-AWS-064",
    title: "EKS clusters log API, audit and authenticator events",
    severity: Medium,
    kinds: &[AwsEksCluster],
    rationale: "The audit log is the record of who did what in the cluster.",
    remediation: "Set enabled_cluster_log_types to include api, audit and authenticator.",
    check: Check::Attr(
        "enabled_cluster_log_types",
        Want::Contains(&["api", "audit", "authenticator"]),
    ),
};

pub(crate) static EKS_NODE_REMOTE_ACCESS: Control = Control {
    id: "STRATA-AWS-065",
    title: "EKS node groups do not open SSH to everyone",
    severity: Medium,
    kinds: &[AwsEksNodeGroup],
    rationale: "remote_access with an SSH key but no source security group opens port 22 to 0.0.0.0/0.",
    remediation: "Remove remote_access (use SSM) or set source_security_group_ids.",
    check: Check::Custom(|_, r| {
        if lookup::get(r, "remote_access").is_missing() {
            return Outcome::Pass;
        }
        Want::Present.judge(
            lookup::get(r, "remote_access.source_security_group_ids"),
            "remote_access.source_security_group_ids",
        )
    }),
};

pub(crate) static EKS_SUPPORTED_VERSION: Control = Control {
    id: "STRATA-AWS-066",
    title: "EKS clusters run a Kubernetes version in standard support",
    severity: Low,
    kinds: &[AwsEksCluster],
    rationale: "Versions past standard support stop getting security fixes (and cost extended-support fees).",
    remediation: "Upgrade to 1.31 or later.",
    check: Check::Custom(|_, r| match lookup::get(r, "version") {
        Got::Value(v) => {
            let minor = lookup::as_text(v)
                .and_then(|t| t.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok()));
            match minor {
                Some(m) => Outcome::pass_if(
                    m >= 31,
                    "version",
                    format!("Kubernetes 1.{m} is out of standard support"),
                ),
                None => Outcome::Unknown("the version is not of the form 1.N".into()),
            }
        }
        Got::Unknown(e) => Outcome::Unknown(format!("`version` is `{e}`")),
        Got::Missing => Outcome::Pass,
    }),
};

pub(crate) static EKS_ACCESS_ENTRIES: Control = Control {
    id: "STRATA-AWS-134",
    title: "EKS clusters with API authentication grant access through access entries",
    severity: Medium,
    kinds: &[AwsEksCluster],
    rationale: "With authentication_mode API (or API_AND_CONFIG_MAP) access entries say who may reach the cluster; one that no entry names is reachable only by whoever created it, so operators end up sharing that identity and no grant is reviewed.",
    remediation: "Add an aws_eks_access_entry per role that operates the cluster (cluster_name = this cluster) and an aws_eks_access_policy_association giving it the least AWS-managed access policy its duty needs.",
    check: Check::Custom(
        |cx, r| match lookup::get(r, "access_config.authentication_mode") {
            Got::Value(v) => match lookup::as_text(v) {
                Some(mode) if mode.starts_with("API") => Outcome::pass_if(
                    !cx.linked(r, AwsEksAccessEntry, "cluster_name").is_empty(),
                    "access_config.authentication_mode",
                    format!("authentication_mode is {mode} but no access entry names the cluster"),
                ),
                Some(_) => Outcome::Pass,
                None => Outcome::Unknown("`authentication_mode` is not text".into()),
            },
            Got::Unknown(e) => Outcome::Unknown(format!("`authentication_mode` is `{e}`")),
            // The provider's default is CONFIG_MAP: the aws-auth ConfigMap.
            Got::Missing => Outcome::Pass,
        },
    ),
};

pub(crate) static LAMBDA_NO_SECRET_ENV: Control = Control {
    id: "STRATA-AWS-067",
    title: "Lambda functions keep secrets out of environment variables",
    severity: Critical,
    kinds: &[AwsLambdaFunction],
    rationale: "Function environment variables are visible to anyone who can read the function's configuration.",
    remediation: "Read the secret from Secrets Manager at start-up; keep only its ARN in the environment.",
    check: Check::Custom(|_, r| {
        let vars = lookup::get(r, "environment.variables")
            .value()
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        match vars
            .iter()
            .find(|(k, v)| secret_name(k) && matches!(v, Value::String(s) if !s.is_empty()))
        {
            Some((k, _)) => Outcome::fail(
                "environment.variables",
                format!("`{k}` is a secret in plain text"),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static LAMBDA_TRACING: Control = Control {
    id: "STRATA-AWS-068",
    title: "Lambda functions are traced",
    severity: Low,
    kinds: &[AwsLambdaFunction],
    rationale: "Traces show where requests went and how long each hop took.",
    remediation: "Set tracing_config { mode = \"Active\" }.",
    check: Check::Attr("tracing_config.mode", Want::Is("Active")),
};
