//! Desired state as the kinds see it: a resource's attributes with every
//! reference replaced by the output it names, and typed getters that say
//! which attribute is missing or mistyped.

use std::collections::BTreeMap;

use strata_model::{Address, Resource, Value};

use crate::error::{Error, Result};

/// A model value as JSON (references and unknowns must be resolved first;
/// they serialise in their documented `$ref` / `$unknown` shape otherwise).
pub fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// JSON as a model value.
pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// Outputs of the resources applied so far, by address.
pub type Outputs = BTreeMap<Address, BTreeMap<String, Value>>;

/// The plan's stand-in for the account of an environment that names none.
pub const ACCOUNT: &str = "${account_id}";

/// Replaces every reference in `v` by the output it names, and the plan's
/// `${account_id}` by `account` (the caller's, for an environment that
/// names none: AWS rejects a policy naming `${account_id}`).
pub fn resolve(v: &Value, outputs: &Outputs, account: &str) -> Result<Value> {
    Ok(match v {
        Value::Ref(r) => {
            let out = outputs
                .get(&r.address)
                .ok_or_else(|| Error::Invalid(format!("{} is not applied yet", r.address)))?;
            out.get(&r.attribute).cloned().ok_or_else(|| {
                Error::Invalid(format!(
                    "{} has no output `{}` (outputs: {})",
                    r.address,
                    r.attribute,
                    out.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })?
        }
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|i| resolve(i, outputs, account))
                .collect::<Result<_>>()?,
        ),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, outputs, account)?)))
                .collect::<Result<_>>()?,
        ),
        Value::Unknown(e) => {
            return Err(Error::Invalid(format!("value unknown before apply: {e}")));
        }
        Value::String(s) if s.contains(ACCOUNT) => Value::String(s.replace(ACCOUNT, account)),
        other => other.clone(),
    })
}

/// One resource's desired state, references resolved.
#[derive(Debug, Clone)]
pub struct Desired {
    /// Its address.
    pub address: Address,
    /// Attributes, resolved.
    pub attrs: BTreeMap<String, Value>,
    /// Tags to put on it: the plan's tags plus `strata:address`.
    pub tags: BTreeMap<String, String>,
    /// Addresses it depends on in the plan, recorded with it in the
    /// journal so that, once the plan no longer has it, what it stood on
    /// is still known.
    pub needs: Vec<String>,
}

impl Desired {
    /// Resolves `r` against the outputs applied so far, in `account`.
    pub fn new(r: &Resource, outputs: &Outputs, account: &str) -> Result<Self> {
        let mut attrs = BTreeMap::new();
        for (k, v) in &r.attributes {
            attrs.insert(k.clone(), resolve(v, outputs, account)?);
        }
        let mut tags: BTreeMap<String, String> = match attrs.get("tags") {
            Some(Value::Map(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        };
        tags.insert("strata:address".into(), r.address.to_string());
        tags.insert("strata:env".into(), r.address.env.to_string());
        Ok(Self {
            address: r.address.clone(),
            attrs,
            tags,
            needs: r.depends_on().iter().map(|a| a.to_string()).collect(),
        })
    }

    fn missing(&self, key: &str, what: &str) -> Error {
        Error::Invalid(format!(
            "{}: attribute `{key}` must be {what}",
            self.address
        ))
    }

    /// An attribute, if set (and not null).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.attrs.get(key).filter(|v| !matches!(v, Value::Null))
    }

    /// A required string.
    pub fn str(&self, key: &str) -> Result<&str> {
        self.opt_str(key)
            .ok_or_else(|| self.missing(key, "a string"))
    }

    /// An optional string.
    pub fn opt_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// An optional integer (floats with no fraction and numeric strings count).
    pub fn opt_int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(as_int)
    }

    /// A required integer.
    pub fn int(&self, key: &str) -> Result<i64> {
        self.opt_int(key)
            .ok_or_else(|| self.missing(key, "an integer"))
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    /// A list of strings (absent: empty).
    pub fn strs(&self, key: &str) -> Vec<String> {
        strs(self.get(key))
    }

    /// A JSON document attribute (policy, container definitions) as text.
    pub fn json(&self, key: &str) -> Result<String> {
        let v = self
            .get(key)
            .ok_or_else(|| self.missing(key, "a document"))?;
        Ok(match v {
            Value::String(s) => s.clone(),
            other => serde_json::to_string(&to_json(other)).unwrap_or_default(),
        })
    }

    /// A nested map attribute.
    pub fn map(&self, key: &str) -> Option<&BTreeMap<String, Value>> {
        self.get(key).and_then(Value::as_map)
    }

    /// The tags as `(key, value)` pairs.
    pub fn tag_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A value as an integer, leniently.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A list of strings (a single string counts as one).
pub fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A field of a nested map.
pub fn field<'a>(m: Option<&'a BTreeMap<String, Value>>, key: &str) -> Option<&'a Value> {
    m.and_then(|m| m.get(key))
}

/// Whether two values mean the same for drift: numbers compare by value,
/// JSON documents held as text compare as documents, lists of strings
/// compare as sets where the order carries no meaning.
pub fn same(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => *a as f64 == *b,
        (Value::String(a), Value::String(b)) if a != b => {
            match (
                serde_json::from_str::<serde_json::Value>(a),
                serde_json::from_str::<serde_json::Value>(b),
            ) {
                (Ok(x), Ok(y)) if x.is_object() || x.is_array() => x == y,
                _ => false,
            }
        }
        (Value::Map(_) | Value::List(_), Value::String(s)) => {
            serde_json::from_str::<serde_json::Value>(s).is_ok_and(|j| j == to_json(desired))
        }
        (Value::List(a), Value::List(b)) => {
            let mut x: Vec<String> = a.iter().map(|v| to_json(v).to_string()).collect();
            let mut y: Vec<String> = b.iter().map(|v| to_json(v).to_string()).collect();
            x.sort();
            y.sort();
            x == y
        }
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => desired == live,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plans_account_stand_in_becomes_the_callers_account() {
        let doc = Value::Map(
            [(
                "Principal".to_owned(),
                Value::List(vec![
                    "arn:aws:iam::${account_id}:root".into(),
                    "arn:aws:iam::222222222222:root".into(),
                ]),
            )]
            .into(),
        );
        let got = resolve(&doc, &Outputs::new(), "111111111111").unwrap();
        assert_eq!(
            to_json(&got).to_string(),
            r#"{"Principal":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root"]}"#
        );
    }

    #[test]
    fn documents_compare_as_documents_and_lists_as_sets() {
        let doc = Value::String(r#"{"a": 1, "b": [1, 2]}"#.into());
        let same_doc = Value::String(r#"{"b":[1,2],"a":1}"#.into());
        assert!(same(&doc, &same_doc));
        assert!(!same(&doc, &Value::String(r#"{"a":2,"b":[1,2]}"#.into())));
        let l1 = Value::List(vec!["x".into(), "y".into()]);
        let l2 = Value::List(vec!["y".into(), "x".into()]);
        assert!(same(&l1, &l2));
        assert!(!same(&l1, &Value::List(vec!["x".into()])));
        assert!(same(&Value::Int(3), &Value::Float(3.0)));
        assert!(!same(&Value::Bool(true), &Value::Bool(false)));
    }
}
