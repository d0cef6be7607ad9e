//! Values that cross module boundaries, resolved the way Terraform resolves
//! them: `module.a.out` is what module `a`'s output `out` evaluates to, and
//! `var.x` inside `a` is what its caller passed as `x`.
//!
//! The reader evaluates with hcl-rs, whose values know nothing of resource
//! references. A reference, an output of a module not read yet, or an
//! unknown therefore travels inside hcl values as a *link*: a string made of
//! a private marker around an index into [`Links`]. Links flow through
//! variables, locals, objects and lists unchanged; [`Links::to_value`] turns
//! each back into what it stands for when a value enters the graph, and
//! [`Links::finish`] settles the links whose module was read later.

use std::collections::{BTreeSet, HashMap};

use strata_model::{Reference, Value};

use crate::inventory::Inventory;

/// Marks a link; never found in text read from a file (a control character
/// Terraform strings cannot hold unescaped, and the reader never unescapes
/// one into this shape).
const MARK: char = '\u{1}';
const MAX_HOPS: usize = 32;

/// A module instance: the instance that calls it and the call's name.
pub(super) type CallKey = (usize, String);

enum Link {
    /// A reference and how it was written.
    Ref(Reference, String),
    Output {
        caller: usize,
        module: String,
        output: String,
        steps: Vec<String>,
    },
    Unknown(String),
}

/// Every link made during one scan, and the outputs of each module instance
/// read so far.
#[derive(Default)]
pub(super) struct Links {
    items: Vec<Link>,
    outputs: HashMap<CallKey, hcl::Map<String, hcl::Value>>,
    instances: usize,
}

impl Links {
    /// A new module instance's number (roots included).
    pub(super) fn instance(&mut self) -> usize {
        self.instances += 1;
        self.instances
    }

    fn push(&mut self, link: Link) -> hcl::Value {
        let n = self.items.len();
        self.items.push(link);
        hcl::Value::String(format!("{MARK}{n}{MARK}"))
    }

    /// A reference to a resource instance, as an hcl value.
    pub(super) fn reference(&mut self, r: Reference, text: String) -> hcl::Value {
        self.push(Link::Ref(r, text))
    }

    /// Something not known statically, as an hcl value.
    pub(super) fn unknown(&mut self, text: String) -> hcl::Value {
        self.push(Link::Unknown(text))
    }

    /// `module.<module>.<output>` then literal `steps`, read in instance
    /// `caller`.
    pub(super) fn output(
        &mut self,
        caller: usize,
        module: &str,
        output: &str,
        steps: Vec<String>,
    ) -> hcl::Value {
        self.push(Link::Output {
            caller,
            module: module.to_owned(),
            output: output.to_owned(),
            steps,
        })
    }

    /// Records what a module instance's outputs evaluated to.
    pub(super) fn set_outputs(&mut self, key: CallKey, outputs: hcl::Map<String, hcl::Value>) {
        self.outputs.insert(key, outputs);
    }

    /// Whether that module instance has been read.
    pub(super) fn has_outputs(&self, key: &CallKey) -> bool {
        self.outputs.contains_key(key)
    }

    fn index(s: &str) -> Option<usize> {
        s.strip_prefix(MARK)?.strip_suffix(MARK)?.parse().ok()
    }

    /// The value an output link stands for, once its module is read.
    fn resolved(&self, n: usize) -> Option<&hcl::Value> {
        let Link::Output {
            caller,
            module,
            output,
            steps,
        } = &self.items[n]
        else {
            return None;
        };
        let mut cur = self.outputs.get(&(*caller, module.clone()))?.get(output)?;
        for s in steps {
            cur = match cur {
                hcl::Value::Object(m) => m.get(s)?,
                hcl::Value::Array(a) => a.get(s.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// `v` with every output link whose module has been read replaced by
    /// its value, so a module's inputs hold what its caller's siblings
    /// produced (literals stay literals; references stay links).
    pub(super) fn settle(&self, v: hcl::Value) -> hcl::Value {
        self.settle_at(v, 0)
    }

    fn settle_at(&self, v: hcl::Value, hops: usize) -> hcl::Value {
        match v {
            hcl::Value::String(s) => match Self::index(&s).and_then(|n| self.resolved(n)) {
                Some(r) if hops < MAX_HOPS => self.settle_at(r.clone(), hops + 1),
                _ => hcl::Value::String(s),
            },
            hcl::Value::Array(a) => {
                hcl::Value::Array(a.into_iter().map(|x| self.settle_at(x, hops)).collect())
            }
            hcl::Value::Object(o) => hcl::Value::Object(
                o.into_iter()
                    .map(|(k, x)| (k, self.settle_at(x, hops)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// The module instances whose outputs `v` still waits for.
    pub(super) fn waits_for(&self, v: &hcl::Value, out: &mut BTreeSet<CallKey>) {
        match v {
            hcl::Value::String(s) => {
                if let Some(n) = Self::index(s)
                    && let Link::Output { caller, module, .. } = &self.items[n]
                {
                    out.insert((*caller, module.clone()));
                }
            }
            hcl::Value::Array(a) => a.iter().for_each(|x| self.waits_for(x, out)),
            hcl::Value::Object(o) => o.values().for_each(|x| self.waits_for(x, out)),
            _ => {}
        }
    }

    /// An hcl value as a graph value: links become references, unknowns, or
    /// (for an output of a module not read yet) an unknown holding the link,
    /// which [`Links::finish`] settles.
    pub(super) fn to_value(&self, v: hcl::Value) -> Value {
        self.convert(v, false, 0)
    }

    fn convert(&self, v: hcl::Value, last: bool, hops: usize) -> Value {
        match v {
            hcl::Value::Null => Value::Null,
            hcl::Value::Bool(b) => Value::Bool(b),
            hcl::Value::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
            hcl::Value::String(s) => self.string(s, last, hops),
            hcl::Value::Array(a) => {
                Value::List(a.into_iter().map(|x| self.convert(x, last, hops)).collect())
            }
            hcl::Value::Object(o) => Value::Map(
                o.into_iter()
                    .map(|(k, x)| (k, self.convert(x, last, hops)))
                    .collect(),
            ),
        }
    }

    fn string(&self, s: String, last: bool, hops: usize) -> Value {
        if !s.contains(MARK) {
            return Value::String(s);
        }
        let Some(n) = Self::index(&s) else {
            // A link inside a longer string. A document built with
            // `jsonencode` around references (a policy naming a bucket's
            // ARN) is still a document: its structure is static, and the
            // references read as Terraform writes them, `${aws_s3_bucket.x.arn}`.
            // Anything else derived from a link is not static.
            let text = self.readable(&s);
            let t = text.trim_start();
            if (t.starts_with('{') || t.starts_with('['))
                && serde_json::from_str::<serde_json::Value>(&text).is_ok()
            {
                return Value::String(text);
            }
            return Value::Unknown(text);
        };
        match &self.items[n] {
            Link::Ref(r, _) => Value::Ref(Box::new(r.clone())),
            Link::Unknown(t) => Value::Unknown(t.clone()),
            Link::Output { .. } => match self.resolved(n) {
                Some(r) if hops < MAX_HOPS => self.convert(r.clone(), last, hops + 1),
                _ if last || hops >= MAX_HOPS => Value::Unknown(self.text(&self.items[n])),
                _ => Value::Unknown(s),
            },
        }
    }

    /// `s` with each link written as the expression it came from.
    fn readable(&self, s: &str) -> String {
        let mut out = String::new();
        let mut parts = s.split(MARK);
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        let rest: Vec<&str> = parts.collect();
        let mut i = 0;
        while i < rest.len() {
            match rest[i]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.items.get(n))
            {
                Some(link) if i + 1 < rest.len() => {
                    out.push_str("${");
                    out.push_str(&self.text(link));
                    out.push('}');
                    out.push_str(rest[i + 1]);
                    i += 2;
                }
                _ => {
                    out.push_str(rest[i]);
                    i += 1;
                }
            }
        }
        out
    }

    fn text(&self, link: &Link) -> String {
        match link {
            Link::Ref(_, text) => text.clone(),
            Link::Unknown(t) => t.clone(),
            Link::Output {
                module,
                output,
                steps,
                ..
            } => {
                let mut t = format!("module.{module}.{output}");
                for s in steps {
                    t.push_str(&format!("[{s:?}]"));
                }
                t
            }
        }
    }

    /// Settles every link left in the graph once all modules are read: an
    /// output still unread (a module that is not local, or a cycle) is an
    /// unknown named by its expression.
    pub(super) fn finish(&self, inv: &mut Inventory) {
        for r in inv.graph.iter_mut() {
            for v in r.attributes.values_mut() {
                self.finish_value(v);
            }
        }
    }

    fn finish_value(&self, v: &mut Value) {
        match v {
            Value::Unknown(s) if s.contains(MARK) => {
                *v = self.convert(hcl::Value::String(std::mem::take(s)), true, 0);
            }
            Value::List(l) => l.iter_mut().for_each(|x| self.finish_value(x)),
            Value::Map(m) => m.values_mut().for_each(|x| self.finish_value(x)),
            _ => {}
        }
    }
}
