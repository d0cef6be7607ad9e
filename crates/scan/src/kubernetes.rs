//! Kubernetes manifests (multi-document YAML, plain or Helm-rendered) into the
//! graph, in the planner's shape: `name`, `namespace`, `labels`,
//! `annotations` at the top, then the object's own fields (`spec`, `data`,
//! `rules`...). Pod Security labels on namespaces become `pod_security`, a
//! service account's `automountServiceAccountToken` becomes
//! `automount_service_account_token`, as the planner writes them.

use std::collections::BTreeMap;

use strata_model::{Family, Kind, Value};
use strata_spec::SourceFile;
use strata_spec::yaml::{Node, NodeValue};

use crate::inventory::{Inventory, Origin, Suppression, attach_suppressions, suppression_comments};
use crate::yamlish::{index_lines, to_value};

const SOURCE: &str = "kubernetes";

/// True when `text` looks like Kubernetes manifests (some document has
/// `apiVersion` and `kind` at the top level).
pub fn looks_like(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("apiVersion:"))
        && text.lines().any(|l| l.starts_with("kind:"))
}

/// Reads every object of the manifest file `name`.
pub fn scan_text(name: &str, text: &str, inv: &mut Inventory) {
    inv.files.push(name.to_owned());
    let src = SourceFile::new(name, text);
    let (docs, diags) = strata_spec::yaml::parse_stream(text);
    for d in diags.iter().filter(|d| d.is_error()) {
        let (line, col) = src.line_col(d.span.start);
        inv.problem(name, line, col, d.message.clone());
    }
    let mut spans = Vec::new();
    for doc in &docs {
        let items: Vec<&Node> = match (doc.get("kind").map(|e| &e.value.value), doc.get("items")) {
            (Some(NodeValue::Str(k)), Some(items)) if k.ends_with("List") => {
                match &items.value.value {
                    NodeValue::Seq(s) => s.iter().collect(),
                    _ => Vec::new(),
                }
            }
            _ => vec![doc],
        };
        for obj in items {
            if let Some(span) = object(obj, &src, inv) {
                spans.push(span);
            }
        }
    }
    let found = suppression_comments(name, text);
    attach_suppressions(inv, found, &spans);
}

fn object(
    obj: &Node,
    src: &SourceFile,
    inv: &mut Inventory,
) -> Option<(strata_model::Address, u32, u32)> {
    let NodeValue::Map(entries) = &obj.value else {
        return None;
    };
    let text_of = |k: &str| obj.get(k).and_then(|e| e.value.as_str()).map(str::to_owned);
    let kind_name = text_of("kind")?;
    text_of("apiVersion")?;
    let Some(kind) = kind_name
        .parse::<Kind>()
        .ok()
        .filter(|k| k.family() == Family::Kubernetes)
    else {
        *inv.uncovered.entry(kind_name).or_default() += 1;
        return None;
    };
    let meta = obj.get("metadata").map(|e| &e.value);
    let meta_str = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(|e| e.value.as_str())
            .map(str::to_owned)
    };
    let name = meta_str("name")
        .or_else(|| meta_str("generateName"))
        .unwrap_or_else(|| "unnamed".into());
    let namespace = meta_str("namespace");
    let label = match &namespace {
        Some(ns) => format!("{kind_name}/{ns}/{name}"),
        None => format!("{kind_name}/{name}"),
    };
    let tag = |_: &str, _: &Node| None;
    let mut attrs: BTreeMap<String, Value> = BTreeMap::new();
    let mut lines = BTreeMap::new();
    attrs.insert("name".into(), Value::String(name));
    attrs.insert(
        "namespace".into(),
        namespace.map_or(Value::Null, Value::String),
    );
    if let Some(m) = meta {
        for key in ["labels", "annotations"] {
            if let Some(e) = m.get(key) {
                attrs.insert(key.into(), to_value(&e.value, &tag));
                lines.insert(key.to_owned(), src.line_col(e.key_span.start).0);
                index_lines(&e.value, src, key, &mut lines);
            }
        }
        index_lines(m, src, "metadata", &mut lines);
    }
    for e in entries {
        if matches!(e.key.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        let key = if kind == Kind::ServiceAccount && e.key == "automountServiceAccountToken" {
            "automount_service_account_token".to_owned()
        } else {
            e.key.clone()
        };
        attrs.insert(key.clone(), to_value(&e.value, &tag));
        lines.insert(key.clone(), src.line_col(e.key_span.start).0);
        index_lines(&e.value, src, &key, &mut lines);
    }
    if kind == Kind::Namespace
        && let Some(Value::Map(labels)) = attrs.get("labels")
    {
        let ps: BTreeMap<String, Value> = labels
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("pod-security.kubernetes.io/")
                    .map(|m| (m.to_owned(), v.clone()))
            })
            .filter(|(m, _)| matches!(m.as_str(), "enforce" | "audit" | "warn"))
            .collect();
        if !ps.is_empty() {
            attrs.insert("pod_security".into(), Value::Map(ps));
        }
    }
    let start = src.line_col(obj.span.start).0;
    let end = src.line_col(obj.span.end).0;
    let address = inv.address(SOURCE, kind, &label);
    // Waivers and Checkov skips written as annotations.
    if let Some(Value::Map(ann)) = attrs.get("annotations") {
        for (k, v) in ann {
            let line = lines
                .get(&format!("annotations.{k}"))
                .copied()
                .unwrap_or(start);
            let reason = v.as_str().map(str::trim).filter(|r| r.len() >= 3);
            if let Some(id) = k.strip_prefix(crate::WAIVE_ANNOTATION) {
                inv.suppressions.push(Suppression {
                    file: src.name.clone(),
                    line,
                    control: id.to_owned(),
                    reason: reason.map(str::to_owned),
                    target: Some(address.clone()),
                });
            } else if k.starts_with("checkov.io/skip") {
                let text = v.as_str().unwrap_or_default();
                let (id, why) = text.split_once('=').unwrap_or((text, ""));
                inv.suppressions.push(Suppression {
                    file: src.name.clone(),
                    line,
                    control: id.trim().to_owned(),
                    reason: Some(why.trim().to_owned()).filter(|r| r.len() >= 3),
                    target: Some(address.clone()),
                });
            }
        }
    }
    inv.add(
        address.clone(),
        attrs,
        Origin {
            label,
            file: src.name.clone(),
            line: start,
            attrs: lines.into(),
            root: None,
        },
    );
    Some((address, start, end))
}
