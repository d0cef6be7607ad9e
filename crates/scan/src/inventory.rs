//! What a scan produced: a graph plus where each resource and attribute came from.

use std::collections::{BTreeMap, HashSet};

use strata_model::{
    Address, Graph, Ident, Kind, Layer, Module, ModuleKind, Provenance, Resource, Value,
};

/// Where a scanned resource is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The resource's name in its own ecosystem (`module.net.aws_vpc.this[0]`,
    /// `Deployment/shop/web`).
    pub label: String,
    /// File, as given.
    pub file: String,
    /// 1-based line of the resource's start.
    pub line: u32,
    /// Lines of attributes by dotted path (with and without list indices).
    pub attrs: LineIndex,
    /// Terraform: the root module (its directory, as given) whose instance
    /// this is; a module called by every environment's root is read once
    /// per root. `None` for other front-ends.
    pub root: Option<String>,
}

impl Origin {
    /// The line of the attribute at `path`, or of its nearest written parent,
    /// or of the resource.
    pub fn line_of(&self, path: Option<&str>) -> u32 {
        let mut p = path.unwrap_or_default();
        while !p.is_empty() {
            if let Some(l) = self.attrs.get(p) {
                return l;
            }
            p = p.rsplit_once('.').map(|(a, _)| a).unwrap_or("");
        }
        self.line
    }
}

/// Lines by attribute path, sorted for binary search (a compact form of the
/// map the front-ends build: scans hold one per resource).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex(Vec<(Box<str>, u32)>);

impl LineIndex {
    /// The line of `path`, when recorded.
    pub fn get(&self, path: &str) -> Option<u32> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(path))
            .ok()
            .map(|i| self.0[i].1)
    }
}

impl From<BTreeMap<String, u32>> for LineIndex {
    fn from(m: BTreeMap<String, u32>) -> Self {
        LineIndex(
            m.into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v))
                .collect(),
        )
    }
}

/// A file, or part of one, that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File, as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

/// An inline suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// File, as given.
    pub file: String,
    /// Line of the comment.
    pub line: u32,
    /// The control id as written (a Strata id or a Checkov id).
    pub control: String,
    /// The reason given, if any.
    pub reason: Option<String>,
    /// The resource it applies to, when one encloses or follows it.
    pub target: Option<Address>,
}

/// The result of scanning files.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Every resource read whose kind Strata knows.
    pub graph: Graph,
    /// Where each came from.
    pub origins: BTreeMap<Address, Origin>,
    /// What could not be read.
    pub problems: Vec<Problem>,
    /// Suppression comments.
    pub suppressions: Vec<Suppression>,
    /// Files read, as given.
    pub files: Vec<String>,
    /// Resources read whose kind no control covers, by kind name.
    pub uncovered: BTreeMap<String, usize>,
    names: HashSet<(String, Kind, String)>,
}

/// The module a kind's resources are grouped under when read from files.
pub fn module_for(kind: Kind) -> (ModuleKind, Layer) {
    use strata_model::Family;
    let n = kind.as_str();
    let has = |xs: &[&str]| xs.iter().any(|x| n.contains(x));
    if kind.family() == Family::Kubernetes {
        return (ModuleKind::Workloads, Layer::AppProvisioning);
    }
    if kind.family() == Family::File {
        return (ModuleKind::Delivery, Layer::Delivery);
    }
    if has(&[
        "vpc",
        "subnet",
        "route",
        "security_group",
        "eip",
        "nat_gateway",
        "internet_gateway",
        "network_acl",
        "flow_log",
        "transit",
        "client_vpn",
    ]) {
        (ModuleKind::Network, Layer::Network)
    } else if has(&[
        "kms",
        "iam",
        "cloudtrail",
        "guardduty",
        "config_",
        "securityhub",
        "secretsmanager",
        "accessanalyzer",
        "ssm",
        "ebs_encryption",
    ]) {
        (ModuleKind::Security, Layer::Security)
    } else if has(&[
        "rds",
        "db_",
        "elasticache",
        "s3",
        "sqs",
        "sns",
        "dynamodb",
        "efs",
        "opensearch",
        "ebs_volume",
    ]) {
        (ModuleKind::Data, Layer::AppInfrastructure)
    } else if has(&["cloudwatch", "prometheus", "xray", "grafana"]) {
        (ModuleKind::Observability, Layer::Observability)
    } else if has(&["code", "ecr", "github", "gitlab", "sonarqube"]) {
        (ModuleKind::Delivery, Layer::Delivery)
    } else if has(&["waf", "acm", "route53", "cloudfront", "api_gateway"]) {
        (ModuleKind::Edge, Layer::AppInfrastructure)
    } else {
        (ModuleKind::Workloads, Layer::AppProvisioning)
    }
}

/// `label` as an identifier: lower case, `[a-z0-9_]`, starting with a letter.
fn ident_text(label: &str) -> String {
    let mut s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_owned();
    if s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s
    } else {
        format!("r_{s}")
    }
}

impl Inventory {
    /// The address a resource of `kind` called `label` gets in front-end `source`
    /// (unique within the inventory).
    pub fn address(&mut self, source: &str, kind: Kind, label: &str) -> Address {
        let base = ident_text(label);
        let mut name = base.clone();
        let mut n = 1;
        while !self.names.insert((source.to_owned(), kind, name.clone())) {
            n += 1;
            name = format!("{base}_{n}");
        }
        let (module, _) = module_for(kind);
        Address::new(
            Ident::new(source).unwrap_or_else(|_| Ident::new("scan").expect("valid")),
            Module::primary(module),
            kind,
            Ident::new(&name).unwrap_or_else(|_| Ident::new("unnamed").expect("valid")),
        )
    }

    /// Adds a resource read from `origin.file`.
    pub fn add(&mut self, address: Address, attributes: BTreeMap<String, Value>, origin: Origin) {
        let (_, layer) = module_for(address.kind);
        let mut r = Resource::new(
            address.clone(),
            layer,
            Provenance::Spec {
                file: origin.file.clone(),
                line: origin.line,
                column: 1,
            },
        );
        r.attributes = attributes;
        if self.graph.insert(r).is_ok() {
            self.origins.insert(address, origin);
        }
    }

    /// Records a problem.
    pub fn problem(&mut self, file: &str, line: u32, column: u32, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// Suppression comments in `text`: `strata:ignore ID reason` and Checkov's
/// `checkov:skip=ID:reason`, with the line each is on.
pub fn suppression_comments(file: &str, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !text.contains("strata:ignore") && !text.contains("checkov:skip=") {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(rest) = line.split_once("strata:ignore").map(|(_, r)| r) {
            let rest = rest.trim_start_matches([':', '=']).trim();
            let (id, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if !id.is_empty() {
                out.push(Suppression {
                    file: file.to_owned(),
                    line: line_no,
                    control: id.trim_end_matches(',').to_owned(),
                    reason: clean_reason(reason),
                    target: None,
                });
            }
        } else if let Some(rest) = line.split_once("checkov:skip=").map(|(_, r)| r) {
            let rest = rest.trim();
            let (id, reason) = rest.split_once(':').unwrap_or((rest, ""));
            let id = id.split_whitespace().next().unwrap_or_default();
            if !id.is_empty() {
                out.push(Suppression {
                    file: file.to_owned(),
                    line: line_no,
                    control: id.to_owned(),
                    reason: clean_reason(reason),
                    target: None,
                });
            }
        }
    }
    out
}

fn clean_reason(r: &str) -> Option<String> {
    let r = r
        .trim()
        .trim_end_matches("*/")
        .trim_end_matches("-->")
        .trim();
    (r.len() >= 3).then(|| r.to_owned())
}

/// Attaches each suppression of `file` to the resource whose lines enclose
/// it, or else to the first resource that starts after it.
pub fn attach_suppressions(
    inv: &mut Inventory,
    mut found: Vec<Suppression>,
    spans: &[(Address, u32, u32)],
) {
    for s in &mut found {
        let enclosing = spans
            .iter()
            .filter(|(_, a, b)| *a <= s.line && s.line <= *b)
            .max_by_key(|(_, a, _)| *a);
        let next = || {
            spans
                .iter()
                .filter(|(_, a, _)| *a > s.line)
                .min_by_key(|(_, a, _)| *a)
        };
        s.target = enclosing.or_else(next).map(|(addr, _, _)| addr.clone());
    }
    inv.suppressions.extend(found);
}
