//! Kubernetes manifests per environment: `kubernetes/<env>/<kind>-<name>.yaml`
//! for every Kubernetes object in the graph (workloads, policies, External
//! Secrets, Argo CD applications and add-ons pinned to upstream charts).
//!
//! References to cloud attributes are resolved when the value follows from
//! names the plan already fixes (IAM role ARNs, bucket names, cluster names,
//! ECR and SQS URLs); anything AWS assigns at creation (endpoints, ARNs with
//! random ids) becomes `${terraform:<address>.<attribute>}`, which the
//! Terraform renderer exports as an output of the same name for the deploy
//! step to substitute. Secrets never appear: ExternalSecrets name them.

use std::collections::BTreeMap;

use serde_json::{Map, Value as J};
use strata_model::{Address, Family, Kind, Plan, Resource, Value};

use crate::{RenderError, Renderer, Tree, yaml};

/// The Kubernetes renderer.
pub struct Kubernetes;

const ACCOUNT: &str = "${account_id}";

/// The placeholder for an attribute only known after Terraform applies.
pub fn placeholder(a: &Address, attr: &str) -> String {
    format!("${{terraform:{a}.{attr}}}")
}

/// The Terraform output that carries a placeholder's value in the
/// environment's root module: the address without the environment, dots as
/// double underscores.
pub fn output_name(a: &Address, attr: &str) -> String {
    format!("k8s__{}__{}__{}__{}", a.module, a.kind, a.name, attr)
}

/// Each environment's primary region, read once from its subnets.
fn primary_regions(plan: &Plan) -> BTreeMap<strata_model::Ident, String> {
    let mut out = BTreeMap::new();
    for r in plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::AwsSubnet && r.address.module.region.is_none())
    {
        if let Some(z) = r.get("availability_zone").and_then(Value::as_str) {
            out.entry(r.address.env.clone())
                .or_insert_with(|| z[..z.len() - 1].to_owned());
        }
    }
    out
}

/// What resolving references needs besides the graph.
pub struct Resolver<'a> {
    plan: &'a Plan,
    regions: BTreeMap<strata_model::Ident, String>,
}

impl<'a> Resolver<'a> {
    /// A resolver for a plan.
    pub fn new(plan: &'a Plan) -> Self {
        Self {
            plan,
            regions: primary_regions(plan),
        }
    }

    fn region_of(&self, r: &Resource) -> String {
        r.address
            .module
            .region
            .clone()
            .or_else(|| self.regions.get(&r.address.env).cloned())
            .unwrap_or_else(|| "us-east-1".to_owned())
    }
}

/// The value of `attr` of `target` when it follows from the plan.
fn derive(rv: &Resolver, target: &Resource, attr: &str) -> Option<String> {
    let s = |k: &str| target.get(k).and_then(Value::as_str).map(str::to_owned);
    match (target.kind, attr) {
        (Kind::AwsIamRole, "arn") => Some(format!("arn:aws:iam::{ACCOUNT}:role/{}", s("name")?)),
        (Kind::AwsIamRole, "name")
        | (Kind::AwsEksCluster, "name")
        | (Kind::AwsIamPolicy, "name") => s("name"),
        (Kind::AwsS3Bucket, "id" | "bucket") => s("bucket"),
        (Kind::AwsEcrRepository, "repository_url") => Some(format!(
            "{ACCOUNT}.dkr.ecr.{}.amazonaws.com/{}",
            rv.region_of(target),
            s("name")?
        )),
        (Kind::AwsSqsQueue, "url") => Some(format!(
            "https://sqs.{}.amazonaws.com/{ACCOUNT}/{}",
            rv.region_of(target),
            s("name")?
        )),
        _ => None,
    }
}

pub(crate) fn to_json(rv: &Resolver, v: &Value) -> J {
    crate::value_json(v, &|r| {
        let derived = rv
            .plan
            .graph
            .get(&r.address)
            .and_then(|t| derive(rv, t, &r.attribute));
        J::String(derived.unwrap_or_else(|| placeholder(&r.address, &r.attribute)))
    })
}

/// Every cloud attribute the manifests need from Terraform, by placeholder.
pub fn terraform_inputs(plan: &Plan) -> BTreeMap<Address, Vec<String>> {
    let rv = Resolver::new(plan);
    let mut out: BTreeMap<Address, Vec<String>> = BTreeMap::new();
    for r in plan
        .graph
        .iter()
        .filter(|r| r.kind.family() == Family::Kubernetes)
    {
        for v in r.attributes.values() {
            for rf in v.references() {
                let Some(t) = plan.graph.get(&rf.address) else {
                    continue;
                };
                if t.kind.family() != Family::Kubernetes && derive(&rv, t, &rf.attribute).is_none()
                {
                    let attrs = out.entry(rf.address.clone()).or_default();
                    if !attrs.contains(&rf.attribute) {
                        attrs.push(rf.attribute.clone());
                    }
                }
            }
        }
    }
    out
}

/// The manifest of one object.
pub fn manifest(rv: &Resolver, r: &Resource) -> J {
    let get = |k: &str| r.get(k).map(|v| to_json(rv, v));
    let mut metadata = Map::new();
    metadata.insert(
        "name".into(),
        get("name").unwrap_or(J::String(r.address.name.to_string())),
    );
    if let Some(J::String(ns)) = get("namespace") {
        if !ns.is_empty() {
            metadata.insert("namespace".into(), J::String(ns));
        }
    }
    let mut labels = match get("labels") {
        Some(J::Object(m)) => m,
        _ => Map::new(),
    };
    if r.kind == Kind::Namespace {
        if let Some(J::Object(ps)) = get("pod_security") {
            for (mode, level) in ps {
                labels.insert(format!("pod-security.kubernetes.io/{mode}"), level);
            }
        }
    }
    if !labels.is_empty() {
        metadata.insert("labels".into(), J::Object(labels));
    }
    if let Some(a @ J::Object(_)) = get("annotations") {
        metadata.insert("annotations".into(), a);
    }
    let mut m = Map::new();
    m.insert(
        "apiVersion".into(),
        J::String(r.kind.api_version().unwrap_or("v1").to_owned()),
    );
    m.insert("kind".into(), J::String(r.kind.as_str().to_owned()));
    m.insert("metadata".into(), J::Object(metadata));
    match r.kind {
        Kind::ConfigMap => {
            // ConfigMap data holds strings only.
            let data: Map<String, J> = match get("data") {
                Some(J::Object(d)) => d
                    .into_iter()
                    .map(|(k, v)| {
                        let s = match v {
                            J::String(s) => s,
                            other => other.to_string(),
                        };
                        (k, J::String(s))
                    })
                    .collect(),
                _ => Map::new(),
            };
            m.insert("data".into(), J::Object(data));
        }
        Kind::ServiceAccount => {
            if let Some(b) = get("automount_service_account_token") {
                m.insert("automountServiceAccountToken".into(), b);
            }
        }
        Kind::Namespace => {}
        // RBAC objects carry their fields at the top, not under `spec`.
        Kind::Role | Kind::ClusterRole | Kind::RoleBinding | Kind::ClusterRoleBinding => {
            for key in ["rules", "subjects", "roleRef"] {
                if let Some(v) = get(key) {
                    m.insert(key.into(), v);
                }
            }
        }
        _ => {
            if let Some(spec) = get("spec").filter(|s| !s.is_null()) {
                m.insert("spec".into(), spec);
            }
        }
    }
    J::Object(m)
}

impl Renderer for Kubernetes {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let rv = Resolver::new(plan);
        for env in &plan.environments {
            for r in plan
                .graph
                .in_env(env)
                .filter(|r| r.kind.family() == Family::Kubernetes)
            {
                let module = r.address.module.to_string();
                let path = format!(
                    "kubernetes/{env}/{module}/{}-{}.yaml",
                    r.kind.as_str().to_ascii_lowercase(),
                    r.address.name.as_str().replace('_', "-")
                );
                out.insert(path.clone(), yaml("kubernetes", &path, &manifest(&rv, r))?);
            }
        }
        Ok(())
    }
}
