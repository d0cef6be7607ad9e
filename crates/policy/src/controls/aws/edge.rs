//! Load balancers, WAF, ACM, CloudFront.

use strata_model::{Kind::*, Resource};

use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

fn is_alb(r: &Resource) -> bool {
    lookup::get(r, "load_balancer_type")
        .value()
        .and_then(lookup::as_text)
        .is_none_or(|t| t == "application")
}

fn internet_facing(r: &Resource) -> bool {
    lookup::get(r, "internal").value().and_then(lookup::as_bool) != Some(true)
}

pub(crate) static LB_DROP_INVALID_HEADERS: Control = Control {
    id: "STRATA-AWS-110",
    title: "Application load balancers drop invalid HTTP headers",
    severity: Medium,
    kinds: &[AwsLb],
    rationale: "Malformed headers are the raw material of request smuggling.",
    remediation: "Set drop_invalid_header_fields = true.",
    check: Check::Custom(|_, r| {
        if !is_alb(r) {
            return Outcome::Skip;
        }
        Want::True.judge(
            lookup::get(r, "drop_invalid_header_fields"),
            "drop_invalid_header_fields",
        )
    }),
};

pub(crate) static LB_ACCESS_LOGS: Control = Control {
    id: "STRATA-AWS-111",
    title: "Load balancers write access logs",
    severity: Medium,
    kinds: &[AwsLb],
    rationale: "Access logs are the record of every request from the internet.",
    remediation: "Set access_logs { bucket = ..., enabled = true }.",
    check: Check::Custom(|_, r| {
        if lookup::get(r, "access_logs.bucket").is_missing() {
            return Outcome::fail("access_logs", "no access log bucket");
        }
        Want::NotFalse.judge(lookup::get(r, "access_logs.enabled"), "access_logs.enabled")
    }),
};

pub(crate) static LB_DELETION_PROTECTION: Control = Control {
    id: "STRATA-AWS-112",
    title: "Load balancers have deletion protection",
    severity: Low,
    kinds: &[AwsLb],
    rationale: "Deleting the load balancer takes the service off the internet and frees its DNS name.",
    remediation: "Set enable_deletion_protection = true (production at least).",
    check: Check::Attr("enable_deletion_protection", Want::True),
};

pub(crate) static LB_WAF: Control = Control {
    id: "STRATA-AWS-113",
    title: "Internet-facing application load balancers have a WAF web ACL",
    severity: High,
    kinds: &[AwsLb],
    rationale: "A WAF blocks common exploits (OWASP Top 10) and abusive rates before they reach the service.",
    remediation: "Associate an aws_wafv2_web_acl with the load balancer (aws_wafv2_web_acl_association).",
    check: Check::Custom(|cx, r| {
        if !is_alb(r) || !internet_facing(r) {
            return Outcome::Skip;
        }
        Outcome::pass_if(
            !cx.linked(r, AwsWafv2WebAclAssociation, "resource_arn")
                .is_empty(),
            "",
            "no WAF web ACL is associated with this internet-facing load balancer",
        )
    }),
};

pub(crate) static LB_HTTPS_ONLY: Control = Control {
    id: "STRATA-AWS-114",
    title: "Load balancer listeners use TLS or redirect to it",
    severity: High,
    kinds: &[AwsLbListener],
    rationale: "Plain HTTP exposes sessions and credentials on the network.",
    remediation: "Use protocol = \"HTTPS\" (or TLS), or make the HTTP listener's default action a redirect to HTTPS.",
    check: Check::Custom(|_, r| {
        let proto = lookup::get(r, "protocol")
            .value()
            .and_then(lookup::as_text)
            .unwrap_or_else(|| "HTTP".into());
        match proto.as_str() {
            "HTTPS" | "TLS" | "TCP" | "UDP" | "TCP_UDP" | "GENEVE" => Outcome::Pass,
            _ => {
                let redirect = lookup::get(r, "default_action.redirect.protocol")
                    .value()
                    .and_then(lookup::as_text);
                Outcome::pass_if(
                    redirect.as_deref() == Some("HTTPS"),
                    "default_action",
                    "the listener serves plain HTTP without redirecting to HTTPS",
                )
            }
        }
    }),
};

const TLS_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

pub(crate) static LB_TLS_POLICY: Control = Control {
    id: "STRATA-AWS-115",
    title: "TLS listeners accept TLS 1.2 or later only",
    severity: High,
    kinds: &[AwsLbListener],
    rationale: "TLS 1.0/1.1 are broken and no longer allowed by PCI DSS.",
    remediation: "Set ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\".",
    check: Check::Custom(|_, r| {
        let proto = lookup::get(r, "protocol")
            .value()
            .and_then(lookup::as_text)
            .unwrap_or_default();
        if proto != "HTTPS" && proto != "TLS" {
            return Outcome::Skip;
        }
        Want::OneOf(TLS_POLICIES).judge(lookup::get(r, "ssl_policy"), "ssl_policy")
    }),
};

pub(crate) static LB_TARGET_HEALTH_CHECK: Control = Control {
    id: "STRATA-AWS-116",
    title: "Target groups check their targets' health",
    severity: Low,
    kinds: &[AwsLbTargetGroup],
    rationale: "Without a health check, traffic keeps going to broken targets.",
    remediation: "Set health_check { enabled = true, path = ... }.",
    check: Check::Custom(|_, r| match lookup::get(r, "health_check") {
        Got::Missing => Outcome::fail("", "no health_check block"),
        _ => Want::NotFalse.judge(
            lookup::get(r, "health_check.enabled"),
            "health_check.enabled",
        ),
    }),
};

pub(crate) static LB_DESYNC: Control = Control {
    id: "STRATA-AWS-117",
    title: "Application load balancers mitigate HTTP desync",
    severity: Low,
    kinds: &[AwsLb],
    rationale: "Monitor mode lets ambiguous requests through to the targets.",
    remediation: "Set desync_mitigation_mode to \"defensive\" or \"strictest\".",
    check: Check::Attr("desync_mitigation_mode", Want::NoneOf(&["monitor"])),
};

fn rules_text(r: &Resource) -> String {
    lookup::get(r, "rule")
        .value()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .unwrap_or_default()
}

pub(crate) static WAF_KNOWN_BAD_INPUTS: Control = Control {
    id: "STRATA-AWS-118",
    title: "WAF web ACLs include the known-bad-inputs managed rules (Log4Shell and friends)",
    severity: Medium,
    kinds: &[AwsWafv2WebAcl],
    rationale: "AWSManagedRulesKnownBadInputsRuleSet blocks request patterns of known exploits such as Log4Shell.",
    remediation: "Add a managed_rule_group_statement for AWSManagedRulesKnownBadInputsRuleSet.",
    check: Check::Custom(|_, r| {
        if let Got::Unknown(e) = lookup::get(r, "rule") {
            return Outcome::Unknown(format!("`rule` is `{e}`"));
        }
        Outcome::pass_if(
            rules_text(r).contains("AWSManagedRulesKnownBadInputsRuleSet"),
            "rule",
            "the known-bad-inputs rule group is missing",
        )
    }),
};

pub(crate) static WAF_LOGGING: Control = Control {
    id: "STRATA-AWS-119",
    title: "WAF web ACLs log requests",
    severity: Medium,
    kinds: &[AwsWafv2WebAcl],
    rationale: "WAF logs record what was blocked and why; they are the evidence after an attack.",
    remediation: "Add an aws_wafv2_web_acl_logging_configuration for the web ACL.",
    check: Check::Custom(|cx, r| {
        Outcome::pass_if(
            !cx.linked(r, AwsWafv2WebAclLoggingConfiguration, "resource_arn")
                .is_empty(),
            "",
            "no logging configuration refers to this web ACL",
        )
    }),
};

pub(crate) static WAF_METRICS: Control = Control {
    id: "STRATA-AWS-120",
    title: "WAF web ACLs publish CloudWatch metrics",
    severity: Low,
    kinds: &[AwsWafv2WebAcl],
    rationale: "Metrics on blocked requests are what alarms are built on.",
    remediation: "Set visibility_config { cloudwatch_metrics_enabled = true }.",
    check: Check::Attr("visibility_config.cloudwatch_metrics_enabled", Want::True),
};

pub(crate) static WAF_RATE_LIMIT: Control = Control {
    id: "STRATA-AWS-121",
    title: "WAF web ACLs limit request rates",
    severity: Low,
    kinds: &[AwsWafv2WebAcl],
    rationale: "A rate-based rule slows brute force, scraping and small floods.",
    remediation: "Add a rule with a rate_based_statement.",
    check: Check::Custom(|_, r| {
        Outcome::pass_if(
            rules_text(r).contains("rate_based_statement"),
            "rule",
            "no rate-based rule",
        )
    }),
};

pub(crate) static ACM_DNS_VALIDATION: Control = Control {
    id: "STRATA-AWS-122",
    title: "Public certificates are validated through DNS",
    severity: Low,
    kinds: &[AwsAcmCertificate],
    rationale: "DNS validation renews automatically; e-mail validation lapses unnoticed.",
    remediation: "Set validation_method = \"DNS\".",
    check: Check::Custom(|_, r| {
        if !lookup::get(r, "certificate_authority_arn").is_missing()
            || !lookup::get(r, "private_key").is_missing()
        {
            return Outcome::Skip;
        }
        Want::Is("DNS").judge(lookup::get(r, "validation_method"), "validation_method")
    }),
};

pub(crate) static CLOUDFRONT_HTTPS: Control = Control {
    id: "STRATA-AWS-123",
    title: "CloudFront serves viewers over HTTPS only",
    severity: High,
    kinds: &[AwsCloudfrontDistribution],
    rationale: "allow-all lets viewers use plain HTTP.",
    remediation: "Set viewer_protocol_policy = \"redirect-to-https\" or \"https-only\".",
    check: Check::Attr(
        "default_cache_behavior.viewer_protocol_policy",
        Want::OneOf(&["redirect-to-https", "https-only"]),
    ),
};

pub(crate) static CLOUDFRONT_TLS: Control = Control {
    id: "STRATA-AWS-124",
    title: "CloudFront requires TLS 1.2 from viewers",
    severity: Medium,
    kinds: &[AwsCloudfrontDistribution],
    rationale: "Older protocol versions are broken.",
    remediation: "Set viewer_certificate { minimum_protocol_version = \"TLSv1.2_2021\" }.",
    check: Check::Attr(
        "viewer_certificate.minimum_protocol_version",
        Want::OneOf(&[
            "TLSv1.2_2018",
            "TLSv1.2_2019",
            "TLSv1.2_2021",
            "TLSv1.3_2025",
        ]),
    ),
};
