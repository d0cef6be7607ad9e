//! Pass 1: per-region, per-environment KMS keys. Every store, log group and
//! secret is encrypted with one of these; all rotate yearly.

use strata_model::{Address, Kind, Layer, ModuleKind};
use strata_spec::resolve::Region;

use crate::builder::{Cx, list, map, policy};

/// The keys of one region.
pub struct Keys {
    /// Data at rest: databases, queues, buckets, secrets, cluster secrets.
    pub data: Address,
    /// Logs: CloudWatch Logs, CloudTrail, flow logs.
    pub logs: Address,
}

/// The account the environment is applied to: its id when the spec gives one,
/// otherwise the `${account_id}` placeholder, filled in at render/apply time.
pub fn account(cx: &Cx) -> String {
    cx.env
        .account
        .clone()
        .unwrap_or_else(|| "${account_id}".to_owned())
}

pub fn plan(cx: &mut Cx, region: &Region) -> Keys {
    let m = cx.module(ModuleKind::Security, region);
    let acct = account(cx);
    let root = format!("arn:aws:iam::{acct}:root");
    let admin = map([
        ("Sid", "AccountAdministers".into()),
        ("Effect", "Allow".into()),
        ("Principal", map([("AWS", root.clone().into())])),
        ("Action", "kms:*".into()),
        ("Resource", "*".into()),
    ]);
    let make = |cx: &mut Cx, name: &str, purpose: &str, extra: Vec<strata_model::Value>| {
        let mut statements = vec![admin.clone()];
        statements.extend(extra);
        let key = cx.put(
            cx.res(
                &m,
                Kind::AwsKmsKey,
                name,
                Layer::AppInfrastructure,
                &["security"],
            )
            .with("description", format!("{} {purpose}", cx.name(name)))
            .with("enable_key_rotation", true)
            .with("rotation_period_in_days", 365u32)
            .with("deletion_window_in_days", 30u32)
            .with("multi_region", false)
            .with("policy", policy(statements)),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsKmsAlias,
                name,
                Layer::AppInfrastructure,
                &["security"],
            )
            .with("name", format!("alias/{}", cx.name(name)))
            .with("target_key_id", crate::builder::r(&key, "key_id")),
        );
        key
    };
    let data = make(cx, "data", "data at rest", vec![]);
    let logs_principal = format!("logs.{}.amazonaws.com", region.name);
    let logs = make(
        cx,
        "logs",
        "logs and audit trail",
        vec![
            map([
                ("Sid", "CloudWatchLogs".into()),
                ("Effect", "Allow".into()),
                ("Principal", map([("Service", logs_principal.into())])),
                (
                    "Action",
                    list(
                        [
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*",
                        ]
                        .map(Into::into),
                    ),
                ),
                ("Resource", "*".into()),
            ]),
            map([
                ("Sid", "CloudTrail".into()),
                ("Effect", "Allow".into()),
                (
                    "Principal",
                    map([("Service", "cloudtrail.amazonaws.com".into())]),
                ),
                (
                    "Action",
                    list(["kms:GenerateDataKey*", "kms:DescribeKey"].map(Into::into)),
                ),
                ("Resource", "*".into()),
            ]),
        ],
    );
    Keys { data, logs }
}
