//! Finding the files to scan and sending each to its front-end.

use std::path::Path;

use crate::{Inventory, terraform};

/// What kind of file a path is, by name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A directory of `.tf` files.
    TerraformDir,
}

/// Scans every path (files or directories, recursively) and returns one inventory.
pub fn scan_paths(paths: &[&Path]) -> Inventory {
    let mut inv = Inventory::default();
    for p in paths {
        let display = p.display().to_string();
        if p.is_dir() {
            walk_dir(p, &display, &mut inv, 0);
        } else if p.is_file() {
            scan_file(p, &display, &mut inv);
        } else {
            inv.problem(&display, 0, 0, "no such file or directory");
        }
    }
    inv
}

fn walk_dir(dir: &Path, display: &str, inv: &mut Inventory, depth: usize) {
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
        terraform::scan_dir(dir, display, inv);
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
            walk_dir(&p, &child, inv, depth + 1);
        } else if !(has_tf && name.ends_with(".tf")) {
            scan_file(&p, &child, inv);
        }
    }
}

fn scan_file(p: &Path, display: &str, inv: &mut Inventory) {
    if p.extension().is_some_and(|x| x == "tf") {
        let text = match std::fs::read(p) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                inv.problem(display, 0, 0, format!("cannot read: {e}"));
                return;
            }
        };
        terraform::scan_files(
            &[(display.to_owned(), text)],
            p.parent().unwrap_or(Path::new(".")),
            inv,
        );
    }
}
