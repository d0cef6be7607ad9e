//! Effective settings per environment: top-level settings with the
//! environment's overrides applied, and VPC address space allocated without
//! overlap. Validation and the planner both read the spec through this view, so
//! they agree on what an environment means.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::regions;
use crate::types::*;

/// What a VPC is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VpcRole {
    /// The one VPC of a three-tier network.
    Main,
    /// Hub-spoke: client VPN and bastions.
    Security,
    /// Hub-spoke: public load balancers and NAT gateways.
    Edge,
    /// Hub-spoke: private application and data.
    App,
}

impl VpcRole {
    /// Name used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            VpcRole::Main => "main",
            VpcRole::Security => "security",
            VpcRole::Edge => "edge",
            VpcRole::App => "app",
        }
    }

    /// The VPCs a topology has.
    pub fn for_topology(t: Topology) -> &'static [VpcRole] {
        match t {
            Topology::ThreeTier => &[VpcRole::Main],
            Topology::HubSpoke => &[VpcRole::Security, VpcRole::Edge, VpcRole::App],
        }
    }
}

/// A VPC with its address space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    /// What it is for.
    pub role: VpcRole,
    /// Its CIDR block.
    pub cidr: Ipv4Net,
    /// Whether the user chose the CIDR (rather than the allocator).
    pub user_given: bool,
}

/// One region of an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Region name.
    pub name: String,
    /// Whether this is the primary region.
    pub primary: bool,
    /// The availability zones used, in order.
    pub zones: Vec<String>,
    /// The VPCs, in topology order.
    pub vpcs: Vec<Vpc>,
}

/// An environment's effective settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Env {
    /// Name.
    pub name: String,
    /// Position in the spec (promotion order).
    pub index: usize,
    /// Production environment.
    pub production: bool,
    /// What it is for.
    pub role: EnvironmentRole,
    /// AWS account, when given.
    pub account: Option<String>,
    /// Runtime.
    pub runtime: Runtime,
    /// Isolation.
    pub isolation: Isolation,
    /// NAT layout.
    pub nat: NatMode,
    /// Flow logs on.
    pub flow_logs: bool,
    /// Deletion protection on stateful resources and load balancers.
    pub deletion_protection: bool,
    /// Deploys need approval.
    pub approval: bool,
    /// Frameworks enforced.
    pub frameworks: Vec<Framework>,
    /// Regions, primary first.
    pub regions: Vec<Region>,
}

impl Env {
    /// The primary region.
    pub fn primary(&self) -> &Region {
        &self.regions[0]
    }
}

/// A problem the allocator found; validation locates it in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocProblem {
    /// A CIDR could not be parsed.
    BadCidr {
        /// Environment, or `None` for a network pool.
        env: Option<String>,
        /// Which pool, when `env` is `None`.
        pool: Option<&'static str>,
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
    /// Two VPCs overlap.
    Overlap {
        /// First environment and VPC.
        a: (String, String, VpcRole, Ipv4Net),
        /// Second environment and VPC.
        b: (String, String, VpcRole, Ipv4Net),
    },
    /// A pool is too small for the VPCs drawn from it.
    PoolExhausted {
        /// Which pool.
        pool: &'static str,
    },
    /// The production and non-production pools overlap.
    PoolsOverlap,
}

/// The whole spec resolved: environments in promotion order.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Environments in the spec's order.
    pub envs: Vec<Env>,
    /// Problems found while allocating address space.
    pub problems: Vec<AllocProblem>,
}

/// Whether an environment counts as production.
pub fn is_production(name: &str, env: &Environment) -> bool {
    env.production
        .unwrap_or(matches!(name, "prod" | "production"))
}

/// Parses a VPC CIDR: a network address with a /16–/22 prefix.
pub fn parse_vpc_cidr(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text
        .parse()
        .map_err(|_| format!("`{text}` is not an IPv4 CIDR such as 10.0.0.0/16"))?;
    if net.network() != net.addr() {
        return Err(format!(
            "`{text}` has host bits set; the network is {}",
            net.trunc()
        ));
    }
    if !(16..=22).contains(&net.prefix_len()) {
        return Err(format!(
            "a VPC needs a prefix between /16 and /22, not /{}",
            net.prefix_len()
        ));
    }
    Ok(net)
}

fn parse_pool(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text
        .parse()
        .map_err(|_| format!("`{text}` is not an IPv4 CIDR such as 10.0.0.0/9"))?;
    if net.network() != net.addr() {
        return Err(format!(
            "`{text}` has host bits set; the network is {}",
            net.trunc()
        ));
    }
    if net.prefix_len() > 16 {
        return Err(format!(
            "a pool must be /16 or larger, not /{}",
            net.prefix_len()
        ));
    }
    Ok(net)
}

struct Pool {
    name: &'static str,
    blocks: Box<dyn Iterator<Item = Ipv4Net>>,
}

impl Pool {
    fn new(name: &'static str, net: Option<Ipv4Net>) -> Self {
        let blocks: Box<dyn Iterator<Item = Ipv4Net>> = match net.and_then(|n| n.subnets(16).ok()) {
            Some(s) => Box::new(s),
            None => Box::new(std::iter::empty()),
        };
        Self { name, blocks }
    }

    fn take(&mut self, taken: &[Ipv4Net]) -> Option<Ipv4Net> {
        self.blocks
            .by_ref()
            .find(|b| !taken.iter().any(|t| overlaps(t, b)))
    }
}

/// Whether two networks share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Resolves every environment of the spec.
pub fn resolve(spec: &Spec) -> Resolved {
    let mut problems = Vec::new();
    let pool_net =
        |text: &str, pool: &'static str, problems: &mut Vec<AllocProblem>| match parse_pool(text) {
            Ok(n) => Some(n),
            Err(reason) => {
                problems.push(AllocProblem::BadCidr {
                    env: None,
                    pool: Some(pool),
                    text: text.to_owned(),
                    reason,
                });
                None
            }
        };
    let prod_net = pool_net(
        &spec.network.production_cidr,
        "production_cidr",
        &mut problems,
    );
    let nonprod_net = pool_net(
        &spec.network.non_production_cidr,
        "non_production_cidr",
        &mut problems,
    );
    if let (Some(a), Some(b)) = (prod_net, nonprod_net) {
        if overlaps(&a, &b) {
            problems.push(AllocProblem::PoolsOverlap);
        }
    }
    let mut prod_pool = Pool::new("production_cidr", prod_net);
    let mut nonprod_pool = Pool::new("non_production_cidr", nonprod_net);

    // User-given CIDRs first, so the allocator steers around them.
    let mut user: Vec<Option<Ipv4Net>> = Vec::new();
    for (name, env) in &spec.environments {
        let given = env
            .cidr
            .as_deref()
            .and_then(|text| match parse_vpc_cidr(text) {
                Ok(n) => Some(n),
                Err(reason) => {
                    problems.push(AllocProblem::BadCidr {
                        env: Some(name.clone()),
                        pool: None,
                        text: text.to_owned(),
                        reason,
                    });
                    None
                }
            });
        user.push(given);
    }
    let mut taken: Vec<Ipv4Net> = user.iter().flatten().copied().collect();
    let mut placed: Vec<(String, String, VpcRole, Ipv4Net)> = Vec::new();

    let mut envs = Vec::new();
    let region_names: Vec<&String> = std::iter::once(&spec.region)
        .chain(spec.additional_regions.iter())
        .collect();
    for (index, (name, e)) in spec.environments.iter().enumerate() {
        let production = is_production(name, e);
        let azs = usize::from(e.azs.unwrap_or(spec.azs));
        let mut regions = Vec::new();
        for (ri, region) in region_names.iter().enumerate() {
            let zones: Vec<String> = regions::zones(region)
                .unwrap_or_default()
                .into_iter()
                .take(azs)
                .collect();
            let mut vpcs = Vec::new();
            for &role in VpcRole::for_topology(spec.network.topology) {
                let main_vpc = ri == 0 && matches!(role, VpcRole::Main | VpcRole::App);
                let (cidr, user_given) = match (main_vpc, user[index]) {
                    (true, Some(n)) => (Some(n), true),
                    _ => {
                        let pool = if production {
                            &mut prod_pool
                        } else {
                            &mut nonprod_pool
                        };
                        let got = pool.take(&taken);
                        if got.is_none() {
                            let p = AllocProblem::PoolExhausted { pool: pool.name };
                            if !problems.contains(&p) {
                                problems.push(p);
                            }
                        }
                        (got, false)
                    }
                };
                let Some(cidr) = cidr else { continue };
                if !user_given {
                    taken.push(cidr);
                }
                for other in &placed {
                    if overlaps(&other.3, &cidr) {
                        problems.push(AllocProblem::Overlap {
                            a: other.clone(),
                            b: (name.clone(), (*region).clone(), role, cidr),
                        });
                    }
                }
                placed.push((name.clone(), (*region).clone(), role, cidr));
                vpcs.push(Vpc {
                    role,
                    cidr,
                    user_given,
                });
            }
            regions.push(Region {
                name: (*region).clone(),
                primary: ri == 0,
                zones,
                vpcs,
            });
        }
        envs.push(Env {
            name: name.clone(),
            index,
            production,
            role: e.role,
            account: e.account.clone(),
            runtime: e.runtime.unwrap_or(spec.runtime),
            isolation: e.isolation.unwrap_or(spec.isolation),
            nat: e.nat.unwrap_or(spec.network.nat),
            flow_logs: e.flow_logs.unwrap_or(spec.network.flow_logs),
            deletion_protection: e.deletion_protection.unwrap_or(production),
            approval: e
                .approval
                .unwrap_or_else(|| match &spec.delivery.approvals {
                    Some(list) => list.iter().any(|n| n == name),
                    None => production,
                }),
            frameworks: e
                .frameworks
                .clone()
                .unwrap_or_else(|| spec.security.frameworks.clone()),
            regions,
        });
    }
    Resolved { envs, problems }
}

/// A subnet tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Routes to the internet gateway.
    Public,
    /// Routes out through NAT.
    Private,
    /// No route out at all.
    Data,
}

impl Tier {
    /// Name used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Public => "public",
            Tier::Private => "private",
            Tier::Data => "data",
        }
    }
}

/// The subnet of `tier` in the `az`-th zone of a VPC: private subnets are /19s
/// (for a /16) in the first three quarters; public and data subnets are /22s in
/// the last quarter. Scales with the VPC's prefix; up to 6 zones.
pub fn subnet(vpc: Ipv4Net, tier: Tier, az: usize) -> Option<Ipv4Net> {
    let p = vpc.prefix_len();
    let base = u32::from(vpc.network());
    let size = |prefix: u8| 1u32 << (32 - u32::from(prefix));
    let (prefix, offset) = match tier {
        Tier::Private => (p + 3, 0),
        Tier::Public => (p + 6, 6 * size(p + 3)),
        Tier::Data => (p + 6, 6 * size(p + 3) + 8 * size(p + 6)),
    };
    if az >= 6 || prefix > 28 {
        return None;
    }
    let az = u32::try_from(az).ok()?;
    let start = base + offset + az * size(prefix);
    Ipv4Net::new(Ipv4Addr::from(start), prefix).ok()
}

/// A service with the environment's overrides applied.
pub fn service(spec: &Spec, env: &str, name: &str) -> Option<Service> {
    let mut s = spec.services.get(name)?.clone();
    if let Some(o) = spec
        .environments
        .get(env)
        .and_then(|e| e.services.get(name))
    {
        if let Some(c) = o.cpu {
            s.cpu = c;
        }
        if let Some(m) = o.memory {
            s.memory = m;
        }
        if let Some(r) = &o.replicas {
            s.replicas = r.clone();
        }
        for (k, v) in &o.env {
            s.env.insert(k.clone(), v.clone());
        }
    }
    Some(s)
}

/// A data store with the environment's overrides applied.
pub fn data_store(spec: &Spec, env: &str, name: &str) -> Option<DataStore> {
    let mut d = spec.data.get(name)?.clone();
    if let Some(o) = spec.environments.get(env).and_then(|e| e.data.get(name)) {
        if let Some(c) = &o.instance_class {
            d.instance_class = Some(c.clone());
        }
        if let Some(i) = o.instances {
            d.instances = i;
        }
        if let Some(m) = o.multi_az {
            d.multi_az = m;
        }
        if let Some(b) = o.backup_retention_days {
            d.backup_retention_days = b;
        }
    }
    Some(d)
}

/// The metrics backend in effect for a runtime.
pub fn metrics_backend(spec: &Spec, runtime: Runtime) -> MetricsBackend {
    spec.observability
        .metrics
        .unwrap_or(if runtime.is_kubernetes() {
            MetricsBackend::Prometheus
        } else {
            MetricsBackend::Cloudwatch
        })
}

/// The agents in effect: the spec's list, or what the frameworks ask for on
/// this runtime. Fargate has no hosts, so host agents do not apply there.
pub fn agents(spec: &Spec, env: &Env) -> Vec<Agent> {
    if let Some(a) = &spec.security.agents {
        return a.clone();
    }
    if !env.runtime.is_kubernetes() {
        return Vec::new();
    }
    let strict = env
        .frameworks
        .iter()
        .any(|f| matches!(f, Framework::PciDss4 | Framework::Hipaa));
    let mut out = vec![Agent::Falco];
    if strict {
        out.extend([Agent::Wazuh, Agent::Suricata, Agent::Clamav]);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_tile_the_vpc_without_overlap() {
        for vpc in ["10.0.0.0/16", "10.1.0.0/20", "172.16.0.0/22"] {
            let vpc: Ipv4Net = vpc.parse().unwrap();
            let mut all = Vec::new();
            for tier in [Tier::Public, Tier::Private, Tier::Data] {
                for az in 0..6 {
                    let s = subnet(vpc, tier, az).unwrap();
                    assert!(vpc.contains(&s), "{s} outside {vpc}");
                    all.push(s);
                }
            }
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    assert!(!overlaps(a, b), "{a} overlaps {b} in {vpc}");
                }
            }
        }
        assert_eq!(
            subnet("10.0.0.0/16".parse().unwrap(), Tier::Public, 0)
                .unwrap()
                .to_string(),
            "10.0.192.0/22"
        );
    }

    #[test]
    fn vpc_cidrs_are_checked() {
        assert!(parse_vpc_cidr("10.0.0.0/16").is_ok());
        assert!(
            parse_vpc_cidr("10.0.0.1/16")
                .unwrap_err()
                .contains("host bits")
        );
        assert!(
            parse_vpc_cidr("10.0.0.0/8")
                .unwrap_err()
                .contains("/16 and /22")
        );
        assert!(parse_vpc_cidr("nope").is_err());
    }
}
