//! KMS, IAM, Secrets Manager, Parameter Store.

use strata_model::{Kind::*, Resource, Value};

use super::{PUBLIC_STATEMENT, allows, no_public_statement, secret_name, statements, texts};
use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

pub(crate) static KMS_ROTATION: Control = Control {
    id: "STRATA-AWS-012",
    title: "KMS keys rotate automatically",
    severity: High,
    kinds: &[AwsKmsKey],
    rationale: "Rotation limits how much data one key version protects and how long a leaked version is useful.",
    remediation: "Set enable_key_rotation = true (symmetric keys).",
    check: Check::Custom(|_, r| {
        let symmetric = lookup::get(r, "customer_master_key_spec")
            .value()
            .and_then(lookup::as_text)
            .is_none_or(|s| s == "SYMMETRIC_DEFAULT");
        if !symmetric {
            return Outcome::Skip;
        }
        Want::True.judge(lookup::get(r, "enable_key_rotation"), "enable_key_rotation")
    }),
};

pub(crate) static KMS_DELETION_WINDOW: Control = Control {
    id: "STRATA-AWS-013",
    title: "KMS keys wait at least 14 days before deletion",
    severity: Low,
    kinds: &[AwsKmsKey],
    rationale: "A long deletion window leaves time to notice and cancel a mistaken or malicious deletion.",
    remediation: "Set deletion_window_in_days to 14–30 (unset means 30).",
    check: Check::Custom(|_, r| match lookup::get(r, "deletion_window_in_days") {
        Got::Missing => Outcome::Pass,
        got => Want::AtLeast(14).judge(got, "deletion_window_in_days"),
    }),
};

pub(crate) static KMS_POLICY_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-014",
    title: "KMS key policies grant nothing to everyone",
    severity: Critical,
    kinds: &[AwsKmsKey],
    rationale: "An Allow to Principal \"*\" lets any AWS account use or manage the key.",
    remediation: "Grant the account root or named roles, or add a condition such as kms:CallerAccount.",
    check: Check::Custom(|_, r| no_public_statement(r, "policy", PUBLIC_STATEMENT)),
};

pub(crate) static KMS_ENABLED: Control = Control {
    id: "STRATA-AWS-015",
    title: "KMS keys are enabled",
    severity: Low,
    kinds: &[AwsKmsKey],
    rationale: "A disabled key makes everything encrypted under it unreadable.",
    remediation: "Remove is_enabled = false, or delete the key and what depends on it.",
    check: Check::Attr("is_enabled", Want::NotFalse),
};

/// Where each IAM-bearing kind holds its policy document: roles have it
/// inline (`inline_policy`, a block with a `policy` in Terraform, the document
/// itself in a plan).
fn policy_path(r: &Resource) -> &'static str {
    match r.kind {
        AwsIamRole if !lookup::get(r, "inline_policy.policy").is_missing() => {
            "inline_policy.policy"
        }
        AwsIamRole => "inline_policy",
        _ => "policy",
    }
}

fn each_allow(r: &Resource, mut f: impl FnMut(&Value) -> bool) -> Outcome {
    for path in [policy_path(r)] {
        match statements(r, path) {
            Ok(st) => {
                if let Some(s) = st.iter().find(|s| allows(s) && f(s)) {
                    let sid = lookup::get_in(s, "Sid").value().and_then(lookup::as_text);
                    return Outcome::fail(
                        path,
                        match sid {
                            Some(sid) => format!("statement `{sid}` is too broad"),
                            None => "a statement is too broad".into(),
                        },
                    );
                }
            }
            Err(o) => return o,
        }
    }
    Outcome::Pass
}

const POLICY_KINDS: &[strata_model::Kind] =
    &[AwsIamPolicy, AwsIamRolePolicy, AwsIamUserPolicy, AwsIamRole];

pub(crate) static IAM_NO_ADMIN: Control = Control {
    id: "STRATA-AWS-016",
    title: "IAM policies do not allow every action on every resource",
    severity: High,
    kinds: POLICY_KINDS,
    rationale: "\"Action\": \"*\" on \"Resource\": \"*\" is full administrator access; least privilege is the rule.",
    remediation: "List the actions and resources the principal needs.",
    check: Check::Custom(|_, r| {
        each_allow(r, |s| {
            texts(s, "Action").iter().any(|a| a == "*")
                && texts(s, "Resource").iter().any(|x| x == "*")
        })
    }),
};

pub(crate) static IAM_NO_SERVICE_WILDCARD: Control = Control {
    id: "STRATA-AWS-017",
    title: "IAM policies do not allow a whole service's actions on every resource",
    severity: Medium,
    kinds: POLICY_KINDS,
    rationale: "`s3:*` on `*` grants deletion and policy changes along with reads.",
    remediation: "List the actions (e.g. s3:GetObject) or scope the resources.",
    check: Check::Custom(|_, r| {
        each_allow(r, |s| {
            texts(s, "Action").iter().any(|a| a.ends_with(":*"))
                && texts(s, "Resource").iter().any(|x| x == "*")
        })
    }),
};

pub(crate) static IAM_TRUST_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-018",
    title: "IAM role trust policies do not let everyone assume the role",
    severity: Critical,
    kinds: &[AwsIamRole],
    rationale: "A trust policy with Principal \"*\" lets any AWS account assume the role.",
    remediation: "Trust named accounts, roles or services, or add an sts:ExternalId / aws:PrincipalOrgID condition.",
    check: Check::Custom(|_, r| {
        no_public_statement(
            r,
            "assume_role_policy",
            "the role can be assumed by any principal",
        )
    }),
};

pub(crate) static IAM_NO_USER_POLICIES: Control = Control {
    id: "STRATA-AWS-019",
    title: "IAM permissions are granted to groups or roles, not users",
    severity: Low,
    kinds: &[AwsIamUserPolicy, AwsIamUserPolicyAttachment],
    rationale: "Permissions on users are hard to review and outlive the person's role.",
    remediation: "Attach the policy to a group or a role the user assumes.",
    check: Check::Custom(|_, _| Outcome::fail("user", "a policy is attached directly to a user")),
};

pub(crate) static IAM_PASSWORD_LENGTH: Control = Control {
    id: "STRATA-AWS-020",
    title: "The IAM password policy requires at least 14 characters",
    severity: Medium,
    kinds: &[AwsIamAccountPasswordPolicy],
    rationale: "Length is the strongest single defence against guessing.",
    remediation: "Set minimum_password_length = 14 or more.",
    check: Check::Attr("minimum_password_length", Want::AtLeast(14)),
};

pub(crate) static IAM_PASSWORD_REUSE: Control = Control {
    id: "STRATA-AWS-021",
    title: "The IAM password policy prevents reuse of the last 24 passwords",
    severity: Medium,
    kinds: &[AwsIamAccountPasswordPolicy],
    rationale: "Reuse brings back passwords that may have leaked.",
    remediation: "Set password_reuse_prevention = 24.",
    check: Check::Attr("password_reuse_prevention", Want::AtLeast(24)),
};

pub(crate) static IAM_PASSWORD_COMPLEXITY: Control = Control {
    id: "STRATA-AWS-022",
    title: "The IAM password policy requires upper and lower case, numbers and symbols",
    severity: Low,
    kinds: &[AwsIamAccountPasswordPolicy],
    rationale: "PCI DSS requires passwords of mixed character classes.",
    remediation: "Set require_lowercase_characters, require_uppercase_characters, require_numbers and require_symbols to true.",
    check: Check::All(&[
        ("require_lowercase_characters", Want::True),
        ("require_uppercase_characters", Want::True),
        ("require_numbers", Want::True),
        ("require_symbols", Want::True),
    ]),
};

pub(crate) static IAM_PASSWORD_AGE: Control = Control {
    id: "STRATA-AWS-023",
    title: "IAM passwords expire within 90 days",
    severity: Low,
    kinds: &[AwsIamAccountPasswordPolicy],
    rationale: "PCI DSS 8.3.9 requires changing passwords at least every 90 days when they are the only factor.",
    remediation: "Set max_password_age to 90 or less.",
    check: Check::Custom(|_, r| match lookup::get(r, "max_password_age") {
        Got::Missing => Outcome::fail("", "max_password_age is not set; passwords never expire"),
        got => Want::AtMostOrUnset(90).judge(got, "max_password_age"),
    }),
};

pub(crate) static IAM_PASSROLE_STAR: Control = Control {
    id: "STRATA-AWS-024",
    title: "IAM policies do not allow iam:PassRole on every role",
    severity: High,
    kinds: POLICY_KINDS,
    rationale: "PassRole on `*` lets the principal hand any role, including administrators, to a service it controls.",
    remediation: "Scope iam:PassRole to the role ARNs needed, with an iam:PassedToService condition.",
    check: Check::Custom(|_, r| {
        each_allow(r, |s| {
            texts(s, "Action")
                .iter()
                .any(|a| a.eq_ignore_ascii_case("iam:PassRole") || a == "iam:*")
                && texts(s, "Resource").iter().any(|x| x == "*")
        })
    }),
};

pub(crate) static IAM_NO_ACCESS_KEYS: Control = Control {
    id: "STRATA-AWS-025",
    title: "No long-lived IAM access keys are created",
    severity: Medium,
    kinds: &[AwsIamAccessKey],
    rationale: "Access keys leak through laptops, CI logs and repositories; roles and OIDC give short-lived credentials.",
    remediation: "Use an IAM role (IRSA, OIDC federation for CI, instance profiles) instead.",
    check: Check::Custom(|_, _| Outcome::fail("", "this creates a long-lived access key")),
};

pub(crate) static IAM_OIDC_SUBJECT: Control = Control {
    id: "STRATA-AWS-026",
    title: "Roles trusted by an OIDC provider restrict the subject",
    severity: High,
    kinds: &[AwsIamRole],
    rationale: "Without a `sub` condition, any repository or workload of that identity provider can assume the role.",
    remediation: "Add a StringEquals/StringLike condition on `<provider>:sub` (and `:aud`).",
    check: Check::Custom(|_, r| {
        let st = match statements(r, "assume_role_policy") {
            Ok(st) => st,
            Err(o) => return o,
        };
        let federated: Vec<&Value> = st
            .iter()
            .filter(|s| allows(s) && !lookup::get_in(s, "Principal.Federated").is_missing())
            .collect();
        if federated.is_empty() && lookup::get(r, "assume_role_web_identity").is_missing() {
            return Outcome::Skip;
        }
        let has_sub = |s: &Value| {
            let cond = lookup::get_in(s, "Condition").value();
            let text = cond
                .map(|c| serde_json::to_string(c).unwrap_or_default())
                .unwrap_or_default();
            text.contains(":sub")
        };
        if !lookup::get(r, "assume_role_web_identity").is_missing() {
            return Outcome::pass_if(
                !lookup::get(r, "assume_role_web_identity.subject").is_missing()
                    || !lookup::get(r, "assume_role_web_identity.service_account").is_missing(),
                "assume_role_web_identity",
                "the web-identity trust names no subject",
            );
        }
        Outcome::pass_if(
            federated.iter().all(|s| has_sub(s)),
            "assume_role_policy",
            "a federated trust has no `sub` condition",
        )
    }),
};

pub(crate) static SECRET_KMS: Control = Control {
    id: "STRATA-AWS-027",
    title: "Secrets Manager secrets use customer managed KMS keys",
    severity: Low,
    kinds: &[AwsSecretsmanagerSecret],
    rationale: "A customer managed key lets the key policy decide who can decrypt, separately from IAM.",
    remediation: "Set kms_key_id to a customer managed key.",
    check: Check::Attr("kms_key_id", Want::Present),
};

pub(crate) static SECRET_RECOVERY_WINDOW: Control = Control {
    id: "STRATA-AWS-028",
    title: "Secrets are recoverable for at least 7 days after deletion",
    severity: Low,
    kinds: &[AwsSecretsmanagerSecret],
    rationale: "Immediate deletion (0 days) cannot be undone.",
    remediation: "Set recovery_window_in_days to 7–30 (unset means 30).",
    check: Check::Custom(|_, r| match lookup::get(r, "recovery_window_in_days") {
        Got::Missing => Outcome::Pass,
        got => Want::AtLeast(7).judge(got, "recovery_window_in_days"),
    }),
};

pub(crate) static SSM_SECURE_STRING: Control = Control {
    id: "STRATA-AWS-029",
    title: "Parameters that hold secrets are SecureString",
    severity: High,
    kinds: &[AwsSsmParameter],
    rationale: "String parameters are readable by anyone with ssm:GetParameter, unencrypted.",
    remediation: "Set type = \"SecureString\" (with a KMS key) for passwords, tokens and keys.",
    check: Check::Custom(|_, r| {
        let name = lookup::get(r, "name")
            .value()
            .and_then(lookup::as_text)
            .unwrap_or_default();
        let leaf = name.rsplit('/').next().unwrap_or_default();
        if !secret_name(leaf) {
            return Outcome::Skip;
        }
        Want::Is("SecureString").judge(lookup::get(r, "type"), "type")
    }),
};

pub(crate) static SECRET_VERSION_NOT_INLINE: Control = Control {
    id: "STRATA-AWS-030",
    title: "Secret values are not written in the code",
    severity: Critical,
    kinds: &[AwsSecretsmanagerSecretVersion, AwsSsmParameter],
    rationale: "A literal secret ends up in Git history and the state file.",
    remediation: "Generate the value (random_password, manage_master_user_password) or set it out of band; keep only a reference in code.",
    check: Check::Custom(|_, r| {
        let (path, applies) = match r.kind {
            AwsSsmParameter => {
                let secure = lookup::get(r, "type")
                    .value()
                    .and_then(lookup::as_text)
                    .as_deref()
                    == Some("SecureString");
                ("value", secure)
            }
            _ => ("secret_string", true),
        };
        if !applies {
            return Outcome::Skip;
        }
        match lookup::get(r, path) {
            Got::Value(Value::String(s)) if !s.is_empty() => {
                Outcome::fail(path, "the secret value is a literal in the code")
            }
            _ => Outcome::Pass,
        }
    }),
};
