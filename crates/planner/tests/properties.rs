//! Property tests: any valid spec plans an acyclic graph whose references
//! all resolve, whose VPCs never overlap, whose subnets sit inside their VPC
//! without overlapping, and planning is deterministic.

mod common;

use std::collections::BTreeMap;

use ipnet::Ipv4Net;
use proptest::prelude::*;
use strata_model::Kind;

const REGIONS: [&str; 6] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "us-west-1",
];
const ENGINES: [&str; 7] = [
    "aurora-mysql",
    "aurora-postgresql",
    "rds-postgresql",
    "rds-mysql",
    "redis",
    "sqs",
    "s3",
];
const SIZES: [(u32, u32); 4] = [(256, 512), (512, 1024), (1024, 2048), (2048, 8192)];

#[derive(Debug, Clone)]
struct Gen {
    runtime: usize,
    hub: bool,
    regions: Vec<usize>,
    azs: u8,
    envs: Vec<bool>,
    management: bool,
    services: Vec<(usize, usize, usize, Vec<usize>)>,
    data: Vec<usize>,
    ci: usize,
    vault: bool,
    routing: usize,
}

fn specs() -> impl Strategy<Value = Gen> {
    (
        0..3usize,
        any::<bool>(),
        proptest::sample::subsequence((0..REGIONS.len()).collect::<Vec<_>>(), 1..3),
        2..=3u8,
        proptest::collection::vec(any::<bool>(), 1..4),
        any::<bool>(),
        proptest::collection::vec(
            (
                0..3usize,
                0..3usize,
                0..4usize,
                proptest::collection::vec(0..10usize, 0..3),
            ),
            1..5,
        ),
        proptest::collection::vec(0..ENGINES.len(), 0..4),
        0..3usize,
        any::<bool>(),
        0..3usize,
    )
        .prop_map(
            |(runtime, hub, regions, azs, envs, management, services, data, ci, vault, routing)| {
                Gen {
                    runtime,
                    hub,
                    regions,
                    azs,
                    envs,
                    management,
                    services,
                    data,
                    ci,
                    vault,
                    routing,
                }
            },
        )
}

fn yaml(g: &Gen) -> String {
    let runtime = ["eks", "ecs-fargate", "openshift"][g.runtime];
    // us-west-1 has two zones.
    let azs = if g.regions.iter().any(|r| REGIONS[*r] == "us-west-1") {
        2
    } else {
        g.azs
    };
    let mut y = format!(
        "app: prop\nregion: {}\nazs: {azs}\nruntime: {runtime}\n",
        REGIONS[g.regions[0]]
    );
    if g.regions.len() > 1 {
        let more: Vec<&str> = g.regions[1..].iter().map(|r| REGIONS[*r]).collect();
        y.push_str(&format!("additional_regions: [{}]\n", more.join(", ")));
    }
    if g.hub {
        y.push_str("network: {topology: hub-spoke}\n");
    }
    y.push_str("environments:\n");
    if g.management {
        y.push_str("  ops: {role: management, runtime: eks}\n");
    }
    for (i, prod) in g.envs.iter().enumerate() {
        y.push_str(&format!("  e{i}: {{production: {prod}}}\n"));
    }
    y.push_str("services:\n");
    for (i, (expose, strategy, size, deps)) in g.services.iter().enumerate() {
        let (cpu, mem) = SIZES[*size];
        y.push_str(&format!(
            "  s{i}:\n    expose: {}\n    cpu: {cpu}\n    memory: {mem}\n    deploy: {{strategy: {}}}\n",
            ["public", "internal", "none"][*expose],
            ["rolling", "blue-green", "canary"][*strategy]
        ));
        let mut targets: Vec<String> = deps
            .iter()
            .filter_map(|d| {
                if *d < i && g.services[*d].0 != 2 {
                    Some(format!("s{d}"))
                } else if *d >= 5 && d - 5 < g.data.len() {
                    Some(format!("d{}", d - 5))
                } else {
                    None
                }
            })
            .collect();
        targets.sort();
        targets.dedup();
        if !targets.is_empty() {
            y.push_str(&format!("    depends_on: [{}]\n", targets.join(", ")));
        }
        y.push_str("    secrets: {API_TOKEN: prop/api-token}\n");
    }
    if !g.data.is_empty() {
        y.push_str("data:\n");
        for (i, e) in g.data.iter().enumerate() {
            y.push_str(&format!("  d{i}: {{engine: {}}}\n", ENGINES[*e]));
        }
    }
    let routing = if g.regions.len() > 1 {
        ["latency", "geo", "failover"][g.routing]
    } else {
        "simple"
    };
    y.push_str(&format!(
        "edge: {{domain: prop.example.com, dns_routing: {routing}}}\n"
    ));
    y.push_str(&format!(
        "delivery: {{ci: {}, repository: acme/prop}}\n",
        ["github-actions", "gitlab-ci", "codepipeline"][g.ci]
    ));
    if g.management {
        y.push_str("observability: {placement: own-cluster, monitoring_environment: ops}\n");
    }
    if g.vault {
        y.push_str("security: {secrets_store: vault}\n");
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_valid_spec_plans_a_sound_graph(g in specs()) {
        let text = yaml(&g);
        let loaded = strata_spec::load("prop.yaml", text.as_bytes());
        prop_assert!(!loaded.has_errors(), "{text}\n{:#?}", loaded.diagnostics);
        let plan = strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap();

        // Acyclic, every reference resolves.
        prop_assert!(plan.graph.check().is_empty(), "{:?}", plan.graph.check());

        // VPCs never overlap, anywhere in the plan.
        let vpcs: Vec<(String, Ipv4Net)> = plan.graph.iter().filter(|r| r.kind == Kind::AwsVpc)
            .map(|r| (r.address.to_string(), r.get("cidr_block").unwrap().as_str().unwrap().parse().unwrap()))
            .collect();
        for (i, (a, na)) in vpcs.iter().enumerate() {
            for (b, nb) in &vpcs[i + 1..] {
                prop_assert!(!(na.contains(&nb.network()) || nb.contains(&na.network())), "{a} {na} overlaps {b} {nb}");
            }
        }
        // Subnets sit inside their VPC and never overlap each other.
        let by_vpc: BTreeMap<String, Ipv4Net> = vpcs.into_iter().collect();
        let mut subnets: BTreeMap<String, Vec<Ipv4Net>> = BTreeMap::new();
        for r in plan.graph.iter().filter(|r| r.kind == Kind::AwsSubnet) {
            let vpc = r.get("vpc_id").unwrap().as_ref().unwrap().address.to_string();
            let net: Ipv4Net = r.get("cidr_block").unwrap().as_str().unwrap().parse().unwrap();
            prop_assert!(by_vpc[&vpc].contains(&net), "{} {net} outside {vpc}", r.address);
            subnets.entry(vpc).or_default().push(net);
        }
        for nets in subnets.values() {
            for (i, a) in nets.iter().enumerate() {
                for b in &nets[i + 1..] {
                    prop_assert!(!(a.contains(&b.network()) || b.contains(&a.network())), "{a} overlaps {b}");
                }
            }
        }
        // Deterministic.
        let again = strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap();
        prop_assert_eq!(serde_json::to_string(&plan.to_json(None)).unwrap(), serde_json::to_string(&again.to_json(None)).unwrap());
    }
}
