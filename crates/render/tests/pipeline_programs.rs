//! Every program a rendered pipeline runs is there when it runs: in the
//! job's image, or installed by an earlier line of the same job (a package
//! manager, a verified archive, a pinned installer). Each GitHub Actions job,
//! GitLab CI job (with what it `extends`) and CodeBuild buildspec (in the
//! image of the CodeBuild project that names it) of every example and of
//! generated variants is split into simple shell commands; the first word of
//! each must be a shell builtin, a script of the repository, something the
//! job installed before, or a program of the job's image ([`IMAGES`], each
//! line what the image's publisher documents it ships).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as J;
use strata_model::{Kind, Plan};

const EXAMPLES: [&str; 4] = [
    "ecs-fargate-aurora",
    "three-vpc-eks",
    "eks-platform",
    "eks-openshift",
];

/// What every POSIX userland has (coreutils or busybox).
const BASE: &[&str] = &[
    "sh",
    "cat",
    "cut",
    "mkdir",
    "grep",
    "sed",
    "tar",
    "gzip",
    "sha256sum",
    "head",
    "tail",
    "tr",
    "sort",
    "cp",
    "mv",
    "rm",
    "chmod",
    "env",
    "sleep",
    "awk",
    "xargs",
];

/// The programs each image (or runner) provides beyond [`BASE`], by prefix
/// of its reference.
const IMAGES: &[(&str, &[&str])] = &[
    // GitHub's hosted Ubuntu runner (its published software list).
    (
        "ubuntu-latest",
        &[
            "bash", "git", "curl", "jq", "yq", "aws", "docker", "python3", "pip", "node", "npm",
        ],
    ),
    ("debian:", &["bash", "apt-get"]),
    (
        "buildpack-deps:",
        &["bash", "apt-get", "curl", "git", "make", "gcc"],
    ),
    (
        "node:",
        &[
            "bash", "apt-get", "curl", "git", "make", "node", "npm", "npx", "corepack",
        ],
    ),
    ("golang:", &["bash", "apt-get", "curl", "git", "make", "go"]),
    (
        "rust:",
        &["bash", "apt-get", "curl", "git", "make", "cargo", "rustc"],
    ),
    (
        "python:",
        &[
            "bash", "apt-get", "curl", "git", "make", "python", "python3", "pip", "pip3",
        ],
    ),
    ("maven:", &["bash", "mvn", "java"]),
    ("gradle:", &["bash", "gradle", "java", "git"]),
    ("semgrep/semgrep:", &["semgrep", "git"]),
    (
        "sonarsource/sonar-scanner-cli:",
        &["sonar-scanner", "git", "bash"],
    ),
    ("aquasec/trivy:", &["trivy"]),
    ("docker:", &["docker", "apk"]),
    ("public.ecr.aws/aws-cli/aws-cli:", &["aws", "bash", "yum"]),
    // CodeBuild's curated Amazon Linux 2023 image.
    (
        "aws/codebuild/amazonlinux-x86_64-standard:",
        &[
            "bash", "yum", "aws", "docker", "python", "python3", "pip", "pip3", "curl", "git",
            "jq", "node", "npm",
        ],
    ),
];

/// Shell builtins: never looked up on PATH.
const BUILTINS: &[&str] = &[
    "set", "export", "cd", "echo", "printf", "test", "[", "true", "false", "exit", "read", ".",
    "source", "eval", "trap", "wait", "umask", "shift", "local", "fi", "done", "for",
];

/// Keywords that may stand before a command's program.
const KEYWORDS: &[&str] = &["if", "then", "else", "elif", "do", "while", "until", "!"];

/// A package's programs, where they are not the package's name.
fn programs_of_package(package: &str) -> Option<&'static [&'static str]> {
    match package {
        "aws-cli" | "awscli" => Some(&["aws"]),
        "yq-go" => Some(&["yq"]),
        "ca-certificates" => Some(&[]),
        _ => None,
    }
}

fn image_programs(image: &str) -> BTreeSet<String> {
    let (_, own) = IMAGES
        .iter()
        .find(|(prefix, _)| image.starts_with(prefix))
        .unwrap_or_else(|| panic!("image `{image}` is not in the test's table: add what it ships"));
    BASE.iter()
        .chain(own.iter())
        .map(|p| (*p).to_owned())
        .collect()
}

/// Splits a shell script into simple commands: at unquoted newlines, `;`,
/// `&&`, `||`, `|` and a lone `&` (not `2>&1`); each `$(...)` is a command
/// of its own.
fn commands(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = script.chars().collect();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\\' && !single {
            current.push(c);
            current.extend(next);
            i += 2;
            continue;
        }
        if c == '\'' && !double {
            single = !single;
        } else if c == '"' && !single {
            double = !double;
        } else if c == '$' && !single && next == Some('(') {
            // The substitution's text, to its matching parenthesis.
            let (mut depth, mut j) = (0, i + 1);
            while j < chars.len() {
                match chars[j] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                j += 1;
            }
            let inner: String = chars[i + 2..j.min(chars.len())].iter().collect();
            out.extend(commands(&inner));
            current.push_str("SUBST");
            i = j + 1;
            continue;
        } else if !single && !double {
            let redirect = c == '&' && (next == Some('>') || current.ends_with('>'));
            if matches!(c, '\n' | ';' | '|' | '&') && !redirect {
                out.push(std::mem::take(&mut current));
                i += if matches!((c, next), ('&', Some('&')) | ('|', Some('|'))) {
                    2
                } else {
                    1
                };
                continue;
            }
        }
        current.push(c);
        i += 1;
    }
    out.push(current);
    out.into_iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The words of a simple command (quotes and `${...}` keep their spaces),
/// without the keywords and assignments before its program.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut single, mut double, mut braces) = (false, false, 0);
    let mut prev = ' ';
    for c in command.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '{' if !single && prev == '$' => braces += 1,
            '}' if braces > 0 => braces -= 1,
            c if c.is_whitespace() && !single && !double && braces == 0 => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                prev = c;
                continue;
            }
            _ => {}
        }
        word.push(c);
        prev = c;
    }
    if !word.is_empty() {
        out.push(word);
    }
    let assignment = |w: &String| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    out.into_iter()
        .map(|w| w.trim_matches('"').to_owned())
        .skip_while(|w| KEYWORDS.contains(&w.as_str()) || assignment(w))
        .collect()
}

/// One job: where it runs and its script lines in order.
struct Job {
    file: String,
    name: String,
    image: String,
    script: Vec<String>,
}

/// Checks one job; returns what it runs that nothing provides.
fn missing(job: &Job) -> Vec<String> {
    let mut have = image_programs(&job.image);
    let mut gaps = Vec::new();
    for line in &job.script {
        // A vendor's installer piped to the shell installs the program its
        // URL names (`…/<owner>/<program>/<tag>/…/install.sh | sh`).
        if line.contains("install.sh | sh") {
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("https://")) {
                if let Some(program) = url.split('/').nth(4) {
                    have.insert(program.to_owned());
                }
            }
        }
        for command in commands(line) {
            let w = words(&command);
            let Some(program) = w.first() else { continue };
            let program = program.rsplit('/').next().unwrap_or(program).to_owned();
            let repository_script = w[0].starts_with("./");
            if !(BUILTINS.contains(&program.as_str())
                || repository_script
                || program == "SUBST"
                || have.contains(&program))
            {
                gaps.push(format!(
                    "{}: job `{}` in `{}` runs `{program}` (in `{command}`), which nothing provides",
                    job.file, job.name, job.image
                ));
            }
            install(&program, &w, &mut have);
        }
    }
    gaps
}

/// What a command installs for the lines after it.
fn install(program: &str, w: &[String], have: &mut BTreeSet<String>) {
    let args: Vec<&str> = w[1..].iter().map(String::as_str).collect();
    let packages: Vec<&str> = match (program, args.first().copied()) {
        ("apt-get" | "yum", Some("install")) | ("apk", Some("add")) => args[1..].to_vec(),
        ("pip" | "pip3", Some("install")) => args[1..].to_vec(),
        ("corepack", Some("enable")) => vec!["yarn", "pnpm"],
        ("tar", Some(flags)) if flags.starts_with("-x") => {
            // The archive's members named after the options.
            args.last().map(|m| vec![*m]).unwrap_or_default()
        }
        _ => return,
    };
    for p in packages
        .into_iter()
        .filter(|p| !p.starts_with('-') && *p != ".")
    {
        let name = p.split(['=', '~', '<', '>']).next().unwrap_or(p);
        match programs_of_package(name) {
            Some(named) => have.extend(named.iter().map(|n| (*n).to_owned())),
            None => {
                have.insert(name.to_owned());
            }
        }
    }
}

fn lines(v: &J) -> Vec<String> {
    match v {
        J::String(s) => vec![s.clone()],
        J::Array(items) => items.iter().flat_map(lines).collect(),
        _ => Vec::new(),
    }
}

fn yaml(text: &str) -> J {
    serde_saphyr::from_str(text).unwrap()
}

fn github_jobs(file: &str, text: &str) -> Vec<Job> {
    let doc = yaml(text);
    let mut jobs = Vec::new();
    for (name, job) in doc["jobs"].as_object().unwrap() {
        let image = job["container"]["image"]
            .as_str()
            .or_else(|| job["container"].as_str())
            .or_else(|| job["runs-on"].as_str())
            .unwrap()
            .to_owned();
        let script = job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| lines(&s["run"]))
            .collect();
        jobs.push(Job {
            file: file.into(),
            name: name.clone(),
            image,
            script,
        });
    }
    jobs
}

fn gitlab_jobs(file: &str, text: &str) -> Vec<Job> {
    let doc = yaml(text);
    let map = doc.as_object().unwrap();
    let mut jobs = Vec::new();
    for (name, job) in map {
        if name.starts_with('.') || job.get("script").is_none() {
            continue;
        }
        // A job's own keys win over the templates it extends.
        let mut layers = vec![job];
        for parent in lines(&job["extends"]) {
            layers.push(&map[&parent]);
        }
        let key = |k: &str| layers.iter().map(|l| &l[k]).find(|v| !v.is_null());
        let image = key("image")
            .map(|i| i["name"].as_str().or(i.as_str()).unwrap().to_owned())
            .unwrap_or_else(|| panic!("{file}: job `{name}` has no image"));
        let mut script = key("before_script").map(lines).unwrap_or_default();
        script.extend(lines(&job["script"]));
        jobs.push(Job {
            file: file.into(),
            name: name.clone(),
            image,
            script,
        });
    }
    jobs
}

/// Each buildspec, in the image of the CodeBuild project that runs it.
fn codebuild_jobs(plan: &Plan, tree: &strata_render::Tree) -> Vec<Job> {
    let mut jobs = Vec::new();
    for r in plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::AwsCodebuildProject)
    {
        let get = |block: &str, k: &str| {
            r.get(block)
                .and_then(|v| v.as_map())
                .and_then(|m| m.get(k))
                .and_then(|v| v.as_str())
                .unwrap()
                .to_owned()
        };
        let file = get("source", "buildspec");
        let text = tree
            .get(&file)
            .unwrap_or_else(|| panic!("project {} names {file}, which is not rendered", r.address));
        let doc = yaml(text);
        let mut script = Vec::new();
        for phase in ["install", "pre_build", "build", "post_build"] {
            script.extend(lines(&doc["phases"][phase]["commands"]));
        }
        jobs.push(Job {
            file,
            name: r.address.to_string(),
            image: get("environment", "image"),
            script,
        });
    }
    jobs
}

fn plan_of(text: &str, name: &str) -> Plan {
    let loaded = strata_spec::load(name, text.as_bytes());
    assert!(!loaded.has_errors(), "{name}: {:?}", loaded.diagnostics);
    strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap()
}

fn all_jobs(plan: &Plan) -> Vec<Job> {
    let tree = strata_render::render(plan).unwrap();
    let mut jobs = codebuild_jobs(plan, &tree);
    if let Some(t) = tree.get(".github/workflows/delivery.yml") {
        jobs.extend(github_jobs(".github/workflows/delivery.yml", t));
    }
    if let Some(t) = tree.get(".gitlab-ci.yml") {
        jobs.extend(gitlab_jobs(".gitlab-ci.yml", t));
    }
    jobs
}

/// Specs beyond the examples: the ECS example on each CI system, and each
/// CI system with test commands of other tools.
fn variants(ecs: &str, eks: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ci in ["github-actions", "gitlab-ci"] {
        out.push((
            format!("ecs on {ci}"),
            ecs.replace("ci: codepipeline", &format!("ci: {ci}")),
        ));
    }
    for test in [
        "cargo test --locked",
        "./gradlew test",
        "pip install -r requirements.txt pytest && python -m pytest -q",
        "make check",
    ] {
        out.push((
            format!("ecs, `{test}`"),
            ecs.replace(
                "test_command: ./mvnw -B verify",
                &format!("test_command: {test}"),
            ),
        ));
        out.push((
            format!("eks on gitlab-ci, `{test}`"),
            eks.replace(
                "test_command: go test ./...",
                &format!("test_command: {test}"),
            ),
        ));
    }
    out
}

#[test]
fn every_program_a_pipeline_runs_is_provided_where_it_runs() {
    let mut checked = 0;
    let mut gaps = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut specs: Vec<(String, String)> = EXAMPLES
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(root.join(n).join("strata.yaml")).unwrap();
            ((*n).to_owned(), text)
        })
        .collect();
    let more = variants(&specs[0].1, &specs[1].1);
    specs.extend(more);
    for (name, text) in &specs {
        let jobs = all_jobs(&plan_of(text, name));
        assert!(!jobs.is_empty(), "{name}: no pipeline job");
        for job in &jobs {
            checked += job.script.len();
            gaps.extend(missing(job).into_iter().map(|g| format!("{name}: {g}")));
        }
    }
    assert!(gaps.is_empty(), "{}", gaps.join("\n"));
    assert!(checked > 300, "only {checked} script lines checked");
}

/// The checker finds what it is for: a program no image has, one used
/// before the line that installs it, and one inside `$(...)`.
#[test]
fn the_checker_sees_a_missing_program() {
    let job = |image: &str, script: &[&str]| Job {
        file: "f".into(),
        name: "j".into(),
        image: image.into(),
        script: script.iter().map(|s| (*s).to_owned()).collect(),
    };
    assert_eq!(
        missing(&job("debian:bookworm-slim", &["curl -fsSL x"])).len(),
        1
    );
    assert!(
        missing(&job(
            "debian:bookworm-slim",
            &["apt-get install -y curl", "curl x"]
        ))
        .is_empty()
    );
    assert_eq!(
        missing(&job(
            "debian:bookworm-slim",
            &["curl x", "apt-get install -y curl"]
        ))
        .len(),
        1
    );
    let gaps = missing(&job(
        "docker:27-cli",
        &["x=\"$(jq -r .a f | cut -f1)\" && docker ps"],
    ));
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains("`jq`"));
    // Quoted separators are not commands.
    assert!(
        missing(&job(
            "ubuntu-latest",
            &["jq '.a | del(.b)' f; echo 'x && y'"]
        ))
        .is_empty()
    );
    assert!(
        missing(&job(
            "public.ecr.aws/aws-cli/aws-cli:2",
            &["apk add --no-cache jq"]
        ))
        .len()
            == 1
    );
}
