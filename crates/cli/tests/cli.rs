//! The real binary, run in temporary directories: exit codes, outputs, and
//! the generated files that are committed (schema, man page) kept fresh.

mod common;

use common::{root, strata, text};

use std::path::Path;
use std::process::Command;

#[test]
fn validate_exit_codes_are_documented_ones() {
    let root = root();
    let ok = strata(&["validate", "examples/ecs-fargate-aurora"], &root);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));

    let bad = strata(
        &[
            "validate",
            "tests/fixtures/bad/38-many-errors.yaml",
            "--output",
            "short",
        ],
        &root,
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert_eq!(
        err.lines().filter(|l| l.contains(": error[")).count(),
        11,
        "{err}"
    );
    assert!(err.contains("tests/fixtures/bad/38-many-errors.yaml:2:1: error[spec::unknown-field]: unknown field `regoin` at the top level"));

    let missing = strata(&["validate", "no/such/spec.yaml"], &root);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read no/such/spec.yaml"));

    let usage = strata(&["plan", "--output", "xml"], &root);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn human_diagnostics_underline_the_offending_text() {
    let out = strata(
        &["validate", "tests/fixtures/bad/09-unknown-top-field.yaml"],
        &root(),
    );
    let err = text(&out.stderr);
    assert!(err.contains("regoin: eu-west-1"), "{err}");
    assert!(err.contains("did you mean `region`?"), "{err}");
}

#[test]
fn json_diagnostics_are_machine_readable() {
    let out = strata(
        &[
            "validate",
            "tests/fixtures/bad/20-overlapping-cidrs.yaml",
            "-o",
            "json",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["code"], "spec::overlapping-cidr");
    assert_eq!(
        (v[0]["line"].as_u64(), v[0]["column"].as_u64()),
        (Some(6), Some(11))
    );
}

#[test]
fn spec_defaults_to_strata_yaml_and_accepts_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let none = strata(&["validate"], dir.path());
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("strata init"));
    std::fs::copy(
        root().join("examples/eks-platform/strata.yaml"),
        dir.path().join("strata.yaml"),
    )
    .unwrap();
    assert_eq!(strata(&["validate"], dir.path()).status.code(), Some(0));
    assert_eq!(
        strata(&["validate", "."], dir.path()).status.code(),
        Some(0)
    );
}

#[test]
fn plan_json_follows_the_contract_and_filters_by_environment() {
    let out = strata(
        &[
            "plan",
            "examples/ecs-fargate-aurora",
            "--env",
            "prod",
            "-o",
            "json",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["app"], "shop");
    let envs = v["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["name"], "prod");
    let r = &envs[0]["resources"][0];
    for key in [
        "address",
        "kind",
        "layer",
        "attributes",
        "depends_on",
        "source",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    assert!(r["source"]["line"].as_u64().unwrap() >= 1);
    let bad = strata(
        &["plan", "examples/ecs-fargate-aurora", "--env", "qa"],
        &root(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("environments: dev, test, stage, prod"));
}

#[test]
fn text_plans_read_well_in_a_pull_request() {
    for name in [
        "ecs-fargate-aurora",
        "three-vpc-eks",
        "eks-platform",
        "eks-openshift",
    ] {
        let out = strata(&["plan", &format!("examples/{name}")], &root());
        assert_eq!(out.status.code(), Some(0));
        insta::assert_snapshot!(format!("plan-{name}"), text(&out.stdout));
    }
}

#[test]
fn graph_prints_dot_with_every_edge() {
    let out = strata(
        &["graph", "examples/ecs-fargate-aurora", "--env", "dev"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0));
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph \"shop\" {"));
    assert!(dot.contains("\"dev.network.aws_subnet.data_a\" -> \"dev.network.aws_vpc.main\";"));
    assert!(!dot.contains("\"prod."));
}

#[test]
fn committed_schema_and_man_page_are_fresh() {
    let root = root();
    let schema = strata(&["schema"], &root);
    let committed = std::fs::read_to_string(root.join("schema/strata.schema.json")).unwrap();
    assert_eq!(
        text(&schema.stdout),
        committed,
        "schema/strata.schema.json is stale: run `strata schema > schema/strata.schema.json`"
    );
    let man = strata(&["man"], &root);
    let committed = std::fs::read_to_string(root.join("docs/man/strata.1")).unwrap();
    assert_eq!(
        text(&man.stdout),
        committed,
        "docs/man/strata.1 is stale: run `strata man > docs/man/strata.1`"
    );
    for shell in ["bash", "zsh", "fish"] {
        let c = strata(&["completions", shell], &root);
        assert_eq!(c.status.code(), Some(0));
        assert!(text(&c.stdout).contains("validate"));
    }
}

#[test]
fn init_writes_a_valid_spec_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = strata(&["init", "--app", "billing"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let spec = std::fs::read_to_string(dir.path().join("strata.yaml")).unwrap();
    assert!(spec.starts_with("# yaml-language-server: $schema="));
    assert!(spec.contains("app: billing"));
    assert_eq!(strata(&["validate"], dir.path()).status.code(), Some(0));
    assert_eq!(strata(&["plan"], dir.path()).status.code(), Some(0));
    let again = strata(&["init"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--force"));
}

/// A spec without `delivery.test_command` gets the one the repository's
/// build files imply: the plan says which and from where, and the rendered
/// pipeline runs it in the tool's image. With no build file the plan warns
/// and the pipeline has no unit-test job rather than a made-up one.
#[test]
fn the_test_command_is_detected_from_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "app: shop\nregion: eu-west-1\nruntime: ecs-fargate\nenvironments:\n  dev: {}\nservices:\n  web: {build: ./web, port: 8080}\ndelivery:\n  ci: gitlab-ci\n  repository: acme/shop\n";
    std::fs::write(dir.path().join("strata.yaml"), spec).unwrap();

    let none = strata(&["plan"], dir.path());
    assert_eq!(none.status.code(), Some(0), "{}", text(&none.stderr));
    let err = text(&none.stderr);
    assert!(
        err.contains("spec::no-tests") && err.contains("delivery.test_command"),
        "{err}"
    );
    let out = dir.path().join("out");
    let r = strata(&["render", "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let ci = std::fs::read_to_string(out.join(".gitlab-ci.yml")).unwrap();
    assert!(
        !ci.contains("unit-tests:") && !ci.contains("scripts/test.sh"),
        "{ci}"
    );

    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name": "shop", "scripts": {"test": "vitest run"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("package-lock.json"), "{}").unwrap();
    let plan = strata(&["plan"], dir.path());
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    let said = text(&plan.stdout);
    assert!(
        said.contains("npm ci && npm test  (in node:22-bookworm; detected from package.json)"),
        "{said}"
    );
    assert!(!text(&plan.stderr).contains("spec::no-tests"));
    let out = dir.path().join("out2");
    let r = strata(&["render", "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let ci = std::fs::read_to_string(out.join(".gitlab-ci.yml")).unwrap();
    assert!(
        ci.contains("unit-tests:\n  stage: test\n  image: node:22-bookworm\n  script:\n  - npm ci && npm test\n"),
        "{ci}"
    );
}

#[test]
fn init_from_compose_maps_services_and_databases() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  api:\n    build:\n      context: ./api\n    ports: [\"3000:3000\"]\n    environment:\n      - NODE_ENV=production\n      - JWT_SECRET=canary-value-123\n      - DATABASE_URL=postgres://app:canary-dsn-456@postgres/app\n    depends_on: [postgres, redis]\n    deploy: {replicas: 2}\n  worker:\n    image: acme/worker:1.4\n    depends_on: [redis]\n  postgres:\n    image: postgres:16-alpine\n  redis:\n    image: redis:7\n",
    )
    .unwrap();
    let out = strata(
        &["init", "--from", "docker-compose.yml", "--app", "acme"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("`deploy.replicas: 2` of service `api` is a fixed count"),
        "{err}"
    );
    let spec = std::fs::read_to_string(dir.path().join("strata.yaml")).unwrap();
    // A secret-looking name and a credential inside a value both become
    // references to the secrets store; neither value reaches the spec or
    // what init says.
    for canary in ["canary-value-123", "canary-dsn-456"] {
        assert!(
            !spec.contains(canary) && !err.contains(canary),
            "{spec}\n{err}"
        );
    }
    assert!(spec.contains("DATABASE_URL: api/database-url"), "{spec}");
    assert!(spec.contains("min: 2"), "{spec}");
    assert!(spec.contains("engine: aurora-postgresql") && spec.contains("engine: redis"));
    let v = strata(&["validate"], dir.path());
    assert_eq!(v.status.code(), Some(0), "{}\n{spec}", text(&v.stderr));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["plan", "examples/three-vpc-eks", "-o", "json"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout is dropped here: the pipe closes while strata is still writing.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn render_writes_the_tree_and_never_a_secret_from_the_environment() {
    let canary = "CANARY-51e0-environment-secret";
    let dir = tempfile::tempdir().unwrap();
    for name in ["ecs-fargate-aurora", "eks-platform"] {
        let out_dir = dir.path().join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["render", &format!("examples/{name}"), "-o"])
            .arg(&out_dir)
            .current_dir(root())
            .env("AWS_SECRET_ACCESS_KEY", canary)
            .env("AWS_SESSION_TOKEN", canary)
            .env("GITHUB_TOKEN", canary)
            .env("STRATA_DB_PASSWORD", canary)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut files = 0;
        let mut stack = vec![out_dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files += 1;
                    let body = std::fs::read(&p).unwrap();
                    assert!(
                        !String::from_utf8_lossy(&body).contains(canary),
                        "{} holds the canary",
                        p.display()
                    );
                }
            }
        }
        assert!(
            out_dir.join("README.md").exists() && out_dir.join("docs/architecture.dot").exists()
        );
        assert!(files >= 4, "{name}: {files} files");
        assert!(!text(&out.stderr).contains(canary));
    }
}

#[test]
fn diagram_draws_an_environment_as_dot_or_svg() {
    let out = strata(
        &["diagram", "examples/three-vpc-eks", "--env", "dev"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dot = text(&out.stdout);
    assert!(
        dot.contains("digraph \"orders-dev\"") && dot.contains("VPC security"),
        "{dot}"
    );
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("arch.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["diagram", "examples/ecs-fargate-aurora", "-o"])
        .arg(&svg)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

/// The scan step of every rendered pipeline, run for real: its `strata
/// check` line, as the CI file writes it, from the rendered tree's root
/// (where the CI system runs it), with the binary under test on PATH. It
/// must pass Strata's own output on every example, with no unreadable file.
#[test]
fn the_rendered_scan_step_passes_strata_s_own_output() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_strata"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for name in [
        "ecs-fargate-aurora",
        "three-vpc-eks",
        "eks-platform",
        "eks-openshift",
    ] {
        let tree = dir.path().join(name);
        let out = strata(
            &[
                "render",
                &format!("examples/{name}"),
                "-o",
                tree.to_str().unwrap(),
            ],
            &root(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut steps = Vec::new();
        for ci in [
            "buildspec-scan.yml",
            ".github/workflows/delivery.yml",
            ".gitlab-ci.yml",
        ] {
            let Ok(body) = std::fs::read_to_string(tree.join(ci)) else {
                continue;
            };
            for line in body.lines() {
                let l = line
                    .trim()
                    .trim_start_matches("- ")
                    .trim_start_matches("run: ");
                if l.starts_with("strata check") {
                    steps.push((ci, l.to_owned()));
                }
            }
        }
        assert!(!steps.is_empty(), "{name}: no CI file runs `strata check`");
        for (ci, cmd) in steps {
            let run = Command::new("sh")
                .args(["-c", &cmd])
                .current_dir(&tree)
                .env("PATH", &path)
                .output()
                .unwrap();
            let said = format!("{}{}", text(&run.stdout), text(&run.stderr));
            assert_eq!(run.status.code(), Some(0), "{name}: {ci}: `{cmd}`\n{said}");
            assert!(said.contains(" 0 unreadable"), "{name}: {ci}: {said}");
        }
    }
}
