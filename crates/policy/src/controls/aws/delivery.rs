//! ECR, CodeBuild, CodePipeline.

use strata_model::{Kind::*, Value};

use super::secret_name;
use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

pub(crate) static ECR_SCAN_ON_PUSH: Control = Control {
    id: "STRATA-AWS-125",
    title: "ECR repositories scan images on push",
    severity: Medium,
    kinds: &[AwsEcrRepository],
    rationale: "Scanning on push finds known vulnerabilities before the image runs.",
    remediation: "Set image_scanning_configuration { scan_on_push = true } (or registry-wide enhanced scanning).",
    check: Check::Attr("image_scanning_configuration.scan_on_push", Want::True),
};

pub(crate) static ECR_IMMUTABLE: Control = Control {
    id: "STRATA-AWS-126",
    title: "ECR image tags are immutable",
    severity: Medium,
    kinds: &[AwsEcrRepository],
    rationale: "Mutable tags let a pushed image silently replace the one that was reviewed and deployed.",
    remediation: "Set image_tag_mutability = \"IMMUTABLE\".",
    check: Check::Attr(
        "image_tag_mutability",
        Want::OneOf(&["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"]),
    ),
};

pub(crate) static ECR_KMS: Control = Control {
    id: "STRATA-AWS-127",
    title: "ECR repositories are encrypted with KMS",
    severity: Low,
    kinds: &[AwsEcrRepository],
    rationale: "A KMS key controls and audits who can pull image layers.",
    remediation: "Set encryption_configuration { encryption_type = \"KMS\" }.",
    check: Check::Attr("encryption_configuration.encryption_type", Want::Is("KMS")),
};

pub(crate) static ECR_LIFECYCLE: Control = Control {
    id: "STRATA-AWS-128",
    title: "ECR repositories expire old images",
    severity: Low,
    kinds: &[AwsEcrRepository],
    rationale: "Old images pile up with their unpatched vulnerabilities.",
    remediation: "Add an aws_ecr_lifecycle_policy for the repository.",
    check: Check::Custom(|cx, r| {
        Outcome::pass_if(
            !cx.linked(r, AwsEcrLifecyclePolicy, "repository").is_empty(),
            "",
            "no lifecycle policy",
        )
    }),
};

pub(crate) static CODEBUILD_NOT_PRIVILEGED: Control = Control {
    id: "STRATA-AWS-129",
    title: "CodeBuild projects do not run privileged",
    severity: Low,
    kinds: &[AwsCodebuildProject],
    rationale: "Privileged mode gives the build root on its host; a poisoned dependency gets it too.",
    remediation: "Set environment { privileged_mode = false }, or build images with a daemonless builder.",
    check: Check::Attr("environment.privileged_mode", Want::NotTrue),
};

pub(crate) static CODEBUILD_ARTIFACTS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-130",
    title: "CodeBuild artifacts are encrypted",
    severity: Medium,
    kinds: &[AwsCodebuildProject],
    rationale: "Build artifacts are what production runs.",
    remediation: "Remove encryption_disabled = true from artifacts.",
    check: Check::Attr("artifacts.encryption_disabled", Want::NotTrue),
};

pub(crate) static CODEBUILD_KMS: Control = Control {
    id: "STRATA-AWS-131",
    title: "CodeBuild projects use a customer managed KMS key",
    severity: Low,
    kinds: &[AwsCodebuildProject],
    rationale: "A customer managed key controls who can read build outputs.",
    remediation: "Set encryption_key.",
    check: Check::Attr("encryption_key", Want::Present),
};

pub(crate) static CODEBUILD_NO_PLAINTEXT_SECRETS: Control = Control {
    id: "STRATA-AWS-132",
    title: "CodeBuild environment variables hold no plaintext secrets",
    severity: Critical,
    kinds: &[AwsCodebuildProject],
    rationale: "PLAINTEXT variables are visible in the console, the API and build logs.",
    remediation: "Use type = \"SECRETS_MANAGER\" or \"PARAMETER_STORE\".",
    check: Check::Custom(|_, r| {
        let vars = match lookup::get(r, "environment.environment_variable") {
            Got::Value(v) => lookup::items(v)
                .into_iter()
                .cloned()
                .collect::<Vec<Value>>(),
            _ => return Outcome::Pass,
        };
        for v in &vars {
            let name = lookup::get_in(v, "name")
                .value()
                .and_then(lookup::as_text)
                .unwrap_or_default();
            let plain = lookup::get_in(v, "type")
                .value()
                .and_then(lookup::as_text)
                .is_none_or(|t| t == "PLAINTEXT");
            if plain && secret_name(&name) {
                return Outcome::fail(
                    "environment.environment_variable",
                    format!("`{name}` is a plaintext secret"),
                );
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static CODEPIPELINE_KMS: Control = Control {
    id: "STRATA-AWS-133",
    title: "CodePipeline artifact stores use a customer managed KMS key",
    severity: Medium,
    kinds: &[AwsCodepipeline],
    rationale: "Pipeline artifacts are what production runs; the key controls who can read and swap them.",
    remediation: "Set artifact_store { encryption_key { id = ..., type = \"KMS\" } }.",
    check: Check::Attr("artifact_store.encryption_key.id", Want::Present),
};
