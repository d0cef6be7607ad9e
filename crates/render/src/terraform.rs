//! Terraform for the AWS layers: one root module per environment under
//! `terraform/<env>/` with a file per concern (`network.tf`, `data.tf`, ...),
//! pinned providers with default tags, an S3 backend (encrypted, versioned
//! bucket with a DynamoDB lock table) created by `terraform/bootstrap/`,
//! and outputs with descriptions. EKS clusters are bootstrapped by the
//! planned `helm_release`s through a Helm provider per region configured
//! from the cluster ([`helm`]). Formatting is `terraform fmt`'s (see
//! [`crate::hcl`]); the tests check it with HashiCorp's own formatter and parser.

mod helm;

use std::collections::{BTreeMap, BTreeSet};

use strata_model::{Address, Family, Ident, Kind, ModuleKind, Plan, Resource, Value};

use crate::hcl::{Block, Expr, Item, file, quote};
use crate::{RenderError, Renderer, Tree};

/// The Terraform renderer.
pub struct Terraform;

/// Provider pins: (local name, source, version constraint).
const PROVIDERS: &[(&str, &str, &str)] = &[
    ("aws", "hashicorp/aws", "~> 5.80"),
    ("github", "integrations/github", "~> 6.4"),
    ("gitlab", "gitlabhq/gitlab", "~> 17.6"),
    ("grafana", "grafana/grafana", "~> 3.15"),
    ("helm", "hashicorp/helm", "~> 2.17"),
    ("rhcs", "terraform-redhat/rhcs", "~> 1.6"),
    ("sonarqube", "jdamata/sonarqube", "~> 0.16"),
];

const ACCOUNT: &str = "${account_id}";

/// Attributes whose map values are JSON documents (`jsonencode`).
const JSON_ATTRS: &[&str] = &[
    "policy",
    "assume_role_policy",
    "container_definitions",
    "redrive_policy",
    "configuration_values",
    "access_policies",
    "values",
];
/// Attributes whose map values are HCL maps, not nested blocks.
const MAP_ATTRS: &[&str] = &["tags", "dimensions", "configuration"];

fn provider_of(kind: Kind) -> Option<&'static str> {
    match kind.family() {
        Family::Aws => Some("aws"),
        Family::Kubernetes | Family::File => None,
        Family::Terraform => {
            let name = kind.as_str();
            PROVIDERS
                .iter()
                .map(|p| p.0)
                .find(|p| name.starts_with(&format!("{p}_")))
        }
    }
}

struct Env<'a> {
    plan: &'a Plan,
    env: &'a Ident,
    /// Terraform name of each rendered resource.
    names: BTreeMap<&'a Address, String>,
    /// Inputs for references that leave this root module.
    variables: BTreeMap<String, String>,
    uses_account: bool,
    /// Set when writing a shared module rather than a root module.
    module: Option<ModuleMode>,
}

/// Writing a module shared by every environment and region of one layer.
#[derive(Default, Clone)]
struct ModuleMode {
    /// `kind.name` of resources only some instances have (`count`).
    optional: BTreeSet<String>,
    /// Split resources: `kind.name` → the Terraform names of its variants.
    split: BTreeMap<String, Vec<String>>,
    /// The instance (environment, region) of the resource being written,
    /// and its `kind.name`.
    at: Option<(Ident, Option<String>)>,
    current: String,
    /// Module inputs for references that leave the layer, by variable name.
    externals: BTreeMap<String, External>,
}

/// A reference out of a shared module, relative to the instance using it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct External {
    layer: ModuleKind,
    /// `None`: the same region as the instance; otherwise that region.
    region: Option<Option<String>>,
    /// `None`: the same environment; otherwise that one.
    env: Option<Ident>,
    kind: Kind,
    name: String,
    attr: String,
}

const LIFTED: &str = "\u{1}v:";

impl<'a> Env<'a> {
    fn new(plan: &'a Plan, env: &'a Ident) -> Self {
        let rendered: Vec<&Resource> = plan
            .graph
            .in_env(env)
            .filter(|r| provider_of(r.kind).is_some())
            .collect();
        let mut count: BTreeMap<(Kind, &str), usize> = BTreeMap::new();
        for r in &rendered {
            *count.entry((r.kind, r.address.name.as_str())).or_default() += 1;
        }
        let names = rendered
            .iter()
            .map(|r| {
                let clash = count[&(r.kind, r.address.name.as_str())] > 1;
                let name = if clash {
                    format!("{}_{}", r.address.module, r.address.name)
                } else {
                    r.address.name.to_string()
                };
                (&r.address, name)
            })
            .collect();
        Self {
            plan,
            env,
            names,
            variables: BTreeMap::new(),
            uses_account: false,
            module: None,
        }
    }

    /// A reference as a traversal, or a variable when it leaves the module.
    fn reference(&mut self, a: &Address, attr: &str) -> Expr {
        if let Some(m) = &mut self.module {
            let (env, region) = m.at.clone().unwrap_or_else(|| (self.env.clone(), None));
            let internal = a.env == env && a.module.region == region && self.names.contains_key(a);
            if !internal {
                let ext = External {
                    layer: a.module.kind,
                    region: (a.module.region != region).then(|| a.module.region.clone()),
                    env: (a.env != env).then(|| a.env.clone()),
                    kind: a.kind,
                    name: a.name.to_string(),
                    attr: attr.to_owned(),
                };
                let mut var = format!("ref_{}", a.module.kind.as_str());
                if let Some(r) = &ext.region {
                    var.push_str(&format!(
                        "_at_{}",
                        r.as_deref().unwrap_or("primary").replace('-', "_")
                    ));
                }
                if let Some(e) = &ext.env {
                    var.push_str(&format!("_env_{e}"));
                }
                var.push_str(&format!(
                    "_{}_{}_{}",
                    a.kind,
                    a.name,
                    attr.replace(['.', '[', ']'], "_")
                ));
                m.externals.insert(var.clone(), ext);
                return Expr::Raw(format!("var.{var}"));
            }
            let id = format!("{}.{}", a.kind, a.name);
            if let Some(variants) = m.split.get(&id).cloned() {
                let attr = terraform_attr(attr);
                let for_each =
                    a.kind == Kind::AwsRoute53Record && self.for_each_records().contains(a);
                let parts: Vec<String> = variants
                    .iter()
                    .map(|v| {
                        if for_each {
                            format!("[for record in {}.{v} : record.{attr}]", a.kind)
                        } else {
                            format!("{}.{v}[*].{attr}", a.kind)
                        }
                    })
                    .collect();
                return Expr::Raw(if for_each {
                    format!("concat({})", parts.join(", "))
                } else {
                    format!("one(concat({}))", parts.join(", "))
                });
            }
        }
        if let Some(n) = self.names.get(a) {
            let optional = self
                .module
                .as_ref()
                .is_some_and(|m| m.optional.contains(&format!("{}.{n}", a.kind)));
            let n = if optional {
                format!("{n}[0]")
            } else {
                n.clone()
            };
            let attr = terraform_attr(attr);
            if a.kind == Kind::AwsRoute53Record && self.for_each_records().contains(a) {
                return Expr::Raw(format!("[for record in {}.{n} : record.{attr}]", a.kind));
            }
            return Expr::Raw(format!("{}.{n}.{attr}", a.kind));
        }
        let var = format!(
            "{}_{}_{}_{}",
            a.env,
            a.kind.as_str().to_ascii_lowercase(),
            a.name,
            attr.replace('.', "_")
        );
        let from = if a.env == *self.env {
            "the Kubernetes side of this environment".to_owned()
        } else {
            format!("environment `{}`", a.env)
        };
        self.variables
            .insert(var.clone(), format!("`{attr}` of {a}, from {from}"));
        Expr::Raw(format!("var.{var}"))
    }

    fn for_each_records(&self) -> BTreeSet<&'a Address> {
        self.plan
            .graph
            .iter()
            .filter(|r| r.get("for_each_validation_option_of").is_some())
            .map(|r| &r.address)
            .collect()
    }

    /// A string, with `${account_id}` as the caller's account.
    fn string(&mut self, s: &str) -> Expr {
        if let Some(key) = s.strip_prefix(LIFTED) {
            let (res, attr) = split_value_key(key);
            return Expr::Raw(format!("var.values[{}][{}]", quote(res), quote(attr)));
        }
        if !s.contains(ACCOUNT) {
            return Expr::str(s);
        }
        self.uses_account = true;
        let parts: Vec<String> = s
            .split(ACCOUNT)
            .map(|p| {
                let q = quote(p);
                q[1..q.len() - 1].to_owned()
            })
            .collect();
        Expr::Raw(format!(
            "\"{}\"",
            parts.join("${data.aws_caller_identity.current.account_id}")
        ))
    }

    fn expr(&mut self, v: &Value) -> Expr {
        match v {
            Value::Null => Expr::Raw("null".into()),
            Value::Bool(b) => Expr::Raw(b.to_string()),
            Value::Int(i) => Expr::Raw(i.to_string()),
            Value::Float(f) => Expr::Raw(if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }),
            Value::String(s) => self.string(s),
            Value::List(items) => Expr::List(items.iter().map(|i| self.expr(i)).collect()),
            Value::Map(m) => {
                Expr::Object(m.iter().map(|(k, v)| (k.clone(), self.expr(v))).collect())
            }
            Value::Ref(r) => self.reference(&r.address, &r.attribute),
            // Read from user Terraform: written back as the expression it was.
            Value::Unknown(expr) => Expr::Raw(expr.clone()),
        }
    }

    /// The body of a resource or nested block from attributes: scalars and
    /// lists of scalars as attributes, maps as nested blocks (unless listed
    /// as maps or JSON), lists of maps as repeated blocks.
    fn body(&mut self, attrs: &BTreeMap<String, Value>, kind: Kind) -> Vec<Item> {
        let mut simple = Vec::new();
        let mut nested = Vec::new();
        for (k, v) in attrs {
            if let Some(items) = self.special(kind, k, v) {
                for it in items {
                    match it {
                        Item::Block(_) => nested.push(it),
                        _ => simple.push(it),
                    }
                }
                continue;
            }
            match v {
                Value::Map(m) if JSON_ATTRS.contains(&k.as_str()) => {
                    let e = self.expr(&Value::Map(m.clone()));
                    simple.push(Item::Attr(
                        k.clone(),
                        Expr::Call("jsonencode".into(), Box::new(e)),
                    ));
                }
                Value::Map(_) if MAP_ATTRS.contains(&k.as_str()) => {
                    let e = self.expr(v);
                    simple.push(Item::Attr(k.clone(), e));
                }
                Value::Map(m) => {
                    let body = self.body(m, kind);
                    nested.push(Item::Block(Block {
                        kind: k.clone(),
                        labels: vec![],
                        body,
                    }));
                }
                Value::List(items)
                    if !items.is_empty()
                        && items.iter().all(|i| matches!(i, Value::Map(_)))
                        && !JSON_ATTRS.contains(&k.as_str()) =>
                {
                    for i in items {
                        if let Value::Map(m) = i {
                            let body = self.body(m, kind);
                            nested.push(Item::Block(Block {
                                kind: k.clone(),
                                labels: vec![],
                                body,
                            }));
                        }
                    }
                }
                Value::Null => {}
                _ => {
                    let e = self.expr(v);
                    simple.push(Item::Attr(k.clone(), e));
                }
            }
        }
        // Attributes first, then blocks, each group in name order.
        let mut out = simple;
        if !nested.is_empty() && !out.is_empty() {
            out.push(Item::Blank);
        }
        out.extend(nested);
        out
    }

    /// Graph attributes that need a Terraform idiom of their own.
    fn special(&mut self, kind: Kind, k: &str, v: &Value) -> Option<Vec<Item>> {
        let block = |name: &str, body: Vec<Item>| {
            Item::Block(Block {
                kind: name.to_owned(),
                labels: vec![],
                body,
            })
        };
        let word_block = |word: &str| Block {
            kind: word.to_owned(),
            labels: vec![],
            body: vec![],
        };
        match (kind, k) {
            (_, "assume_role_web_identity") => {
                let m = v.as_map()?;
                let provider = self.expr(m.get("provider_arn")?);
                let host = match m.get("provider_url")? {
                    Value::Ref(r) => {
                        let e = self.reference(&r.address, &r.attribute);
                        match e {
                            Expr::Raw(t) => format!("replace({t}, \"https://\", \"\")"),
                            _ => return None,
                        }
                    }
                    Value::String(s) => quote(s),
                    _ => return None,
                };
                let sub = self.expr(m.get("subject")?);
                let aud = self.expr(m.get("audience")?);
                let doc = Expr::Object(vec![
                    ("Version".into(), Expr::str("2012-10-17")),
                    (
                        "Statement".into(),
                        Expr::List(vec![Expr::Object(vec![
                            ("Effect".into(), Expr::str("Allow")),
                            (
                                "Principal".into(),
                                Expr::Object(vec![("Federated".into(), provider)]),
                            ),
                            ("Action".into(), Expr::str("sts:AssumeRoleWithWebIdentity")),
                            (
                                "Condition".into(),
                                Expr::Object(vec![(
                                    "StringEquals".into(),
                                    Expr::Object(vec![
                                        (format!("\u{0}(\"${{{host}}}:sub\")"), sub),
                                        (format!("\u{0}(\"${{{host}}}:aud\")"), aud),
                                    ]),
                                )]),
                            ),
                        ])]),
                    ),
                ]);
                Some(vec![Item::Attr(
                    "assume_role_policy".into(),
                    Expr::Call("jsonencode".into(), Box::new(doc)),
                )])
            }
            (_, "inline_policy") => {
                let doc = self.expr(v);
                Some(vec![block(
                    "inline_policy",
                    vec![
                        Item::Attr("name".into(), Expr::str("strata")),
                        Item::Attr(
                            "policy".into(),
                            Expr::Call("jsonencode".into(), Box::new(doc)),
                        ),
                    ],
                )])
            }
            (_, "ignore_changes") => {
                let names: Vec<Expr> = v
                    .as_list()?
                    .iter()
                    .filter_map(|n| n.as_str())
                    .map(|n| Expr::Raw(n.to_owned()))
                    .collect();
                Some(vec![block(
                    "lifecycle",
                    vec![Item::Attr("ignore_changes".into(), Expr::List(names))],
                )])
            }
            (_, "for_each_validation_option_of") => {
                let Value::Ref(r) = v else { return None };
                let cert = match self.reference(&r.address, &r.attribute) {
                    Expr::Raw(t) => t,
                    _ => return None,
                };
                let gate = self
                    .module
                    .as_ref()
                    .filter(|m| m.optional.contains(&m.current))
                    .map(|m| format!("var.create[{}] ? ", quote(&m.current)));
                let for_each = match gate {
                    Some(g) => format!(
                        "{g}{{\n    for option in {cert} : option.domain_name => option\n  }} : {{}}"
                    ),
                    None => {
                        format!("{{\n    for option in {cert} : option.domain_name => option\n  }}")
                    }
                };
                Some(vec![
                    Item::Attr("for_each".into(), Expr::Raw(for_each)),
                    Item::Attr(
                        "name".into(),
                        Expr::Raw("each.value.resource_record_name".into()),
                    ),
                    Item::Attr(
                        "records".into(),
                        Expr::List(vec![Expr::Raw("each.value.resource_record_value".into())]),
                    ),
                    Item::Attr(
                        "type".into(),
                        Expr::Raw("each.value.resource_record_type".into()),
                    ),
                ])
            }
            (_, "validation_record_fqdns") => {
                let r = v.as_list()?.first()?.as_ref()?;
                Some(vec![Item::Attr(
                    "validation_record_fqdns".into(),
                    self.reference(&r.address, &r.attribute),
                )])
            }
            (Kind::AwsWafv2WebAcl, "default_action") => Some(vec![block(
                "default_action",
                vec![Item::Block(word_block(v.as_str()?))],
            )]),
            (Kind::AwsWafv2WebAcl, "rule") => {
                let mut out = Vec::new();
                for rule in v.as_list()? {
                    let m = rule.as_map()?;
                    let mut body = Vec::new();
                    body.push(Item::Attr("name".into(), self.expr(m.get("name")?)));
                    body.push(Item::Attr("priority".into(), self.expr(m.get("priority")?)));
                    body.push(Item::Blank);
                    if let Some(a) = m.get("action").and_then(Value::as_str) {
                        body.push(block("action", vec![Item::Block(word_block(a))]));
                    }
                    if let Some(a) = m.get("override_action").and_then(Value::as_str) {
                        body.push(block("override_action", vec![Item::Block(word_block(a))]));
                    }
                    for stmt in ["managed_rule_group_statement", "rate_based_statement"] {
                        if let Some(Value::Map(s)) = m.get(stmt) {
                            let inner = self.body(s, kind);
                            body.push(block("statement", vec![block(stmt, inner)]));
                        }
                    }
                    if let Some(Value::Map(vc)) = m.get("visibility_config") {
                        let inner = self.body(vc, kind);
                        body.push(block("visibility_config", inner));
                    }
                    out.push(block("rule", body));
                }
                Some(out)
            }
            (Kind::HelmRelease, "values") => {
                let v = self.expr(v);
                Some(vec![Item::Attr("values".into(), helm::values(v))])
            }
            (Kind::AwsGuarddutyDetector, "features") => Some(vec![]),
            (Kind::GrafanaDashboard, "panels") => {
                let panels = self.expr(v);
                Some(vec![Item::Attr(
                    "config_json".into(),
                    Expr::Call(
                        "jsonencode".into(),
                        Box::new(Expr::Object(vec![("panels".into(), panels)])),
                    ),
                )])
            }
            (Kind::AwsCloudwatchDashboard, "widgets") => {
                let widgets = self.expr(v);
                Some(vec![Item::Attr(
                    "dashboard_body".into(),
                    Expr::Call(
                        "jsonencode".into(),
                        Box::new(Expr::Object(vec![("widgets".into(), widgets)])),
                    ),
                )])
            }
            _ => None,
        }
    }

    fn resource(&mut self, r: &Resource) -> Vec<Block> {
        let name = self.names[&r.address].clone();
        let mut body = Vec::new();
        let id = format!("{}.{name}", r.kind);
        if let Some(m) = &mut self.module {
            m.current = id.clone();
        }
        let count = self.module.as_ref().and_then(|m| {
            (m.optional.contains(&id) && r.get("for_each_validation_option_of").is_none())
                .then(|| Expr::Raw(format!("var.create[{}] ? 1 : 0", quote(&id))))
        });
        if let Some(c) = &count {
            body.push(Item::Attr("count".into(), c.clone()));
        }
        if let (Some(region), None) = (&r.address.module.region, &self.module) {
            if provider_of(r.kind) == Some("aws") {
                body.push(Item::Attr(
                    "provider".into(),
                    Expr::Raw(format!("aws.{}", region.replace('-', "_"))),
                ));
            }
        }
        body.extend(self.body(&r.attributes, r.kind));
        let here = self.module.as_ref().and_then(|m| m.at.clone());
        let deps: Vec<Expr> = r
            .explicit_depends_on
            .iter()
            .filter(|a| {
                here.as_ref()
                    .is_none_or(|(e, reg)| &a.env == e && &a.module.region == reg)
            })
            .filter_map(|a| {
                self.names
                    .get(a)
                    .map(|n| Expr::Raw(format!("{}.{n}", a.kind)))
            })
            .collect();
        if !deps.is_empty() {
            body.push(Item::Blank);
            body.push(Item::Attr("depends_on".into(), Expr::List(deps)));
        }
        let mut blocks = vec![Block {
            kind: "resource".into(),
            labels: vec![r.kind.as_str().into(), name.clone()],
            body,
        }];
        // GuardDuty features are resources of their own in the provider.
        if r.kind == Kind::AwsGuarddutyDetector {
            for f in r.get("features").and_then(Value::as_list).unwrap_or(&[]) {
                let Some(feature) = f
                    .as_map()
                    .and_then(|m| m.get("name"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let mut b = Block::new(
                    "resource",
                    &[
                        "aws_guardduty_detector_feature",
                        &format!("{name}_{}", feature.to_ascii_lowercase()),
                    ],
                );
                if let (Some(region), None) = (&r.address.module.region, &self.module) {
                    b = b.attr(
                        "provider",
                        Expr::Raw(format!("aws.{}", region.replace('-', "_"))),
                    );
                }
                if let Some(c) = &count {
                    b = b.attr("count", c.clone());
                }
                let detector = if count.is_some() {
                    format!("{name}[0]")
                } else {
                    name.clone()
                };
                blocks.push(
                    b.attr(
                        "detector_id",
                        Expr::Raw(format!("aws_guardduty_detector.{detector}.id")),
                    )
                    .attr("name", Expr::str(feature))
                    .attr("status", Expr::str("ENABLED")),
                );
            }
        }
        blocks
    }
}

fn fix_keys(text: String) -> String {
    // Object keys that are expressions were marked with a NUL and quoted by
    // the writer: `"\u0000(...)"` becomes `(...)`.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"\\u0000") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 7..];
        // The key runs to the closing quote of the quoted key.
        let mut end = 0;
        let bytes = after.as_bytes();
        while end < bytes.len() {
            if bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\') {
                break;
            }
            end += 1;
        }
        let inner = after[..end].replace("\\\"", "\"").replace("$${", "${");
        out.push_str(&inner);
        rest = &after[(end + 1).min(after.len())..];
    }
    out.push_str(rest);
    out
}

impl Renderer for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let layers = shared_layers(plan);
        render_shared(plan, &layers, out);
        out.insert(
            "terraform/bootstrap/main.tf".to_owned(),
            header(bootstrap(plan)),
        );
        Ok(())
    }
}

/// `terraform/modules/<layer>/`, shared by every environment and region,
/// and a root module per environment (`terraform/<env>/`) that calls them
/// with what differs: which resources exist (`create`), settings (`values`)
/// and the attributes of other layers (one input per attribute, so no
/// module-level dependency cycles).
fn render_shared(plan: &Plan, layers: &BTreeMap<ModuleKind, SharedLayer<'_>>, out: &mut Tree) {
    let app = plan.app.as_str();
    let Some(first_env) = plan.environments.first() else {
        return;
    };
    let mut externals: BTreeMap<ModuleKind, BTreeMap<String, External>> = BTreeMap::new();
    let mut written: BTreeMap<ModuleKind, (Vec<Block>, BTreeSet<&str>, bool)> = BTreeMap::new();
    for (layer, l) in layers {
        let mut e = Env::new(plan, first_env);
        e.names = l.names.clone();
        e.module = Some(l.mode(None));
        let mut blocks = Vec::new();
        let mut providers = BTreeSet::new();
        for (inst, r) in &l.merged {
            if let Some(m) = &mut e.module {
                m.at = Some(inst.clone());
            }
            providers.insert(provider_of(r.kind).unwrap_or("aws"));
            blocks.extend(e.resource(r));
        }
        let m = e.module.take().unwrap_or_default();
        externals.insert(*layer, m.externals);
        written.insert(*layer, (blocks, providers, e.uses_account));
    }
    // What each module must offer: references from other layers, the key
    // outputs, and the values the Kubernetes manifests need.
    let mut needed: BTreeMap<ModuleKind, BTreeSet<(Kind, String, String)>> = BTreeMap::new();
    for ext in externals.values().flat_map(|m| m.values()) {
        needed
            .entry(ext.layer)
            .or_default()
            .insert((ext.kind, ext.name.clone(), ext.attr.clone()));
    }
    for r in plan.graph.iter().filter(|r| provider_of(r.kind).is_some()) {
        if let Some((attr, _)) = key_output(r) {
            needed.entry(r.address.module.kind).or_default().insert((
                r.kind,
                r.address.name.to_string(),
                attr.to_owned(),
            ));
        }
    }
    for c in helm::all_clusters(plan) {
        for attr in helm::CLUSTER_ATTRS {
            needed.entry(c.module.kind).or_default().insert((
                c.kind,
                c.name.to_string(),
                attr.to_owned(),
            ));
        }
    }
    let k8s_inputs = crate::kubernetes::terraform_inputs(plan);
    for (a, attrs) in &k8s_inputs {
        for attr in attrs {
            needed.entry(a.module.kind).or_default().insert((
                a.kind,
                a.name.to_string(),
                attr.clone(),
            ));
        }
    }
    for (layer, l) in layers {
        let dir = format!("terraform/modules/{}", layer.as_str());
        let (mut main, providers, uses_account) = written.remove(layer).unwrap_or_default();
        if uses_account {
            main.push(Block::new("data", &["aws_caller_identity", "current"]));
        }
        out.insert(format!("{dir}/main.tf"), header(fix_keys(file(&main))));
        out.insert(
            format!("{dir}/versions.tf"),
            header(file(&[Block::new("terraform", &[])
                .attr("required_version", Expr::str(">= 1.10.0"))
                .block(required_providers(&providers))])),
        );
        let mut vars = vec![
            Block::new("variable", &["create"])
                .attr("description", Expr::str("Which resources that only some environments have this instance creates, by `kind.name`."))
                .attr("type", Expr::Raw("map(bool)".into()))
                .attr("default", Expr::Object(vec![])),
            Block::new("variable", &["values"])
                .attr("description", Expr::str("Settings that differ between environments, by `kind.name`, then attribute path."))
                .attr("type", Expr::Raw("any".into()))
                .attr("default", Expr::Object(vec![])),
        ];
        for (name, ext) in externals.get(layer).into_iter().flatten() {
            let of_env = ext
                .env
                .as_ref()
                .map(|e| format!(" of environment `{e}`"))
                .unwrap_or_default();
            vars.push(
                Block::new("variable", &[name])
                    .attr(
                        "description",
                        Expr::str(&format!(
                            "`{}` of {}.{} in the {} layer{of_env}",
                            ext.attr,
                            ext.kind,
                            ext.name,
                            ext.layer.as_str()
                        )),
                    )
                    .attr("type", Expr::Raw("any".into()))
                    .attr("default", Expr::Raw("null".into())),
            );
        }
        out.insert(format!("{dir}/variables.tf"), header(file(&vars)));
        let mut e = Env::new(plan, first_env);
        e.names = l.names.clone();
        let optional = l.optional();
        let mut outputs = Vec::new();
        e.module = Some(l.mode(None));
        let by_identity: BTreeMap<(Kind, &str), &(Inst, Resource)> = l
            .merged
            .iter()
            .rev()
            .map(|entry| ((entry.1.kind, entry.1.address.name.as_str()), entry))
            .collect();
        for (kind, name, attr) in needed.get(layer).into_iter().flatten() {
            let id = format!("{kind}.{name}");
            let Some((inst, r)) = by_identity.get(&(*kind, name.as_str())).copied() else {
                continue;
            };
            if let Some(m) = &mut e.module {
                m.at = Some(inst.clone());
            }
            let value = match e.reference(&r.address, attr) {
                Expr::Raw(t) if optional.contains(&id) => format!("try({t}, null)"),
                Expr::Raw(t) => t,
                _ => continue,
            };
            outputs.push(
                Block::new("output", &[&out_name(*kind, name, attr)])
                    .attr("description", Expr::str(&format!("`{attr}` of {id}")))
                    .attr("value", Expr::Raw(value)),
            );
        }
        if !outputs.is_empty() {
            out.insert(format!("{dir}/outputs.tf"), header(file(&outputs)));
        }
    }
    for env in &plan.environments {
        let mut e = Env::new(plan, env);
        let mut calls = Vec::new();
        let mut providers: BTreeSet<&str> = BTreeSet::new();
        let mut regions: BTreeSet<String> = BTreeSet::new();
        let mut helm_regions: BTreeSet<String> = BTreeSet::new();
        let region = plan
            .graph
            .in_env(env)
            .find(|r| r.kind == Kind::AwsSubnet && r.address.module.region.is_none())
            .and_then(|r| r.get("availability_zone").and_then(Value::as_str))
            .map_or_else(|| "us-east-1".to_owned(), |z| z[..z.len() - 1].to_owned());
        for (layer, l) in layers {
            for inst in l.instances.iter().filter(|i| &i.0 == env) {
                providers.extend(l.merged.iter().filter_map(|(_, r)| provider_of(r.kind)));
                let mut b = Block::new("module", &[&label(*layer, &inst.1)]).attr(
                    "source",
                    Expr::str(&format!("../modules/{}", layer.as_str())),
                );
                if let Some(r) = &inst.1 {
                    regions.insert(r.clone());
                    let alias = r.replace('-', "_");
                    let mut given = vec![("aws".into(), Expr::Raw(format!("aws.{alias}")))];
                    // Given providers replace inherited ones, so a module
                    // with releases gets the region's Helm provider too.
                    if l.merged.iter().any(|(_, r)| r.kind == Kind::HelmRelease) {
                        helm_regions.insert(r.clone());
                        given.push(("helm".into(), Expr::Raw(format!("helm.{alias}"))));
                    }
                    b = b.attr("providers", Expr::Object(given));
                }
                let create: Vec<(String, Expr)> = l
                    .present
                    .iter()
                    .filter(|(_, have)| have.len() != l.instances.len())
                    .map(|(id, have)| (id.clone(), Expr::Raw(have.contains(inst).to_string())))
                    .collect();
                if !create.is_empty() {
                    b = b.attr("create", Expr::Object(create));
                }
                if let Some(vals) = l.values.get(inst) {
                    // Grouped by resource: one small map per resource reads
                    // better than thousands of keys in one, and HCL parsers
                    // that check keys one by one stay fast.
                    let mut grouped: Vec<(String, Vec<(String, Expr)>)> = Vec::new();
                    for (k, v) in vals {
                        let (res, attr) = split_value_key(k);
                        match grouped.last_mut() {
                            Some((r, items)) if r == res => {
                                items.push((attr.to_owned(), e.expr(v)))
                            }
                            _ => grouped.push((res.to_owned(), vec![(attr.to_owned(), e.expr(v))])),
                        }
                    }
                    let v: Vec<(String, Expr)> = grouped
                        .into_iter()
                        .map(|(r, items)| (r, Expr::Object(items)))
                        .collect();
                    b = b.attr("values", Expr::Object(v));
                }
                for (var, ext) in externals.get(layer).into_iter().flatten() {
                    let env_t = ext.env.clone().unwrap_or_else(|| env.clone());
                    let region_t = ext.region.clone().unwrap_or_else(|| inst.1.clone());
                    let Ok(name) = strata_model::Ident::new(&ext.name) else {
                        continue;
                    };
                    let target = Address::new(
                        env_t.clone(),
                        strata_model::Module {
                            kind: ext.layer,
                            region: region_t.clone(),
                        },
                        ext.kind,
                        name,
                    );
                    let value = if !plan.graph.contains(&target) {
                        Expr::Raw("null".into())
                    } else if &env_t == env && provider_of(ext.kind).is_some() {
                        Expr::Raw(format!(
                            "module.{}.{}",
                            label(ext.layer, &region_t),
                            out_name(ext.kind, &ext.name, &ext.attr)
                        ))
                    } else {
                        e.reference(&target, &ext.attr)
                    };
                    b = b.attr(var, value);
                }
                calls.push(b);
            }
        }
        if calls.is_empty() {
            continue;
        }
        let dir = format!("terraform/{env}");
        out.insert(format!("{dir}/main.tf"), header(file(&calls)));
        out.insert(
            format!("{dir}/versions.tf"),
            header(file(&[versions_block(app, env, &region, &providers)])),
        );
        out.insert(
            format!("{dir}/providers.tf"),
            header(file(
                &[
                    providers_blocks(app, env, &region, &regions, e.uses_account),
                    helm::providers(plan, env, &region, &helm_regions),
                ]
                .concat(),
            )),
        );
        if !e.variables.is_empty() {
            let vars: Vec<Block> = e
                .variables
                .iter()
                .map(|(n, d)| {
                    Block::new("variable", &[n])
                        .attr("description", Expr::str(d))
                        .attr("type", Expr::Raw("string".into()))
                })
                .collect();
            out.insert(format!("{dir}/variables.tf"), header(file(&vars)));
        }
        let mut outputs = Vec::new();
        for r in plan
            .graph
            .in_env(env)
            .filter(|r| provider_of(r.kind).is_some())
        {
            if let Some((attr, desc)) = key_output(r) {
                let module = label(r.address.module.kind, &r.address.module.region);
                outputs.push(
                    Block::new(
                        "output",
                        &[&format!(
                            "{}_{module}_{}",
                            r.kind.as_str().trim_start_matches("aws_"),
                            r.address.name
                        )],
                    )
                    .attr("description", Expr::str(&format!("{desc} ({})", r.address)))
                    .attr(
                        "value",
                        Expr::Raw(format!(
                            "module.{module}.{}",
                            out_name(r.kind, r.address.name.as_str(), attr)
                        )),
                    ),
                );
            }
        }
        for (a, attrs) in k8s_inputs.iter().filter(|(a, _)| &a.env == env) {
            for attr in attrs {
                outputs.push(
                    Block::new("output", &[&crate::kubernetes::output_name(a, attr)])
                        .attr(
                            "description",
                            Expr::str(&format!("`{attr}` of {a}, for the Kubernetes manifests")),
                        )
                        .attr(
                            "value",
                            Expr::Raw(format!(
                                "module.{}.{}",
                                label(a.module.kind, &a.module.region),
                                out_name(a.kind, a.name.as_str(), attr)
                            )),
                        ),
                );
            }
        }
        if !outputs.is_empty() {
            out.insert(format!("{dir}/outputs.tf"), header(file(&outputs)));
        }
    }
}

/// The outputs every environment exports: (attribute, description).
fn key_output(r: &Resource) -> Option<(&'static str, &'static str)> {
    match r.kind {
        Kind::AwsVpc => Some(("id", "VPC id")),
        Kind::AwsLb => Some(("dns_name", "DNS name of the load balancer")),
        Kind::AwsEksCluster => Some(("name", "EKS cluster name")),
        Kind::AwsEcsCluster => Some(("name", "ECS cluster name")),
        Kind::AwsRdsCluster => Some(("endpoint", "writer endpoint of the database")),
        Kind::AwsEcrRepository => Some(("repository_url", "image repository")),
        Kind::AwsIamRole if r.address.name.as_str() == "ci" => {
            Some(("arn", "role the CI pipeline assumes through OIDC"))
        }
        _ => None,
    }
}

fn required_providers(providers: &BTreeSet<&str>) -> Block {
    let required =
        PROVIDERS
            .iter()
            .filter(|p| providers.contains(p.0))
            .map(|(local, source, version)| {
                Item::Attr(
                    (*local).to_owned(),
                    Expr::Object(vec![
                        ("source".into(), Expr::str(source)),
                        ("version".into(), Expr::str(version)),
                    ]),
                )
            });
    Block {
        kind: "required_providers".into(),
        labels: vec![],
        body: required.collect(),
    }
}

/// `versions.tf` of a root module: pinned providers and the remote state.
fn versions_block(app: &str, env: &Ident, region: &str, providers: &BTreeSet<&str>) -> Block {
    Block::new("terraform", &[])
        .attr("required_version", Expr::str(">= 1.10.0"))
        .block(required_providers(providers))
        .block(
            Block::new("backend", &["s3"])
                .attr("bucket", Expr::str(&format!("{app}-terraform-state")))
                .attr("key", Expr::str(&format!("{env}/terraform.tfstate")))
                .attr("region", Expr::str(region))
                .attr("encrypt", Expr::Raw("true".into()))
                .attr(
                    "dynamodb_table",
                    Expr::str(&format!("{app}-terraform-locks")),
                ),
        )
}

/// `providers.tf` of a root module: default tags make every resource carry
/// its owner; one aliased provider per secondary region.
fn providers_blocks(
    app: &str,
    env: &Ident,
    region: &str,
    regions: &BTreeSet<String>,
    uses_account: bool,
) -> Vec<Block> {
    let tags = Expr::Object(vec![
        ("strata:app".into(), Expr::str(app)),
        ("strata:env".into(), Expr::str(env.as_str())),
        ("managed-by".into(), Expr::str("strata")),
    ]);
    let aws = |alias: Option<&str>, region: &str| {
        let mut b = Block::new("provider", &["aws"]);
        if let Some(a) = alias {
            b = b.attr("alias", Expr::str(a));
        }
        b.attr("region", Expr::str(region))
            .block(Block::new("default_tags", &[]).attr("tags", tags.clone()))
    };
    let mut blocks = vec![aws(None, region)];
    for reg in regions {
        blocks.push(aws(Some(&reg.replace('-', "_")), reg));
    }
    if uses_account {
        blocks.push(Block::new("data", &["aws_caller_identity", "current"]));
    }
    blocks
}

/// The graph's attribute names where the provider nests them.
fn terraform_attr(attr: &str) -> &str {
    match attr {
        "master_user_secret_arn" => "master_user_secret[0].secret_arn",
        "identity_oidc_issuer" => "identity[0].oidc[0].issuer",
        "certificate_authority_data" => "certificate_authority[0].data",
        other => other,
    }
}

fn header(body: String) -> String {
    format!("# Generated by `strata render`; do not edit.\n\n{body}")
}

/// The state bucket and lock table every environment's backend uses.
fn bootstrap(plan: &Plan) -> String {
    let app = plan.app.as_str();
    let bucket = format!("{app}-terraform-state");
    let b = |kind: &str, name: &str| Block::new("resource", &[kind, name]);
    let r = |t: &str| Expr::Raw(t.to_owned());
    file(&[
        Block::new("terraform", &[])
            .attr("required_version", Expr::str(">= 1.10.0"))
            .block(Block {
                kind: "required_providers".into(),
                labels: vec![],
                body: vec![Item::Attr(
                    "aws".into(),
                    Expr::Object(vec![
                        ("source".into(), Expr::str("hashicorp/aws")),
                        ("version".into(), Expr::str("~> 5.80")),
                    ]),
                )],
            }),
        b("aws_s3_bucket", "state").attr("bucket", Expr::str(&bucket)),
        b("aws_s3_bucket_versioning", "state")
            .attr("bucket", r("aws_s3_bucket.state.id"))
            .block(
                Block::new("versioning_configuration", &[]).attr("status", Expr::str("Enabled")),
            ),
        b(
            "aws_s3_bucket_server_side_encryption_configuration",
            "state",
        )
        .attr("bucket", r("aws_s3_bucket.state.id"))
        .block(
            Block::new("rule", &[]).block(
                Block::new("apply_server_side_encryption_by_default", &[])
                    .attr("sse_algorithm", Expr::str("aws:kms")),
            ),
        ),
        b("aws_s3_bucket_public_access_block", "state")
            .attr("bucket", r("aws_s3_bucket.state.id"))
            .attr("block_public_acls", r("true"))
            .attr("block_public_policy", r("true"))
            .attr("ignore_public_acls", r("true"))
            .attr("restrict_public_buckets", r("true")),
        b("aws_dynamodb_table", "locks")
            .attr("name", Expr::str(&format!("{app}-terraform-locks")))
            .attr("billing_mode", Expr::str("PAY_PER_REQUEST"))
            .attr("hash_key", Expr::str("LockID"))
            .block(
                Block::new("attribute", &[])
                    .attr("name", Expr::str("LockID"))
                    .attr("type", Expr::str("S")),
            )
            .block(Block::new("server_side_encryption", &[]).attr("enabled", r("true")))
            .block(Block::new("point_in_time_recovery", &[]).attr("enabled", r("true"))),
    ])
}

/// An instance of a layer: an environment and a region (`None`: primary).
type Inst = (Ident, Option<String>);

/// A layer's resources by `kind.name`, with the instance each belongs to.
type ByIdentity<'a> = BTreeMap<String, Vec<(Inst, &'a Resource)>>;

/// One layer merged across every environment and region that has it.
struct SharedLayer<'a> {
    instances: Vec<Inst>,
    /// Resources with representative addresses and merged attributes, and
    /// the instance each is written for.
    merged: Vec<(Inst, Resource)>,
    /// `kind.tfname` → instances that have it.
    present: BTreeMap<String, BTreeSet<Inst>>,
    /// Lifted values per instance.
    values: BTreeMap<Inst, BTreeMap<String, Value>>,
    /// Terraform names of every address of the layer.
    names: BTreeMap<&'a Address, String>,
    /// Split resources: `kind.name` → variant names.
    split: BTreeMap<String, Vec<String>>,
}

impl SharedLayer<'_> {
    fn optional(&self) -> BTreeSet<String> {
        self.present
            .iter()
            .filter(|(_, have)| have.len() != self.instances.len())
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn mode(&self, at: Option<Inst>) -> ModuleMode {
        ModuleMode {
            optional: self.optional(),
            split: self.split.clone(),
            at,
            ..Default::default()
        }
    }
}

type Norm = (
    ModuleKind,
    Option<Option<String>>,
    Option<Ident>,
    Kind,
    String,
    String,
);

fn norm(a: &Address, attr: &str, at: &Inst) -> Norm {
    (
        a.module.kind,
        (a.module.region != at.1).then(|| a.module.region.clone()),
        (a.env != at.0).then(|| a.env.clone()),
        a.kind,
        a.name.to_string(),
        attr.to_owned(),
    )
}

fn same(a: &Value, ia: &Inst, b: &Value, ib: &Inst) -> bool {
    match (a, b) {
        (Value::Ref(x), Value::Ref(y)) => {
            norm(&x.address, &x.attribute, ia) == norm(&y.address, &y.attribute, ib)
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, ia, q, ib))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && same(p, ia, q, ib))
        }
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    }
}

fn scalarish(v: &Value) -> bool {
    match v {
        Value::Map(_) | Value::Ref(_) => false,
        Value::List(items) => items
            .iter()
            .all(|i| !matches!(i, Value::Map(_) | Value::List(_) | Value::Ref(_))),
        _ => true,
    }
}

/// `kind.name.attr.path` → (`kind.name`, `attr.path`).
fn split_value_key(key: &str) -> (&str, &str) {
    match key.match_indices('.').nth(1) {
        Some((i, _)) => (&key[..i], &key[i + 1..]),
        None => (key, ""),
    }
}

/// Merges one attribute across instances: equal values stay, maps and lists
/// of the same shape merge member by member, differing plain values become
/// `var.values[key]`. Anything else cannot be shared.
fn merge(
    vals: &[(Inst, Option<&Value>)],
    top: &str,
    key: &str,
    values: &mut BTreeMap<Inst, BTreeMap<String, Value>>,
) -> Result<Value, String> {
    let Some((fi, fv)) = vals.iter().find_map(|(i, v)| v.map(|v| (i, v))) else {
        return Ok(Value::Null);
    };
    if vals
        .iter()
        .all(|(i, v)| v.is_some_and(|v| same(fv, fi, v, i)))
    {
        return Ok(fv.clone());
    }
    if vals.iter().all(|(_, v)| v.is_some()) {
        if let Value::Map(m0) = fv {
            if vals
                .iter()
                .all(|(_, v)| matches!(v, Some(Value::Map(m)) if m.keys().eq(m0.keys())))
            {
                let mut out = BTreeMap::new();
                for k in m0.keys() {
                    let sub: Vec<(Inst, Option<&Value>)> = vals
                        .iter()
                        .map(|(i, v)| {
                            (i.clone(), v.and_then(|v| v.as_map()).and_then(|m| m.get(k)))
                        })
                        .collect();
                    out.insert(k.clone(), merge(&sub, top, &format!("{key}.{k}"), values)?);
                }
                return Ok(Value::Map(out));
            }
        }
        if let Value::List(l0) = fv {
            if vals
                .iter()
                .all(|(_, v)| matches!(v, Some(Value::List(l)) if l.len() == l0.len()))
            {
                let mut out = Vec::new();
                for idx in 0..l0.len() {
                    let sub: Vec<(Inst, Option<&Value>)> = vals
                        .iter()
                        .map(|(i, v)| {
                            (
                                i.clone(),
                                v.and_then(|v| v.as_list()).and_then(|l| l.get(idx)),
                            )
                        })
                        .collect();
                    out.push(merge(&sub, top, &format!("{key}.{idx}"), values)?);
                }
                return Ok(Value::List(out));
            }
        }
    }
    let liftable = vals.iter().all(|(_, v)| {
        v.is_none_or(|v| {
            scalarish(v)
                || (matches!(v, Value::Map(_))
                    && v.references().is_empty()
                    && (MAP_ATTRS.contains(&top) || JSON_ATTRS.contains(&top)))
        })
    });
    if !liftable {
        return Err(key.to_owned());
    }
    for (i, v) in vals {
        values
            .entry(i.clone())
            .or_default()
            .insert(key.to_owned(), v.cloned().unwrap_or(Value::Null));
    }
    Ok(Value::String(format!("{LIFTED}{key}")))
}

fn inst_suffix(i: &Inst) -> String {
    match &i.1 {
        None => i.0.to_string(),
        Some(r) => format!("{}_{}", i.0, r.replace('-', "_")),
    }
}

/// Every layer merged across environments and regions. Resources whose
/// instances differ beyond what inputs can carry are split into one variant
/// per instance, each created only there.
fn shared_layers(plan: &Plan) -> BTreeMap<ModuleKind, SharedLayer<'_>> {
    let mut by_layer: BTreeMap<ModuleKind, ByIdentity<'_>> = BTreeMap::new();
    let mut instances: BTreeMap<ModuleKind, Vec<Inst>> = BTreeMap::new();
    for env in &plan.environments {
        for r in plan
            .graph
            .in_env(env)
            .filter(|r| provider_of(r.kind).is_some())
        {
            let inst: Inst = (env.clone(), r.address.module.region.clone());
            let list = instances.entry(r.address.module.kind).or_default();
            if !list.contains(&inst) {
                list.push(inst.clone());
            }
            by_layer
                .entry(r.address.module.kind)
                .or_default()
                .entry(format!("{}.{}", r.kind, r.address.name))
                .or_default()
                .push((inst, r));
        }
    }
    let mut out = BTreeMap::new();
    for (layer, ids) in by_layer {
        let insts = instances.remove(&layer).unwrap_or_default();
        let mut l = SharedLayer {
            instances: insts,
            merged: Vec::new(),
            present: BTreeMap::new(),
            values: BTreeMap::new(),
            names: BTreeMap::new(),
            split: BTreeMap::new(),
        };
        for (id, list) in ids {
            let (rep_inst, rep) = (&list[0].0, list[0].1);
            let have: BTreeSet<Inst> = list.iter().map(|(i, _)| i.clone()).collect();
            let mut values = BTreeMap::new();
            let attempt = (|| -> Result<Resource, String> {
                for (i, r) in &list[1..] {
                    let a: BTreeSet<Norm> = rep
                        .explicit_depends_on
                        .iter()
                        .map(|d| norm(d, "", rep_inst))
                        .collect();
                    let b: BTreeSet<Norm> = r
                        .explicit_depends_on
                        .iter()
                        .map(|d| norm(d, "", i))
                        .collect();
                    if a != b {
                        return Err("depends_on".into());
                    }
                }
                let keys: BTreeSet<&String> =
                    list.iter().flat_map(|(_, r)| r.attributes.keys()).collect();
                let mut attrs = BTreeMap::new();
                for k in keys {
                    let vals: Vec<(Inst, Option<&Value>)> =
                        list.iter().map(|(i, r)| (i.clone(), r.get(k))).collect();
                    let v = merge(&vals, k, &format!("{id}.{k}"), &mut values)?;
                    if !matches!(v, Value::Null) {
                        attrs.insert(k.clone(), v);
                    }
                }
                let mut r = rep.clone();
                r.attributes = attrs;
                Ok(r)
            })();
            match attempt {
                Ok(r) => {
                    for (i, m) in values {
                        l.values.entry(i).or_default().extend(m);
                    }
                    for (_, res) in &list {
                        l.names.insert(&res.address, res.address.name.to_string());
                    }
                    l.present.insert(id, have);
                    l.merged.push((rep_inst.clone(), r));
                }
                Err(_) => {
                    let mut variants = Vec::new();
                    for (i, res) in &list {
                        let v = format!("{}__{}", res.address.name, inst_suffix(i));
                        l.names.insert(&res.address, v.clone());
                        l.present
                            .insert(format!("{}.{v}", res.kind), BTreeSet::from([i.clone()]));
                        l.merged.push((i.clone(), (*res).clone()));
                        variants.push(v);
                    }
                    l.split.insert(id, variants);
                }
            }
        }
        out.insert(layer, l);
    }
    out
}

fn label(layer: ModuleKind, region: &Option<String>) -> String {
    match region {
        None => layer.as_str().to_owned(),
        Some(r) => format!("{}_{}", layer.as_str(), r.replace('-', "_")),
    }
}

fn out_name(kind: Kind, name: &str, attr: &str) -> String {
    format!("{kind}__{name}__{}", attr.replace(['.', '[', ']'], "_"))
}
