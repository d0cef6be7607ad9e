//! Reading attributes by dotted path, the same way for every front-end.
//!
//! Nested blocks may arrive as a map (the planner) or a list of maps
//! (Terraform blocks, which can repeat): a path step into a list looks into
//! its first element that has the key. Scalars written as strings (`"true"`,
//! `"30"`, as CloudFormation and Terraform variables often have them) read as
//! booleans and numbers.

use strata_model::{Resource, Value};

/// What a path holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Got<'a> {
    /// Nothing is set there.
    Missing,
    /// Something is set, but its value cannot be known statically.
    Unknown(&'a str),
    /// A value.
    Value(&'a Value),
}

impl<'a> Got<'a> {
    /// The value, when known.
    pub fn value(self) -> Option<&'a Value> {
        match self {
            Got::Value(v) => Some(v),
            _ => None,
        }
    }

    /// True when nothing is set or it is `null`.
    pub fn is_missing(self) -> bool {
        matches!(self, Got::Missing | Got::Value(Value::Null))
    }
}

/// The value at `path` (dot-separated) in `r`'s attributes.
pub fn get<'a>(r: &'a Resource, path: &str) -> Got<'a> {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return Got::Missing;
    };
    let Some(mut cur) = r.attributes.get(first) else {
        return Got::Missing;
    };
    for part in parts {
        match step(cur, part) {
            Some(next) => cur = next,
            None => {
                return match unknown_in(cur) {
                    Some(e) => Got::Unknown(e),
                    None => Got::Missing,
                };
            }
        }
    }
    match cur {
        Value::Unknown(e) => Got::Unknown(e),
        v => Got::Value(v),
    }
}

/// The value at `path` inside `v`.
pub fn get_in<'a>(v: &'a Value, path: &str) -> Got<'a> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        match step(cur, part) {
            Some(next) => cur = next,
            None => {
                return match unknown_in(cur) {
                    Some(e) => Got::Unknown(e),
                    None => Got::Missing,
                };
            }
        }
    }
    match cur {
        Value::Unknown(e) => Got::Unknown(e),
        v => Got::Value(v),
    }
}

fn step<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Map(m) => m.get(key),
        Value::List(items) => items
            .iter()
            .find_map(|i| i.as_map().and_then(|m| m.get(key))),
        _ => None,
    }
}

fn unknown_in(v: &Value) -> Option<&str> {
    match v {
        Value::Unknown(e) => Some(e),
        _ => None,
    }
}

/// A boolean, also from `"true"`/`"false"`.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An integer, also from a numeric string or a whole float.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string, also from a number or boolean.
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// The elements of a list; a single value reads as a list of one; null as none.
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::List(l) => l.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// A JSON policy document, whether held as a map or as JSON text.
pub fn policy_document(v: &Value) -> Option<Value> {
    match v {
        Value::Map(_) => Some(v.clone()),
        Value::String(s) => serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .map(|j| from_json(&j)),
        _ => None,
    }
}

/// A JSON value as a graph value.
pub fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        J::String(s) => Value::String(s.clone()),
        J::Array(a) => Value::List(a.iter().map(from_json).collect()),
        J::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}
