//! The Strata spec (`strata.yaml`): types, the YAML front-end with spans, and
//! validation that reports every problem at once with file, line, column and a
//! hint.
//!
//! **Invariant:** no IO. Callers hand in bytes and a display name; nothing here
//! reads files, the clock or the environment. Loading never panics, whatever
//! the input; time and memory are bounded by [`yaml::MAX_BYTES`],
//! [`yaml::MAX_DEPTH`] and [`yaml::MAX_NODES`].

pub mod compose;
pub mod detect;
pub mod diag;
pub mod init;
pub mod regions;
pub mod resolve;
mod semantic;
pub mod structural;
pub mod types;
pub mod yaml;

pub use diag::{Diagnostic, Severity, SourceFile};
pub use types::*;

use serde_json::Value;

/// A loaded spec: the source, the typed spec when it could be built, and every
/// diagnostic.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The source, for rendering diagnostics.
    pub source: SourceFile,
    /// The YAML tree, for locating things in the source.
    pub root: Option<yaml::Node>,
    /// The typed spec; `None` when the input could not be read as one.
    pub spec: Option<Spec>,
    /// Every problem found, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// Byte offset of each path's key (or value, for the root and list items),
    /// keyed by the path's segments joined with `\u{1f}`.
    index: std::collections::HashMap<String, usize>,
}

fn build_index(root: Option<&yaml::Node>) -> std::collections::HashMap<String, usize> {
    let mut index = std::collections::HashMap::new();
    let Some(root) = root else { return index };
    let mut stack: Vec<(String, &yaml::Node)> = vec![(String::new(), root)];
    index.insert(String::new(), root.span.start);
    while let Some((path, node)) = stack.pop() {
        let join = |seg: &str| {
            if path.is_empty() {
                seg.to_owned()
            } else {
                format!("{path}\u{1f}{seg}")
            }
        };
        match &node.value {
            yaml::NodeValue::Map(entries) => {
                for e in entries {
                    let p = join(&e.key);
                    index.insert(p.clone(), e.key_span.start);
                    stack.push((p, &e.value));
                }
            }
            yaml::NodeValue::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = join(&i.to_string());
                    index.insert(p.clone(), item.span.start);
                    stack.push((p, item));
                }
            }
            _ => {}
        }
    }
    index
}

impl Loaded {
    /// A source that could not be read as a spec, with why.
    fn unread(source: SourceFile, root: Option<yaml::Node>, diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            source,
            root,
            spec: None,
            diagnostics,
            index: Default::default(),
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The spec, when it has no errors.
    pub fn valid_spec(&self) -> Option<&Spec> {
        if self.has_errors() {
            None
        } else {
            self.spec.as_ref()
        }
    }

    /// 1-based line and column of the value at a path of keys, or of its nearest
    /// ancestor present in the source. Used for provenance.
    pub fn locate(&self, path: &[&str]) -> (u32, u32) {
        for n in (0..=path.len()).rev() {
            if let Some(&at) = self.index.get(&path[..n].join("\u{1f}")) {
                return self.source.line_col(at);
            }
        }
        (1, 1)
    }

    /// Whether the source has a value at a path of keys.
    pub fn exists(&self, path: &[&str]) -> bool {
        self.index.contains_key(&path.join("\u{1f}"))
    }
}

/// Loads a spec from bytes. `name` is how the file is shown in diagnostics.
pub fn load(name: &str, bytes: &[u8]) -> Loaded {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let source = SourceFile::new(name, text);
    let mut diagnostics = Vec::new();
    if let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        diagnostics.push(
            Diagnostic::error("spec::not-utf8", "the file is not UTF-8 text", at..at + 1)
                .with_label("invalid byte")
                .with_help("a spec is a YAML text file; is this the right file?"),
        );
        return Loaded::unread(source, None, diagnostics);
    }
    let parsed = yaml::parse(&source.text);
    diagnostics.extend(parsed.diagnostics);
    let Some(root) = parsed.root else {
        return Loaded::unread(source, None, diagnostics);
    };
    if diagnostics.iter().any(|d| d.code == "yaml::syntax") {
        return Loaded::unread(source, Some(root), diagnostics);
    }
    diagnostics.extend(tags(&root));
    let structural = structural::check(&root);
    let fatal = structural.iter().any(|d| {
        matches!(
            d.code,
            "spec::empty" | "spec::not-a-mapping" | "spec::internal"
        )
    });
    let mut instance = root.to_json();
    // Drop what the schema rejected, so the rest can still be typed and checked.
    let mut give_up = fatal;
    if !structural.is_empty() && !fatal {
        give_up = !prune(&mut instance);
    }
    diagnostics.extend(structural);
    let spec = if give_up {
        None
    } else {
        match serde_json::from_value::<Spec>(instance) {
            Ok(s) => Some(s),
            Err(e) => {
                if !diagnostics.iter().any(Diagnostic::is_error) {
                    diagnostics.push(Diagnostic::error(
                        "spec::invalid",
                        format!("the spec could not be read: {e}"),
                        0..0,
                    ));
                }
                None
            }
        }
    };
    if let Some(s) = &spec {
        diagnostics.extend(semantic::check(s, &root));
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    let index = build_index(Some(&root));
    Loaded {
        source,
        root: Some(root),
        spec,
        diagnostics,
        index,
    }
}

fn tags(root: &yaml::Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if let Some(t) = &n.tag {
            out.push(
                Diagnostic::error(
                    "spec::tag",
                    format!("YAML tag `{t}` has no meaning in a spec"),
                    n.span.clone(),
                )
                .with_help("remove the tag"),
            );
        }
        match &n.value {
            yaml::NodeValue::Seq(items) => stack.extend(items.iter()),
            yaml::NodeValue::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    out
}

/// Removes every value the schema rejects, repeating until the instance is
/// valid (at most a few rounds). Fills a missing `app` with a placeholder.
/// Returns false when it could not reach a valid instance.
fn prune(instance: &mut Value) -> bool {
    let Ok(validator) = jsonschema::validator_for(structural::schema()) else {
        return false;
    };
    for _ in 0..8 {
        let mut removals: Vec<Vec<String>> = Vec::new();
        let mut add_app = false;
        for err in validator.iter_errors(instance) {
            let path: Vec<String> = err
                .instance_path()
                .segments()
                .map(|s| s.to_string())
                .collect();
            match err.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for k in unexpected {
                        let mut p = path.clone();
                        p.push(k.clone());
                        removals.push(p);
                    }
                }
                jsonschema::error::ValidationErrorKind::Required { property } => {
                    if path.is_empty() && property.as_str() == Some("app") {
                        add_app = true;
                    } else if !path.is_empty() {
                        removals.push(path);
                    } else {
                        return false;
                    }
                }
                _ if path.is_empty() => return false,
                _ => removals.push(path),
            }
        }
        if removals.is_empty() && !add_app {
            return true;
        }
        if add_app {
            if let Value::Object(m) = instance {
                m.insert("app".into(), Value::String("app".into()));
            }
        }
        // Deepest and last first, so indices stay valid.
        removals.sort();
        removals.dedup();
        for p in removals.iter().rev() {
            remove_path(instance, p);
        }
    }
    false
}

fn remove_path(v: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for seg in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(seg) {
                Some(x) => x,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.shift_remove(last);
        }
        Value::Array(a) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}
