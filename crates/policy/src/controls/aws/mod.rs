//! Controls on AWS resources, in the Terraform AWS provider's vocabulary.

mod compute;
mod data;
mod delivery;
mod edge;
mod identity;
mod logging;
mod network;
mod storage;

use strata_model::{Resource, Value};

use crate::lookup::{self, Got};
use crate::{Control, Outcome};

/// Every AWS control.
pub(crate) static ALL: &[&Control] = &[
    &storage::S3_PUBLIC_ACCESS_BLOCK,
    &storage::S3_ENCRYPTION,
    &storage::S3_KMS,
    &storage::S3_VERSIONING,
    &storage::S3_ACCESS_LOGGING,
    &storage::S3_ACL_NOT_PUBLIC,
    &storage::S3_TLS_ONLY,
    &storage::S3_POLICY_NOT_PUBLIC,
    &storage::S3_OWNER_ENFORCED,
    &storage::S3_PAB_COMPLETE,
    &storage::S3_ACCOUNT_PAB,
    &identity::KMS_ROTATION,
    &identity::KMS_DELETION_WINDOW,
    &identity::KMS_POLICY_NOT_PUBLIC,
    &identity::KMS_ENABLED,
    &identity::IAM_NO_ADMIN,
    &identity::IAM_NO_SERVICE_WILDCARD,
    &identity::IAM_TRUST_NOT_PUBLIC,
    &identity::IAM_NO_USER_POLICIES,
    &identity::IAM_PASSWORD_LENGTH,
    &identity::IAM_PASSWORD_REUSE,
    &identity::IAM_PASSWORD_COMPLEXITY,
    &identity::IAM_PASSWORD_AGE,
    &identity::IAM_PASSROLE_STAR,
    &identity::IAM_NO_ACCESS_KEYS,
    &identity::IAM_OIDC_SUBJECT,
    &identity::SECRET_KMS,
    &identity::SECRET_RECOVERY_WINDOW,
    &identity::SSM_SECURE_STRING,
    &identity::SECRET_VERSION_NOT_INLINE,
    &network::VPC_FLOW_LOGS,
    &network::VPC_DEFAULT_SG_CLOSED,
    &network::VPC_WORLD_INGRESS_ONLY_LB_WEB,
    &network::VPC_NO_WORLD_SSH,
    &network::VPC_NO_WORLD_RDP,
    &network::VPC_NO_WORLD_DB_PORTS,
    &network::VPC_RULE_DESCRIPTION,
    &network::VPC_NO_WORLD_ALL_PROTOCOLS_INGRESS,
    &network::VPC_SUBNET_NO_AUTO_PUBLIC_IP,
    &network::VPC_NACL_NO_WORLD_ADMIN,
    &network::VPC_DB_NOT_ROUTED_TO_IGW,
    &network::VPC_FLOW_LOG_ALL_TRAFFIC,
    &network::VPC_TGW_NO_AUTO_ACCEPT,
    &network::VPN_CONNECTION_LOGS,
    &network::VPN_SPLIT_TUNNEL,
    &compute::EC2_IMDSV2,
    &compute::EC2_EBS_ENCRYPTED,
    &compute::EC2_NO_PUBLIC_IP,
    &compute::EC2_USER_DATA_NO_SECRETS,
    &compute::EBS_VOLUME_ENCRYPTED,
    &compute::EBS_DEFAULT_ENCRYPTION,
    &compute::EC2_DETAILED_MONITORING,
    &compute::EC2_HOP_LIMIT,
    &compute::ECS_NOT_PRIVILEGED,
    &compute::ECS_READONLY_ROOT,
    &compute::ECS_NO_SECRET_ENV,
    &compute::ECS_LOGGING,
    &compute::ECS_CONTAINER_INSIGHTS,
    &compute::ECS_NO_PUBLIC_IP,
    &compute::ECS_AWSVPC,
    &compute::ECS_NOT_HOST_PID,
    &compute::EKS_ENDPOINT_PRIVATE,
    &compute::EKS_SECRETS_ENCRYPTED,
    &compute::EKS_CONTROL_PLANE_LOGS,
    &compute::EKS_NODE_REMOTE_ACCESS,
    &compute::EKS_SUPPORTED_VERSION,
    &compute::EKS_ACCESS_ENTRIES,
    &compute::LAMBDA_NO_SECRET_ENV,
    &compute::LAMBDA_TRACING,
    &data::RDS_CLUSTER_ENCRYPTED,
    &data::RDS_INSTANCE_ENCRYPTED,
    &data::RDS_NOT_PUBLIC,
    &data::RDS_BACKUP_RETENTION,
    &data::RDS_DELETION_PROTECTION,
    &data::RDS_IAM_AUTH,
    &data::RDS_LOG_EXPORTS,
    &data::RDS_MULTI_AZ,
    &data::RDS_COPY_TAGS,
    &data::RDS_MINOR_UPGRADES,
    &data::RDS_PASSWORD_NOT_INLINE,
    &data::RDS_ENHANCED_MONITORING,
    &data::RDS_CUSTOMER_KEY,
    &data::CACHE_AT_REST,
    &data::CACHE_IN_TRANSIT,
    &data::CACHE_FAILOVER,
    &data::CACHE_SNAPSHOTS,
    &data::SQS_ENCRYPTED,
    &data::SQS_POLICY_NOT_PUBLIC,
    &data::SNS_ENCRYPTED,
    &data::SNS_POLICY_NOT_PUBLIC,
    &data::DDB_PITR,
    &data::DDB_KMS,
    &data::EFS_ENCRYPTED,
    &data::OPENSEARCH_AT_REST,
    &data::OPENSEARCH_NODE_TO_NODE,
    &data::OPENSEARCH_HTTPS,
    &logging::TRAIL_MULTI_REGION,
    &logging::TRAIL_VALIDATION,
    &logging::TRAIL_KMS,
    &logging::TRAIL_CLOUDWATCH,
    &logging::TRAIL_LOGGING_ON,
    &logging::TRAIL_GLOBAL_EVENTS,
    &logging::LOGS_RETENTION_SET,
    &logging::LOGS_RETENTION_YEAR,
    &logging::LOGS_KMS,
    &logging::ALARM_ACTIONS,
    &logging::GUARDDUTY_ENABLED,
    &logging::CONFIG_ALL_RESOURCES,
    &logging::CONFIG_RECORDING,
    &logging::APIGW_ACCESS_LOGS,
    &edge::LB_DROP_INVALID_HEADERS,
    &edge::LB_ACCESS_LOGS,
    &edge::LB_DELETION_PROTECTION,
    &edge::LB_WAF,
    &edge::LB_HTTPS_ONLY,
    &edge::LB_TLS_POLICY,
    &edge::LB_TARGET_HEALTH_CHECK,
    &edge::LB_DESYNC,
    &edge::WAF_KNOWN_BAD_INPUTS,
    &edge::WAF_LOGGING,
    &edge::WAF_METRICS,
    &edge::WAF_RATE_LIMIT,
    &edge::ACM_DNS_VALIDATION,
    &edge::CLOUDFRONT_HTTPS,
    &edge::CLOUDFRONT_TLS,
    &delivery::ECR_SCAN_ON_PUSH,
    &delivery::ECR_IMMUTABLE,
    &delivery::ECR_KMS,
    &delivery::ECR_LIFECYCLE,
    &delivery::CODEBUILD_NOT_PRIVILEGED,
    &delivery::CODEBUILD_ARTIFACTS_ENCRYPTED,
    &delivery::CODEBUILD_KMS,
    &delivery::CODEBUILD_NO_PLAINTEXT_SECRETS,
    &delivery::CODEPIPELINE_KMS,
];

/// `0.0.0.0/0` or `::/0`.
pub(crate) fn is_world(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

/// The statements of a policy document held at `path`, with their index.
pub(crate) fn statements(r: &Resource, path: &str) -> Result<Vec<Value>, Outcome> {
    match lookup::get(r, path) {
        Got::Missing => Ok(Vec::new()),
        Got::Unknown(e) => Err(Outcome::Unknown(format!("`{path}` is `{e}`"))),
        Got::Value(v) => match lookup::policy_document(v) {
            Some(doc) => Ok(lookup::get_in(&doc, "Statement")
                .value()
                .map(|s| lookup::items(s).into_iter().cloned().collect())
                .unwrap_or_default()),
            None => Err(Outcome::Unknown(format!(
                "`{path}` is not a JSON policy document"
            ))),
        },
    }
}

/// Text values of a statement field (`Action`, `Resource`), a string or a list.
pub(crate) fn texts(stmt: &Value, key: &str) -> Vec<String> {
    lookup::get_in(stmt, key)
        .value()
        .map(|v| {
            lookup::items(v)
                .into_iter()
                .filter_map(lookup::as_text)
                .collect()
        })
        .unwrap_or_default()
}

/// True for an `Allow` statement.
pub(crate) fn allows(stmt: &Value) -> bool {
    lookup::get_in(stmt, "Effect")
        .value()
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("allow"))
}

/// True when a statement's principal is everyone (`*` or `{"AWS": "*"}`) and it
/// has no condition narrowing it.
pub(crate) fn public_principal(stmt: &Value) -> bool {
    let p = lookup::get_in(stmt, "Principal").value();
    let star = match p {
        Some(Value::String(s)) => s == "*",
        Some(Value::Map(m)) => m
            .get("AWS")
            .map(|v| lookup::items(v).iter().any(|x| x.as_str() == Some("*")))
            .unwrap_or(false),
        _ => false,
    };
    star && lookup::get_in(stmt, "Condition").is_missing()
}

/// Passes unless a statement of the policy at `path` allows everyone with no
/// condition; `message` says what that means for this kind.
pub(crate) fn no_public_statement(r: &Resource, path: &str, message: &str) -> Outcome {
    match statements(r, path) {
        Ok(st) => Outcome::pass_if(
            !st.iter().any(|s| allows(s) && public_principal(s)),
            path,
            message,
        ),
        Err(o) => o,
    }
}

/// What a public statement in a resource policy means.
pub(crate) const PUBLIC_STATEMENT: &str = "a statement allows Principal \"*\" with no condition";

/// Names that mark a value as a secret.
pub(crate) fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "PRIVATE_KEY",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
    ]
    .iter()
    .any(|w| n.contains(w))
        && !n.ends_with("_ARN")
        && !n.ends_with("_FILE")
        && !n.ends_with("_PATH")
}

/// Text that looks like a credential: AWS access keys, private keys, and
/// `password=...` assignments with a literal value.
pub(crate) fn looks_like_secret(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let key_id = text.as_bytes().windows(20).any(|w| {
        (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
            && w[4..]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    key_id
        || t.contains("-----begin") && t.contains("private key")
        || ["password=", "password:", "passwd=", "secret=", "token="]
            .iter()
            .any(|k| {
                t.split(k).skip(1).any(|rest| {
                    let v = rest.trim_start().trim_start_matches(['"', '\'']);
                    !v.is_empty()
                        && !v.starts_with('$')
                        && !v.starts_with('{')
                        && !v.starts_with('\n')
                })
            })
}
