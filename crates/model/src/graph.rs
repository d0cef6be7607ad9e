use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{Address, Ident, Resource};

/// Problems with the shape of a graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Two resources share an address.
    #[error("two resources have the address `{0}`")]
    Duplicate(Box<Address>),
    /// A resource refers to an address that is not in the graph.
    #[error("`{from}` refers to `{to}`, which is not in the graph")]
    Dangling {
        /// The referring resource.
        from: Box<Address>,
        /// The missing target.
        to: Box<Address>,
    },
    /// The dependencies form a cycle; the addresses are the ones left unordered.
    #[error("dependency cycle among {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Cycle(Vec<Address>),
}

/// A set of resources keyed by address. Iteration order is the address order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    resources: BTreeMap<Address, Resource>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a resource; an address can be added once.
    pub fn insert(&mut self, resource: Resource) -> Result<(), GraphError> {
        if self.resources.contains_key(&resource.address) {
            return Err(GraphError::Duplicate(Box::new(resource.address)));
        }
        self.resources.insert(resource.address.clone(), resource);
        Ok(())
    }

    /// The resource at an address.
    pub fn get(&self, address: &Address) -> Option<&Resource> {
        self.resources.get(address)
    }

    /// Whether an address is present.
    pub fn contains(&self, address: &Address) -> bool {
        self.resources.contains_key(address)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// All resources in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.values()
    }

    /// All resources in address order, to change their attributes (a front-end
    /// settling what it could resolve only once everything was read).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Resource> {
        self.resources.values_mut()
    }

    /// Resources of one environment, in address order.
    pub fn in_env<'a>(&'a self, env: &'a Ident) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .values()
            .filter(move |r| &r.address.env == env)
    }

    /// Resources that depend on `address`, in address order.
    pub fn dependents<'a>(&'a self, address: &'a Address) -> impl Iterator<Item = &'a Resource> {
        self.resources
            .values()
            .filter(move |r| r.depends_on().contains(address))
    }

    /// Every reference must resolve and the dependencies must be acyclic.
    /// Returns every problem found, dangling references first.
    pub fn check(&self) -> Vec<GraphError> {
        let mut errors = Vec::new();
        for r in self.resources.values() {
            for to in r.depends_on() {
                if !self.resources.contains_key(to) {
                    errors.push(GraphError::Dangling {
                        from: Box::new(r.address.clone()),
                        to: Box::new(to.clone()),
                    });
                }
            }
        }
        if errors.is_empty() {
            if let Err(e) = self.waves() {
                errors.push(e);
            }
        }
        errors
    }

    /// Groups the resources into dependency waves: every resource's dependencies
    /// are in earlier waves. Each wave is sorted by address. References to
    /// addresses outside the graph are ignored here (see [`Graph::check`]).
    pub fn waves(&self) -> Result<Vec<Vec<Address>>, GraphError> {
        // Kahn's algorithm over indices, one layer at a time: O(V + E).
        let nodes: Vec<&Address> = self.resources.keys().collect();
        let index: std::collections::HashMap<&Address, usize> =
            nodes.iter().enumerate().map(|(i, a)| (*a, i)).collect();
        let mut indegree = vec![0usize; nodes.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, r) in self.resources.values().enumerate() {
            for d in r.depends_on() {
                if let Some(&j) = index.get(d) {
                    indegree[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
        let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| indegree[i] == 0).collect();
        let mut done = 0;
        let mut waves = Vec::new();
        while !ready.is_empty() {
            let mut next = Vec::new();
            for &i in &ready {
                for &k in &dependents[i] {
                    indegree[k] -= 1;
                    if indegree[k] == 0 {
                        next.push(k);
                    }
                }
            }
            done += ready.len();
            // Indices follow address order, so sorting them sorts by address.
            ready.sort_unstable();
            waves.push(ready.iter().map(|&i| nodes[i].clone()).collect());
            ready = next;
        }
        if done < nodes.len() {
            return Err(GraphError::Cycle(
                (0..nodes.len())
                    .filter(|&i| indegree[i] > 0)
                    .map(|i| nodes[i].clone())
                    .collect(),
            ));
        }
        Ok(waves)
    }
}

impl<'a> IntoIterator for &'a Graph {
    type Item = &'a Resource;
    type IntoIter = std::collections::btree_map::Values<'a, Address, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.resources.values()
    }
}

/// A planned application: its environments in the spec's order and one graph
/// holding every environment's resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Application name.
    pub app: String,
    /// Digest of the spec the plan was made from, so a stale plan can be detected.
    pub generation: String,
    /// Environment names in the spec's order (promotion order).
    pub environments: Vec<Ident>,
    /// All resources.
    pub graph: Graph,
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    app: &'a str,
    generation: &'a str,
    environments: Vec<JsonEnv<'a>>,
}

#[derive(Serialize)]
struct JsonEnv<'a> {
    name: &'a Ident,
    resources: Vec<JsonResource<'a>>,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    address: &'a Address,
    kind: crate::Kind,
    layer: crate::Layer,
    attributes: &'a BTreeMap<String, crate::Value>,
    depends_on: BTreeSet<&'a Address>,
    source: &'a crate::Provenance,
}

impl Serialize for Ident {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Plan {
    /// The same plan restricted to one environment. References into other
    /// environments are kept as they are.
    pub fn only(&self, env: &Ident) -> Plan {
        let mut graph = Graph::new();
        for r in self.graph.in_env(env) {
            let _ = graph.insert(r.clone());
        }
        Plan {
            app: self.app.clone(),
            generation: self.generation.clone(),
            environments: self
                .environments
                .iter()
                .filter(|e| *e == env)
                .cloned()
                .collect(),
            graph,
        }
    }

    /// The plan in Strata's documented JSON contract:
    /// `{"app", "generation", "environments": [{"name", "resources": [{"address",
    /// "kind", "layer", "attributes", "depends_on", "source"}]}]}`.
    /// `only` limits the output to one environment.
    pub fn to_json(&self, only: Option<&Ident>) -> serde_json::Value {
        let environments = self
            .environments
            .iter()
            .filter(|e| only.is_none_or(|o| o == *e))
            .map(|env| JsonEnv {
                name: env,
                resources: self
                    .graph
                    .in_env(env)
                    .map(|r| JsonResource {
                        address: &r.address,
                        kind: r.kind,
                        layer: r.layer,
                        attributes: &r.attributes,
                        depends_on: r.depends_on(),
                        source: &r.source,
                    })
                    .collect(),
            })
            .collect();
        serde_json::to_value(JsonPlan {
            app: &self.app,
            generation: &self.generation,
            environments,
        })
        .unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Layer, Module, ModuleKind, Provenance, Value};

    fn addr(kind: Kind, name: &str) -> Address {
        Address::new(
            Ident::new("dev").unwrap(),
            Module::primary(ModuleKind::Network),
            kind,
            Ident::new(name).unwrap(),
        )
    }

    fn res(kind: Kind, name: &str) -> Resource {
        Resource::new(
            addr(kind, name),
            Layer::Network,
            Provenance::Live { arn: "x".into() },
        )
    }

    #[test]
    fn waves_put_dependencies_first_and_detect_cycles_and_dangling_refs() {
        let vpc = addr(Kind::AwsVpc, "main");
        let mut g = Graph::new();
        g.insert(res(Kind::AwsVpc, "main")).unwrap();
        g.insert(res(Kind::AwsSubnet, "a").with("vpc_id", Value::reference(&vpc, "id")))
            .unwrap();
        g.insert(res(Kind::AwsSubnet, "b").with("vpc_id", Value::reference(&vpc, "id")))
            .unwrap();
        assert_eq!(
            g.insert(res(Kind::AwsVpc, "main")),
            Err(GraphError::Duplicate(Box::new(vpc.clone())))
        );
        let waves = g.waves().unwrap();
        assert_eq!(waves.len(), 2);
        assert_eq!(waves[0], vec![vpc.clone()]);
        assert_eq!(waves[1].len(), 2);
        assert!(g.check().is_empty());

        let mut cyclic = g.clone();
        let a = addr(Kind::AwsRoute, "x");
        let b = addr(Kind::AwsRoute, "y");
        cyclic.insert(res(Kind::AwsRoute, "x").after(&b)).unwrap();
        cyclic.insert(res(Kind::AwsRoute, "y").after(&a)).unwrap();
        assert_eq!(cyclic.check(), vec![GraphError::Cycle(vec![a, b])]);

        let mut dangling = g;
        let ghost = addr(Kind::AwsVpc, "ghost");
        dangling
            .insert(res(Kind::AwsSubnet, "c").with("vpc_id", Value::reference(&ghost, "id")))
            .unwrap();
        assert_eq!(dangling.check().len(), 1);
    }
}
