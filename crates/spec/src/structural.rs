//! Structural validation: the YAML tree against the JSON Schema generated from
//! the spec types. Reports every unknown field, wrong type, bad enum value and
//! out-of-range number at once, each at its own span, with a hint taken from
//! the schema (the closest field name, the allowed values, the range).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use crate::diag::{Diagnostic, did_you_mean};
use crate::types::Spec;
use crate::yaml::{Node, NodeValue};

/// The JSON Schema of the spec, generated from the types and their doc comments.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::generate::SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<Spec>();
        let mut v = serde_json::to_value(schema).unwrap_or(Value::Null);
        drop_null_alternatives(&mut v);
        if let Value::Object(m) = &mut v {
            m.insert(
                "$comment".into(),
                "Generated from the spec types by `strata schema`; do not edit.".into(),
            );
        }
        v
    })
}

/// `Option` fields mean "absent", never `null`: turn `anyOf: [X, {type: null}]`
/// into `X` and `type: [T, "null"]` into `type: T`, so errors stay precise.
fn drop_null_alternatives(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            let is_null = |a: &Value| a.get("type").and_then(Value::as_str) == Some("null");
            let replacement = match map.get("anyOf") {
                Some(Value::Array(alts)) if alts.len() == 2 && alts.iter().any(is_null) => {
                    alts.iter().find(|a| !is_null(a)).cloned()
                }
                _ => None,
            };
            if let Some(Value::Object(inner)) = replacement {
                map.remove("anyOf");
                for (k, val) in inner {
                    map.entry(k).or_insert(val);
                }
            }
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_alternatives),
        _ => {}
    }
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema()).ok())
        .as_ref()
}

/// Validates the document's structure; returns every problem.
pub fn check(root: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match &root.value {
        NodeValue::Map(_) => {}
        NodeValue::Null => {
            out.push(
                Diagnostic::error("spec::empty", "the spec is empty", 0..0)
                    .with_help("run `strata init` to write a starter spec"),
            );
            return out;
        }
        _ => {
            out.push(
                Diagnostic::error(
                    "spec::not-a-mapping",
                    format!(
                        "a spec is a YAML mapping of settings, but this file holds {}",
                        root.type_name()
                    ),
                    root.span.clone(),
                )
                .with_help("start with `app: <name>`; `strata init` writes a starter spec"),
            );
            return out;
        }
    }
    let Some(validator) = validator() else {
        out.push(Diagnostic::error(
            "spec::internal",
            "the spec schema failed to compile; this is a bug in Strata",
            0..0,
        ));
        return out;
    };
    let instance = root.to_json();
    let mut seen = BTreeSet::new();
    for err in validator.iter_errors(&instance) {
        let path: Vec<String> = err
            .instance_path()
            .segments()
            .map(|s| match s {
                LocationSegment::Property(p) => p.to_string(),
                LocationSegment::Index(i) => i.to_string(),
            })
            .collect();
        for d in describe(err.kind(), &path, root) {
            if seen.insert((d.span.start, d.span.end, d.code)) {
                out.push(d);
            }
        }
    }
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

/// A dotted, human form of a path: `services.web.port`.
pub fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        "the spec".to_owned()
    } else {
        path.join(".")
    }
}

fn describe(kind: &ValidationErrorKind, path: &[String], root: &Node) -> Vec<Diagnostic> {
    let Some((node, _)) = root.at_path(path) else {
        return vec![Diagnostic::error(
            "spec::invalid",
            format!("{} is invalid", dotted(path)),
            0..0,
        )];
    };
    let sub = subschema(schema(), path);
    let field = dotted(path);
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| {
                let span = node
                    .get(key)
                    .map_or(node.span.clone(), |e| e.key_span.clone());
                let known = sub.map(property_names).unwrap_or_default();
                let help = match did_you_mean(key, known.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if known.is_empty() => "remove it".to_owned(),
                    None => format!("known fields here: {}", known.join(", ")),
                };
                let place = if path.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in `{field}`")
                };
                Diagnostic::error(
                    "spec::unknown-field",
                    format!("unknown field `{key}` {place}"),
                    span,
                )
                .with_label("not a known field")
                .with_help(help)
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let prop = property.as_str().unwrap_or("?");
            let span = match &node.value {
                NodeValue::Map(entries) => entries
                    .first()
                    .map_or(node.span.clone(), |e| e.key_span.clone()),
                _ => node.span.clone(),
            };
            let place = if path.is_empty() {
                "the spec".to_owned()
            } else {
                format!("`{field}`")
            };
            vec![
                Diagnostic::error(
                    "spec::missing-field",
                    format!("{place} is missing `{prop}`"),
                    span,
                )
                .with_label(format!("`{prop}` is required here"))
                .with_help(format!("add `{prop}: ...`")),
            ]
        }
        ValidationErrorKind::Enum { .. }
        | ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::AnyOf { .. }
        | ValidationErrorKind::Constant { .. } => {
            let options = sub.map(enum_options).unwrap_or_default();
            if options.is_empty() {
                return vec![Diagnostic::error(
                    "spec::invalid",
                    format!("`{field}` has an invalid value"),
                    node.span.clone(),
                )];
            }
            let found = scalar_text(node);
            let help = match found
                .as_deref()
                .and_then(|f| did_you_mean(f, options.iter().map(String::as_str)))
            {
                Some(s) => format!(
                    "did you mean `{s}`? Expected one of: {}",
                    options.join(", ")
                ),
                None => format!("expected one of: {}", options.join(", ")),
            };
            let message = match found {
                Some(f) => format!("`{f}` is not a valid value for `{field}`"),
                None => format!(
                    "`{field}` must be one of the listed values, not {}",
                    node.type_name()
                ),
            };
            vec![
                Diagnostic::error("spec::invalid-value", message, node.span.clone())
                    .with_label("not allowed here")
                    .with_help(help),
            ]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| article(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let options = sub.map(enum_options).unwrap_or_default();
            let help = if options.is_empty() {
                type_hint(node, &expected)
            } else {
                Some(format!("expected one of: {}", options.join(", ")))
            };
            vec![
                Diagnostic::error(
                    "spec::wrong-type",
                    format!("`{field}` must be {expected}, not {}", node.type_name()),
                    node.span.clone(),
                )
                .with_label(format!("this is {}", node.type_name()))
                .with_help_opt(help),
            ]
        }
        ValidationErrorKind::Minimum { .. }
        | ValidationErrorKind::Maximum { .. }
        | ValidationErrorKind::ExclusiveMinimum { .. }
        | ValidationErrorKind::ExclusiveMaximum { .. } => {
            let (min, max) = sub.map(range).unwrap_or((None, None));
            let bounds = match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "in range".to_owned(),
            };
            let found = scalar_text(node).unwrap_or_default();
            vec![
                Diagnostic::error(
                    "spec::out-of-range",
                    format!("`{field}` is {found}, but it must be {bounds}"),
                    node.span.clone(),
                )
                .with_label("out of range")
                .with_help(format!("use a value {bounds}")),
            ]
        }
        other => vec![Diagnostic::error(
            "spec::invalid",
            format!("`{field}` is invalid: {}", kind_text(other)),
            node.span.clone(),
        )],
    }
}

fn kind_text(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::MinItems { limit } => format!("needs at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("takes at most {limit} items"),
        ValidationErrorKind::UniqueItems => "items must be unique".to_owned(),
        ValidationErrorKind::Pattern { pattern } => format!("must match `{pattern}`"),
        ValidationErrorKind::MinLength { limit } => format!("needs at least {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("takes at most {limit} characters"),
        _ => "does not match the schema".to_owned(),
    }
}

fn article(t: &str) -> String {
    let t = match t {
        "object" => "mapping",
        "array" => "list",
        other => other,
    };
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

fn type_hint(node: &Node, expected: &str) -> Option<String> {
    match (&node.value, expected) {
        (NodeValue::Str(s), e) if e.contains("integer") || e.contains("number") => {
            if s.trim().parse::<f64>().is_ok() {
                Some("remove the quotes around the number".to_owned())
            } else {
                Some("write a number".to_owned())
            }
        }
        (NodeValue::Null, _) => Some("give it a value or remove the line".to_owned()),
        (NodeValue::Map(_), e) if e.contains("list") => {
            Some("write the items as a list: `- item` on each line".to_owned())
        }
        (_, e) if e.contains("string") => Some("quote the value to make it a string".to_owned()),
        _ => None,
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Follows `$ref`s to `#/$defs/...`.
fn deref<'a>(root: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r
                .strip_prefix("#/$defs/")
                .and_then(|name| root.get("$defs").and_then(|d| d.get(name)))
            {
                Some(next) => s = next,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The schema that applies at an instance path.
pub fn subschema<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = deref(root, root);
    for seg in path {
        cur = deref(root, cur);
        if let Some(p) = cur.get("properties").and_then(|p| p.get(seg)) {
            cur = p;
        } else if let Some(ap) = cur.get("additionalProperties").filter(|v| v.is_object()) {
            cur = ap;
        } else if let Some(items) = cur.get("items").filter(|_| seg.parse::<usize>().is_ok()) {
            cur = items;
        } else {
            return None;
        }
    }
    Some(deref(root, cur))
}

fn property_names(s: &Value) -> Vec<String> {
    s.get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The values an enum-like schema allows, in schema order.
pub fn enum_options(s: &Value) -> Vec<String> {
    let root = schema();
    let s = deref(root, s);
    let mut out = Vec::new();
    let mut push = |v: &Value| {
        if let Some(t) = v.as_str() {
            out.push(t.to_owned());
        }
    };
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        values.iter().for_each(&mut push);
    }
    for key in ["oneOf", "anyOf"] {
        for alt in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            let alt = deref(root, alt);
            if let Some(c) = alt.get("const") {
                push(c);
            }
            if let Some(values) = alt.get("enum").and_then(Value::as_array) {
                values.iter().for_each(&mut push);
            }
        }
    }
    out
}

fn range(s: &Value) -> (Option<String>, Option<String>) {
    let num = |k: &str| s.get(k).map(|v| v.to_string());
    (num("minimum"), num("maximum"))
}
