//! Finding the files to scan and sending each to its front-end.

use std::path::Path;

use crate::{Inventory, ci, cloudformation, dockerfile, kubernetes, terraform};

/// What kind of file a path is, by name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A `.tf` file (directories of them are read as one module).
    Terraform,
    /// Kubernetes manifests.
    Kubernetes,
    /// A CloudFormation template (YAML or JSON).
    CloudFormation,
    /// A Dockerfile.
    Dockerfile,
    /// A GitHub Actions workflow.
    GithubWorkflow,
    /// A GitLab CI pipeline.
    GitlabCi,
}

/// Scans every path (files or directories, recursively) and returns one inventory.
pub fn scan_paths(paths: &[&Path]) -> Inventory {
    let mut inv = Inventory::default();
    let mut tf_dirs = Vec::new();
    for p in paths {
        let display = p.display().to_string();
        if p.is_dir() {
            walk_dir(p, &display, &mut inv, 0, &mut tf_dirs);
        } else if p.is_file() {
            scan_file(p, &display, &mut inv);
        } else {
            inv.problem(&display, 0, 0, "no such file or directory");
        }
    }
    // Terraform last, all together: which directories are modules of which
    // roots is only known across the whole tree.
    terraform::scan_roots(&tf_dirs, &mut inv);
    crate::rendered::link_placeholders(&mut inv);
    inv
}

fn walk_dir(
    dir: &Path,
    display: &str,
    inv: &mut Inventory,
    depth: usize,
    tf_dirs: &mut Vec<(std::path::PathBuf, String)>,
) {
    if depth > 32 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        inv.problem(display, 0, 0, "cannot read directory");
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    let has_tf = entries
        .iter()
        .any(|p| p.is_file() && p.extension().is_some_and(|x| x == "tf"));
    if has_tf {
        tf_dirs.push((dir.to_path_buf(), display.to_owned()));
    }
    for p in entries {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let child = format!("{}/{name}", display.trim_end_matches('/'));
        if p.is_dir() {
            if name.starts_with('.') && name != ".github"
                || name == "node_modules"
                || name == "target"
            {
                continue;
            }
            walk_dir(&p, &child, inv, depth + 1, tf_dirs);
        } else if !(has_tf && name.ends_with(".tf")) {
            scan_file(&p, &child, inv);
        }
    }
}

/// Largest file read; bigger ones are reported, not read.
const MAX_FILE: u64 = 8 * 1024 * 1024;

/// What a file is, from its path and (for YAML and JSON) its content.
pub fn classify(path: &Path, text: Option<&str>) -> Option<FileKind> {
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_ascii_lowercase();
    let ext = path
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let full = path.to_string_lossy().replace('\\', "/");
    if ext == "tf" {
        return Some(FileKind::Terraform);
    }
    if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    let yaml = matches!(ext.as_str(), "yaml" | "yml");
    if yaml && (full.contains(".github/workflows/") || full.starts_with(".github/workflows/")) {
        return Some(FileKind::GithubWorkflow);
    }
    if yaml && (name == ".gitlab-ci.yml" || name.ends_with(".gitlab-ci.yml")) {
        return Some(FileKind::GitlabCi);
    }
    // Helm chart templates are Go templates, not YAML: render the chart
    // (`helm template`) and scan the output instead.
    if path.components().any(|c| c.as_os_str() == "templates")
        && path
            .ancestors()
            .skip(1)
            .any(|a| a.join("Chart.yaml").is_file())
    {
        return None;
    }
    let text = text?;
    if (yaml || matches!(ext.as_str(), "json" | "template"))
        && looks_like_cloudformation(&name, text)
    {
        return Some(FileKind::CloudFormation);
    }
    if yaml && kubernetes::looks_like(text) {
        return Some(FileKind::Kubernetes);
    }
    None
}

/// A CloudFormation template declares its format version, or has a
/// top-level `Resources` *mapping* naming `AWS::` types. CodeDeploy AppSpecs
/// (`version: 0.0`, `Resources` a list of `TargetService`s) and CodeBuild
/// buildspecs name `AWS::` types too, and are not templates.
fn looks_like_cloudformation(name: &str, text: &str) -> bool {
    if text.contains("AWSTemplateFormatVersion") {
        return true;
    }
    if !text.contains("AWS::") || name.starts_with("appspec") || name.starts_with("buildspec") {
        return false;
    }
    let mut lines = text.lines().skip_while(|l| !l.starts_with("Resources:"));
    if let Some(first) = lines.next() {
        let rest = first["Resources:".len()..].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return rest.starts_with('{');
        }
        return lines
            .map(str::trim)
            .find(|t| !t.is_empty() && !t.starts_with('#'))
            .is_some_and(|t| !t.starts_with('-'));
    }
    text.split("\"Resources\"").skip(1).any(|after| {
        after
            .trim_start()
            .strip_prefix(':')
            .is_some_and(|v| v.trim_start().starts_with('{'))
    })
}

fn scan_file(p: &Path, display: &str, inv: &mut Inventory) {
    let ext = p
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = classify(p, None);
    if by_name.is_none() && !matches!(ext.as_str(), "yaml" | "yml" | "json" | "template") {
        return;
    }
    if std::fs::metadata(p).is_ok_and(|m| m.len() > MAX_FILE) {
        inv.problem(
            display,
            0,
            0,
            format!("larger than {MAX_FILE} bytes; not read"),
        );
        return;
    }
    let text = match std::fs::read(p) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            inv.problem(display, 0, 0, format!("cannot read: {e}"));
            return;
        }
    };
    match by_name.or_else(|| classify(p, Some(&text))) {
        Some(FileKind::Terraform) => {
            terraform::scan_files(
                &[(display.to_owned(), text)],
                p.parent().unwrap_or(Path::new(".")),
                inv,
            );
        }
        Some(FileKind::Kubernetes) => kubernetes::scan_text(display, &text, inv),
        Some(FileKind::CloudFormation) => cloudformation::scan_text(display, &text, inv),
        Some(FileKind::Dockerfile) => dockerfile::scan_text(display, &text, inv),
        Some(FileKind::GithubWorkflow) => {
            ci::scan_text(display, &text, strata_model::Kind::GithubWorkflow, inv)
        }
        Some(FileKind::GitlabCi) => {
            ci::scan_text(display, &text, strata_model::Kind::GitlabCi, inv)
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn kind(name: &str, text: &str) -> Option<FileKind> {
        classify(Path::new(name), Some(text))
    }

    #[test]
    fn appspecs_and_buildspecs_are_not_cloudformation() {
        let appspec = "version: 0.0\nResources:\n- TargetService:\n    Type: AWS::ECS::Service\n";
        assert_eq!(kind("deploy/appspec-web.yaml", appspec), None);
        // Renamed, it is still a list of targets, not a template.
        assert_eq!(kind("deploy/web.yaml", appspec), None);
        let buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n    - aws cloudformation deploy # AWS::\nResources: none\n";
        assert_eq!(kind("ci/buildspec-scan.yml", buildspec), None);
    }

    #[test]
    fn templates_are_cloudformation_in_yaml_and_json() {
        let yaml = "Resources:\n  # the bucket\n  Logs:\n    Type: AWS::S3::Bucket\n";
        assert_eq!(kind("stack.yaml", yaml), Some(FileKind::CloudFormation));
        let flow = "Resources: {Logs: {Type: AWS::S3::Bucket}}\n";
        assert_eq!(kind("stack.yaml", flow), Some(FileKind::CloudFormation));
        let json = "{\n  \"Resources\" : {\n    \"Logs\": {\"Type\": \"AWS::S3::Bucket\"}\n  }\n}";
        assert_eq!(kind("stack.json", json), Some(FileKind::CloudFormation));
        let versioned = "AWSTemplateFormatVersion: '2010-09-09'\n";
        assert_eq!(kind("any.yml", versioned), Some(FileKind::CloudFormation));
        let list = "{\"Resources\": [{\"TargetService\": {\"Type\": \"AWS::ECS::Service\"}}]}";
        assert_eq!(kind("x.json", list), None);
    }
}
