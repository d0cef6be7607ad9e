use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{Address, Kind, Layer, Value};

/// Where a resource came from, so findings and errors point back at their cause.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Provenance {
    /// A span of a Strata spec (1-based line and column).
    Spec {
        /// The spec file as the user named it.
        file: String,
        /// Line, 1-based.
        line: u32,
        /// Column in characters, 1-based.
        column: u32,
    },
    /// A live resource observed in a cloud account.
    Live {
        /// Its ARN or id.
        arn: String,
    },
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// Unique address.
    pub address: Address,
    /// Kind in the AWS provider's / Kubernetes' vocabulary.
    pub kind: Kind,
    /// Layer of the stack, 1–6.
    pub layer: Layer,
    /// Attributes by name, in the kind's own vocabulary.
    pub attributes: BTreeMap<String, Value>,
    /// Explicit ordering dependencies besides the references inside attributes.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub explicit_depends_on: BTreeSet<Address>,
    /// What caused this resource.
    pub source: Provenance,
}

impl Resource {
    /// A resource with no attributes yet. `kind` comes from the address.
    pub fn new(address: Address, layer: Layer, source: Provenance) -> Self {
        Self {
            kind: address.kind,
            address,
            layer,
            attributes: BTreeMap::new(),
            explicit_depends_on: BTreeSet::new(),
            source,
        }
    }

    /// Sets an attribute, builder style.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attributes.insert(key.to_owned(), value.into());
        self
    }

    /// Adds an ordering dependency, builder style.
    pub fn after(mut self, address: &Address) -> Self {
        self.explicit_depends_on.insert(address.clone());
        self
    }

    /// Everything this resource depends on: references in its attributes and its
    /// explicit dependencies, sorted and without duplicates.
    pub fn depends_on(&self) -> BTreeSet<&Address> {
        let mut out: BTreeSet<&Address> = self.explicit_depends_on.iter().collect();
        for v in self.attributes.values() {
            out.extend(v.references().into_iter().map(|r| &r.address));
        }
        out.remove(&self.address);
        out
    }

    /// An attribute, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }
}
