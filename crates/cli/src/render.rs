//! Human forms of a plan: the text a reviewer reads in a terminal or a pull
//! request, and the DOT dependency graph.

use std::collections::BTreeMap;
use std::fmt::Write;

use strata_model::{Ident, Kind, Layer, Plan, Resource};
use strata_spec::Spec;

/// Kinds listed by name under "key resources", with the attribute shown.
const KEY: &[(Kind, &str)] = &[
    (Kind::AwsVpc, "cidr_block"),
    (Kind::AwsEc2TransitGateway, ""),
    (Kind::AwsEc2ClientVpnEndpoint, "client_cidr_block"),
    (Kind::AwsNatGateway, ""),
    (Kind::AwsRdsCluster, "engine"),
    (Kind::AwsDbInstance, "engine"),
    (Kind::AwsElasticacheReplicationGroup, "node_type"),
    (Kind::AwsSqsQueue, "name"),
    (Kind::AwsWafv2WebAcl, "name"),
    (Kind::AwsAcmCertificate, "domain_name"),
    (Kind::AwsLb, "name"),
    (Kind::AwsEcsCluster, "name"),
    (Kind::AwsEcsService, "name"),
    (Kind::AwsEksCluster, "version"),
    (Kind::RhcsClusterRosaHcp, "version"),
    (Kind::Deployment, "name"),
    (Kind::Rollout, "name"),
    (Kind::AwsCodepipeline, "name"),
    (Kind::UnitTests, "command"),
    (Kind::AwsCodedeployDeploymentGroup, "deployment_config_name"),
    (Kind::AwsCloudtrail, "name"),
    (Kind::AwsGuarddutyDetector, ""),
];

fn detail(r: &Resource, attr: &str) -> String {
    if attr.is_empty() {
        return String::new();
    }
    if r.kind == Kind::UnitTests {
        // The test command, the image it runs in and where it came from.
        let s = |k| r.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        return format!("{}  (in {}; {})", s("command"), s("image"), s("source"));
    }
    match r.get(attr) {
        Some(v) => match v.as_str() {
            Some(s) => s.to_owned(),
            None => match v.as_ref() {
                Some(reference) => format!("→ {}", reference.address),
                None => serde_json::to_string(v).unwrap_or_default(),
            },
        },
        None => String::new(),
    }
}

/// The text plan: per environment and layer, counts by kind and the key
/// resources.
pub fn plan_text(plan: &Plan, only: Option<&Ident>, spec: Option<&Spec>) -> String {
    let mut s = String::new();
    let envs: Vec<&Ident> = plan
        .environments
        .iter()
        .filter(|e| only.is_none_or(|o| o == *e))
        .collect();
    let total: usize = envs.iter().map(|e| plan.graph.in_env(e).count()).sum();
    let _ = writeln!(
        s,
        "Plan for `{}` (generation {})",
        plan.app, plan.generation
    );
    let _ = writeln!(s, "{} environment(s), {total} resources\n", envs.len());
    for env in envs {
        let resources: Vec<&Resource> = plan.graph.in_env(env).collect();
        let mut header = vec![format!("{} resources", resources.len())];
        if let Some(spec) = spec {
            if let Some((_, e)) = spec
                .environments
                .iter()
                .find(|(n, _)| n.replace('-', "_") == env.as_str())
            {
                let runtime = e.runtime.unwrap_or(spec.runtime);
                header.insert(0, runtime.as_str().to_owned());
                header.insert(1, spec.region.clone());
                if let Some(a) = &e.account {
                    header.push(format!("account {a}"));
                }
            }
        }
        let _ = writeln!(s, "== {env}  ({})", header.join(" · "));
        for layer in Layer::ALL {
            let in_layer: Vec<&&Resource> = resources.iter().filter(|r| r.layer == layer).collect();
            if in_layer.is_empty() {
                continue;
            }
            let mut by_kind: BTreeMap<Kind, usize> = BTreeMap::new();
            for r in &in_layer {
                *by_kind.entry(r.kind).or_default() += 1;
            }
            let mut kinds: Vec<(Kind, usize)> = by_kind.into_iter().collect();
            kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
            let shown: Vec<String> = kinds
                .iter()
                .take(5)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            let more = if kinds.len() > 5 {
                format!(" · +{} kinds", kinds.len() - 5)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  {} {:<28} {:>4}  {}{more}",
                layer.number(),
                layer.title(),
                in_layer.len(),
                shown.join(" · ")
            );
        }
        let _ = writeln!(s, "  key resources:");
        for (kind, attr) in KEY {
            for r in resources.iter().filter(|r| r.kind == *kind) {
                let a = &r.address;
                let _ = writeln!(
                    s,
                    "    {:<58} {}",
                    format!("{}.{}.{}", a.module, a.kind, a.name),
                    detail(r, attr)
                );
            }
        }
        let _ = writeln!(s);
    }
    s
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The dependency graph in DOT: one cluster per environment and layer.
pub fn dot(plan: &Plan, only: Option<&Ident>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph {} {{", quote(&plan.app));
    let _ = writeln!(
        s,
        "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];"
    );
    for (i, env) in plan
        .environments
        .iter()
        .filter(|e| only.is_none_or(|o| o == *e))
        .enumerate()
    {
        let _ = writeln!(
            s,
            "  subgraph cluster_{i} {{\n    label={};",
            quote(env.as_str())
        );
        for layer in Layer::ALL {
            let rs: Vec<&Resource> = plan
                .graph
                .in_env(env)
                .filter(|r| r.layer == layer)
                .collect();
            if rs.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "    subgraph cluster_{i}_{} {{\n      label={};",
                layer.number(),
                quote(&format!("{} {}", layer.number(), layer.title()))
            );
            for r in rs {
                let _ = writeln!(
                    s,
                    "      {} [label={}];",
                    quote(&r.address.to_string()),
                    quote(&format!("{}\n{}", r.kind, r.address.name))
                );
            }
            let _ = writeln!(s, "    }}");
        }
        let _ = writeln!(s, "  }}");
    }
    for r in plan
        .graph
        .iter()
        .filter(|r| only.is_none_or(|o| &r.address.env == o))
    {
        for d in r.depends_on() {
            if only.is_none_or(|o| &d.env == o) {
                let _ = writeln!(
                    s,
                    "  {} -> {};",
                    quote(&r.address.to_string()),
                    quote(&d.to_string())
                );
            }
        }
    }
    let _ = writeln!(s, "}}");
    s
}
