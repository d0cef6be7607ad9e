//! The unit-test command a repository's build files imply, for a spec that
//! does not name one (`delivery.test_command`). IO-free: the caller reads
//! files of the repository root through a closure — the CLI from the disk
//! beside the spec, a server from a Git tree.

use crate::diag::Diagnostic;
use crate::{Loaded, Spec};

/// A test command found in the repository's build files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The shell command, run from the repository root.
    pub command: String,
    /// The official image of the build tool, pinned to a release line.
    pub image: &'static str,
    /// The build file that decided it.
    pub from: &'static str,
}

/// The build files looked at, in the order they decide.
pub const BUILD_FILES: &[&str] = &[
    "Cargo.toml",
    "package.json",
    "go.mod",
    "pyproject.toml",
    "requirements.txt",
    "pom.xml",
    "build.gradle.kts",
    "build.gradle",
    "Makefile",
];

const RUST: &str = "rust:1.83-bookworm";
const NODE: &str = "node:22-bookworm";
const GO: &str = "golang:1.23-bookworm";
const PYTHON: &str = "python:3.12-bookworm";
const MAVEN: &str = "maven:3.9-eclipse-temurin-21";
const GRADLE: &str = "gradle:8.10-jdk21";
/// Debian with make and a C toolchain.
const MAKE: &str = "buildpack-deps:bookworm";

/// The test command the first build file that has tests implies. `read`
/// returns a root file's text, or `None` when the repository has no such
/// file.
pub fn tests(read: &dyn Fn(&str) -> Option<String>) -> Option<Detected> {
    let has = |f: &str| read(f).is_some();
    let found = |command: &str, image, from| {
        Some(Detected {
            command: command.to_owned(),
            image,
            from,
        })
    };
    if has("Cargo.toml") {
        return found("cargo test --locked --workspace", RUST, "Cargo.toml");
    }
    if let Some(text) = read("package.json")
        && npm_has_tests(&text)
    {
        let command = if has("pnpm-lock.yaml") {
            "corepack enable && pnpm install --frozen-lockfile && pnpm test"
        } else if has("yarn.lock") {
            "corepack enable && yarn install --immutable && yarn test"
        } else if has("package-lock.json") {
            "npm ci && npm test"
        } else {
            "npm install && npm test"
        };
        return found(command, NODE, "package.json");
    }
    if has("go.mod") {
        return found("go test ./...", GO, "go.mod");
    }
    if has("pyproject.toml") {
        let command = if has("poetry.lock") {
            "pip install poetry && poetry install && poetry run pytest"
        } else {
            "pip install . pytest && python -m pytest"
        };
        return found(command, PYTHON, "pyproject.toml");
    }
    if has("requirements.txt") {
        return found(
            "pip install -r requirements.txt pytest && python -m pytest",
            PYTHON,
            "requirements.txt",
        );
    }
    if has("pom.xml") {
        let command = if has("mvnw") {
            "./mvnw -B test"
        } else {
            "mvn -B test"
        };
        return found(command, MAVEN, "pom.xml");
    }
    for file in ["build.gradle.kts", "build.gradle"] {
        if has(file) {
            let command = if has("gradlew") {
                "./gradlew test"
            } else {
                "gradle test"
            };
            return found(command, GRADLE, file);
        }
    }
    if let Some(text) = read("Makefile")
        && text.lines().any(|l| l.starts_with("test:"))
    {
        return found("make test", MAKE, "Makefile");
    }
    None
}

/// The image for a test command the spec gives without `test_image`: the
/// official image of the tool the command starts with (after `cd`s and
/// `corepack enable`), else Debian with make, git, curl and a C toolchain.
pub fn image_for(command: &str) -> &'static str {
    let first = command
        .split("&&")
        .map(str::trim)
        .find(|c| !c.starts_with("cd ") && !c.starts_with("corepack "))
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or_default();
    match first.trim_start_matches("./") {
        "cargo" => RUST,
        "npm" | "npx" | "yarn" | "pnpm" | "node" => NODE,
        "go" => GO,
        "python" | "python3" | "pip" | "pytest" | "poetry" | "tox" => PYTHON,
        "mvn" | "mvnw" => MAVEN,
        "gradle" | "gradlew" => GRADLE,
        _ => MAKE,
    }
}

/// Whether a `package.json` has a `test` script other than the one
/// `npm init` writes (which only fails).
fn npm_has_tests(text: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    doc.pointer("/scripts/test")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|t| !t.contains("no test specified"))
}

/// Fills `delivery.test_command` (and the image) from the repository when
/// the spec leaves it out, recording the build file; with none found, adds a
/// warning that the pipeline will run no unit tests.
pub fn apply(loaded: &mut Loaded, read: &dyn Fn(&str) -> Option<String>) {
    // The `delivery` key when the spec has one, else the file's start.
    let at = loaded
        .index
        .get("delivery")
        .map_or(0..0, |&at| at..at + "delivery".len());
    let Some(spec) = loaded.spec.as_mut() else {
        return;
    };
    if let Some(mut w) = fill(spec, read) {
        w.span = at;
        loaded.diagnostics.push(w);
    }
}

fn fill(spec: &mut Spec, read: &dyn Fn(&str) -> Option<String>) -> Option<Diagnostic> {
    let d = &mut spec.delivery;
    if d.test_command.is_some() {
        return None;
    }
    match tests(read) {
        Some(found) => {
            d.test_command = Some(found.command);
            d.test_image.get_or_insert_with(|| found.image.to_owned());
            d.tests_detected_from = Some(found.from.to_owned());
            None
        }
        None => Some(
            Diagnostic::warning(
                "spec::no-tests",
                "the pipeline will run no unit tests: no build file with tests was found beside the spec",
                0..0,
            )
            .with_help(format!(
                "set `delivery.test_command` (and `delivery.test_image`); Strata looks for {}",
                BUILD_FILES.join(", ")
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let files = files.to_vec();
        move |name: &str| {
            files
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned())
        }
    }

    #[test]
    fn each_build_tool_is_recognised() {
        type Files = &'static [(&'static str, &'static str)];
        let cases: &[(Files, &str, &str)] = &[
            (
                &[("Cargo.toml", "")],
                "cargo test --locked --workspace",
                RUST,
            ),
            (
                &[
                    ("package.json", r#"{"scripts":{"test":"vitest run"}}"#),
                    ("package-lock.json", "{}"),
                ],
                "npm ci && npm test",
                NODE,
            ),
            (
                &[
                    ("package.json", r#"{"scripts":{"test":"jest"}}"#),
                    ("pnpm-lock.yaml", ""),
                ],
                "corepack enable && pnpm install --frozen-lockfile && pnpm test",
                NODE,
            ),
            (&[("go.mod", "module x")], "go test ./...", GO),
            (
                &[("pyproject.toml", ""), ("poetry.lock", "")],
                "pip install poetry && poetry install && poetry run pytest",
                PYTHON,
            ),
            (&[("pom.xml", ""), ("mvnw", "")], "./mvnw -B test", MAVEN),
            (&[("build.gradle.kts", "")], "gradle test", GRADLE),
            (
                &[("Makefile", "build:\n\tcc x.c\ntest: build\n\t./t\n")],
                "make test",
                MAKE,
            ),
        ];
        for (files, command, image) in cases {
            let d = tests(&repo(files)).unwrap_or_else(|| panic!("{files:?}: none"));
            assert_eq!(
                (d.command.as_str(), d.image),
                (*command, *image),
                "{files:?}"
            );
        }
    }

    #[test]
    fn a_given_command_gets_its_tool_s_image() {
        assert_eq!(image_for("npm ci && npm test"), NODE);
        assert_eq!(image_for("cd api && ./gradlew check"), GRADLE);
        assert_eq!(image_for("corepack enable && pnpm test"), NODE);
        assert_eq!(image_for("pytest -q"), PYTHON);
        assert_eq!(image_for("./run-tests"), MAKE);
    }

    #[test]
    fn placeholder_scripts_and_unrelated_files_are_not_tests() {
        let npm_init = r#"{"scripts":{"test":"echo \"Error: no test specified\" && exit 1"}}"#;
        assert_eq!(tests(&repo(&[("package.json", npm_init)])), None);
        assert_eq!(tests(&repo(&[("Makefile", "build:\n\tcc x.c\n")])), None);
        assert_eq!(tests(&repo(&[("README.md", "# x")])), None);
        // A Node front-end without tests does not hide the Go service's.
        let d = tests(&repo(&[("package.json", npm_init), ("go.mod", "")])).unwrap();
        assert_eq!(d.from, "go.mod");
    }

    #[test]
    fn the_spec_wins_and_a_missing_command_is_a_warning() {
        let text = "app: shop\nenvironments:\n  dev: {}\nservices:\n  web: {port: 8080}\ndelivery:\n  test_command: make check\n";
        let mut loaded = crate::load("strata.yaml", text.as_bytes());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        apply(&mut loaded, &repo(&[("Cargo.toml", "")]));
        let d = &loaded.spec.as_ref().unwrap().delivery;
        assert_eq!(d.test_command.as_deref(), Some("make check"));
        assert_eq!(d.tests_detected_from, None);

        let text = text.replace("  test_command: make check\n", "  ci: gitlab-ci\n");
        let mut loaded = crate::load("strata.yaml", text.as_bytes());
        apply(&mut loaded, &repo(&[]));
        let w = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == "spec::no-tests")
            .expect("a warning");
        assert!(!w.is_error());
        assert_eq!(w.span.start, text.find("delivery").unwrap());
    }
}
