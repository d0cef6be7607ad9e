//! `strata check` and `strata report` as users run them: planted flaws found
//! at the right lines in Terraform, Kubernetes and CloudFormation trees;
//! broken files reported with locations while the rest is scanned; SARIF
//! judged by Microsoft's SARIF validator; suppressions, baselines, exit codes.

mod common;

use common::{root, strata, text};

use std::collections::BTreeSet;
use std::process::{Command, Output};

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// `file:line control` of every failure in a `--output json` run, files
/// relative to `base`.
fn failures(j: &serde_json::Value, base: &str) -> BTreeSet<String> {
    j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" && r["suppressed"].is_null())
        .map(|r| {
            let f = r["file"].as_str().unwrap();
            format!(
                "{}:{} {}",
                f.strip_prefix(base).unwrap_or(f),
                r["line"],
                r["control"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn planted_flaws_are_reported_at_their_lines_in_every_format() {
    for tree in ["terraform", "kubernetes", "cloudformation"] {
        let dir = format!("tests/fixtures/check/{tree}");
        let out = strata(
            &["check", &dir, "--severity", "high", "--output", "json"],
            &root(),
        );
        assert_eq!(out.status.code(), Some(1), "{tree}: {}", text(&out.stderr));
        let j = json(&out);
        assert!(
            j["problems"].as_array().unwrap().is_empty(),
            "{tree}: {}",
            j["problems"]
        );
        let expected: BTreeSet<String> =
            std::fs::read_to_string(root().join(&dir).join("expected.txt"))
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect();
        assert_eq!(failures(&j, &format!("{dir}/")), expected, "{tree}");
    }
}

#[test]
fn text_output_groups_by_file_and_shows_the_offending_line() {
    let out = strata(
        &["check", "tests/fixtures/check/kubernetes", "-s", "critical"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(
        t.starts_with("tests/fixtures/check/kubernetes/manifests.yaml\n"),
        "{t}"
    );
    assert!(
        t.contains("manifests.yaml:27 STRATA-K8S-022 [critical]"),
        "{t}"
    );
    assert!(t.contains("   27 |             - name: DB_PASSWORD"), "{t}");
}

#[test]
fn broken_files_are_located_and_the_rest_is_still_scanned() {
    let out = strata(
        &["check", "tests/fixtures/check/broken", "--output", "json"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let j = json(&out);
    let problems: BTreeSet<String> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("tests/fixtures/check/broken/"),
                p["line"]
            )
        })
        .collect();
    let want: BTreeSet<String> = [
        "bad.tf:2",
        "half.yaml:5",
        "template.yaml:6",
        "Dockerfile:2",
        ".github/workflows/ci.yml:4",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(problems, want);
    // The good file next to them is still judged, as is the good part of the Dockerfile.
    let fails = failures(&j, "tests/fixtures/check/broken/");
    assert!(fails.contains("ok/main.tf:3 STRATA-AWS-006"), "{fails:?}");
    assert!(
        fails.iter().any(|f| f.starts_with("Dockerfile:")),
        "{fails:?}"
    );
}

#[test]
fn hostile_and_random_input_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let samples = [
        "resource \"aws_s3_bucket\" \"a\" { bucket = \"x\" }\n",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a, image: b}]\n",
        "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: {AccessControl: !Ref P}\n",
        "FROM alpine:3.20\nRUN echo \\\n  hi\nUSER 1\n",
    ];
    let names = ["main.tf", "k.yaml", "t.yaml", "Dockerfile"];
    for round in 0..40 {
        let sub = dir.path().join(format!("r{round}"));
        std::fs::create_dir_all(&sub).unwrap();
        for (name, sample) in names.iter().zip(samples) {
            let mut bytes = sample.as_bytes().to_vec();
            for _ in 0..(next() % 6) {
                let at = (next() as usize) % bytes.len().max(1);
                match next() % 3 {
                    0 => bytes.insert(at, (next() % 256) as u8),
                    1 => {
                        bytes.remove(at.min(bytes.len() - 1));
                    }
                    _ => bytes.truncate(at),
                }
                if bytes.is_empty() {
                    bytes.push(b'{');
                }
            }
            std::fs::write(sub.join(name), &bytes).unwrap();
        }
    }
    // Deep nesting and a huge flow sequence.
    std::fs::write(
        dir.path().join("deep.tf"),
        "a = ".to_owned() + &"[".repeat(5000),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deep.yaml"),
        "apiVersion: v1\nkind: Pod\nx: ".to_owned() + &"[".repeat(5000),
    )
    .unwrap();
    let out = strata(&["check", ".", "--output", "json"], dir.path());
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    json(&out);
}

#[test]
fn sarif_passes_microsofts_sarif_validator() {
    let validator = root()
        .join("tools/validators/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(
        validator.exists(),
        "the SARIF validator is needed: install it with `npm ci --prefix tools/validators` (scripts/test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        (
            "relative.sarif",
            vec!["check", "tests/fixtures/check", "--output", "sarif"],
        ),
        ("absolute.sarif", vec!["check", "--output", "sarif"]),
    ] {
        let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        if name == "absolute.sarif" {
            args.insert(
                1,
                root()
                    .join("tests/fixtures/check/cloudformation")
                    .display()
                    .to_string(),
            );
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = strata(&args, &root());
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{}",
            text(&out.stderr)
        );
        let j = json(&out);
        assert_eq!(j["version"], "2.1.0");
        assert!(!j["runs"][0]["results"].as_array().unwrap().is_empty());
        let file = dir.path().join(name);
        std::fs::write(&file, &out.stdout).unwrap();
        let report = dir.path().join(format!("{name}.validation"));
        let v = Command::new(&validator)
            .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .args([
                "validate",
                file.to_str().unwrap(),
                "--level",
                "Error",
                "Warning",
                "--output",
                report.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let said = text(&v.stdout) + &text(&v.stderr);
        assert!(v.status.success(), "{said}");
        assert!(
            !said.contains(": error SARIF") && !said.contains(": warning SARIF"),
            "{name}:\n{said}"
        );
    }
    // The validator bites: a result without a message is a schema error.
    let broken = dir.path().join("broken.sarif");
    std::fs::write(
        &broken,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"A","locations":[]}]}]}"#,
    )
    .unwrap();
    let v = Command::new(&validator)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .args([
            "validate",
            broken.to_str().unwrap(),
            "--level",
            "Error",
            "Warning",
            "--output",
            dir.path().join("b.out").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(text(&v.stdout).contains("error"), "{}", text(&v.stdout));
}

#[test]
fn junit_is_well_formed_xml_with_a_failure_per_finding() {
    let out = strata(
        &[
            "check",
            "tests/fixtures/check/kubernetes",
            "-s",
            "high",
            "-o",
            "junit",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let xml = text(&out.stdout);
    let check = Command::new("python3")
        .args(["-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(len(r.findall('.//failure')))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(xml.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert_eq!(text(&check.stdout).trim(), "7", "{xml}");
}

#[test]
fn suppressions_need_reasons_and_checkov_skips_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_s3_bucket_acl" "site" {
  # strata:ignore STRATA-AWS-006 public website, reviewed by security 2026-11
  bucket = "site"
  acl    = "public-read"
}

resource "aws_s3_bucket_acl" "lazy" {
  # strata:ignore STRATA-AWS-006
  bucket = "lazy"
  acl    = "public-read"
}

resource "aws_kms_key" "migrated" {
  #checkov:skip=CKV_AWS_7:rotation handled by an external key manager
  enable_key_rotation = false
}
"#,
    )
    .unwrap();
    let out = strata(&["check", ".", "-o", "json"], dir.path());
    let j = json(&out);
    let by = |res: &str, control: &str| {
        j["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == res && r["control"] == control)
            .cloned()
    };
    let site = by("aws_s3_bucket_acl.site", "STRATA-AWS-006").unwrap();
    assert_eq!(
        site["suppressed"],
        "public website, reviewed by security 2026-11"
    );
    // Without a reason the suppression does not apply and is itself a finding.
    let lazy = by("aws_s3_bucket_acl.lazy", "STRATA-AWS-006").unwrap();
    assert!(lazy["suppressed"].is_null());
    let meta = by("aws_s3_bucket_acl.lazy", "STRATA-SUP-001").unwrap();
    assert_eq!(meta["status"], "fail");
    let key = by("aws_kms_key.migrated", "STRATA-AWS-012").unwrap();
    assert_eq!(
        key["suppressed"],
        "rotation handled by an external key manager"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_baseline_accepts_known_failures_and_catches_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_kms_key\" \"a\" {\n  enable_key_rotation = false\n}\n",
    )
    .unwrap();
    let first = strata(
        &["check", ".", "--write-baseline", "baseline.json"],
        dir.path(),
    );
    assert_eq!(first.status.code(), Some(1));
    let again = strata(&["check", ".", "--baseline", "baseline.json"], dir.path());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    std::fs::write(
        dir.path().join("more.tf"),
        "resource \"aws_kms_key\" \"b\" {\n  enable_key_rotation = false\n}\n",
    )
    .unwrap();
    let new = strata(
        &["check", ".", "--baseline", "baseline.json", "-o", "json"],
        dir.path(),
    );
    assert_eq!(new.status.code(), Some(1));
    let fails = failures(&json(&new), "");
    assert!(
        fails.iter().all(|f| f.starts_with("./more.tf")),
        "{fails:?}"
    );
}

#[test]
fn severity_and_framework_select_controls_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"g\"\n}\n",
    )
    .unwrap();
    // Only low-severity findings: clean at --severity high.
    assert_eq!(
        strata(&["check", ".", "-s", "high"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(strata(&["check", "."], dir.path()).status.code(), Some(1));
    let cis = json(&strata(
        &["check", ".", "-f", "cis-k8s", "-o", "json"],
        dir.path(),
    ));
    assert!(cis["results"].as_array().unwrap().is_empty());
    let bad = strata(&["check", ".", "-f", "nist-800-53"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("unknown framework `nist-800-53`"),
        "{}",
        text(&bad.stderr)
    );
    let list = strata(&["check", "--list", "-f", "pci-dss-4.0"], dir.path());
    assert!(
        text(&list.stdout).contains("STRATA-AWS-012\thigh\tKMS keys rotate automatically"),
        "{}",
        text(&list.stdout)
    );
}

#[test]
fn reports_map_requirements_to_controls_and_results() {
    let out = strata(
        &[
            "report",
            "tests/fixtures/check/terraform",
            "-f",
            "pci-dss-4.0",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.starts_with("# PCI DSS v4.0 — compliance report"), "{md}");
    assert!(md.contains("| 3.7.4 Cryptographic key changes at the end of the defined cryptoperiod | STRATA-AWS-012 KMS keys rotate automatically | high | 1 | 1 | FAIL |"), "{md}");
    let html = text(
        &strata(
            &[
                "report",
                "tests/fixtures/check/terraform",
                "-f",
                "hipaa",
                "-o",
                "html",
            ],
            &root(),
        )
        .stdout,
    );
    assert!(
        html.starts_with("<!doctype html>") && html.contains("164.312(a)(2)(iv)"),
        "{html}"
    );
}

#[test]
fn plans_that_violate_their_frameworks_are_refused_unless_waived() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        std::fs::read_to_string(root().join("examples/ecs-fargate-aurora/strata.yaml")).unwrap();
    // dev alone enforces PCI DSS and turns the WAF off (the spec's own checks
    // only insist on it in production); the plan must be refused.
    let edits = [
        (
            "  dev:\n    account: \"111111111111\"\n",
            "  dev:\n    account: \"111111111111\"\n    frameworks: [pci-dss-4.0]\n",
        ),
        (
            "  domain: shop.example.com\n",
            "  domain: shop.example.com\n  waf: {enabled: false}\n",
        ),
        ("  frameworks: [cis-aws, pci-dss-4.0]", "  frameworks: []"),
    ];
    let mut unsafe_spec = spec.clone();
    for (from, to) in edits {
        assert!(unsafe_spec.contains(from), "the example changed: {from}");
        unsafe_spec = unsafe_spec.replace(from, to);
    }
    std::fs::write(dir.path().join("strata.yaml"), &unsafe_spec).unwrap();
    let out = strata(&["plan", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("strata.yaml:25:1: error[STRATA-AWS-113]: Internet-facing application load balancers have a WAF web ACL (dev.workloads.aws_lb.public)"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "a refused plan prints nothing");
    // Render refuses too: it plans first.
    assert_eq!(
        strata(&["render", ".", "-o", "out"], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert!(!dir.path().join("out").exists());
    // A waiver with a reason lets it through, for that environment only.
    let waived = unsafe_spec.replace(
        "  frameworks: []",
        "  frameworks: []\n  waivers:\n    - control: STRATA-AWS-113\n      reason: dev is reachable only through the corporate VPN\n      environments: [dev]",
    );
    std::fs::write(dir.path().join("strata.yaml"), &waived).unwrap();
    let ok = strata(&["plan", "."], dir.path());
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(
        !text(&ok.stderr).contains("STRATA-AWS-113"),
        "{}",
        text(&ok.stderr)
    );
    // A waiver naming no control is pointed out.
    let typo = waived.replace(
        "      environments: [dev]",
        "      environments: [dev]\n    - control: STRATA-AWS-1130\n      reason: a typo in the id, on purpose",
    );
    std::fs::write(dir.path().join("strata.yaml"), &typo).unwrap();
    let warned = strata(&["plan", "."], dir.path());
    assert_eq!(warned.status.code(), Some(0), "{}", text(&warned.stderr));
    assert!(
        text(&warned.stderr).contains(
            "warning: security.waivers names `STRATA-AWS-1130`, which is not a control (did you mean `STRATA-AWS-113`?)"
        ),
        "{}",
        text(&warned.stderr)
    );
    // The examples themselves plan with no high or critical finding.
    for ex in [
        "ecs-fargate-aurora",
        "three-vpc-eks",
        "eks-platform",
        "eks-openshift",
    ] {
        let out = strata(&["plan", &format!("examples/{ex}")], &root());
        assert_eq!(out.status.code(), Some(0), "{ex}: {}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("error["),
            "{ex}: {}",
            text(&out.stderr)
        );
    }
}
