//! The cluster bootstrap in Terraform: the planned `helm_release`s (Argo CD
//! and its root application) and the Helm provider that installs them,
//! configured from the EKS cluster each release waits for (endpoint, CA and
//! `aws eks get-token`), one provider per region. Nothing here reaches the
//! Kubernetes API at plan time, so one `terraform apply` creates the cluster
//! and then installs into it.

use std::collections::{BTreeMap, BTreeSet};

use strata_model::{Address, Ident, Kind, Plan, Resource};

use super::{label, out_name};
use crate::hcl::{Block, Expr, quote};

/// The cluster attributes the Helm provider reads, as the workloads module
/// exports them.
pub(super) const CLUSTER_ATTRS: [&str; 3] = ["name", "endpoint", "certificate_authority_data"];

/// The EKS cluster a release installs into: the cluster it waits for.
pub(super) fn cluster_of(r: &Resource) -> Option<&Address> {
    (r.kind == Kind::HelmRelease)
        .then(|| {
            r.explicit_depends_on
                .iter()
                .find(|a| a.kind == Kind::AwsEksCluster)
        })
        .flatten()
}

/// The clusters of an environment that releases install into, by region
/// (`None`: the primary region).
pub(super) fn clusters<'a>(
    plan: &'a Plan,
    env: &'a Ident,
) -> BTreeMap<Option<String>, &'a Address> {
    plan.graph
        .in_env(env)
        .filter_map(cluster_of)
        .map(|c| (c.module.region.clone(), c))
        .collect()
}

/// Every cluster any release installs into (their attributes become outputs
/// of the workloads module).
pub(super) fn all_clusters(plan: &Plan) -> BTreeSet<&Address> {
    plan.graph.iter().filter_map(cluster_of).collect()
}

/// `values = [jsonencode({...})]`: Helm reads JSON as the YAML it is.
pub(super) fn values(e: Expr) -> Expr {
    Expr::List(vec![Expr::Call("jsonencode".into(), Box::new(e))])
}

/// The Helm provider of one region, configured from its cluster; with no
/// cluster, an empty one the region's modules can be given (their releases
/// are not created there).
fn provider(region: Option<&str>, primary: &str, cluster: Option<&Address>) -> Block {
    let mut b = Block::new("provider", &["helm"]);
    if let Some(r) = region {
        b = b.attr("alias", Expr::str(&r.replace('-', "_")));
    }
    let Some(c) = cluster else {
        return b;
    };
    let output = |attr: &str| {
        format!(
            "module.{}.{}",
            label(c.module.kind, &c.module.region),
            out_name(c.kind, c.name.as_str(), attr)
        )
    };
    let args = Expr::List(vec![
        Expr::str("eks"),
        Expr::str("get-token"),
        Expr::str("--cluster-name"),
        Expr::Raw(output("name")),
        Expr::str("--region"),
        Expr::Raw(quote(region.unwrap_or(primary))),
    ]);
    b.block(
        Block::new("kubernetes", &[])
            .attr("host", Expr::Raw(output("endpoint")))
            .attr(
                "cluster_ca_certificate",
                Expr::Call(
                    "base64decode".into(),
                    Box::new(Expr::Raw(output("certificate_authority_data"))),
                ),
            )
            .block(
                Block::new("exec", &[])
                    .attr(
                        "api_version",
                        Expr::str("client.authentication.k8s.io/v1beta1"),
                    )
                    .attr("command", Expr::str("aws"))
                    .attr("args", args),
            ),
    )
}

/// The Helm providers of an environment's root module: one per region with
/// a cluster to install into, and an empty alias for each other secondary
/// region whose modules need one (`helm_regions`).
pub(super) fn providers(
    plan: &Plan,
    env: &Ident,
    primary: &str,
    helm_regions: &BTreeSet<String>,
) -> Vec<Block> {
    let clusters = clusters(plan, env);
    let mut out = Vec::new();
    if let Some(c) = clusters.get(&None) {
        out.push(provider(None, primary, Some(c)));
    }
    let secondary: BTreeSet<&String> = clusters
        .keys()
        .flatten()
        .chain(helm_regions.iter())
        .collect();
    for r in secondary {
        let c = clusters.get(&Some(r.clone())).copied();
        out.push(provider(Some(r), primary, c));
    }
    out
}
