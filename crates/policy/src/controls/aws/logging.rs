//! CloudTrail, CloudWatch, GuardDuty, Config, API Gateway logging.

use strata_model::Kind::*;

use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

pub(crate) static TRAIL_MULTI_REGION: Control = Control {
    id: "STRATA-AWS-096",
    title: "CloudTrail trails cover every region",
    severity: High,
    kinds: &[AwsCloudtrail],
    rationale: "Activity in a region the trail does not cover goes unrecorded; attackers use unused regions.",
    remediation: "Set is_multi_region_trail = true.",
    check: Check::Attr("is_multi_region_trail", Want::True),
};

pub(crate) static TRAIL_VALIDATION: Control = Control {
    id: "STRATA-AWS-097",
    title: "CloudTrail validates log file integrity",
    severity: Medium,
    kinds: &[AwsCloudtrail],
    rationale: "Digest files prove the logs were not altered or deleted after delivery.",
    remediation: "Set enable_log_file_validation = true.",
    check: Check::Attr("enable_log_file_validation", Want::True),
};

pub(crate) static TRAIL_KMS: Control = Control {
    id: "STRATA-AWS-098",
    title: "CloudTrail logs are encrypted with a KMS key",
    severity: Medium,
    kinds: &[AwsCloudtrail],
    rationale: "A KMS key adds a second permission needed to read the audit log.",
    remediation: "Set kms_key_id to a customer managed key.",
    check: Check::Attr("kms_key_id", Want::Present),
};

pub(crate) static TRAIL_CLOUDWATCH: Control = Control {
    id: "STRATA-AWS-099",
    title: "CloudTrail delivers to CloudWatch Logs",
    severity: Low,
    kinds: &[AwsCloudtrail],
    rationale: "Metric filters and alarms on API activity need the trail in CloudWatch Logs.",
    remediation: "Set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn.",
    check: Check::Attr("cloud_watch_logs_group_arn", Want::Present),
};

pub(crate) static TRAIL_LOGGING_ON: Control = Control {
    id: "STRATA-AWS-100",
    title: "CloudTrail trails are logging",
    severity: High,
    kinds: &[AwsCloudtrail],
    rationale: "A stopped trail records nothing.",
    remediation: "Remove enable_logging = false.",
    check: Check::Attr("enable_logging", Want::NotFalse),
};

pub(crate) static TRAIL_GLOBAL_EVENTS: Control = Control {
    id: "STRATA-AWS-101",
    title: "CloudTrail records global service events (IAM, STS)",
    severity: Low,
    kinds: &[AwsCloudtrail],
    rationale: "IAM changes are global events; without them the trail misses privilege changes.",
    remediation: "Leave include_global_service_events at true.",
    check: Check::Attr("include_global_service_events", Want::NotFalse),
};

pub(crate) static LOGS_RETENTION_SET: Control = Control {
    id: "STRATA-AWS-102",
    title: "Log groups have a retention period",
    severity: Low,
    kinds: &[AwsCloudwatchLogGroup],
    rationale: "Logs kept forever cost money and hold personal data beyond its purpose.",
    remediation: "Set retention_in_days.",
    check: Check::Attr("retention_in_days", Want::AtLeast(1)),
};

pub(crate) static LOGS_RETENTION_YEAR: Control = Control {
    id: "STRATA-AWS-103",
    title: "Log groups keep logs for at least a year",
    severity: Low,
    kinds: &[AwsCloudwatchLogGroup],
    rationale: "PCI DSS 10.5.1 requires a year of audit history, three months of it at hand.",
    remediation: "Set retention_in_days = 365 or more (or export to S3 with a lifecycle).",
    check: Check::Custom(|_, r| match lookup::get(r, "retention_in_days") {
        Got::Missing => Outcome::Pass,
        got => match got.value().and_then(lookup::as_int) {
            Some(0) => Outcome::Pass,
            _ => Want::AtLeast(365).judge(got, "retention_in_days"),
        },
    }),
};

pub(crate) static LOGS_KMS: Control = Control {
    id: "STRATA-AWS-104",
    title: "Log groups are encrypted with a KMS key",
    severity: Low,
    kinds: &[AwsCloudwatchLogGroup],
    rationale: "Logs carry request data; a customer key controls who can read them.",
    remediation: "Set kms_key_id.",
    check: Check::Attr("kms_key_id", Want::Present),
};

pub(crate) static ALARM_ACTIONS: Control = Control {
    id: "STRATA-AWS-105",
    title: "Alarms notify someone",
    severity: Low,
    kinds: &[AwsCloudwatchMetricAlarm],
    rationale: "An alarm without an action changes state silently.",
    remediation: "Set alarm_actions to an SNS topic.",
    check: Check::All(&[
        ("alarm_actions", Want::Present),
        ("actions_enabled", Want::NotFalse),
    ]),
};

pub(crate) static GUARDDUTY_ENABLED: Control = Control {
    id: "STRATA-AWS-106",
    title: "GuardDuty detectors are enabled",
    severity: High,
    kinds: &[AwsGuarddutyDetector],
    rationale: "GuardDuty detects credential misuse, crypto-mining and reconnaissance.",
    remediation: "Set enable = true.",
    check: Check::Attr("enable", Want::NotFalse),
};

pub(crate) static CONFIG_ALL_RESOURCES: Control = Control {
    id: "STRATA-AWS-107",
    title: "AWS Config records every supported resource type",
    severity: Medium,
    kinds: &[AwsConfigConfigurationRecorder],
    rationale: "Unrecorded types have no configuration history or compliance evaluation.",
    remediation: "Set recording_group { all_supported = true } (and include_global_resource_types = true in one region).",
    check: Check::Attr("recording_group.all_supported", Want::NotFalse),
};

pub(crate) static CONFIG_RECORDING: Control = Control {
    id: "STRATA-AWS-108",
    title: "AWS Config is recording",
    severity: Medium,
    kinds: &[AwsConfigConfigurationRecorderStatus],
    rationale: "A defined but stopped recorder records nothing.",
    remediation: "Set is_enabled = true.",
    check: Check::Attr("is_enabled", Want::True),
};

pub(crate) static APIGW_ACCESS_LOGS: Control = Control {
    id: "STRATA-AWS-109",
    title: "API Gateway stages write access logs",
    severity: Medium,
    kinds: &[AwsApiGatewayStage],
    rationale: "Access logs record who called which API.",
    remediation: "Set access_log_settings { destination_arn = ..., format = ... }.",
    check: Check::Attr("access_log_settings.destination_arn", Want::Present),
};
