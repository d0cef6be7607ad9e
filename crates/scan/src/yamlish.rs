//! YAML documents (with spans, from `strata_spec::yaml`) as graph values, with
//! the line of every path.

use std::collections::BTreeMap;

use strata_model::Value;
use strata_spec::SourceFile;
use strata_spec::yaml::{Node, NodeValue};

/// Converts `node` to a value. `tag` turns a tagged node (CloudFormation's
/// `!Ref`, `!Sub`...) into a value; untagged nodes convert structurally.
pub fn to_value(node: &Node, tag: &dyn Fn(&str, &Node) -> Option<Value>) -> Value {
    if let Some(t) = &node.tag
        && let Some(v) = tag(t, node)
    {
        return v;
    }
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => Value::List(items.iter().map(|n| to_value(n, tag)).collect()),
        NodeValue::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_value(&e.value, tag)))
                .collect(),
        ),
    }
}

/// Records the line of every path under `node` into `lines`, keyed by the
/// dotted path from `prefix` (with list indices, and without them for the
/// first element).
pub fn index_lines(node: &Node, src: &SourceFile, prefix: &str, lines: &mut BTreeMap<String, u32>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match &node.value {
        NodeValue::Map(entries) => {
            for e in entries {
                let p = join(&e.key);
                lines
                    .entry(p.clone())
                    .or_insert(src.line_col(e.key_span.start).0);
                index_lines(&e.value, src, &p, lines);
            }
        }
        NodeValue::Seq(items) => {
            for (i, it) in items.iter().enumerate() {
                let p = join(&i.to_string());
                lines
                    .entry(p.clone())
                    .or_insert(src.line_col(it.span.start).0);
                index_lines(it, src, &p, lines);
            }
            // The first element's paths, unindexed: where a lookup that steps
            // through the list without an index lands.
            if let Some(first) = items.first() {
                index_lines(first, src, prefix, lines);
            }
        }
        _ => {}
    }
}
