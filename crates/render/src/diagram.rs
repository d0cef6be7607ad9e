//! The architecture diagram: Graphviz DOT with a cluster per region, VPC and
//! availability zone, subnets inside their zone, and the resources that live
//! in them; the traffic path from the internet through the WAF and load
//! balancer to services and their stores. `docs/architecture/<env>.dot` per
//! environment and `docs/architecture.dot` for the last one in promotion
//! order (production); the CLI turns each into SVG with `dot -Tsvg`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use strata_model::{Address, Ident, Kind, Plan, Resource, Value};

use crate::{RenderError, Renderer, Tree};

/// The diagram renderer.
pub struct Diagram;

impl Renderer for Diagram {
    fn name(&self) -> &'static str {
        "diagram"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        for env in &plan.environments {
            out.insert(format!("docs/architecture/{env}.dot"), dot(plan, env));
        }
        if let Some(last) = plan.environments.last() {
            out.insert("docs/architecture.dot".to_owned(), dot(plan, last));
        }
        Ok(())
    }
}

/// A quoted DOT string; line breaks become DOT's `\n`.
fn q(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

fn first_ref(v: Option<&Value>) -> Option<&Address> {
    v.and_then(|v| v.references().into_iter().next())
        .map(|r| &r.address)
}

fn label(r: &Resource) -> String {
    let what = match r.kind {
        Kind::AwsNatGateway => "NAT gateway",
        Kind::AwsInternetGateway => "internet gateway",
        Kind::AwsInstance => "EC2",
        Kind::AwsRdsClusterInstance => "Aurora instance",
        Kind::AwsRdsCluster => "Aurora cluster",
        Kind::AwsDbInstance => "RDS",
        Kind::AwsElasticacheReplicationGroup => "ElastiCache Redis",
        Kind::AwsEksNodeGroup => "EKS node group",
        Kind::AwsEksCluster => "EKS cluster",
        Kind::RhcsClusterRosaHcp => "ROSA cluster",
        Kind::AwsEcsService => "ECS service",
        Kind::AwsLb => "Application Load Balancer",
        Kind::AwsWafv2WebAcl => "WAF web ACL",
        Kind::AwsEc2TransitGateway => "transit gateway",
        Kind::AwsEc2ClientVpnEndpoint => "client VPN",
        Kind::AwsSqsQueue => "SQS",
        Kind::AwsS3Bucket => "S3",
        Kind::Deployment => "Deployment",
        Kind::Rollout => "Rollout",
        other => other.as_str(),
    };
    format!("{what}\n{}", r.address.name)
}

/// The DOT diagram of one environment.
pub fn dot(plan: &Plan, env: &Ident) -> String {
    let rs: Vec<&Resource> = plan.graph.in_env(env).collect();
    let by_addr: BTreeMap<&Address, &Resource> = rs.iter().map(|r| (&r.address, *r)).collect();
    // Subnet -> (vpc, zone).
    let mut subnet_home: BTreeMap<&Address, (&Address, String)> = BTreeMap::new();
    for r in rs.iter().filter(|r| r.kind == Kind::AwsSubnet) {
        if let (Some(vpc), Some(zone)) = (
            first_ref(r.get("vpc_id")),
            r.get("availability_zone").and_then(Value::as_str),
        ) {
            subnet_home.insert(&r.address, (vpc, zone.to_owned()));
        }
    }
    // Where each drawn resource goes: (vpc, Some(zone)) or (vpc, None) or region level.
    let mut in_zone: BTreeMap<(&Address, String), Vec<&Resource>> = BTreeMap::new();
    let mut in_vpc: BTreeMap<&Address, Vec<&Resource>> = BTreeMap::new();
    let mut in_region: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    let subnet_of = |r: &Resource, key: &str| {
        first_ref(r.get(key))
            .and_then(|s| subnet_home.get(s))
            .cloned()
    };
    let region_of = |r: &Resource| r.address.module.region.clone().unwrap_or_default();
    for r in &rs {
        match r.kind {
            Kind::AwsNatGateway | Kind::AwsInstance => {
                if let Some((vpc, zone)) = subnet_of(r, "subnet_id") {
                    in_zone.entry((vpc, zone)).or_default().push(r);
                }
            }
            Kind::AwsEksNodeGroup => {
                if let Some((vpc, zone)) = subnet_of(r, "subnet_ids") {
                    in_zone.entry((vpc, zone)).or_default().push(r);
                }
            }
            Kind::AwsRdsClusterInstance => {
                let zone = r
                    .get("availability_zone")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let vpc = subnet_home
                    .values()
                    .find(|(_, z)| *z == zone)
                    .map(|(v, _)| *v);
                // Instances sit in the data subnets' VPC; find it through the cluster.
                let cluster_vpc = first_ref(r.get("cluster_identifier"))
                    .and_then(|c| by_addr.get(c))
                    .and_then(|c| first_ref(c.get("db_subnet_group_name")))
                    .and_then(|g| by_addr.get(g))
                    .and_then(|g| first_ref(g.get("subnet_ids")))
                    .and_then(|s| subnet_home.get(s))
                    .map(|(v, _)| *v);
                if let Some(v) = cluster_vpc.or(vpc) {
                    in_zone.entry((v, zone)).or_default().push(r);
                }
            }
            Kind::AwsLb => {
                if let Some((vpc, _)) = subnet_of(r, "subnets") {
                    in_vpc.entry(vpc).or_default().push(r);
                }
            }
            Kind::AwsEcsService => {
                let subnets = r
                    .get("network_configuration")
                    .and_then(|n| n.as_map())
                    .and_then(|m| m.get("subnets"));
                if let Some((vpc, _)) = first_ref(subnets).and_then(|s| subnet_home.get(s)).cloned()
                {
                    in_vpc.entry(vpc).or_default().push(r);
                }
            }
            Kind::AwsEksCluster => {
                let subnets = r
                    .get("vpc_config")
                    .and_then(|n| n.as_map())
                    .and_then(|m| m.get("subnet_ids"));
                if let Some((vpc, _)) = first_ref(subnets).and_then(|s| subnet_home.get(s)).cloned()
                {
                    in_vpc.entry(vpc).or_default().push(r);
                }
            }
            Kind::RhcsClusterRosaHcp => {
                if let Some((vpc, _)) = subnet_of(r, "aws_subnet_ids") {
                    in_vpc.entry(vpc).or_default().push(r);
                }
            }
            Kind::AwsInternetGateway | Kind::AwsEc2ClientVpnEndpoint => {
                if let Some(vpc) = first_ref(r.get("vpc_id")) {
                    in_vpc.entry(vpc).or_default().push(r);
                }
            }
            Kind::AwsElasticacheReplicationGroup | Kind::AwsDbInstance | Kind::AwsRdsCluster => {
                let group = match r.kind {
                    Kind::AwsElasticacheReplicationGroup => "subnet_group_name",
                    _ => "db_subnet_group_name",
                };
                let vpc = first_ref(r.get(group))
                    .and_then(|g| by_addr.get(g))
                    .and_then(|g| first_ref(g.get("subnet_ids")))
                    .and_then(|s| subnet_home.get(s))
                    .map(|(v, _)| *v);
                if let Some(v) = vpc {
                    in_vpc.entry(v).or_default().push(r);
                }
            }
            Kind::AwsEc2TransitGateway | Kind::AwsWafv2WebAcl | Kind::AwsSqsQueue => {
                in_region.entry(region_of(r)).or_default().push(r);
            }
            Kind::Deployment | Kind::Rollout => {
                in_region.entry(region_of(r)).or_default().push(r);
            }
            _ => {}
        }
    }

    let mut s = String::new();
    let _ = writeln!(s, "// Generated by `strata render`; do not edit.");
    let _ = writeln!(s, "digraph {} {{", q(&format!("{}-{env}", plan.app)));
    let _ = writeln!(
        s,
        "  graph [rankdir=LR, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=12, label={}, labelloc=t];",
        q(&format!("{} · {env}", plan.app))
    );
    let _ = writeln!(
        s,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(s, "  edge [fontname=\"Helvetica\", fontsize=9];");
    let _ = writeln!(
        s,
        "  internet [label=\"Internet\", shape=ellipse, fillcolor=\"#eeeeee\"];"
    );

    let mut regions: BTreeSet<String> = BTreeSet::new();
    for r in rs.iter().filter(|r| r.kind == Kind::AwsVpc) {
        regions.insert(region_of(r));
    }
    regions.extend(in_region.keys().cloned());
    for (ri, region) in regions.iter().enumerate() {
        let region_label = if region.is_empty() {
            "primary region".to_owned()
        } else {
            region.clone()
        };
        let _ = writeln!(
            s,
            "  subgraph cluster_region_{ri} {{\n    label={};\n    style=dashed;",
            q(&region_label)
        );
        for r in in_region.get(region).into_iter().flatten() {
            let _ = writeln!(
                s,
                "    {} [label={}];",
                q(&r.address.to_string()),
                q(&label(r))
            );
        }
        for (vi, vpc) in rs
            .iter()
            .filter(|r| r.kind == Kind::AwsVpc && &region_of(r) == region)
            .enumerate()
        {
            let cidr = vpc.get("cidr_block").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(
                s,
                "    subgraph cluster_vpc_{ri}_{vi} {{\n      label={};\n      style=\"rounded,filled\";\n      fillcolor=\"#f3f8ff\";",
                q(&format!("VPC {} · {cidr}", vpc.address.name))
            );
            for r in in_vpc.get(&vpc.address).into_iter().flatten() {
                let _ = writeln!(
                    s,
                    "      {} [label={}];",
                    q(&r.address.to_string()),
                    q(&label(r))
                );
            }
            let zones: BTreeSet<&String> = subnet_home
                .values()
                .filter(|(v, _)| *v == &vpc.address)
                .map(|(_, z)| z)
                .collect();
            for (zi, zone) in zones.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "      subgraph cluster_az_{ri}_{vi}_{zi} {{\n        label={};\n        style=\"rounded\";",
                    q(zone)
                );
                for (sub, (v, z)) in &subnet_home {
                    if *v == &vpc.address && z == *zone {
                        let cidr = by_addr
                            .get(sub)
                            .and_then(|r| r.get("cidr_block"))
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let _ = writeln!(
                            s,
                            "        {} [label={}, shape=note, fillcolor=\"#fffbe6\"];",
                            q(&sub.to_string()),
                            q(&format!("subnet {}\n{cidr}", sub.name))
                        );
                    }
                }
                for r in in_zone
                    .get(&(&vpc.address, (*zone).clone()))
                    .into_iter()
                    .flatten()
                {
                    let _ = writeln!(
                        s,
                        "        {} [label={}];",
                        q(&r.address.to_string()),
                        q(&label(r))
                    );
                }
                let _ = writeln!(s, "      }}");
            }
            let _ = writeln!(s, "    }}");
        }
        let _ = writeln!(s, "  }}");
    }

    // Traffic: internet -> WAF -> ALB -> services -> stores; NAT -> IGW.
    let mut edges: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for r in &rs {
        match r.kind {
            Kind::AwsWafv2WebAclAssociation => {
                if let (Some(alb), Some(acl)) = (
                    first_ref(r.get("resource_arn")),
                    first_ref(r.get("web_acl_arn")),
                ) {
                    edges.insert(("internet".into(), q(&acl.to_string()), "HTTPS"));
                    edges.insert((q(&acl.to_string()), q(&alb.to_string()), "filtered"));
                }
            }
            Kind::AwsEcsService => {
                if let Some(tg) = r
                    .get("load_balancer")
                    .and_then(|l| l.as_list())
                    .and_then(|l| l.first())
                    .and_then(|m| m.as_map())
                    .and_then(|m| first_ref(m.get("target_group_arn")))
                {
                    if let Some(alb) = rs
                        .iter()
                        .find(|x| x.kind == Kind::AwsLb && x.address.module == tg.module)
                    {
                        edges.insert((q(&alb.address.to_string()), q(&r.address.to_string()), ""));
                    }
                }
            }
            Kind::AwsNatGateway => {
                if let Some((vpc, _)) = subnet_of(r, "subnet_id") {
                    if let Some(igw) = rs.iter().find(|x| {
                        x.kind == Kind::AwsInternetGateway
                            && first_ref(x.get("vpc_id")) == Some(vpc)
                    }) {
                        edges.insert((
                            q(&r.address.to_string()),
                            q(&igw.address.to_string()),
                            "egress",
                        ));
                    }
                }
            }
            Kind::AwsEc2TransitGatewayVpcAttachment => {
                if let (Some(tgw), Some(vpc)) = (
                    first_ref(r.get("transit_gateway_id")),
                    first_ref(r.get("vpc_id")),
                ) {
                    // Edge into the VPC's cluster through one of its subnets.
                    if let Some((sub, _)) = subnet_home.iter().find(|(_, (v, _))| *v == vpc) {
                        edges.insert((q(&tgw.to_string()), q(&sub.to_string()), "attachment"));
                    }
                }
            }
            Kind::AwsRdsClusterInstance => {
                if let Some(c) = first_ref(r.get("cluster_identifier")) {
                    edges.insert((q(&c.to_string()), q(&r.address.to_string()), ""));
                }
            }
            _ => {}
        }
    }
    // Services to the stores they reach (through the stores' security groups).
    for r in rs
        .iter()
        .filter(|r| r.kind == Kind::AwsVpcSecurityGroupIngressRule)
    {
        let (Some(target_sg), Some(source_sg)) = (
            first_ref(r.get("security_group_id")),
            first_ref(r.get("referenced_security_group_id")),
        ) else {
            continue;
        };
        if !target_sg.name.as_str().starts_with("data_") {
            continue;
        }
        let store = rs.iter().find(|x| {
            matches!(
                x.kind,
                Kind::AwsRdsCluster | Kind::AwsDbInstance | Kind::AwsElasticacheReplicationGroup
            ) && x
                .get("vpc_security_group_ids")
                .or(x.get("security_group_ids"))
                .is_some_and(|v| v.references().iter().any(|rf| &rf.address == target_sg))
        });
        let clients: Vec<&&Resource> = rs
            .iter()
            .filter(|x| {
                (x.kind == Kind::AwsEcsService
                    && x.get("network_configuration")
                        .is_some_and(|n| n.references().iter().any(|rf| &rf.address == source_sg)))
                    || (x.kind == Kind::AwsEksCluster
                        && x.get("vpc_config").is_some_and(|n| {
                            n.references().iter().any(|rf| &rf.address == source_sg)
                        }))
            })
            .collect();
        if let Some(store) = store {
            for c in clients {
                edges.insert((
                    q(&c.address.to_string()),
                    q(&store.address.to_string()),
                    "TLS",
                ));
            }
        }
    }
    for (from, to, l) in edges {
        if l.is_empty() {
            let _ = writeln!(s, "  {from} -> {to};");
        } else {
            let _ = writeln!(s, "  {from} -> {to} [label={}];", q(l));
        }
    }
    let _ = writeln!(s, "}}");
    s
}
