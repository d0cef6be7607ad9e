//! VPCs, subnets, routes, security groups, NACLs, transit gateways, client VPN.

use strata_model::{Kind, Kind::*, Resource, Value};

use super::is_world;
use crate::lookup::{self, Got};
use crate::{Check, Control, Ctx, Outcome, Severity::*, Want};

/// One ingress permission, wherever it is written.
struct Ingress<'a> {
    /// Attribute path, for the finding's line.
    at: String,
    from: i64,
    to: i64,
    all_protocols: bool,
    world: bool,
    /// The security group it belongs to, when known.
    group: Option<&'a Resource>,
}

const INGRESS_KINDS: &[Kind] = &[
    AwsSecurityGroup,
    AwsSecurityGroupRule,
    AwsVpcSecurityGroupIngressRule,
];

fn cidrs(v: Option<&Value>) -> Vec<String> {
    v.map(|v| {
        lookup::items(v)
            .into_iter()
            .filter_map(lookup::as_text)
            .collect()
    })
    .unwrap_or_default()
}

fn protocol_all(p: Option<String>) -> bool {
    matches!(p.as_deref(), Some("-1") | Some("all"))
}

/// Every ingress permission of `r`; `Err` when something that matters is unknown.
fn ingress<'a>(cx: &Ctx<'a>, r: &'a Resource) -> Result<Vec<Ingress<'a>>, Outcome> {
    let int = |m: &Value, k: &str| lookup::get_in(m, k).value().and_then(lookup::as_int);
    let text = |m: &Value, k: &str| lookup::get_in(m, k).value().and_then(lookup::as_text);
    let mut out = Vec::new();
    match r.kind {
        AwsSecurityGroup => {
            let blocks = match lookup::get(r, "ingress") {
                Got::Value(v) => lookup::items(v),
                Got::Unknown(e) => return Err(Outcome::Unknown(format!("`ingress` is `{e}`"))),
                Got::Missing => Vec::new(),
            };
            for (i, b) in blocks.into_iter().enumerate() {
                let v4 = cidrs(lookup::get_in(b, "cidr_blocks").value());
                let v6 = cidrs(lookup::get_in(b, "ipv6_cidr_blocks").value());
                let key = if v4.iter().any(|c| is_world(c)) || v6.is_empty() {
                    "cidr_blocks"
                } else {
                    "ipv6_cidr_blocks"
                };
                let mut all = v4;
                all.extend(v6);
                let all_p = protocol_all(text(b, "protocol"));
                out.push(Ingress {
                    at: format!("ingress.{i}.{key}"),
                    from: if all_p {
                        0
                    } else {
                        int(b, "from_port").unwrap_or(0)
                    },
                    to: if all_p {
                        65535
                    } else {
                        int(b, "to_port").unwrap_or(65535)
                    },
                    all_protocols: all_p,
                    world: all.iter().any(|c| is_world(c)),
                    group: Some(r),
                });
            }
        }
        AwsSecurityGroupRule | AwsVpcSecurityGroupIngressRule => {
            let v = Value::Map(r.attributes.clone());
            if r.kind == AwsSecurityGroupRule && text(&v, "type").as_deref() != Some("ingress") {
                return Ok(out);
            }
            let (mut all, proto) = if r.kind == AwsSecurityGroupRule {
                let mut c = cidrs(lookup::get(r, "cidr_blocks").value());
                c.extend(cidrs(lookup::get(r, "ipv6_cidr_blocks").value()));
                (c, text(&v, "protocol"))
            } else {
                let mut c = cidrs(lookup::get(r, "cidr_ipv4").value());
                c.extend(cidrs(lookup::get(r, "cidr_ipv6").value()));
                (c, text(&v, "ip_protocol"))
            };
            all.retain(|c| !c.is_empty());
            for key in ["cidr_blocks", "cidr_ipv4", "cidr_ipv6"] {
                if let Got::Unknown(e) = lookup::get(r, key) {
                    return Err(Outcome::Unknown(format!("`{key}` is `{e}`")));
                }
            }
            let all_p = protocol_all(proto);
            let at = if r.kind == AwsSecurityGroupRule {
                "cidr_blocks"
            } else {
                "cidr_ipv4"
            };
            out.push(Ingress {
                at: at.into(),
                from: if all_p {
                    0
                } else {
                    int(&v, "from_port").unwrap_or(0)
                },
                to: if all_p {
                    65535
                } else {
                    int(&v, "to_port").unwrap_or(65535)
                },
                all_protocols: all_p,
                world: all.iter().any(|c| is_world(c)),
                group: r
                    .attributes
                    .get("security_group_id")
                    .and_then(|g| cx.target(g, AwsSecurityGroup)),
            });
        }
        _ => {}
    }
    Ok(out)
}

fn no_world_port(cx: &Ctx<'_>, r: &Resource, ports: &[i64], what: &str) -> Outcome {
    match ingress(cx, r) {
        Ok(rules) => match rules
            .iter()
            .find(|i| i.world && ports.iter().any(|p| i.from <= *p && *p <= i.to))
        {
            Some(i) => Outcome::fail(
                &i.at,
                format!("{what} is open to the internet (ports {}–{})", i.from, i.to),
            ),
            None => Outcome::Pass,
        },
        Err(o) => o,
    }
}

pub(crate) static VPC_FLOW_LOGS: Control = Control {
    id: "STRATA-AWS-031",
    title: "Every VPC has flow logs",
    severity: Medium,
    kinds: &[AwsVpc],
    rationale: "Flow logs are the record of who talked to what; incident response starts there.",
    remediation: "Add an aws_flow_log with vpc_id set to this VPC and traffic_type = \"ALL\".",
    check: Check::Custom(|cx, r| {
        Outcome::pass_if(
            !cx.linked(r, AwsFlowLog, "vpc_id").is_empty(),
            "",
            "no flow log refers to this VPC",
        )
    }),
};

pub(crate) static VPC_DEFAULT_SG_CLOSED: Control = Control {
    id: "STRATA-AWS-032",
    title: "Default security groups allow no traffic",
    severity: Medium,
    kinds: &[AwsDefaultSecurityGroup, AwsVpc],
    rationale: "Resources launched without a group land in the default one; it must not let anything in or out.",
    remediation: "Declare aws_default_security_group with no ingress and no egress blocks for every VPC.",
    check: Check::Custom(|cx, r| {
        // A VPC's default group allows all traffic between its members until
        // the code takes it over.
        if r.kind == AwsVpc {
            return Outcome::pass_if(
                !cx.linked(r, AwsDefaultSecurityGroup, "vpc_id").is_empty(),
                "",
                "the VPC's default security group is not taken over and closed",
            );
        }
        let empty = |k: &str| match lookup::get(r, k) {
            Got::Missing => true,
            Got::Value(v) => lookup::items(v).is_empty(),
            Got::Unknown(_) => false,
        };
        if !empty("ingress") {
            return Outcome::fail("ingress", "the default security group allows ingress");
        }
        Outcome::pass_if(
            empty("egress"),
            "egress",
            "the default security group allows egress",
        )
    }),
};

pub(crate) static VPC_WORLD_INGRESS_ONLY_LB_WEB: Control = Control {
    id: "STRATA-AWS-033",
    title: "Ingress from the internet reaches only load balancers, on ports 80 and 443",
    severity: High,
    kinds: INGRESS_KINDS,
    rationale: "Everything but the public load balancer belongs behind it; only HTTP(S) belongs on the internet.",
    remediation: "Put the service behind a load balancer and allow 0.0.0.0/0 only on the load balancer's security group, ports 80/443.",
    check: Check::Custom(|cx, r| {
        let rules = match ingress(cx, r) {
            Ok(rules) => rules,
            Err(o) => return o,
        };
        for i in rules.iter().filter(|i| i.world) {
            let web = !i.all_protocols && [80, 443].contains(&i.from) && i.from == i.to;
            if !web {
                return Outcome::fail(
                    &i.at,
                    format!("ports {}–{} are open to the internet", i.from, i.to),
                );
            }
            // A load balancer uses it: an aws_lb, or a Kubernetes Ingress
            // whose controller is told to (its annotations refer to the group).
            let on_lb = i.group.is_some_and(|g| {
                !cx.linked(g, AwsLb, "security_groups").is_empty()
                    || cx.referrers(g).iter().any(|(s, _)| s.kind == Kind::Ingress)
            });
            if !on_lb {
                return Outcome::fail(
                    &i.at,
                    "the internet may reach a security group no load balancer uses",
                );
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static VPC_NO_WORLD_SSH: Control = Control {
    id: "STRATA-AWS-034",
    title: "SSH (22) is not open to the internet",
    severity: High,
    kinds: INGRESS_KINDS,
    rationale: "Open SSH is scanned within minutes of launch.",
    remediation: "Use SSM Session Manager or a VPN; restrict port 22 to known addresses.",
    check: Check::Custom(|cx, r| no_world_port(cx, r, &[22], "SSH")),
};

pub(crate) static VPC_NO_WORLD_RDP: Control = Control {
    id: "STRATA-AWS-035",
    title: "RDP (3389) is not open to the internet",
    severity: High,
    kinds: INGRESS_KINDS,
    rationale: "Open RDP is a leading ransomware entry point.",
    remediation: "Use a VPN or Fleet Manager; restrict port 3389 to known addresses.",
    check: Check::Custom(|cx, r| no_world_port(cx, r, &[3389], "RDP")),
};

pub(crate) static VPC_NO_WORLD_DB_PORTS: Control = Control {
    id: "STRATA-AWS-036",
    title: "Database and cache ports are not open to the internet",
    severity: Critical,
    kinds: INGRESS_KINDS,
    rationale: "MySQL, PostgreSQL, Redis, MongoDB and similar ports exposed to the internet invite credential stuffing and exploits.",
    remediation: "Allow database ports only from the application's security group.",
    check: Check::Custom(|cx, r| {
        no_world_port(
            cx,
            r,
            &[1433, 1521, 3306, 5432, 6379, 9200, 11211, 27017],
            "a database port",
        )
    }),
};

pub(crate) static VPC_RULE_DESCRIPTION: Control = Control {
    id: "STRATA-AWS-037",
    title: "Security group rules say what they are for",
    severity: Low,
    kinds: &[
        AwsSecurityGroupRule,
        AwsVpcSecurityGroupIngressRule,
        AwsVpcSecurityGroupEgressRule,
        AwsSecurityGroup,
    ],
    rationale: "Reviewers and auditors must be able to tell why a flow is allowed.",
    remediation: "Set description on the group and on each rule.",
    check: Check::Custom(|_, r| {
        if lookup::get(r, "description").is_missing() {
            return Outcome::fail("", "no description");
        }
        if r.kind == AwsSecurityGroup {
            for k in ["ingress", "egress"] {
                if let Got::Value(v) = lookup::get(r, k) {
                    for (i, b) in lookup::items(v).into_iter().enumerate() {
                        if lookup::get_in(b, "description").is_missing() {
                            return Outcome::fail(
                                &format!("{k}.{i}"),
                                format!("{k} rule {i} has no description"),
                            );
                        }
                    }
                }
            }
        }
        Outcome::Pass
    }),
};

pub(crate) static VPC_NO_WORLD_ALL_PROTOCOLS_INGRESS: Control = Control {
    id: "STRATA-AWS-038",
    title: "No security group allows all protocols in from the internet",
    severity: Critical,
    kinds: INGRESS_KINDS,
    rationale: "Every port of every protocol open to everyone exposes whatever listens.",
    remediation: "Allow only the ports needed, from the sources needed.",
    check: Check::Custom(|cx, r| match ingress(cx, r) {
        Ok(rules) => match rules
            .iter()
            .find(|i| i.world && (i.all_protocols || (i.from <= 0 && i.to >= 65535)))
        {
            Some(i) => Outcome::fail(&i.at, "all traffic is allowed in from the internet"),
            None => Outcome::Pass,
        },
        Err(o) => o,
    }),
};

pub(crate) static VPC_SUBNET_NO_AUTO_PUBLIC_IP: Control = Control {
    id: "STRATA-AWS-039",
    title: "Subnets do not give instances public IP addresses automatically",
    severity: Medium,
    kinds: &[AwsSubnet],
    rationale: "Auto-assigned public IPs expose instances nobody meant to publish.",
    remediation: "Set map_public_ip_on_launch = false; put internet-facing endpoints behind a load balancer.",
    check: Check::Attr("map_public_ip_on_launch", Want::NotTrue),
};

pub(crate) static VPC_NACL_NO_WORLD_ADMIN: Control = Control {
    id: "STRATA-AWS-040",
    title: "Network ACLs do not allow SSH or RDP in from the internet",
    severity: Medium,
    kinds: &[AwsNetworkAcl, AwsNetworkAclRule],
    rationale: "CIS 5.1: NACLs are the subnet-level second line for administration ports.",
    remediation: "Deny or omit NACL ingress rules from 0.0.0.0/0 to 22 and 3389.",
    check: Check::Custom(|_, r| {
        let bad = |m: &Value| {
            let t = |k: &str| lookup::get_in(m, k).value().and_then(lookup::as_text);
            let n = |k: &str| lookup::get_in(m, k).value().and_then(lookup::as_int);
            let allow = t("action")
                .or(t("rule_action"))
                .is_some_and(|a| a.eq_ignore_ascii_case("allow"));
            let world = t("cidr_block").is_some_and(|c| is_world(&c))
                || t("ipv6_cidr_block").is_some_and(|c| is_world(&c));
            let all = protocol_all(t("protocol"));
            let (from, to) = (n("from_port").unwrap_or(0), n("to_port").unwrap_or(65535));
            allow && world && (all || [22, 3389].iter().any(|p| from <= *p && *p <= to))
        };
        if r.kind == AwsNetworkAclRule {
            let v = Value::Map(r.attributes.clone());
            if lookup::get_in(&v, "egress")
                .value()
                .and_then(lookup::as_bool)
                == Some(true)
            {
                return Outcome::Skip;
            }
            return Outcome::pass_if(
                !bad(&v),
                "cidr_block",
                "SSH/RDP are allowed in from the internet",
            );
        }
        match lookup::get(r, "ingress") {
            Got::Value(v) => match lookup::items(v).iter().position(|b| bad(b)) {
                Some(i) => Outcome::fail(
                    &format!("ingress.{i}"),
                    "SSH/RDP are allowed in from the internet",
                ),
                None => Outcome::Pass,
            },
            Got::Unknown(e) => Outcome::Unknown(format!("`ingress` is `{e}`")),
            Got::Missing => Outcome::Pass,
        }
    }),
};

/// True when `subnet` routes to an internet gateway.
fn routes_to_igw(cx: &Ctx<'_>, subnet: &Resource) -> bool {
    let igw = |v: Option<&Value>| match v {
        Some(Value::Ref(r)) => r.address.kind == AwsInternetGateway,
        Some(Value::String(s)) => s.starts_with("igw-"),
        _ => false,
    };
    cx.linked(subnet, AwsRouteTableAssociation, "subnet_id")
        .iter()
        .any(|assoc| {
            let Some(table) = assoc
                .attributes
                .get("route_table_id")
                .and_then(|t| cx.target(t, AwsRouteTable))
            else {
                return false;
            };
            let inline = lookup::get(table, "route")
                .value()
                .map(|v| {
                    lookup::items(v)
                        .iter()
                        .any(|b| igw(lookup::get_in(b, "gateway_id").value()))
                })
                .unwrap_or(false);
            inline
                || cx
                    .linked(table, AwsRoute, "route_table_id")
                    .iter()
                    .any(|route| igw(route.attributes.get("gateway_id")))
        })
}

pub(crate) static VPC_DB_NOT_ROUTED_TO_IGW: Control = Control {
    id: "STRATA-AWS-041",
    title: "Databases and caches are not in subnets that route to an internet gateway",
    severity: High,
    kinds: &[AwsRdsCluster, AwsDbInstance, AwsElasticacheReplicationGroup],
    rationale: "A data store in a public subnet is one security-group or flag change away from the internet.",
    remediation: "Place the subnet group on data subnets whose route table has no route to an internet gateway.",
    check: Check::Custom(|cx, r| {
        let (attr, group_kind) = match r.kind {
            AwsElasticacheReplicationGroup => ("subnet_group_name", AwsElasticacheSubnetGroup),
            _ => ("db_subnet_group_name", AwsDbSubnetGroup),
        };
        let Some(v) = r.attributes.get(attr) else {
            return Outcome::Skip;
        };
        let Some(group) = cx.target(v, group_kind) else {
            return Outcome::Unknown(format!(
                "the subnet group `{attr}` is not in the scanned code"
            ));
        };
        let subnets: Vec<&Resource> = group
            .attributes
            .get("subnet_ids")
            .map(|s| {
                lookup::items(s)
                    .into_iter()
                    .filter_map(|x| cx.target(x, AwsSubnet))
                    .collect()
            })
            .unwrap_or_default();
        match subnets.iter().find(|s| routes_to_igw(cx, s)) {
            Some(s) => Outcome::fail(
                attr,
                format!("subnet {} routes to an internet gateway", s.address.name),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static VPC_FLOW_LOG_ALL_TRAFFIC: Control = Control {
    id: "STRATA-AWS-042",
    title: "Flow logs record accepted and rejected traffic",
    severity: Low,
    kinds: &[AwsFlowLog],
    rationale: "Logging only rejects hides the connections that succeeded.",
    remediation: "Set traffic_type = \"ALL\".",
    check: Check::Attr("traffic_type", Want::Is("ALL")),
};

pub(crate) static VPC_TGW_NO_AUTO_ACCEPT: Control = Control {
    id: "STRATA-AWS-043",
    title: "Transit gateways do not accept shared attachments automatically",
    severity: Medium,
    kinds: &[AwsEc2TransitGateway],
    rationale: "Auto-accept lets any account the gateway is shared with join the network.",
    remediation: "Set auto_accept_shared_attachments = \"disable\".",
    check: Check::Attr("auto_accept_shared_attachments", Want::NoneOf(&["enable"])),
};

pub(crate) static VPN_CONNECTION_LOGS: Control = Control {
    id: "STRATA-AWS-044",
    title: "Client VPN endpoints log connections",
    severity: Medium,
    kinds: &[AwsEc2ClientVpnEndpoint],
    rationale: "Connection logs record who entered the network and when.",
    remediation: "Set connection_log_options { enabled = true, cloudwatch_log_group = ... }.",
    check: Check::Attr("connection_log_options.enabled", Want::True),
};

pub(crate) static VPN_SPLIT_TUNNEL: Control = Control {
    id: "STRATA-AWS-045",
    title: "Client VPN endpoints use split tunnelling",
    severity: Low,
    kinds: &[AwsEc2ClientVpnEndpoint],
    rationale: "Full tunnelling sends users' internet traffic through the VPC, mixing it into the flow logs and NAT.",
    remediation: "Set split_tunnel = true.",
    check: Check::Attr("split_tunnel", Want::True),
};
