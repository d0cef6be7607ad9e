//! Pass 8: security and compliance. In the primary region: a multi-region
//! CloudTrail with log validation, KMS and CloudWatch delivery, the CIS
//! metric-filter alarms, account-wide guard rails (password policy, EBS
//! encryption by default, S3 public access block, Access Analyzer) and the
//! duty roles with separation of duties. In every region: GuardDuty, Security
//! Hub with the frameworks' standards, AWS Config with conformance packs.

use strata_model::{Address, Kind, Layer, Module, ModuleKind, Value};
use strata_spec::resolve::Region;
use strata_spec::{ConfigRecorder, DutyRole, Framework};

use crate::builder::{Cx, attach, camel, list, map, policy, r, trust_service};
use crate::data::{bucket, service_writes};
use crate::keys::{Keys, account};

/// CIS AWS Foundations monitoring filters (section 4): name, pattern.
const CIS_FILTERS: &[(&str, &str)] = &[
    (
        "unauthorized_api_calls",
        "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
    ),
    (
        "console_login_without_mfa",
        "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }",
    ),
    (
        "root_account_usage",
        "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }",
    ),
    (
        "iam_policy_changes",
        "{ ($.eventSource = iam.amazonaws.com) && (($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy)) }",
    ),
    (
        "cloudtrail_changes",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    (
        "kms_key_deletion",
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    ),
    (
        "security_group_changes",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    ),
    (
        "vpc_changes",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = AttachInternetGateway) || ($.eventName = DetachInternetGateway) }",
    ),
    (
        "break_glass_use",
        "{ ($.eventName = AssumeRole) && ($.requestParameters.roleArn = \"*break-glass*\") }",
    ),
];

fn standard_arn(f: Framework, region: &str) -> Option<String> {
    let path = match f {
        Framework::CisAws => "standards/cis-aws-foundations-benchmark/v/3.0.0",
        Framework::PciDss4 => "standards/pci-dss/v/4.0.1",
        Framework::Hipaa | Framework::Soc2 => "standards/nist-800-53/v/5.0.0",
        Framework::CisK8s => return None,
    };
    Some(format!("arn:aws:securityhub:{region}::{path}"))
}

fn conformance_pack(f: Framework) -> Option<&'static str> {
    match f {
        Framework::CisAws => Some("Operational-Best-Practices-for-CIS-AWS-v1.4-Level2"),
        Framework::PciDss4 => Some("Operational-Best-Practices-for-PCI-DSS"),
        Framework::Hipaa => Some("Operational-Best-Practices-for-HIPAA-Security"),
        Framework::Soc2 => {
            Some("Operational-Best-Practices-for-AWS-Well-Architected-Security-Pillar")
        }
        Framework::CisK8s => None,
    }
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys) {
    let m = cx.module(ModuleKind::Security, region);
    let sec = cx.spec.security.clone();
    let frameworks = cx.env.frameworks.clone();
    let src = ["security"];

    let owns_account = cx.owns_account();
    if sec.guardduty && owns_account {
        cx.put(
            cx.res(
                &m,
                Kind::AwsGuarddutyDetector,
                "main",
                Layer::Security,
                &["security", "guardduty"],
            )
            .with("enable", true)
            .with("finding_publishing_frequency", "FIFTEEN_MINUTES")
            .with(
                "features",
                list(
                    [
                        "S3_DATA_EVENTS",
                        "EKS_AUDIT_LOGS",
                        "EBS_MALWARE_PROTECTION",
                        "RDS_LOGIN_EVENTS",
                        "RUNTIME_MONITORING",
                    ]
                    .map(|f| map([("name", f.into()), ("status", "ENABLED".into())])),
                ),
            ),
        );
    }
    if sec.security_hub && owns_account {
        let hub = cx.put(
            cx.res(
                &m,
                Kind::AwsSecurityhubAccount,
                "main",
                Layer::Security,
                &["security", "security_hub"],
            )
            .with("enable_default_standards", false)
            .with("auto_enable_controls", true),
        );
        let mut standards: Vec<(String, String)> = vec![(
            "aws_foundational".into(),
            format!(
                "arn:aws:securityhub:{}::standards/aws-foundational-security-best-practices/v/1.0.0",
                region.name
            ),
        )];
        for f in &frameworks {
            if let Some(arn) = standard_arn(*f, &region.name) {
                let id = f.as_str().replace(['-', '.'], "_");
                if !standards.iter().any(|(_, a)| *a == arn) {
                    standards.push((id, arn));
                }
            }
        }
        for (id, arn) in standards {
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsSecurityhubStandardsSubscription,
                    &id,
                    Layer::Security,
                    &["security", "frameworks"],
                )
                .with("standards_arn", arn)
                .after(&hub),
            );
        }
    }
    if sec.config && owns_account {
        let status = (sec.config_recorder == ConfigRecorder::Strata)
            .then(|| strata_recorder(cx, &m, region, keys));
        for f in &frameworks {
            if let Some(template) = conformance_pack(*f) {
                let pack = cx
                    .res(
                        &m,
                        Kind::AwsConfigConformancePack,
                        &f.as_str().replace(['-', '.'], "_"),
                        Layer::Security,
                        &["security", "frameworks"],
                    )
                    .with(
                        "name",
                        format!("{}-{}", cx.name(f.as_str()).replace('.', "-"), region.name),
                    )
                    .with("template_name", template);
                cx.put(match &status {
                    Some(s) => pack.after(s),
                    None => pack,
                });
            }
        }
    }
    if !region.primary {
        return;
    }
    // Account-wide guard rails.
    if owns_account {
        cx.put(
            cx.res(
                &m,
                Kind::AwsEbsEncryptionByDefault,
                "main",
                Layer::Security,
                &src,
            )
            .with("enabled", true),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsS3AccountPublicAccessBlock,
                "main",
                Layer::Security,
                &src,
            )
            .with("block_public_acls", true)
            .with("block_public_policy", true)
            .with("ignore_public_acls", true)
            .with("restrict_public_buckets", true),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsAccessanalyzerAnalyzer,
                "main",
                Layer::Security,
                &src,
            )
            .with("analyzer_name", cx.name("access-analyzer"))
            .with("type", "ACCOUNT"),
        );
        let strict = frameworks
            .iter()
            .any(|f| matches!(f, Framework::PciDss4 | Framework::Hipaa));
        cx.put(
            cx.res(
                &m,
                Kind::AwsIamAccountPasswordPolicy,
                "main",
                Layer::Security,
                &src,
            )
            .with("minimum_password_length", 14u32)
            .with("require_lowercase_characters", true)
            .with("require_uppercase_characters", true)
            .with("require_numbers", true)
            .with("require_symbols", true)
            .with("allow_users_to_change_password", true)
            .with("password_reuse_prevention", 24u32)
            .with("max_password_age", if strict { 90u32 } else { 365u32 }),
        );
    }

    // Audit trail.
    let topic = cx.addr(
        &cx.module(ModuleKind::Observability, region),
        Kind::AwsSnsTopic,
        "alerts",
    );
    if sec.cloudtrail {
        let trail_src = ["security", "cloudtrail"];
        let trail_bucket = crate::data::bucket_name(cx, &m, "trail");
        let b = bucket(
            cx,
            &m,
            "trail",
            Layer::Security,
            &trail_src,
            Some(&keys.logs),
            true,
            service_writes(
                "CloudTrailAclCheck",
                "CloudTrailWrite",
                "cloudtrail.amazonaws.com",
                &trail_bucket,
                &format!("AWSLogs/{}/*", account(cx)),
            ),
        );
        let lg = cx.put(
            cx.res(
                &m,
                Kind::AwsCloudwatchLogGroup,
                "trail",
                Layer::Security,
                &trail_src,
            )
            .with(
                "name",
                format!("/strata/{}/{}/cloudtrail", cx.spec.app, cx.env.name),
            )
            .with(
                "retention_in_days",
                cx.spec.observability.log_retention_days.max(365),
            )
            .with("kms_key_id", r(&keys.logs, "arn")),
        );
        let role = cx.put(
            cx.res(&m, Kind::AwsIamRole, "trail", Layer::Security, &trail_src)
                .with("name", cx.name("cloudtrail"))
                .with(
                    "assume_role_policy",
                    trust_service("cloudtrail.amazonaws.com"),
                )
                .with(
                    "inline_policy",
                    policy(vec![crate::builder::allow(
                        "Deliver",
                        &["logs:CreateLogStream", "logs:PutLogEvents"],
                        vec![r(&lg, "arn")],
                    )]),
                ),
        );
        cx.put(
            cx.res(&m, Kind::AwsCloudtrail, "main", Layer::Security, &trail_src)
                .with("name", cx.name("trail"))
                .with("s3_bucket_name", r(&b, "bucket"))
                .with("is_multi_region_trail", true)
                .with("include_global_service_events", true)
                .with("enable_log_file_validation", true)
                .with("kms_key_id", r(&keys.logs, "arn"))
                .with("cloud_watch_logs_group_arn", r(&lg, "arn"))
                .with("cloud_watch_logs_role_arn", r(&role, "arn"))
                .with(
                    "event_selector",
                    list([map([
                        ("read_write_type", "All".into()),
                        ("include_management_events", true.into()),
                    ])]),
                )
                .with(
                    "insight_selector",
                    list([
                        map([("insight_type", "ApiCallRateInsight".into())]),
                        map([("insight_type", "ApiErrorRateInsight".into())]),
                    ]),
                ),
        );
        let has_topic = cx.has(&topic);
        for (name, pattern) in CIS_FILTERS {
            let metric = format!("{}{}", cx.spec.app, camel(name));
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsCloudwatchLogMetricFilter,
                    name,
                    Layer::Security,
                    &trail_src,
                )
                .with("name", cx.name(name))
                .with("log_group_name", r(&lg, "name"))
                .with("pattern", *pattern)
                .with(
                    "metric_transformation",
                    map([
                        ("name", metric.clone().into()),
                        ("namespace", "Strata/Security".into()),
                        ("value", "1".into()),
                    ]),
                ),
            );
            let mut a = cx
                .res(
                    &m,
                    Kind::AwsCloudwatchMetricAlarm,
                    name,
                    Layer::Security,
                    &trail_src,
                )
                .with("alarm_name", cx.name(name))
                .with("namespace", "Strata/Security")
                .with("metric_name", metric)
                .with("statistic", "Sum")
                .with("period", 300u32)
                .with("evaluation_periods", 1u32)
                .with("threshold", 1.0)
                .with("comparison_operator", "GreaterThanOrEqualToThreshold")
                .with("treat_missing_data", "notBreaching");
            if has_topic {
                a = a.with("alarm_actions", list([r(&topic, "arn")]));
            }
            cx.put(a);
        }
    }

    // Duty roles: separation of duties, MFA to assume, short sessions.
    let root = format!("arn:aws:iam::{}:root", account(cx));
    for role in sec.roles.clone() {
        let id = role.as_str().replace('-', "_");
        let trust = crate::builder::trust_account_with_mfa(&root);
        let a = cx.put(
            cx.res(
                &m,
                Kind::AwsIamRole,
                &format!("duty_{id}"),
                Layer::Security,
                &["security", "roles"],
            )
            .with("name", cx.name(role.as_str()))
            .with("description", duty_description(role))
            .with("assume_role_policy", trust)
            .with("max_session_duration", 3600u32),
        );
        for policy_arn in duty_policies(role) {
            let short = policy_arn
                .rsplit('/')
                .next()
                .unwrap_or("p")
                .to_ascii_lowercase();
            attach(
                cx,
                &m,
                &a,
                &format!("duty_{id}_{short}"),
                policy_arn,
                Layer::Security,
                &["security", "roles"],
            );
        }
        if matches!(role, DutyRole::Developer | DutyRole::Deployer) {
            let p = cx.put(
                cx.res(
                    &m,
                    Kind::AwsIamPolicy,
                    &format!("duty_{id}_guard"),
                    Layer::Security,
                    &["security", "roles"],
                )
                .with("name", cx.name(&format!("{}-guard", role.as_str())))
                .with(
                    "policy",
                    policy(vec![map([
                        ("Sid", "NoSecretsNoIamNoTrail".into()),
                        ("Effect", "Deny".into()),
                        (
                            "Action",
                            list(
                                [
                                    "secretsmanager:GetSecretValue",
                                    "iam:CreateUser",
                                    "iam:CreateAccessKey",
                                    "iam:AttachUserPolicy",
                                    "cloudtrail:StopLogging",
                                    "cloudtrail:DeleteTrail",
                                    "kms:ScheduleKeyDeletion",
                                ]
                                .map(Value::from),
                            ),
                        ),
                        ("Resource", "*".into()),
                    ])]),
                ),
            );
            attach(
                cx,
                &m,
                &a,
                &format!("duty_{id}_guard"),
                r(&p, "arn"),
                Layer::Security,
                &["security", "roles"],
            );
        }
    }
}

fn duty_description(role: DutyRole) -> &'static str {
    match role {
        DutyRole::Admin => "Administers the environment; MFA required",
        DutyRole::Deployer => "Deploys releases; cannot read secrets or change IAM users",
        DutyRole::Developer => "Reads configuration, metrics and logs; no secrets",
        DutyRole::Auditor => "Read-only security audit",
        DutyRole::BreakGlass => "Emergency access; every use raises an alarm",
    }
}

fn duty_policies(role: DutyRole) -> Vec<&'static str> {
    match role {
        DutyRole::Admin | DutyRole::BreakGlass => {
            vec!["arn:aws:iam::aws:policy/AdministratorAccess"]
        }
        DutyRole::Deployer => vec!["arn:aws:iam::aws:policy/PowerUserAccess"],
        DutyRole::Developer => vec!["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        DutyRole::Auditor => vec![
            "arn:aws:iam::aws:policy/SecurityAudit",
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        ],
    }
}

/// AWS Config recording of Strata's own in `region`: the recorder, its role,
/// its delivery channel and bucket; returns the recorder status the
/// conformance packs come after.
fn strata_recorder(cx: &mut Cx, m: &Module, region: &Region, keys: &Keys) -> Address {
    let role = cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            "config",
            Layer::Security,
            &["security", "config"],
        )
        .with("name", cx.name("config"))
        .with("assume_role_policy", trust_service("config.amazonaws.com")),
    );
    attach(
        cx,
        m,
        &role,
        "config",
        "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
        Layer::Security,
        &["security", "config"],
    );
    let recorder = cx.put(
        cx.res(
            m,
            Kind::AwsConfigConfigurationRecorder,
            "main",
            Layer::Security,
            &["security", "config"],
        )
        .with("name", cx.name("config"))
        .with("role_arn", r(&role, "arn"))
        .with(
            "recording_group",
            map([
                ("all_supported", true.into()),
                ("include_global_resource_types", region.primary.into()),
            ]),
        ),
    );
    let config_bucket = crate::data::bucket_name(cx, m, "config");
    let b = bucket(
        cx,
        m,
        "config",
        Layer::Security,
        &["security", "config"],
        Some(&keys.logs),
        true,
        service_writes(
            "ConfigAclCheck",
            "ConfigDelivery",
            "config.amazonaws.com",
            &config_bucket,
            &format!("AWSLogs/{}/Config/*", account(cx)),
        ),
    );
    let channel = cx.put(
        cx.res(
            m,
            Kind::AwsConfigDeliveryChannel,
            "main",
            Layer::Security,
            &["security", "config"],
        )
        .with("name", cx.name("config"))
        .with("s3_bucket_name", r(&b, "bucket"))
        .with("s3_kms_key_arn", r(&keys.logs, "arn"))
        .after(&recorder),
    );
    cx.put(
        cx.res(
            m,
            Kind::AwsConfigConfigurationRecorderStatus,
            "main",
            Layer::Security,
            &["security", "config"],
        )
        .with("name", r(&recorder, "name"))
        .with("is_enabled", true)
        .after(&channel),
    )
}
