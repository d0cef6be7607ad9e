//! The planner: a pure function from a spec to the typed resource graph, per
//! environment, across all six layers.
//!
//! Planning is a named list of passes run for each environment and region, in
//! this order (each reads what earlier passes put in the graph):
//!
//! 1. [`keys`]: per-region KMS keys that everything else encrypts with;
//! 2. [`network`]: VPCs, subnets, gateways, routes, security groups, VPN, bastions;
//! 3. [`data`]: databases, caches, queues, buckets, secrets;
//! 4. [`edge`]: certificates, WAF, DNS;
//! 5. [`workloads`]: clusters, load balancers, services, Kubernetes objects;
//! 6. [`observability`]: logs, alarms, rules, dashboards, collectors;
//! 7. [`delivery`]: registries, pipelines, GitOps;
//! 8. [`security`]: audit trail, detection, posture, duty roles, and
//!    [`access`]: the duty roles' access entries on the EKS clusters;
//!
//! then, once every environment is planned, [`bootstrap`]: per EKS cluster,
//! Argo CD as a Helm release and the root application that syncs the rest.
//!
//! **Invariants:** no IO; the same spec gives the same plan, byte for byte;
//! every reference resolves; the graph is acyclic. The planner proposes and
//! changes nothing.

mod access;
mod bootstrap;
mod builder;
mod dashboards;
mod data;
mod delivery;
mod edge;
mod gates;
mod grafana;
mod keys;
mod network;
mod observability;
mod security;
mod workloads;

use strata_model::{Graph, GraphError, Ident, Plan, Provenance};
use strata_spec::resolve;
use strata_spec::{EnvironmentRole, Spec};

pub use builder::Locate;

/// Planning failed: the graph came out malformed. This is a bug in Strata, not
/// in the spec, and is reported as such.
#[derive(Debug, thiserror::Error)]
#[error("the planner built an inconsistent graph (a bug in Strata): {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PlanError(pub Vec<GraphError>);

/// A locator that knows no source; provenance points at line 1.
pub struct NoSource(pub String);

impl Locate for NoSource {
    fn locate(&self, _path: &[&str]) -> Provenance {
        Provenance::Spec {
            file: self.0.clone(),
            line: 1,
            column: 1,
        }
    }

    fn exists(&self, _path: &[&str]) -> bool {
        false
    }
}

impl Locate for strata_spec::Loaded {
    fn locate(&self, path: &[&str]) -> Provenance {
        let (line, column) = strata_spec::Loaded::locate(self, path);
        Provenance::Spec {
            file: self.source.name.clone(),
            line,
            column,
        }
    }

    fn exists(&self, path: &[&str]) -> bool {
        strata_spec::Loaded::exists(self, path)
    }
}

/// Plans every environment of a valid spec.
pub fn plan(spec: &Spec, loc: &dyn Locate) -> Result<Plan, PlanError> {
    let resolved = resolve::resolve(spec);
    let mut graph = Graph::new();
    let mut errors = Vec::new();
    for env in &resolved.envs {
        let mut cx = builder::Cx::new(spec, env, &resolved.envs, loc, &mut graph, &mut errors);
        for region in &env.regions {
            cx.enter_region(region);
            let keys = keys::plan(&mut cx, region);
            let net = network::plan(&mut cx, region, &keys);
            let wl = if env.role == EnvironmentRole::Application {
                let stores = data::plan(&mut cx, region, &keys, &net);
                let edge = edge::plan(&mut cx, region, &keys);
                let registries = delivery::registries(&mut cx, region, &keys);
                let wl = workloads::plan(&mut cx, region, &keys, &net, &stores, &edge, &registries);
                observability::plan(&mut cx, region, &keys, &net, &wl, &stores);
                delivery::plan(&mut cx, region, &keys, &wl, &registries);
                wl
            } else {
                let wl = workloads::plan_management(&mut cx, region, &keys, &net);
                observability::plan_management(&mut cx, region, &keys, &net, &wl);
                wl
            };
            security::plan(&mut cx, region, &keys);
            let namespace = wl.namespace.as_ref().map(|(_, n)| n.as_str());
            access::plan(&mut cx, region, wl.cluster.as_ref(), namespace);
        }
        edge::plan_dns(&mut cx);
    }
    // The bootstrap reads every environment's objects: a soft-isolated
    // environment runs on a cluster an earlier one owns.
    for env in &resolved.envs {
        let mut cx = builder::Cx::new(spec, env, &resolved.envs, loc, &mut graph, &mut errors);
        for region in &env.regions {
            cx.enter_region(region);
            bootstrap::plan(&mut cx, region);
        }
    }
    errors.extend(graph.check());
    if !errors.is_empty() {
        return Err(PlanError(errors));
    }
    Ok(Plan {
        app: spec.app.clone(),
        generation: generation(spec),
        environments: resolved
            .envs
            .iter()
            .map(|e| builder::ident(&e.name))
            .collect(),
        graph,
    })
}

/// A digest of the spec (FNV-1a over its canonical JSON), so a plan names the
/// spec it was made from.
pub fn generation(spec: &Spec) -> String {
    let text = serde_json::to_string(spec).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The identifiers of the environments, in promotion order.
pub fn environment_ids(spec: &Spec) -> Vec<Ident> {
    spec.environments
        .keys()
        .map(|e| builder::ident(e))
        .collect()
}
