//! S3.

use strata_model::{Kind::*, Resource};

use super::{PUBLIC_STATEMENT, allows, no_public_statement, statements};
use crate::lookup::{self, Got};
use crate::{Check, Control, Ctx, Outcome, Severity::*, Want};

const PAB_FLAGS: &[(&str, Want)] = &[
    ("block_public_acls", Want::True),
    ("block_public_policy", Want::True),
    ("ignore_public_acls", Want::True),
    ("restrict_public_buckets", Want::True),
];

fn pab_ok(r: &Resource) -> bool {
    Check::All(PAB_FLAGS).run_plain(r) == Outcome::Pass
}

pub(crate) static S3_PUBLIC_ACCESS_BLOCK: Control = Control {
    id: "STRATA-AWS-001",
    title: "Every S3 bucket has a public access block with all four settings on",
    severity: High,
    kinds: &[AwsS3Bucket],
    rationale: "A bucket without a public access block can be made public by one ACL or policy change.",
    remediation: "Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets set to true.",
    check: Check::Custom(|cx, r| {
        if cx
            .of_kind(AwsS3AccountPublicAccessBlock)
            .iter()
            .any(|a| pab_ok(a))
        {
            return Outcome::Pass;
        }
        let blocks = cx.linked(r, AwsS3BucketPublicAccessBlock, "bucket");
        Outcome::pass_if(
            blocks.iter().any(|b| pab_ok(b)),
            "",
            if blocks.is_empty() {
                "no public access block refers to this bucket"
            } else {
                "its public access block leaves a setting off"
            },
        )
    }),
};

pub(crate) static S3_ENCRYPTION: Control = Control {
    id: "STRATA-AWS-002",
    title: "Every S3 bucket declares default server-side encryption",
    severity: Medium,
    kinds: &[AwsS3Bucket],
    rationale: "Declared encryption makes the key and algorithm explicit and reviewable.",
    remediation: "Add an aws_s3_bucket_server_side_encryption_configuration (aws:kms, or AES256 where a service requires it).",
    check: Check::Custom(|cx, r| {
        let inline = !lookup::get(r, "server_side_encryption_configuration").is_missing();
        Outcome::pass_if(
            inline
                || !cx
                    .linked(r, AwsS3BucketServerSideEncryptionConfiguration, "bucket")
                    .is_empty(),
            "",
            "no server-side encryption configuration refers to this bucket",
        )
    }),
};

fn sse_algorithm<'a>(cx: &Ctx<'a>, r: &'a Resource) -> Option<String> {
    let inline = lookup::get(
        r,
        "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm",
    );
    if let Got::Value(v) = inline {
        return lookup::as_text(v);
    }
    cx.linked(r, AwsS3BucketServerSideEncryptionConfiguration, "bucket")
        .iter()
        .find_map(|c| {
            lookup::get(
                c,
                "rule.apply_server_side_encryption_by_default.sse_algorithm",
            )
            .value()
            .and_then(lookup::as_text)
        })
}

pub(crate) static S3_KMS: Control = Control {
    id: "STRATA-AWS-003",
    title: "S3 buckets are encrypted with KMS keys",
    severity: Low,
    kinds: &[AwsS3Bucket],
    rationale: "KMS keys add key policies, rotation and an audit trail of every decrypt.",
    remediation: "Set sse_algorithm = \"aws:kms\" with a customer managed key (ALB access-log buckets must stay on AES256 and can be waived).",
    check: Check::Custom(|cx, r| match sse_algorithm(cx, r) {
        Some(a) if a.starts_with("aws:kms") => Outcome::Pass,
        Some(a) => Outcome::fail(
            "",
            format!("the bucket is encrypted with {a}, not a KMS key"),
        ),
        None => Outcome::fail("", "the bucket declares no KMS encryption"),
    }),
};

pub(crate) static S3_VERSIONING: Control = Control {
    id: "STRATA-AWS-004",
    title: "S3 buckets keep object versions",
    severity: Medium,
    kinds: &[AwsS3Bucket],
    rationale: "Versioning recovers from overwrites, deletion and ransomware.",
    remediation: "Add an aws_s3_bucket_versioning with versioning_configuration { status = \"Enabled\" }.",
    check: Check::Custom(|cx, r| {
        if lookup::get(r, "versioning.enabled")
            .value()
            .and_then(lookup::as_bool)
            == Some(true)
        {
            return Outcome::Pass;
        }
        let on = cx
            .linked(r, AwsS3BucketVersioning, "bucket")
            .iter()
            .any(|v| {
                lookup::get(v, "versioning_configuration.status")
                    .value()
                    .and_then(lookup::as_text)
                    .as_deref()
                    == Some("Enabled")
            });
        Outcome::pass_if(on, "", "versioning is not enabled for this bucket")
    }),
};

pub(crate) static S3_ACCESS_LOGGING: Control = Control {
    id: "STRATA-AWS-005",
    title: "S3 buckets log access requests",
    severity: Low,
    kinds: &[AwsS3Bucket],
    rationale: "Server access logs show who read or changed objects.",
    remediation: "Add an aws_s3_bucket_logging that delivers to a log bucket (or record data events in CloudTrail).",
    check: Check::Custom(|cx, r| {
        let inline = !lookup::get(r, "logging").is_missing();
        let trail_data_events = cx.of_kind(AwsCloudtrail).iter().any(|t| {
            matches!(lookup::get(t, "event_selector.data_resource.type"), Got::Value(v) if lookup::as_text(v).as_deref() == Some("AWS::S3::Object"))
        });
        Outcome::pass_if(
            inline || trail_data_events || !cx.linked(r, AwsS3BucketLogging, "bucket").is_empty(),
            "",
            "no access logging is configured for this bucket",
        )
    }),
};

const PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write", "authenticated-read"];

pub(crate) static S3_ACL_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-006",
    title: "S3 bucket ACLs do not grant public access",
    severity: Critical,
    kinds: &[AwsS3Bucket, AwsS3BucketAcl],
    rationale: "A public-read ACL publishes every object in the bucket.",
    remediation: "Use acl = \"private\" (better: BucketOwnerEnforced ownership, which disables ACLs).",
    check: Check::Attr("acl", Want::NoneOf(PUBLIC_ACLS)),
};

pub(crate) static S3_TLS_ONLY: Control = Control {
    id: "STRATA-AWS-007",
    title: "S3 bucket policies deny requests without TLS",
    severity: Medium,
    kinds: &[AwsS3Bucket],
    rationale: "Without a deny on aws:SecureTransport=false, clients may read and write over plain HTTP.",
    remediation: "Add a bucket policy statement denying s3:* when aws:SecureTransport is false.",
    check: Check::Custom(|cx, r| {
        let mut policies: Vec<(&Resource, &str)> = cx
            .linked(r, AwsS3BucketPolicy, "bucket")
            .into_iter()
            .map(|p| (p, "policy"))
            .collect();
        if !lookup::get(r, "policy").is_missing() {
            policies.push((r, "policy"));
        }
        let mut unknown = None;
        for (p, at) in policies {
            match statements(p, at) {
                Ok(st) => {
                    if st.iter().any(|s| {
                        !allows(s)
                            && lookup::get_in(s, "Condition.Bool.aws:SecureTransport")
                                .value()
                                .and_then(lookup::as_bool)
                                == Some(false)
                    }) {
                        return Outcome::Pass;
                    }
                }
                Err(o) => unknown = Some(o),
            }
        }
        unknown.unwrap_or_else(|| Outcome::fail("", "no bucket policy denies requests without TLS"))
    }),
};

pub(crate) static S3_POLICY_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-008",
    title: "S3 bucket policies grant nothing to everyone",
    severity: Critical,
    kinds: &[AwsS3BucketPolicy],
    rationale: "An Allow to Principal \"*\" without conditions makes the bucket public.",
    remediation: "Name the principals, or add a condition (aws:SourceVpce, aws:PrincipalOrgID) to the statement.",
    check: Check::Custom(|_, r| no_public_statement(r, "policy", PUBLIC_STATEMENT)),
};

pub(crate) static S3_OWNER_ENFORCED: Control = Control {
    id: "STRATA-AWS-009",
    title: "S3 buckets disable ACLs (object ownership BucketOwnerEnforced)",
    severity: Low,
    kinds: &[AwsS3Bucket],
    rationale: "With ACLs disabled, access is decided by policies alone and objects belong to the bucket owner.",
    remediation: "Add an aws_s3_bucket_ownership_controls with rule { object_ownership = \"BucketOwnerEnforced\" }.",
    check: Check::Custom(|cx, r| {
        let ok = cx
            .linked(r, AwsS3BucketOwnershipControls, "bucket")
            .iter()
            .any(|o| {
                lookup::get(o, "rule.object_ownership")
                    .value()
                    .and_then(lookup::as_text)
                    .as_deref()
                    == Some("BucketOwnerEnforced")
            });
        Outcome::pass_if(ok, "", "object ownership is not BucketOwnerEnforced")
    }),
};

pub(crate) static S3_PAB_COMPLETE: Control = Control {
    id: "STRATA-AWS-010",
    title: "S3 public access blocks turn on all four settings",
    severity: High,
    kinds: &[AwsS3BucketPublicAccessBlock],
    rationale: "Each setting closes a different path to public data; one left off reopens it.",
    remediation: "Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to true.",
    check: Check::All(PAB_FLAGS),
};

pub(crate) static S3_ACCOUNT_PAB: Control = Control {
    id: "STRATA-AWS-011",
    title: "The account-level S3 public access block turns on all four settings",
    severity: Medium,
    kinds: &[AwsS3AccountPublicAccessBlock],
    rationale: "The account-level block protects buckets created outside this code too.",
    remediation: "Set all four settings of aws_s3_account_public_access_block to true.",
    check: Check::All(PAB_FLAGS),
};
