use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Kind;

/// A lower-case identifier usable in a Terraform address: `[a-z][a-z0-9_]*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident(std::sync::Arc<str>);

impl Ident {
    /// Builds an identifier, turning `-` and `.` into `_`. Fails on anything else
    /// that is not `[a-z0-9_]`, or when the result does not start with a letter.
    pub fn new(raw: &str) -> Result<Self, AddressError> {
        let s: String = raw
            .chars()
            .map(|c| if c == '-' || c == '.' { '_' } else { c })
            .collect();
        let ok = s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(s.into()))
        } else {
            Err(AddressError::BadIdent(raw.to_owned()))
        }
    }

    /// The identifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The module a resource belongs to; one per concern, as the rendered Terraform has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModuleKind {
    /// VPCs, subnets, routes, security groups, VPN and bastions.
    Network,
    /// Databases, caches, queues, buckets and their keys.
    Data,
    /// Clusters, load balancers, services and Kubernetes objects.
    Workloads,
    /// WAF, certificates and DNS.
    Edge,
    /// Logs, metrics, traces, dashboards and alerts.
    Observability,
    /// Registries, pipelines and GitOps.
    Delivery,
    /// Audit, detection, identity and compliance.
    Security,
}

impl ModuleKind {
    /// All modules in rendering order.
    pub const ALL: [ModuleKind; 7] = [
        Self::Network,
        Self::Data,
        Self::Workloads,
        Self::Edge,
        Self::Observability,
        Self::Delivery,
        Self::Security,
    ];

    /// The module's name as it appears in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Data => "data",
            Self::Workloads => "workloads",
            Self::Edge => "edge",
            Self::Observability => "observability",
            Self::Delivery => "delivery",
            Self::Security => "security",
        }
    }
}

/// A module, optionally pinned to a secondary region (`network_us_west_2`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Module {
    /// Which concern.
    pub kind: ModuleKind,
    /// `None` for the primary region; the region (e.g. `us-west-2`) otherwise.
    pub region: Option<String>,
}

impl Module {
    /// A module in the primary region.
    pub fn primary(kind: ModuleKind) -> Self {
        Self { kind, region: None }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(r) = &self.region {
            write!(f, "_{}", r.replace('-', "_"))?;
        }
        Ok(())
    }
}

/// The unique address of a resource: `env.module.kind.name`, e.g.
/// `prod.network.aws_subnet.private_a`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// Environment the resource belongs to.
    pub env: Ident,
    /// Module (concern and region).
    pub module: Module,
    /// Resource kind.
    pub kind: Kind,
    /// Name, unique within env, module and kind.
    pub name: Ident,
}

impl Address {
    /// Builds an address.
    pub fn new(env: Ident, module: Module, kind: Kind, name: Ident) -> Self {
        Self {
            env,
            module,
            kind,
            name,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.env, self.module, self.kind, self.name
        )
    }
}

/// Errors building or parsing addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not a usable identifier.
    #[error("`{0}` is not an identifier (lower-case letters, digits, `_`, `-`)")]
    BadIdent(String),
    /// Wrong number of dot-separated parts.
    #[error("`{0}` is not an address of the form env.module.kind.name")]
    Shape(String),
    /// Unknown resource kind.
    #[error("unknown resource kind `{0}`")]
    Kind(String),
    /// Unknown module.
    #[error("unknown module `{0}`")]
    Module(String),
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('.').collect();
        let [env, module, kind, name] = parts[..] else {
            return Err(AddressError::Shape(s.to_owned()));
        };
        let module = parse_module(module)?;
        let kind = Kind::from_str(kind).map_err(|_| AddressError::Kind(kind.to_owned()))?;
        Ok(Address::new(
            Ident::new(env)?,
            module,
            kind,
            Ident::new(name)?,
        ))
    }
}

fn parse_module(s: &str) -> Result<Module, AddressError> {
    for kind in ModuleKind::ALL {
        let base = kind.as_str();
        if s == base {
            return Ok(Module::primary(kind));
        }
        if let Some(rest) = s.strip_prefix(base).and_then(|r| r.strip_prefix('_')) {
            // `us_west_2` -> `us-west-2`
            if !rest.is_empty() {
                return Ok(Module {
                    kind,
                    region: Some(rest.replace('_', "-")),
                });
            }
        }
    }
    Err(AddressError::Module(s.to_owned()))
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_through_its_text_form() {
        for text in [
            "prod.network.aws_subnet.private_a",
            "dev.network_us_west_2.aws_vpc.app",
            "prod.workloads.Deployment.web",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
    }

    #[test]
    fn bad_addresses_are_rejected_with_the_reason() {
        assert_eq!(
            "prod.network.aws_nope.x".parse::<Address>(),
            Err(AddressError::Kind("aws_nope".into()))
        );
        assert_eq!(
            "prod.net.aws_vpc.x".parse::<Address>(),
            Err(AddressError::Module("net".into()))
        );
        assert_eq!(
            "a.b".parse::<Address>(),
            Err(AddressError::Shape("a.b".into()))
        );
        assert!(Ident::new("9lives").is_err());
        assert_eq!(Ident::new("my-svc").unwrap().as_str(), "my_svc");
    }
}
