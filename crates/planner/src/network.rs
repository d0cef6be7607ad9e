//! Pass 2: the network. VPCs with public / private / data subnets per AZ (or
//! the hub-spoke trio joined by a transit gateway), internet and NAT gateways,
//! route tables where data subnets have no route out, flow logs, VPC
//! endpoints, the security groups workloads and stores sit behind, and the
//! client VPN and bastions of the security VPC.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;
use strata_model::{Address, Kind, Layer, ModuleKind, Value};
use strata_spec::resolve::{self, Region, Tier, VpcRole};
use strata_spec::{Expose, NatMode, Runtime, Topology};

use crate::builder::{
    Cx, allow, attach, az_letter, encrypted_root, imdsv2_only, list, map, policy, r, trust_service,
};
use crate::keys::Keys;

/// What later passes need from the network of one region.
pub struct Net {
    /// VPC the workloads and data live in.
    pub app_vpc: Address,
    /// Its CIDR.
    pub app_cidr: Ipv4Net,
    /// VPC the public load balancer lives in.
    pub edge_vpc: Address,
    /// Subnets by tier of the workload VPC, one per AZ.
    pub private: Vec<Address>,
    /// Data subnets (no route out).
    pub data: Vec<Address>,
    /// Public subnets of the load-balancer VPC.
    pub public: Vec<Address>,
    /// Security group of the public load balancer.
    pub alb_sg: Option<Address>,
    /// Security group per ECS service, or the nodes' group on Kubernetes.
    pub compute_sgs: BTreeMap<String, Address>,
    /// Security group of the Kubernetes nodes.
    pub nodes_sg: Option<Address>,
}

fn tiers(role: VpcRole) -> &'static [Tier] {
    match role {
        VpcRole::Main => &[Tier::Public, Tier::Private, Tier::Data],
        VpcRole::Security => &[Tier::Private],
        VpcRole::Edge => &[Tier::Public, Tier::Private],
        VpcRole::App => &[Tier::Private, Tier::Data],
    }
}

fn prefix(role: VpcRole) -> String {
    match role {
        VpcRole::Main => String::new(),
        other => format!("{}_", other.as_str()),
    }
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys) -> Net {
    let m = cx.module(ModuleKind::Network, region);
    let hub = cx.spec.network.topology == Topology::HubSpoke;
    let kube = cx.env.runtime.is_kubernetes();
    let mut vpcs: BTreeMap<VpcRole, (Address, Ipv4Net)> = BTreeMap::new();
    let mut subnets: BTreeMap<(VpcRole, Tier), Vec<Address>> = BTreeMap::new();
    let mut route_tables: BTreeMap<(VpcRole, Tier), Vec<Address>> = BTreeMap::new();
    let mut nats: Vec<Address> = Vec::new();
    let src = ["network"];

    let flow_role = if cx.env.flow_logs {
        let role = cx.put(
            cx.res(&m, Kind::AwsIamRole, "flow_logs", Layer::Network, &src)
                .with("name", cx.name("flow-logs"))
                .with(
                    "assume_role_policy",
                    trust_service("vpc-flow-logs.amazonaws.com"),
                )
                .with(
                    "inline_policy",
                    policy(vec![allow(
                        "DeliverFlowLogs",
                        &[
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ],
                        vec!["*".into()],
                    )]),
                ),
        );
        Some(role)
    } else {
        None
    };

    for vpc in &region.vpcs {
        let role = vpc.role;
        let p = prefix(role);
        let vpc_name = role.as_str();
        let vpc_addr = cx.put(
            cx.res(
                &m,
                Kind::AwsVpc,
                vpc_name,
                Layer::Network,
                &["network", "topology"],
            )
            .with("cidr_block", vpc.cidr.to_string())
            .with("enable_dns_support", true)
            .with("enable_dns_hostnames", true)
            .with("instance_tenancy", "default"),
        );
        vpcs.insert(role, (vpc_addr.clone(), vpc.cidr));
        // CIS 5.4: the default security group allows nothing.
        cx.put(
            cx.res(
                &m,
                Kind::AwsDefaultSecurityGroup,
                vpc_name,
                Layer::Network,
                &src,
            )
            .with("vpc_id", r(&vpc_addr, "id"))
            .with("ingress", list([]))
            .with("egress", list([])),
        );
        if let Some(flow_role) = &flow_role {
            let lg = cx.log_group(
                &m,
                &format!("flow_{vpc_name}"),
                &format!("flow-logs/{vpc_name}"),
                Layer::Network,
                &["network", "flow_logs"],
                &keys.logs,
            );
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsFlowLog,
                    vpc_name,
                    Layer::Network,
                    &["network", "flow_logs"],
                )
                .with("vpc_id", r(&vpc_addr, "id"))
                .with("traffic_type", "ALL")
                .with("log_destination_type", "cloud-watch-logs")
                .with("log_destination", r(&lg, "arn"))
                .with("iam_role_arn", r(flow_role, "arn"))
                .with("max_aggregation_interval", 60u32),
            );
        }
        for &tier in tiers(role) {
            for (i, zone) in region.zones.iter().enumerate() {
                let Some(cidr) = resolve::subnet(vpc.cidr, tier, i) else {
                    continue;
                };
                let name = format!("{p}{}_{}", tier.as_str(), az_letter(zone));
                let mut s = cx
                    .res(
                        &m,
                        Kind::AwsSubnet,
                        &name,
                        Layer::Network,
                        &["network", "topology"],
                    )
                    .with("vpc_id", r(&vpc_addr, "id"))
                    .with("cidr_block", cidr.to_string())
                    .with("availability_zone", zone.as_str())
                    .with("map_public_ip_on_launch", false);
                if kube {
                    let mut tags = cx.tags(&name);
                    tags.insert("strata:tier".into(), tier.as_str().into());
                    match tier {
                        Tier::Public => {
                            tags.insert("kubernetes.io/role/elb".into(), "1".into());
                        }
                        Tier::Private => {
                            tags.insert("kubernetes.io/role/internal-elb".into(), "1".into());
                        }
                        Tier::Data => {}
                    }
                    s = s.with("tags", Value::Map(tags));
                }
                let a = cx.put(s);
                subnets.entry((role, tier)).or_default().push(a);
            }
        }
        // Internet gateway and NAT where there are public subnets.
        if tiers(role).contains(&Tier::Public) {
            let igw = cx.put(
                cx.res(&m, Kind::AwsInternetGateway, vpc_name, Layer::Network, &src)
                    .with("vpc_id", r(&vpc_addr, "id")),
            );
            let public = subnets
                .get(&(role, Tier::Public))
                .cloned()
                .unwrap_or_default();
            let count = match cx.env.nat {
                NatMode::PerAz => public.len(),
                NatMode::Single => public.len().min(1),
            };
            for (i, zone) in region.zones.iter().enumerate().take(count) {
                let l = az_letter(zone);
                let eip = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsEip,
                        &format!("{p}nat_{l}"),
                        Layer::Network,
                        &["network", "nat"],
                    )
                    .with("domain", "vpc")
                    .after(&igw),
                );
                nats.push(
                    cx.put(
                        cx.res(
                            &m,
                            Kind::AwsNatGateway,
                            &format!("{p}{l}"),
                            Layer::Network,
                            &["network", "nat"],
                        )
                        .with("allocation_id", r(&eip, "id"))
                        .with("subnet_id", r(&public[i], "id"))
                        .with("connectivity_type", "public"),
                    ),
                );
            }
            let rt = cx.put(
                cx.res(
                    &m,
                    Kind::AwsRouteTable,
                    &format!("{p}public"),
                    Layer::Network,
                    &src,
                )
                .with("vpc_id", r(&vpc_addr, "id")),
            );
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsRoute,
                    &format!("{p}public_internet"),
                    Layer::Network,
                    &src,
                )
                .with("route_table_id", r(&rt, "id"))
                .with("destination_cidr_block", "0.0.0.0/0")
                .with("gateway_id", r(&igw, "id")),
            );
            route_tables
                .entry((role, Tier::Public))
                .or_default()
                .push(rt.clone());
            for s in &public {
                associate(cx, &m, s, &rt);
            }
        }
    }

    // Transit gateway joining the hub-spoke VPCs.
    let tgw = if hub {
        let tgw = cx.put(
            cx.res(
                &m,
                Kind::AwsEc2TransitGateway,
                "main",
                Layer::Network,
                &["network", "topology"],
            )
            .with("description", cx.name("tgw"))
            .with("default_route_table_association", "enable")
            .with("default_route_table_propagation", "enable")
            .with("auto_accept_shared_attachments", "disable")
            .with("dns_support", "enable"),
        );
        let mut attachments = BTreeMap::new();
        for (role, (vpc_addr, _)) in &vpcs {
            let subs = subnets
                .get(&(*role, Tier::Private))
                .cloned()
                .unwrap_or_default();
            let a = cx.put(
                cx.res(
                    &m,
                    Kind::AwsEc2TransitGatewayVpcAttachment,
                    role.as_str(),
                    Layer::Network,
                    &["network", "topology"],
                )
                .with("transit_gateway_id", r(&tgw, "id"))
                .with("vpc_id", r(vpc_addr, "id"))
                .with("subnet_ids", list(subs.iter().map(|s| r(s, "id"))))
                .with("dns_support", "enable"),
            );
            attachments.insert(*role, a);
        }
        // Egress from the app VPC leaves through the edge VPC's NAT gateways.
        if let Some(edge) = attachments.get(&VpcRole::Edge) {
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsEc2TransitGatewayRoute,
                    "default_egress",
                    Layer::Network,
                    &["network", "topology"],
                )
                .with("destination_cidr_block", "0.0.0.0/0")
                .with("transit_gateway_attachment_id", r(edge, "id"))
                .with(
                    "transit_gateway_route_table_id",
                    r(&tgw, "association_default_route_table_id"),
                ),
            );
        }
        Some(tgw)
    } else {
        None
    };

    // Private and data route tables, one per AZ for private (own NAT), one for data.
    for (role, (vpc_addr, _)) in vpcs.clone() {
        let p = prefix(role);
        if let Some(privs) = subnets.get(&(role, Tier::Private)).cloned() {
            for (i, s) in privs.iter().enumerate() {
                let l = az_letter(&region.zones[i]);
                let rt = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsRouteTable,
                        &format!("{p}private_{l}"),
                        Layer::Network,
                        &src,
                    )
                    .with("vpc_id", r(&vpc_addr, "id")),
                );
                let route = cx
                    .res(
                        &m,
                        Kind::AwsRoute,
                        &format!("{p}private_{l}_egress"),
                        Layer::Network,
                        &src,
                    )
                    .with("route_table_id", r(&rt, "id"))
                    .with("destination_cidr_block", "0.0.0.0/0");
                let route = match (role, &tgw) {
                    (VpcRole::Main | VpcRole::Edge, _) if !nats.is_empty() => {
                        let edge_nats: Vec<&Address> = nats
                            .iter()
                            .filter(|n| n.name.as_str().starts_with(&p) || p.is_empty())
                            .collect();
                        let nat = edge_nats.get(i).or(edge_nats.first()).copied();
                        nat.map(|n| route.clone().with("nat_gateway_id", r(n, "id")))
                    }
                    (VpcRole::App | VpcRole::Security, Some(t)) => {
                        Some(route.clone().with("transit_gateway_id", r(t, "id")))
                    }
                    _ => None,
                };
                if let Some(route) = route {
                    let route = match &tgw {
                        Some(_) => {
                            let att =
                                cx.addr(&m, Kind::AwsEc2TransitGatewayVpcAttachment, role.as_str());
                            route.after(&att)
                        }
                        None => route,
                    };
                    cx.put(route);
                }
                route_tables
                    .entry((role, Tier::Private))
                    .or_default()
                    .push(rt.clone());
                associate(cx, &m, s, &rt);
            }
        }
        if let Some(datas) = subnets.get(&(role, Tier::Data)).cloned() {
            // No route out: only the VPC's local route.
            let rt = cx.put(
                cx.res(
                    &m,
                    Kind::AwsRouteTable,
                    &format!("{p}data"),
                    Layer::Network,
                    &src,
                )
                .with("vpc_id", r(&vpc_addr, "id")),
            );
            route_tables
                .entry((role, Tier::Data))
                .or_default()
                .push(rt.clone());
            for s in &datas {
                associate(cx, &m, s, &rt);
            }
        }
    }
    // Edge public subnets route return traffic for the app VPC through the TGW.
    if let (Some(t), Some((_, app_cidr))) = (&tgw, vpcs.get(&VpcRole::App)) {
        if let Some(rt) = route_tables
            .get(&(VpcRole::Edge, Tier::Public))
            .and_then(|v| v.first())
            .cloned()
        {
            let att = cx.addr(&m, Kind::AwsEc2TransitGatewayVpcAttachment, "edge");
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsRoute,
                    "edge_public_to_app",
                    Layer::Network,
                    &src,
                )
                .with("route_table_id", r(&rt, "id"))
                .with("destination_cidr_block", app_cidr.to_string())
                .with("transit_gateway_id", r(t, "id"))
                .after(&att),
            );
        }
    }

    let (workload_role, edge_role) = if hub {
        (VpcRole::App, VpcRole::Edge)
    } else {
        (VpcRole::Main, VpcRole::Main)
    };
    let (app_vpc, app_cidr) = vpcs[&workload_role].clone();
    let (edge_vpc, _) = vpcs[&edge_role].clone();
    let private = subnets
        .get(&(workload_role, Tier::Private))
        .cloned()
        .unwrap_or_default();

    // VPC endpoints in the workload VPC.
    let endpoints_sg = sg(cx, &m, "endpoints", &app_vpc, "VPC interface endpoints");
    ingress(
        cx,
        &m,
        "endpoints_https",
        &endpoints_sg,
        Peer::Cidr(app_cidr.to_string()),
        443,
        "HTTPS from the VPC",
    );
    for ep in &cx.spec.network.endpoints.clone() {
        let name = ep.service().replace('.', "_");
        let mut e = cx
            .res(
                &m,
                Kind::AwsVpcEndpoint,
                &name,
                Layer::Network,
                &["network", "endpoints"],
            )
            .with("vpc_id", r(&app_vpc, "id"))
            .with(
                "service_name",
                format!("com.amazonaws.{}.{}", region.name, ep.service()),
            );
        if ep.is_gateway() {
            let rts: Vec<Value> = [Tier::Private, Tier::Data]
                .iter()
                .flat_map(|t| {
                    route_tables
                        .get(&(workload_role, *t))
                        .cloned()
                        .unwrap_or_default()
                })
                .map(|a| r(&a, "id"))
                .collect();
            e = e
                .with("vpc_endpoint_type", "Gateway")
                .with("route_table_ids", Value::List(rts));
        } else {
            e = e
                .with("vpc_endpoint_type", "Interface")
                .with("private_dns_enabled", true)
                .with("subnet_ids", list(private.iter().map(|s| r(s, "id"))))
                .with("security_group_ids", list([r(&endpoints_sg, "id")]));
        }
        cx.put(e);
    }

    // Security groups for what runs here.
    let public_services: Vec<(String, u32)> = cx
        .spec
        .services
        .iter()
        .filter(|(_, s)| s.expose == Expose::Public)
        .map(|(n, s)| (n.clone(), s.port))
        .collect();
    // OpenShift publishes Routes through its own router and load balancer;
    // an ALB security group there would be open to the internet and unused.
    let alb_sg = if !public_services.is_empty()
        && cx.env.role == strata_spec::EnvironmentRole::Application
        && cx.env.runtime != strata_spec::Runtime::Openshift
    {
        let a = sg(cx, &m, "alb", &edge_vpc, "public load balancer");
        ingress(
            cx,
            &m,
            "alb_https",
            &a,
            Peer::Cidr("0.0.0.0/0".into()),
            443,
            "HTTPS from the internet",
        );
        ingress(
            cx,
            &m,
            "alb_http",
            &a,
            Peer::Cidr("0.0.0.0/0".into()),
            80,
            "HTTP, redirected to HTTPS",
        );
        Some(a)
    } else {
        None
    };
    let mut compute_sgs = BTreeMap::new();
    let mut nodes_sg = None;
    if cx.env.role == strata_spec::EnvironmentRole::Application || kube {
        if cx.env.runtime == Runtime::EcsFargate {
            for (name, svc) in cx.spec.services.clone() {
                let s = sg(
                    cx,
                    &m,
                    &format!("svc_{name}"),
                    &app_vpc,
                    &format!("service {name}"),
                );
                egress(
                    cx,
                    &m,
                    &format!("svc_{name}_https"),
                    &s,
                    Peer::Cidr("0.0.0.0/0".into()),
                    443,
                    "HTTPS to AWS APIs and the internet",
                );
                if svc.expose == Expose::Public {
                    if let Some(alb) = &alb_sg {
                        let port = u16::try_from(svc.port).unwrap_or(8080);
                        ingress(
                            cx,
                            &m,
                            &format!("svc_{name}_from_alb"),
                            &s,
                            Peer::Sg(alb.clone()),
                            port,
                            "from the load balancer",
                        );
                        egress(
                            cx,
                            &m,
                            &format!("alb_to_{name}"),
                            alb,
                            Peer::Sg(s.clone()),
                            port,
                            &format!("to service {name}"),
                        );
                    }
                }
                compute_sgs.insert(name, s);
            }
            // Services reach the services they depend on.
            for (name, svc) in cx.spec.services.clone() {
                for dep in &svc.depends_on {
                    if let (Some(from), Some(to), Some(target)) = (
                        compute_sgs.get(&name).cloned(),
                        compute_sgs.get(dep).cloned(),
                        cx.spec.services.get(dep),
                    ) {
                        let port = u16::try_from(target.port).unwrap_or(8080);
                        ingress(
                            cx,
                            &m,
                            &format!("svc_{dep}_from_{name}"),
                            &to,
                            Peer::Sg(from.clone()),
                            port,
                            &format!("from service {name}"),
                        );
                        egress(
                            cx,
                            &m,
                            &format!("svc_{name}_to_{dep}"),
                            &from,
                            Peer::Sg(to),
                            port,
                            &format!("to service {dep}"),
                        );
                    }
                }
            }
        } else {
            let n = sg(cx, &m, "nodes", &app_vpc, "Kubernetes nodes");
            ingress(
                cx,
                &m,
                "nodes_from_nodes",
                &n,
                Peer::Sg(n.clone()),
                0,
                "node to node (pods)",
            );
            egress(
                cx,
                &m,
                "nodes_https",
                &n,
                Peer::Cidr("0.0.0.0/0".into()),
                443,
                "HTTPS to AWS APIs and registries",
            );
            egress(
                cx,
                &m,
                "nodes_to_nodes",
                &n,
                Peer::Sg(n.clone()),
                0,
                "node to node (pods)",
            );
            if let Some(alb) = &alb_sg {
                for (svc, port) in &public_services {
                    let port = u16::try_from(*port).unwrap_or(8080);
                    ingress(
                        cx,
                        &m,
                        &format!("nodes_from_alb_{svc}"),
                        &n,
                        Peer::Sg(alb.clone()),
                        port,
                        &format!("load balancer to {svc} pods"),
                    );
                    if hub {
                        egress(
                            cx,
                            &m,
                            &format!("alb_to_{svc}"),
                            alb,
                            Peer::Cidr(app_cidr.to_string()),
                            port,
                            &format!("to {svc} pods across the transit gateway"),
                        );
                    } else {
                        egress(
                            cx,
                            &m,
                            &format!("alb_to_{svc}"),
                            alb,
                            Peer::Sg(n.clone()),
                            port,
                            &format!("to {svc} pods"),
                        );
                    }
                }
            }
            for svc in cx.spec.services.keys() {
                compute_sgs.insert(svc.clone(), n.clone());
            }
            nodes_sg = Some(n);
        }
    }

    if hub {
        access(cx, region, &m, keys, &vpcs, &subnets, app_cidr);
    }

    Net {
        app_vpc,
        app_cidr,
        edge_vpc,
        private,
        data: subnets
            .get(&(workload_role, Tier::Data))
            .cloned()
            .unwrap_or_default(),
        public: subnets
            .get(&(edge_role, Tier::Public))
            .cloned()
            .unwrap_or_default(),
        alb_sg,
        compute_sgs,
        nodes_sg,
    }
}

fn associate(cx: &mut Cx, m: &strata_model::Module, subnet: &Address, rt: &Address) {
    cx.put(
        cx.res(
            m,
            Kind::AwsRouteTableAssociation,
            subnet.name.as_str(),
            Layer::Network,
            &["network"],
        )
        .with("subnet_id", r(subnet, "id"))
        .with("route_table_id", r(rt, "id")),
    );
}

/// A security group with no rules of its own; rules are separate resources.
pub fn sg(cx: &mut Cx, m: &strata_model::Module, name: &str, vpc: &Address, what: &str) -> Address {
    cx.put(
        cx.res(
            m,
            Kind::AwsSecurityGroup,
            name,
            Layer::Network,
            &["network"],
        )
        .with("name", cx.name(name))
        .with("description", format!("Strata: {what}"))
        .with("vpc_id", r(vpc, "id"))
        .with("revoke_rules_on_delete", true),
    )
}

/// The other side of a security group rule.
pub enum Peer {
    /// A CIDR block.
    Cidr(String),
    /// Another security group.
    Sg(Address),
}

fn rule(
    cx: &mut Cx,
    m: &strata_model::Module,
    kind: Kind,
    name: &str,
    sg: &Address,
    peer: Peer,
    port: u16,
    what: &str,
) -> Address {
    let mut res = cx
        .res(m, kind, name, Layer::Network, &["network"])
        .with("security_group_id", r(sg, "id"))
        .with("description", what);
    res = if port == 0 {
        res.with("ip_protocol", "-1")
    } else {
        res.with("ip_protocol", "tcp")
            .with("from_port", port)
            .with("to_port", port)
    };
    res = match peer {
        Peer::Cidr(c) => res.with("cidr_ipv4", c),
        Peer::Sg(a) => res.with("referenced_security_group_id", r(&a, "id")),
    };
    cx.put(res)
}

/// An ingress rule (port 0 means all traffic).
pub fn ingress(
    cx: &mut Cx,
    m: &strata_model::Module,
    name: &str,
    sg: &Address,
    peer: Peer,
    port: u16,
    what: &str,
) -> Address {
    rule(
        cx,
        m,
        Kind::AwsVpcSecurityGroupIngressRule,
        name,
        sg,
        peer,
        port,
        what,
    )
}

/// An egress rule (port 0 means all traffic).
pub fn egress(
    cx: &mut Cx,
    m: &strata_model::Module,
    name: &str,
    sg: &Address,
    peer: Peer,
    port: u16,
    what: &str,
) -> Address {
    rule(
        cx,
        m,
        Kind::AwsVpcSecurityGroupEgressRule,
        name,
        sg,
        peer,
        port,
        what,
    )
}

/// Hub-spoke operator access: a private CA for the VPN's certificate, the
/// client VPN endpoint in the security VPC, a bastion per AZ there, and the
/// operator jump host in the app VPC that bastions reach.
fn access(
    cx: &mut Cx,
    region: &Region,
    m: &strata_model::Module,
    keys: &Keys,
    vpcs: &BTreeMap<VpcRole, (Address, Ipv4Net)>,
    subnets: &BTreeMap<(VpcRole, Tier), Vec<Address>>,
    app_cidr: Ipv4Net,
) {
    let Some((sec_vpc, sec_cidr)) = vpcs.get(&VpcRole::Security).cloned() else {
        return;
    };
    let sec_subnets = subnets
        .get(&(VpcRole::Security, Tier::Private))
        .cloned()
        .unwrap_or_default();
    let app_subnets = subnets
        .get(&(VpcRole::App, Tier::Private))
        .cloned()
        .unwrap_or_default();
    let src = ["network", "topology"];
    let ca = cx.put(
        cx.res(
            m,
            Kind::AwsAcmpcaCertificateAuthority,
            "vpn",
            Layer::Network,
            &src,
        )
        .with("type", "ROOT")
        .with("usage_mode", "SHORT_LIVED_CERTIFICATE")
        .with(
            "certificate_authority_configuration",
            map([
                ("key_algorithm", "EC_prime256v1".into()),
                ("signing_algorithm", "SHA256WITHECDSA".into()),
                (
                    "subject",
                    map([("common_name", format!("{} VPN CA", cx.name("vpn")).into())]),
                ),
            ]),
        )
        .with("permanent_deletion_time_in_days", 30u32),
    );
    let cert = cx.put(
        cx.res(m, Kind::AwsAcmCertificate, "vpn", Layer::Network, &src)
            .with(
                "domain_name",
                format!("vpn.{}.{}.internal", cx.env.name, cx.spec.app),
            )
            .with("certificate_authority_arn", r(&ca, "arn")),
    );
    let vpn_sg = sg(cx, m, "vpn", &sec_vpc, "client VPN endpoint");
    egress(
        cx,
        m,
        "vpn_to_security",
        &vpn_sg,
        Peer::Cidr(sec_cidr.to_string()),
        22,
        "SSH to bastions",
    );
    let vpn_logs = cx.log_group(m, "vpn", "client-vpn", Layer::Network, &src, &keys.logs);
    let vpn = cx.put(
        cx.res(
            m,
            Kind::AwsEc2ClientVpnEndpoint,
            "main",
            Layer::Network,
            &src,
        )
        .with("description", cx.name("client-vpn"))
        .with("client_cidr_block", cx.spec.network.vpn_client_cidr.clone())
        .with("server_certificate_arn", r(&cert, "arn"))
        .with("vpc_id", r(&sec_vpc, "id"))
        .with("security_group_ids", list([r(&vpn_sg, "id")]))
        .with("split_tunnel", true)
        .with("transport_protocol", "udp")
        .with("session_timeout_hours", 8u32)
        .with(
            "authentication_options",
            list([map([
                ("type", "certificate-authentication".into()),
                ("root_certificate_chain_arn", r(&cert, "arn")),
            ])]),
        )
        .with(
            "connection_log_options",
            map([
                ("enabled", true.into()),
                ("cloudwatch_log_group", r(&vpn_logs, "name")),
            ]),
        ),
    );
    for s in &sec_subnets {
        cx.put(
            cx.res(
                m,
                Kind::AwsEc2ClientVpnNetworkAssociation,
                s.name.as_str(),
                Layer::Network,
                &src,
            )
            .with("client_vpn_endpoint_id", r(&vpn, "id"))
            .with("subnet_id", r(s, "id")),
        );
    }
    cx.put(
        cx.res(
            m,
            Kind::AwsEc2ClientVpnAuthorizationRule,
            "security_vpc",
            Layer::Network,
            &src,
        )
        .with("client_vpn_endpoint_id", r(&vpn, "id"))
        .with("target_network_cidr", sec_cidr.to_string())
        .with("authorize_all_groups", true),
    );

    // Bastions: one per AZ, SSM-managed, IMDSv2 only, encrypted disks.
    let role = cx.put(
        cx.res(m, Kind::AwsIamRole, "bastion", Layer::Network, &src)
            .with("name", cx.name("bastion"))
            .with("assume_role_policy", trust_service("ec2.amazonaws.com")),
    );
    attach(
        cx,
        m,
        &role,
        "bastion_ssm",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        Layer::Network,
        &src,
    );
    let profile = cx.put(
        cx.res(
            m,
            Kind::AwsIamInstanceProfile,
            "bastion",
            Layer::Network,
            &src,
        )
        .with("name", cx.name("bastion"))
        .with("role", r(&role, "name")),
    );
    let bastion_sg = sg(cx, m, "bastion", &sec_vpc, "bastion hosts");
    ingress(
        cx,
        m,
        "bastion_ssh_from_vpn",
        &bastion_sg,
        Peer::Sg(vpn_sg.clone()),
        22,
        "SSH from VPN users",
    );
    egress(
        cx,
        m,
        "bastion_ssh_to_app",
        &bastion_sg,
        Peer::Cidr(app_cidr.to_string()),
        22,
        "SSH to the jump host",
    );
    egress(
        cx,
        m,
        "bastion_https",
        &bastion_sg,
        Peer::Cidr("0.0.0.0/0".into()),
        443,
        "HTTPS to SSM and updates",
    );
    let lt = |cx: &mut Cx, name: &str, sg: &Address| {
        cx.put(
            cx.res(m, Kind::AwsLaunchTemplate, name, Layer::Network, &src)
                .with("name", cx.name(name))
                .with("image_id", "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
                .with("instance_type", "t3.micro")
                .with("vpc_security_group_ids", list([r(sg, "id")]))
                .with("iam_instance_profile", map([("arn", r(&profile, "arn"))]))
                .with("metadata_options", imdsv2_only())
                .with("block_device_mappings", encrypted_root(&keys.data, 16))
                .with("monitoring", map([("enabled", true.into())])),
        )
    };
    let bastion_lt = lt(cx, "bastion", &bastion_sg);
    for (i, s) in sec_subnets.iter().enumerate() {
        let l = az_letter(&region.zones[i]);
        cx.put(
            cx.res(
                m,
                Kind::AwsInstance,
                &format!("bastion_{l}"),
                Layer::Network,
                &src,
            )
            .with(
                "launch_template",
                map([("id", r(&bastion_lt, "id")), ("version", "$Latest".into())]),
            )
            .with("subnet_id", r(s, "id"))
            .with("associate_public_ip_address", false),
        );
    }
    let jump_sg = sg(cx, m, "jump", &vpcs[&VpcRole::App].0, "operator jump host");
    ingress(
        cx,
        m,
        "jump_ssh_from_bastions",
        &jump_sg,
        Peer::Cidr(sec_cidr.to_string()),
        22,
        "SSH from the bastions",
    );
    egress(
        cx,
        m,
        "jump_https",
        &jump_sg,
        Peer::Cidr("0.0.0.0/0".into()),
        443,
        "HTTPS to SSM and the cluster API",
    );
    let jump_lt = lt(cx, "jump", &jump_sg);
    if let Some(s) = app_subnets.first() {
        cx.put(
            cx.res(m, Kind::AwsInstance, "jump", Layer::Network, &src)
                .with(
                    "launch_template",
                    map([("id", r(&jump_lt, "id")), ("version", "$Latest".into())]),
                )
                .with("subnet_id", r(s, "id"))
                .with("associate_public_ip_address", false),
        );
    }
}
