//! What a control may look at besides its resource: the graph, with an index
//! of who refers to whom.

use std::collections::HashMap;

use strata_model::{Address, Graph, Kind, Resource, Value};

use crate::lookup;

/// The graph being checked, indexed for following edges both ways.
pub struct Ctx<'g> {
    /// The graph.
    pub graph: &'g Graph,
    /// For each address, the resources whose attributes refer to it, with the
    /// top-level attribute holding the reference.
    referrers: HashMap<&'g Address, Vec<(&'g Resource, &'g str)>>,
    /// Resources by kind and by the names they are known by in text
    /// (`bucket`, `name`, `id`), for IaC that links by literal names.
    by_name: HashMap<(Kind, &'g str), &'g Resource>,
    by_kind: HashMap<Kind, Vec<&'g Resource>>,
}

const NAME_ATTRS: &[&str] = &[
    "bucket",
    "name",
    "id",
    "cluster_identifier",
    "identifier",
    "arn",
];

impl<'g> Ctx<'g> {
    /// Indexes `graph`. Linear in resources plus references.
    pub fn new(graph: &'g Graph) -> Self {
        let mut referrers: HashMap<&Address, Vec<(&Resource, &str)>> = HashMap::new();
        let mut by_name = HashMap::new();
        let mut by_kind: HashMap<Kind, Vec<&Resource>> = HashMap::new();
        for r in graph.iter() {
            by_kind.entry(r.kind).or_default().push(r);
            for (k, v) in &r.attributes {
                for reference in v.references() {
                    referrers
                        .entry(&reference.address)
                        .or_default()
                        .push((r, k.as_str()));
                }
                if NAME_ATTRS.contains(&k.as_str())
                    && let Value::String(s) = v
                {
                    by_name.entry((r.kind, s.as_str())).or_insert(r);
                }
            }
        }
        Self {
            graph,
            referrers,
            by_name,
            by_kind,
        }
    }

    /// The resource a value refers to: by reference, or by a literal name of
    /// a resource of `kind`.
    pub fn target(&self, v: &Value, kind: Kind) -> Option<&'g Resource> {
        match v {
            Value::Ref(r) => self.graph.get(&r.address).filter(|t| t.kind == kind),
            Value::String(s) => self.by_name.get(&(kind, s.as_str())).copied(),
            _ => None,
        }
    }

    /// Every resource of `kind` whose attribute `attr` points at `r`, by
    /// reference or by one of `r`'s literal names.
    pub fn linked(&self, r: &Resource, kind: Kind, attr: &str) -> Vec<&'g Resource> {
        let mut out: Vec<&Resource> = self
            .referrers
            .get(&r.address)
            .into_iter()
            .flatten()
            .filter(|(s, a)| s.kind == kind && *a == attr)
            .map(|(s, _)| *s)
            .collect();
        if !out.is_empty() {
            return out;
        }
        let names: Vec<&str> = NAME_ATTRS
            .iter()
            .filter_map(|a| r.attributes.get(*a).and_then(Value::as_str))
            .collect();
        if !names.is_empty() {
            for s in self.of_kind(kind) {
                if let lookup::Got::Value(Value::String(v)) = lookup::get(s, attr)
                    && names.contains(&v.as_str())
                    && !out.iter().any(|o| o.address == s.address)
                {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Every resource whose attributes refer to `r`, with the attribute.
    pub fn referrers(&self, r: &Resource) -> &[(&'g Resource, &'g str)] {
        self.referrers
            .get(&r.address)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every resource of `kind`.
    pub fn of_kind(&self, kind: Kind) -> &[&'g Resource] {
        self.by_kind.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }
}
