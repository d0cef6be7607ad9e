//! Terraform for the AWS layers: one root module per environment under
//! `terraform/<env>/` with a file per concern (`network.tf`, `data.tf`, ...),
//! pinned providers with default tags, an S3 backend (encrypted, versioned
//! bucket with a DynamoDB lock table) created by `terraform/bootstrap/`,
//! and outputs with descriptions. Formatting is `terraform fmt`'s (see
//! [`crate::hcl`]); the tests check it with HashiCorp's own formatter and parser.

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
];
/// Attributes whose map values are HCL maps, not nested blocks.
const MAP_ATTRS: &[&str] = &["tags", "dimensions", "configuration"];

fn provider_of(kind: Kind) -> Option<&'static str> {
    match kind.family() {
        Family::Aws => Some("aws"),
        Family::Kubernetes => None,
        Family::Terraform => {
            let name = kind.as_str();
            PROVIDERS
                .iter()
                .map(|p| p.0)
                .find(|p| name.starts_with(&format!("{p}_")))
        }
    }
}

fn file_of(m: ModuleKind) -> &'static str {
    match m {
        ModuleKind::Network => "network.tf",
        ModuleKind::Data => "data.tf",
        ModuleKind::Workloads => "workloads.tf",
        ModuleKind::Edge => "edge.tf",
        ModuleKind::Observability => "observability.tf",
        ModuleKind::Delivery => "delivery.tf",
        ModuleKind::Security => "security.tf",
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
}

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
        }
    }

    /// A reference as a traversal, or a variable when it leaves the module.
    fn reference(&mut self, a: &Address, attr: &str) -> Expr {
        if let Some(n) = self.names.get(a) {
            let attr = match attr {
                "master_user_secret_arn" => "master_user_secret[0].secret_arn",
                "identity_oidc_issuer" => "identity[0].oidc[0].issuer",
                other => other,
            };
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
            .in_env(self.env)
            .filter(|r| r.get("for_each_validation_option_of").is_some())
            .map(|r| &r.address)
            .collect()
    }

    /// A string, with `${account_id}` as the caller's account.
    fn string(&mut self, s: &str) -> Expr {
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
                Some(vec![
                    Item::Attr(
                        "for_each".into(),
                        Expr::Raw(format!(
                            "{{\n    for option in {cert} : option.domain_name => option\n  }}"
                        )),
                    ),
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
        if let Some(region) = &r.address.module.region {
            if provider_of(r.kind) == Some("aws") {
                body.push(Item::Attr(
                    "provider".into(),
                    Expr::Raw(format!("aws.{}", region.replace('-', "_"))),
                ));
            }
        }
        body.extend(self.body(&r.attributes, r.kind));
        let deps: Vec<Expr> = r
            .explicit_depends_on
            .iter()
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
                if let Some(region) = &r.address.module.region {
                    b = b.attr(
                        "provider",
                        Expr::Raw(format!("aws.{}", region.replace('-', "_"))),
                    );
                }
                blocks.push(
                    b.attr(
                        "detector_id",
                        Expr::Raw(format!("aws_guardduty_detector.{name}.id")),
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
        let app = plan.app.as_str();
        let inputs = crate::kubernetes::terraform_inputs(plan);
        for env in &plan.environments {
            let mut e = Env::new(plan, env);
            let resources: Vec<&Resource> = plan
                .graph
                .in_env(env)
                .filter(|r| provider_of(r.kind).is_some())
                .collect();
            if resources.is_empty() {
                continue;
            }
            let dir = format!("terraform/{env}");
            let mut by_file: BTreeMap<&str, Vec<Block>> = BTreeMap::new();
            let mut providers: BTreeSet<&str> = BTreeSet::new();
            let mut regions: BTreeSet<String> = BTreeSet::new();
            let mut primary_region: Option<String> = None;
            for r in &resources {
                providers.insert(provider_of(r.kind).unwrap_or("aws"));
                if let Some(reg) = &r.address.module.region {
                    regions.insert(reg.clone());
                }
                if primary_region.is_none()
                    && r.kind == Kind::AwsSubnet
                    && r.address.module.region.is_none()
                {
                    primary_region = r
                        .get("availability_zone")
                        .and_then(Value::as_str)
                        .map(|z| z[..z.len() - 1].to_owned());
                }
                let blocks = e.resource(r);
                by_file
                    .entry(file_of(r.address.module.kind))
                    .or_default()
                    .extend(blocks);
            }
            let region = primary_region.unwrap_or_else(|| "us-east-1".to_owned());
            for (name, blocks) in &by_file {
                out.insert(format!("{dir}/{name}"), header(fix_keys(file(blocks))));
            }
            // versions.tf: pinned providers and the remote state.
            let mut required = Vec::new();
            for (local, source, version) in PROVIDERS.iter().filter(|p| providers.contains(p.0)) {
                required.push((
                    (*local).to_owned(),
                    Expr::Object(vec![
                        ("source".into(), Expr::str(source)),
                        ("version".into(), Expr::str(version)),
                    ]),
                ));
            }
            let terraform = Block::new("terraform", &[])
                .attr("required_version", Expr::str(">= 1.10.0"))
                .block(Block {
                    kind: "required_providers".into(),
                    labels: vec![],
                    body: required
                        .into_iter()
                        .map(|(k, v)| Item::Attr(k, v))
                        .collect(),
                })
                .block(
                    Block::new("backend", &["s3"])
                        .attr("bucket", Expr::str(&format!("{app}-terraform-state")))
                        .attr("key", Expr::str(&format!("{env}/terraform.tfstate")))
                        .attr("region", Expr::str(&region))
                        .attr("encrypt", Expr::Raw("true".into()))
                        .attr(
                            "dynamodb_table",
                            Expr::str(&format!("{app}-terraform-locks")),
                        ),
                );
            out.insert(format!("{dir}/versions.tf"), header(file(&[terraform])));
            // providers.tf: default tags make every resource carry its owner.
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
            let mut pblocks = vec![aws(None, &region)];
            for reg in &regions {
                pblocks.push(aws(Some(&reg.replace('-', "_")), reg));
            }
            if e.uses_account {
                pblocks.push(Block::new("data", &["aws_caller_identity", "current"]));
            }
            out.insert(format!("{dir}/providers.tf"), header(file(&pblocks)));
            // variables.tf: inputs that come from outside this root module.
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
            // outputs.tf: what other tools and environments need.
            let mut outputs = Vec::new();
            for r in &resources {
                let what = match r.kind {
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
                };
                if let Some((attr, desc)) = what {
                    let n = &e.names[&r.address];
                    outputs.push(
                        Block::new(
                            "output",
                            &[&format!(
                                "{}_{}",
                                r.kind.as_str().trim_start_matches("aws_"),
                                n
                            )],
                        )
                        .attr("description", Expr::str(&format!("{desc} ({})", r.address)))
                        .attr("value", Expr::Raw(format!("{}.{n}.{attr}", r.kind))),
                    );
                }
            }
            // Values the Kubernetes manifests carry as `${terraform:...}`.
            for (a, attrs) in inputs.iter().filter(|(a, _)| &a.env == env) {
                let Some(n) = e.names.get(a).cloned() else {
                    continue;
                };
                for attr in attrs {
                    let value = match e.reference(a, attr) {
                        Expr::Raw(t) => t,
                        _ => continue,
                    };
                    outputs.push(
                        Block::new("output", &[&crate::kubernetes::output_name(a, attr)])
                            .attr(
                                "description",
                                Expr::str(&format!(
                                    "`{attr}` of {a} ({n}), for the Kubernetes manifests"
                                )),
                            )
                            .attr("value", Expr::Raw(value)),
                    );
                }
            }
            if !outputs.is_empty() {
                out.insert(format!("{dir}/outputs.tf"), header(file(&outputs)));
            }
        }
        out.insert(
            "terraform/bootstrap/main.tf".to_owned(),
            header(bootstrap(plan)),
        );
        Ok(())
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
