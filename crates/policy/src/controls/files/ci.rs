//! CI workflows: GitHub Actions (`on`, `permissions`, `jobs.<id>.steps`) and
//! GitLab CI (jobs as top-level keys with `image`, `script`, `variables`).

use strata_model::{Kind::*, Resource, Value};

use crate::controls::aws::{looks_like_secret, secret_name};
use crate::controls::unpinned_image;
use crate::lookup;
use crate::{Check, Control, Outcome, Severity::*};

/// `(job id, job)` of a GitHub workflow.
fn gh_jobs(r: &Resource) -> Vec<(&str, &Value)> {
    lookup::get(r, "jobs")
        .value()
        .and_then(Value::as_map)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// `(path, step)` of every step of every job.
fn gh_steps(r: &Resource) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (id, job) in gh_jobs(r) {
        if let Some(Value::List(steps)) = lookup::get_in(job, "steps").value() {
            for (i, s) in steps.iter().enumerate() {
                out.push((format!("jobs.{id}.steps.{i}"), s));
            }
        }
    }
    out
}

const GITLAB_RESERVED: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
];

/// `(job name, job)` of a GitLab pipeline (hidden `.jobs` included: they are templates).
fn gl_jobs(r: &Resource) -> Vec<(&str, &Value)> {
    r.attributes
        .iter()
        .filter(|(k, v)| !GITLAB_RESERVED.contains(&k.as_str()) && v.as_map().is_some())
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

/// Every shell command, with its path, in either kind of file.
fn scripts(r: &Resource) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if r.kind == GithubWorkflow {
        for (path, s) in gh_steps(r) {
            if let Some(run) = lookup::get_in(s, "run").value().and_then(lookup::as_text) {
                out.push((format!("{path}.run"), run));
            }
        }
    } else {
        let mut push = |path: String, v: Option<&Value>| {
            for (i, line) in v
                .map(lookup::items)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                if let Some(t) = lookup::as_text(line) {
                    out.push((format!("{path}.{i}"), t));
                }
            }
        };
        for key in ["before_script", "after_script"] {
            push(key.to_owned(), r.attributes.get(key));
        }
        for (name, job) in gl_jobs(r) {
            for key in ["script", "before_script", "after_script"] {
                push(format!("{name}.{key}"), lookup::get_in(job, key).value());
            }
        }
    }
    out
}

/// Every `env`/`variables` mapping, with its path.
fn env_maps(r: &Resource) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if r.kind == GithubWorkflow {
        if let Some(e) = r.attributes.get("env") {
            out.push(("env".into(), e));
        }
        for (id, job) in gh_jobs(r) {
            if let Some(e) = lookup::get_in(job, "env").value() {
                out.push((format!("jobs.{id}.env"), e));
            }
        }
        for (path, s) in gh_steps(r) {
            if let Some(e) = lookup::get_in(s, "env").value() {
                out.push((format!("{path}.env"), e));
            }
            if let Some(w) = lookup::get_in(s, "with").value() {
                out.push((format!("{path}.with"), w));
            }
        }
    } else {
        if let Some(e) = r.attributes.get("variables") {
            out.push(("variables".into(), e));
        }
        for (name, job) in gl_jobs(r) {
            if let Some(e) = lookup::get_in(job, "variables").value() {
                out.push((format!("{name}.variables"), e));
            }
        }
    }
    out
}

fn triggers(r: &Resource) -> Vec<String> {
    match r.attributes.get("on") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::List(l)) => l.iter().filter_map(lookup::as_text).collect(),
        Some(Value::Map(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

pub(crate) static ACTIONS_PINNED: Control = Control {
    id: "STRATA-CI-001",
    title: "Third-party actions are pinned to a full commit SHA",
    severity: High,
    kinds: &[GithubWorkflow],
    rationale: "A tag can be moved to malicious code (as with tj-actions/changed-files in 2025); a commit SHA cannot.",
    remediation: "uses: owner/action@<40-hex sha> # vX.Y.Z (Dependabot keeps SHAs current).",
    check: Check::Custom(|_, r| {
        for (path, s) in gh_steps(r) {
            let Some(uses) = lookup::get_in(s, "uses").value().and_then(lookup::as_text) else {
                continue;
            };
            if uses.starts_with("./") || uses.starts_with("docker://") {
                continue;
            }
            let pinned = uses
                .split_once('@')
                .is_some_and(|(_, v)| v.len() == 40 && v.chars().all(|c| c.is_ascii_hexdigit()));
            if !pinned {
                return Outcome::fail(
                    &format!("{path}.uses"),
                    format!("`{uses}` is not pinned to a commit"),
                );
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static PERMISSIONS_DECLARED: Control = Control {
    id: "STRATA-CI-002",
    title: "Workflows declare the token permissions they need",
    severity: Medium,
    kinds: &[GithubWorkflow],
    rationale: "Without `permissions`, GITHUB_TOKEN gets the repository default, often write to everything.",
    remediation: "Add `permissions: contents: read` at the top and grant more per job.",
    check: Check::Custom(|_, r| {
        if r.attributes.contains_key("permissions") {
            return Outcome::Pass;
        }
        match gh_jobs(r)
            .into_iter()
            .find(|(_, j)| lookup::get_in(j, "permissions").is_missing())
        {
            Some((id, _)) => Outcome::fail(
                &format!("jobs.{id}"),
                format!("job `{id}` runs with default token permissions"),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static NO_WRITE_ALL: Control = Control {
    id: "STRATA-CI-003",
    title: "Workflows do not grant write-all token permissions",
    severity: High,
    kinds: &[GithubWorkflow],
    rationale: "write-all lets any compromised step push code, tags and releases.",
    remediation: "List the scopes needed (contents: read, id-token: write...).",
    check: Check::Custom(|_, r| {
        let bad = |v: Option<&Value>| {
            v.and_then(lookup::as_text)
                .is_some_and(|t| t == "write-all")
        };
        if bad(r.attributes.get("permissions")) {
            return Outcome::fail("permissions", "permissions: write-all");
        }
        match gh_jobs(r)
            .into_iter()
            .find(|(_, j)| bad(lookup::get_in(j, "permissions").value()))
        {
            Some((id, _)) => {
                Outcome::fail(&format!("jobs.{id}.permissions"), "permissions: write-all")
            }
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static PR_TARGET_CHECKOUT: Control = Control {
    id: "STRATA-CI-004",
    title: "pull_request_target workflows do not check out the pull request's code",
    severity: Critical,
    kinds: &[GithubWorkflow],
    rationale: "pull_request_target runs with secrets and a write token; checking out the PR head runs an outsider's code with them.",
    remediation: "Use pull_request for building PR code; keep pull_request_target for labelling and comments.",
    check: Check::Custom(|_, r| {
        if !triggers(r).iter().any(|t| t == "pull_request_target") {
            return Outcome::Pass;
        }
        for (path, s) in gh_steps(r) {
            let uses = lookup::get_in(s, "uses")
                .value()
                .and_then(lookup::as_text)
                .unwrap_or_default();
            let reference = lookup::get_in(s, "with.ref")
                .value()
                .and_then(lookup::as_text)
                .unwrap_or_default();
            if uses.starts_with("actions/checkout")
                && reference.contains("github.event.pull_request.head")
            {
                return Outcome::fail(
                    &path,
                    "checks out the pull request's head with a privileged token",
                );
            }
        }
        Outcome::Pass
    }),
};

const UNTRUSTED: &[&str] = &[
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.pages",
    "github.event.commits",
    "github.event.head_commit.message",
    "github.event.head_commit.author",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.workflow_run.head_branch",
    "github.head_ref",
];

pub(crate) static SCRIPT_INJECTION: Control = Control {
    id: "STRATA-CI-005",
    title: "Untrusted event fields are not expanded into shell scripts",
    severity: High,
    kinds: &[GithubWorkflow],
    rationale: "`${{ github.event.issue.title }}` in `run:` is pasted into the script before it runs: a crafted title runs commands.",
    remediation: "Pass the value through `env:` and use \"$VAR\" in the script.",
    check: Check::Custom(|_, r| {
        for (path, run) in scripts(r) {
            for expr in run.split("${{").skip(1) {
                let inner = expr.split("}}").next().unwrap_or_default().trim();
                if UNTRUSTED.iter().any(|u| inner.starts_with(u)) {
                    return Outcome::fail(&path, format!("`{inner}` is expanded into the script"));
                }
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static NO_LITERAL_SECRETS: Control = Control {
    id: "STRATA-CI-006",
    title: "CI files hold no literal secrets",
    severity: Critical,
    kinds: &[GithubWorkflow, GitlabCi],
    rationale: "A token in a workflow file is in Git history and every fork.",
    remediation: "Use `${{ secrets.NAME }}` (GitHub) or masked, protected CI/CD variables (GitLab).",
    check: Check::Custom(|_, r| {
        for (path, m) in env_maps(r) {
            let Some(map) = m.as_map() else { continue };
            for (k, v) in map {
                let literal = match v {
                    Value::String(s) => !s.is_empty() && !s.contains("${{") && !s.starts_with('$'),
                    Value::Map(inner) => inner
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty() && !s.starts_with('$')),
                    _ => false,
                };
                let text = lookup::as_text(v).unwrap_or_default();
                if literal && (secret_name(k) || looks_like_secret(&format!("{k}={text}"))) {
                    return Outcome::fail(
                        &format!("{path}.{k}"),
                        format!("`{k}` is a literal secret"),
                    );
                }
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static SECURITY_SCAN: Control = Control {
    id: "STRATA-CI-007",
    title: "Pipelines run a security scan",
    severity: Low,
    kinds: &[GithubWorkflow, GitlabCi],
    rationale: "Dependency, image and IaC scanning in the pipeline catch known flaws before they ship.",
    remediation: "Add a step running strata check, Trivy, Checkov, CodeQL or the GitLab security templates.",
    check: Check::Custom(|_, r| {
        let text = r
            .attributes
            .values()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .collect::<String>()
            .to_ascii_lowercase();
        let found = [
            "strata check",
            "trivy",
            "checkov",
            "codeql",
            "grype",
            "snyk",
            "semgrep",
            "security/sast",
            "dependency-scanning",
            "container-scanning",
            "gitleaks",
            "osv-scanner",
        ]
        .iter()
        .any(|t| text.contains(t));
        Outcome::pass_if(found, "", "no security scanning step")
    }),
};

pub(crate) static CHECKOUT_NO_PERSIST: Control = Control {
    id: "STRATA-CI-008",
    title: "Checkouts do not leave the token in the repository",
    severity: Low,
    kinds: &[GithubWorkflow],
    rationale: "persist-credentials (the default) writes GITHUB_TOKEN into .git/config, where later steps and artifacts can read it.",
    remediation: "with: persist-credentials: false on actions/checkout.",
    check: Check::Custom(|_, r| {
        for (path, s) in gh_steps(r) {
            let uses = lookup::get_in(s, "uses")
                .value()
                .and_then(lookup::as_text)
                .unwrap_or_default();
            if uses.starts_with("actions/checkout")
                && lookup::get_in(s, "with.persist-credentials")
                    .value()
                    .and_then(lookup::as_bool)
                    != Some(false)
            {
                return Outcome::fail(&path, "the checkout keeps the token in .git/config");
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static SELF_HOSTED_PR: Control = Control {
    id: "STRATA-CI-009",
    title: "Self-hosted runners do not run pull requests",
    severity: Medium,
    kinds: &[GithubWorkflow],
    rationale: "A pull request from a fork can run arbitrary code on a persistent self-hosted runner.",
    remediation: "Run PR jobs on GitHub-hosted or ephemeral runners.",
    check: Check::Custom(|_, r| {
        let prs = triggers(r).iter().any(|t| t.starts_with("pull_request"));
        if !prs {
            return Outcome::Pass;
        }
        for (id, job) in gh_jobs(r) {
            let runs_on = lookup::get_in(job, "runs-on")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            if runs_on
                .iter()
                .filter_map(|v| lookup::as_text(v))
                .any(|t| t == "self-hosted")
            {
                return Outcome::fail(
                    &format!("jobs.{id}.runs-on"),
                    format!("job `{id}` runs pull requests on a self-hosted runner"),
                );
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static AWS_OIDC: Control = Control {
    id: "STRATA-CI-010",
    title: "AWS access from CI uses OIDC roles, not access keys",
    severity: High,
    kinds: &[GithubWorkflow, GitlabCi],
    rationale: "Long-lived keys in CI leak; OIDC gives short-lived credentials scoped to the repository and branch.",
    remediation: "configure-aws-credentials with role-to-assume and `permissions: id-token: write` (GitLab: id_tokens + AssumeRoleWithWebIdentity).",
    check: Check::Custom(|_, r| {
        if r.kind == GithubWorkflow {
            for (path, s) in gh_steps(r) {
                let uses = lookup::get_in(s, "uses")
                    .value()
                    .and_then(lookup::as_text)
                    .unwrap_or_default();
                if uses.starts_with("aws-actions/configure-aws-credentials")
                    && !lookup::get_in(s, "with.aws-access-key-id").is_missing()
                {
                    return Outcome::fail(
                        &format!("{path}.with"),
                        "uses an access key instead of a role",
                    );
                }
            }
        }
        for (path, m) in env_maps(r) {
            if m.as_map().is_some_and(|m| {
                m.contains_key("AWS_SECRET_ACCESS_KEY") || m.contains_key("AWS_ACCESS_KEY_ID")
            }) {
                return Outcome::fail(&path, "passes AWS access keys to the job");
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static NO_CURL_PIPE: Control = Control {
    id: "STRATA-CI-011",
    title: "Jobs do not pipe downloads into a shell",
    severity: Medium,
    kinds: &[GithubWorkflow, GitlabCi],
    rationale: "`curl | sh` in CI runs unverified code with the pipeline's secrets.",
    remediation: "Download a pinned release, verify its checksum, then run it.",
    check: Check::Custom(|_, r| {
        for (path, run) in scripts(r) {
            let c = run.replace(['\n', '\t'], " ");
            if (c.contains("curl ") || c.contains("wget "))
                && ["| sh", "|sh", "| bash", "|bash"]
                    .iter()
                    .any(|p| c.contains(p))
            {
                return Outcome::fail(&path, "pipes a download into a shell");
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static GITLAB_IMAGES_PINNED: Control = Control {
    id: "STRATA-CI-012",
    title: "GitLab jobs use pinned images",
    severity: Medium,
    kinds: &[GitlabCi],
    rationale: "An unpinned job image changes under the pipeline: builds are not reproducible and can be hijacked.",
    remediation: "image: name:version (or @sha256:...).",
    check: Check::Custom(|_, r| {
        let mut images: Vec<(String, String)> = Vec::new();
        let mut add = |path: String, v: Option<&Value>| {
            let name = v.and_then(|v| match v {
                Value::Map(m) => m.get("name").and_then(lookup::as_text),
                other => lookup::as_text(other),
            });
            if let Some(n) = name {
                images.push((path, n));
            }
        };
        add("image".into(), r.attributes.get("image"));
        add(
            "default.image".into(),
            lookup::get(r, "default.image").value(),
        );
        for (name, job) in gl_jobs(r) {
            add(
                format!("{name}.image"),
                lookup::get_in(job, "image").value(),
            );
        }
        // `$VARIABLE` images are set by the pipeline; not judged here.
        match images
            .into_iter()
            .find(|(_, image)| !image.contains('$') && unpinned_image(image))
        {
            Some((path, image)) => Outcome::fail(&path, format!("`{image}` is not pinned")),
            None => Outcome::Pass,
        }
    }),
};
