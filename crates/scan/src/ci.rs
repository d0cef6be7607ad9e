//! CI files: a GitHub Actions workflow or a GitLab CI pipeline is one
//! resource whose attributes are the file's top-level keys (`on`,
//! `permissions`, `jobs`; `stages`, `variables`, jobs by name), with the line
//! of every path.

use std::collections::BTreeMap;

use strata_model::Kind;
use strata_spec::SourceFile;
use strata_spec::yaml::NodeValue;

use crate::inventory::{Inventory, Origin, attach_suppressions, suppression_comments};
use crate::yamlish::{index_lines, to_value};

/// Reads the workflow or pipeline file `name` as `kind`.
pub fn scan_text(name: &str, text: &str, kind: Kind, inv: &mut Inventory) {
    inv.files.push(name.to_owned());
    let src = SourceFile::new(name, text);
    let parsed = strata_spec::yaml::parse(text);
    for d in parsed.diagnostics.iter().filter(|d| d.is_error()) {
        let (line, col) = src.line_col(d.span.start);
        inv.problem(name, line, col, d.message.clone());
    }
    let Some(root) = parsed.root else { return };
    let NodeValue::Map(entries) = &root.value else {
        if parsed.diagnostics.is_empty() {
            inv.problem(name, 1, 1, "a CI file must be a mapping");
        }
        return;
    };
    let tag = |_: &str, _: &strata_spec::yaml::Node| None;
    let mut attrs = BTreeMap::new();
    let mut lines = BTreeMap::new();
    for e in entries {
        attrs.insert(e.key.clone(), to_value(&e.value, &tag));
        lines.insert(e.key.clone(), src.line_col(e.key_span.start).0);
        index_lines(&e.value, &src, &e.key, &mut lines);
    }
    // YAML 1.1 reads a bare `on:` key as `true`; keep it as `on`.
    if let Some(v) = attrs.remove("true") {
        attrs.insert("on".into(), v);
    }
    let source = if kind == Kind::GithubWorkflow {
        "github"
    } else {
        "gitlab"
    };
    let address = inv.address(source, kind, name);
    let last = u32::try_from(text.lines().count())
        .unwrap_or(u32::MAX)
        .max(1);
    inv.add(
        address.clone(),
        attrs,
        Origin {
            label: name.to_owned(),
            file: name.to_owned(),
            line: 1,
            attrs: lines.into(),
            root: None,
        },
    );
    let found = suppression_comments(name, text);
    attach_suppressions(inv, found, &[(address, 1, last)]);
}
