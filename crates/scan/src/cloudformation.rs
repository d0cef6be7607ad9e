//! CloudFormation templates (YAML with `!Ref`/`!Sub`/`!GetAtt` tags, or JSON)
//! into the graph, in the Terraform AWS provider's vocabulary so the same
//! controls apply: each supported `AWS::...` type maps to a kind, property
//! names go to snake case (`KMSKeyId` → `kms_key_id`), and the properties
//! whose shape differs are rewritten (bucket encryption, versioning and
//! public access blocks, security group rules, listener actions, EKS
//! settings...). `Ref`/`GetAtt` to resources become edges; `Ref` to a
//! parameter takes its default; anything else dynamic is `Value::Unknown`.

use std::collections::{BTreeMap, HashMap};

use strata_model::{Address, Kind, Reference, Value};
use strata_spec::SourceFile;
use strata_spec::yaml::{Node, NodeValue};

use crate::inventory::{Inventory, Origin, attach_suppressions, suppression_comments};

const SOURCE: &str = "cloudformation";

/// The kind a CloudFormation type maps to.
fn kind_of(ty: &str) -> Option<Kind> {
    use Kind::*;
    Some(match ty {
        "AWS::S3::Bucket" => AwsS3Bucket,
        "AWS::S3::BucketPolicy" => AwsS3BucketPolicy,
        "AWS::EC2::SecurityGroup" => AwsSecurityGroup,
        "AWS::EC2::SecurityGroupIngress" => AwsVpcSecurityGroupIngressRule,
        "AWS::EC2::SecurityGroupEgress" => AwsVpcSecurityGroupEgressRule,
        "AWS::EC2::VPC" => AwsVpc,
        "AWS::EC2::Subnet" => AwsSubnet,
        "AWS::EC2::FlowLog" => AwsFlowLog,
        "AWS::EC2::Instance" => AwsInstance,
        "AWS::EC2::LaunchTemplate" => AwsLaunchTemplate,
        "AWS::EC2::Volume" => AwsEbsVolume,
        "AWS::KMS::Key" => AwsKmsKey,
        "AWS::RDS::DBInstance" => AwsDbInstance,
        "AWS::RDS::DBCluster" => AwsRdsCluster,
        "AWS::CloudTrail::Trail" => AwsCloudtrail,
        "AWS::SQS::Queue" => AwsSqsQueue,
        "AWS::SNS::Topic" => AwsSnsTopic,
        "AWS::DynamoDB::Table" => AwsDynamodbTable,
        "AWS::EFS::FileSystem" => AwsEfsFileSystem,
        "AWS::Logs::LogGroup" => AwsCloudwatchLogGroup,
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => AwsLb,
        "AWS::ElasticLoadBalancingV2::Listener" => AwsLbListener,
        "AWS::WAFv2::WebACLAssociation" => AwsWafv2WebAclAssociation,
        "AWS::IAM::Role" => AwsIamRole,
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => AwsIamPolicy,
        "AWS::IAM::AccessKey" => AwsIamAccessKey,
        "AWS::ECR::Repository" => AwsEcrRepository,
        "AWS::EKS::Cluster" => AwsEksCluster,
        "AWS::ElastiCache::ReplicationGroup" => AwsElasticacheReplicationGroup,
        "AWS::GuardDuty::Detector" => AwsGuarddutyDetector,
        "AWS::Lambda::Function" => AwsLambdaFunction,
        "AWS::ECS::TaskDefinition" => AwsEcsTaskDefinition,
        "AWS::ECS::Cluster" => AwsEcsCluster,
        "AWS::CodeBuild::Project" => AwsCodebuildProject,
        "AWS::OpenSearchService::Domain" => AwsOpensearchDomain,
        "AWS::CloudFront::Distribution" => AwsCloudfrontDistribution,
        "AWS::SecretsManager::Secret" => AwsSecretsmanagerSecret,
        "AWS::ApiGateway::Stage" => AwsApiGatewayStage,
        "AWS::SSM::Parameter" => AwsSsmParameter,
        _ => return None,
    })
}

/// `KMSKeyId` → `kms_key_id`, `MultiAZ` → `multi_az`.
pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

fn lower_camel(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

struct Cx<'a> {
    src: &'a SourceFile,
    resources: &'a HashMap<String, Address>,
    params: &'a HashMap<String, Value>,
}

impl Cx<'_> {
    /// An intrinsic function, from its tag (`!Ref`) or long form (`Ref`, `Fn::GetAtt`).
    fn intrinsic(&self, name: &str, arg: &Node) -> Option<Value> {
        let text = |n: &Node| n.as_str().map(str::to_owned);
        match name {
            "Ref" => {
                let id = text(arg)?;
                if let Some(a) = self.resources.get(&id) {
                    return Some(Value::Ref(Box::new(Reference {
                        address: a.clone(),
                        attribute: "id".into(),
                    })));
                }
                Some(
                    self.params
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| Value::Unknown(format!("!Ref {id}"))),
                )
            }
            "Fn::GetAtt" | "GetAtt" => {
                let (id, attr) = match &arg.value {
                    NodeValue::Str(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))?,
                    NodeValue::Seq(items) if items.len() == 2 => {
                        (text(&items[0])?, text(&items[1])?)
                    }
                    _ => return None,
                };
                match self.resources.get(&id) {
                    Some(a) => Some(Value::Ref(Box::new(Reference {
                        address: a.clone(),
                        attribute: snake(&attr),
                    }))),
                    None => Some(Value::Unknown(format!("!GetAtt {id}.{attr}"))),
                }
            }
            "Fn::Sub" | "Sub" => {
                let template = match &arg.value {
                    NodeValue::Str(s) => s.clone(),
                    NodeValue::Seq(items) => text(items.first()?)?,
                    _ => return None,
                };
                // Static when every ${X} is a parameter with a default.
                let mut out = String::new();
                let mut rest = template.as_str();
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let after = &rest[start + 2..];
                    let end = after.find('}')?;
                    let var = &after[..end];
                    match self.params.get(var).and_then(Value::as_str) {
                        Some(v) => out.push_str(v),
                        None => return Some(Value::Unknown(format!("!Sub {template}"))),
                    }
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                Some(Value::String(out))
            }
            _ => Some(Value::Unknown(format!("{name} ..."))),
        }
    }

    /// Converts a node; `style` renames map keys (snake case for properties,
    /// lower camel for ECS container definitions, verbatim for documents).
    fn value(
        &self,
        n: &Node,
        path: &str,
        style: Style,
        lines: &mut BTreeMap<String, u32>,
    ) -> Value {
        if let Some(tag) = &n.tag {
            let name = tag.trim_start_matches('!');
            let full = if name == "Ref" || name.starts_with("Fn::") {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            if let Some(v) = self.intrinsic(&full, n) {
                return v;
            }
        }
        match &n.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Int(*i),
            NodeValue::Float(f) => Value::Float(*f),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| {
                        let p = format!("{path}.{i}");
                        lines
                            .entry(p.clone())
                            .or_insert(self.src.line_col(it.span.start).0);
                        self.value(it, &p, style, lines)
                    })
                    .collect(),
            ),
            NodeValue::Map(entries) => {
                if entries.len() == 1
                    && (entries[0].key == "Ref" || entries[0].key.starts_with("Fn::"))
                {
                    if let Some(v) = self.intrinsic(&entries[0].key, &entries[0].value) {
                        return v;
                    }
                }
                let mut m = BTreeMap::new();
                for e in entries {
                    let key = match style {
                        Style::Snake => snake(&e.key),
                        Style::Camel => lower_camel(&e.key),
                        Style::Verbatim => e.key.clone(),
                    };
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    lines
                        .entry(p.clone())
                        .or_insert(self.src.line_col(e.key_span.start).0);
                    let inner = match (style, e.key.as_str()) {
                        (_, "PolicyDocument" | "AssumeRolePolicyDocument" | "KeyPolicy") => {
                            Style::Verbatim
                        }
                        (Style::Snake, "ContainerDefinitions") => Style::Camel,
                        (s, _) => s,
                    };
                    m.insert(key, self.value(&e.value, &p, inner, lines));
                }
                Value::Map(m)
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Snake,
    Camel,
    Verbatim,
}

fn take(m: &mut BTreeMap<String, Value>, k: &str) -> Option<Value> {
    m.remove(k)
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for p in path.split('.') {
        cur = match cur {
            Value::Map(m) => m.get(p)?,
            Value::List(l) => l.first().and_then(|x| x.as_map()).and_then(|m| m.get(p))?,
            _ => return None,
        };
    }
    Some(cur)
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Rewrites the properties whose Terraform shape differs. Returns extra
/// resources the property stands for (a bucket's public access block...).
fn reshape(
    kind: Kind,
    a: &mut BTreeMap<String, Value>,
    me: &Address,
) -> Vec<(Kind, String, BTreeMap<String, Value>)> {
    use Kind::*;
    let mut extra = Vec::new();
    let self_ref = || {
        Value::Ref(Box::new(Reference {
            address: me.clone(),
            attribute: "id".into(),
        }))
    };
    match kind {
        AwsS3Bucket => {
            if let Some(enc) = take(a, "bucket_encryption") {
                let algo = get(&enc, "server_side_encryption_configuration.server_side_encryption_by_default.sse_algorithm").cloned();
                a.insert(
                    "server_side_encryption_configuration".into(),
                    obj(vec![(
                        "rule",
                        obj(vec![(
                            "apply_server_side_encryption_by_default",
                            obj(vec![("sse_algorithm", algo.unwrap_or(Value::Null))]),
                        )]),
                    )]),
                );
            }
            if let Some(v) = take(a, "versioning_configuration") {
                let on = get(&v, "status").and_then(Value::as_str) == Some("Enabled");
                a.insert("versioning".into(), obj(vec![("enabled", Value::Bool(on))]));
            }
            if let Some(l) = take(a, "logging_configuration") {
                a.insert("logging".into(), l);
            }
            if let Some(acl) = take(a, "access_control") {
                let t = acl.as_str().map(|s| match s {
                    "PublicRead" => "public-read",
                    "PublicReadWrite" => "public-read-write",
                    "AuthenticatedRead" => "authenticated-read",
                    _ => "private",
                });
                a.insert(
                    "acl".into(),
                    t.map_or(acl.clone(), |t| Value::String(t.into())),
                );
            }
            if let Some(Value::Map(mut pab)) = take(a, "public_access_block_configuration") {
                pab.insert("bucket".into(), self_ref());
                extra.push((
                    AwsS3BucketPublicAccessBlock,
                    "public_access_block".to_owned(),
                    pab,
                ));
            }
            if let Some(oc) = take(a, "ownership_controls") {
                let own = get(&oc, "rules.object_ownership")
                    .cloned()
                    .unwrap_or(Value::Null);
                let mut m = BTreeMap::new();
                m.insert("bucket".into(), self_ref());
                m.insert("rule".into(), obj(vec![("object_ownership", own)]));
                extra.push((
                    AwsS3BucketOwnershipControls,
                    "ownership_controls".to_owned(),
                    m,
                ));
            }
        }
        AwsS3BucketPolicy => {
            if let Some(d) = take(a, "policy_document") {
                a.insert("policy".into(), d);
            }
        }
        AwsSecurityGroup => {
            if let Some(d) = take(a, "group_description") {
                a.insert("description".into(), d);
            }
            for (cfn, tf) in [
                ("security_group_ingress", "ingress"),
                ("security_group_egress", "egress"),
            ] {
                if let Some(Value::List(rules)) = take(a, cfn) {
                    a.insert(
                        tf.into(),
                        Value::List(rules.into_iter().map(sg_rule).collect()),
                    );
                }
            }
        }
        AwsVpcSecurityGroupIngressRule | AwsVpcSecurityGroupEgressRule => {
            for (from, to) in [
                ("group_id", "security_group_id"),
                ("cidr_ip", "cidr_ipv4"),
                ("cidr_ipv6", "cidr_ipv6"),
            ] {
                if let Some(v) = take(a, from) {
                    a.insert(to.into(), v);
                }
            }
        }
        AwsFlowLog => {
            if get(&Value::Map(a.clone()), "resource_type").and_then(Value::as_str) == Some("VPC")
                && let Some(id) = take(a, "resource_id")
            {
                a.insert("vpc_id".into(), id);
            }
        }
        AwsKmsKey => {
            if let Some(p) = take(a, "key_policy") {
                a.insert("policy".into(), p);
            }
            if let Some(p) = take(a, "pending_window_in_days") {
                a.insert("deletion_window_in_days".into(), p);
            }
            if let Some(p) = take(a, "key_spec") {
                a.insert("customer_master_key_spec".into(), p);
            }
            if let Some(p) = take(a, "enabled") {
                a.insert("is_enabled".into(), p);
            }
        }
        AwsDbInstance | AwsRdsCluster => {
            for (from, to) in [
                (
                    "enable_iam_database_authentication",
                    "iam_database_authentication_enabled",
                ),
                (
                    "enable_cloudwatch_logs_exports",
                    "enabled_cloudwatch_logs_exports",
                ),
                (
                    "master_user_password",
                    if kind == AwsRdsCluster {
                        "master_password"
                    } else {
                        "password"
                    },
                ),
                ("db_subnet_group_name", "db_subnet_group_name"),
            ] {
                if let Some(v) = take(a, from) {
                    a.insert(to.into(), v);
                }
            }
        }
        AwsCloudtrail => {
            for (from, to) in [
                (
                    "cloud_watch_logs_log_group_arn",
                    "cloud_watch_logs_group_arn",
                ),
                ("is_logging", "enable_logging"),
            ] {
                if let Some(v) = take(a, from) {
                    a.insert(to.into(), v);
                }
            }
        }
        AwsDynamodbTable => {
            if let Some(p) = take(a, "point_in_time_recovery_specification") {
                let on = get(&p, "point_in_time_recovery_enabled")
                    .cloned()
                    .unwrap_or(Value::Null);
                a.insert("point_in_time_recovery".into(), obj(vec![("enabled", on)]));
            }
            if let Some(p) = take(a, "sse_specification") {
                let on = get(&p, "sse_enabled").cloned().unwrap_or(Value::Null);
                a.insert("server_side_encryption".into(), obj(vec![("enabled", on)]));
            }
        }
        AwsLb => {
            let scheme = take(a, "scheme");
            a.insert(
                "internal".into(),
                Value::Bool(scheme.as_ref().and_then(Value::as_str) == Some("internal")),
            );
            if let Some(t) = take(a, "type") {
                a.insert("load_balancer_type".into(), t);
            }
            if let Some(Value::List(attrs)) = take(a, "load_balancer_attributes") {
                for at in attrs {
                    let k = get(&at, "key")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let v = get(&at, "value").cloned().unwrap_or(Value::Null);
                    match k.as_str() {
                        "routing.http.drop_invalid_header_fields.enabled" => {
                            a.insert("drop_invalid_header_fields".into(), v);
                        }
                        "deletion_protection.enabled" => {
                            a.insert("enable_deletion_protection".into(), v);
                        }
                        "routing.http.desync_mitigation_mode" => {
                            a.insert("desync_mitigation_mode".into(), v);
                        }
                        "access_logs.s3.enabled" => {
                            let e = a.entry("access_logs".into()).or_insert_with(|| obj(vec![]));
                            if let Value::Map(m) = e {
                                m.insert("enabled".into(), v);
                            }
                        }
                        "access_logs.s3.bucket" => {
                            let e = a.entry("access_logs".into()).or_insert_with(|| obj(vec![]));
                            if let Value::Map(m) = e {
                                m.insert("bucket".into(), v);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        AwsLbListener => {
            if let Some(Value::List(actions)) = take(a, "default_actions")
                && let Some(first) = actions.into_iter().next()
            {
                let mut act = BTreeMap::new();
                if let Some(t) = get(&first, "type") {
                    act.insert("type".to_owned(), t.clone());
                }
                if let Some(r) = get(&first, "redirect_config") {
                    act.insert("redirect".to_owned(), r.clone());
                }
                a.insert("default_action".into(), Value::Map(act));
            }
        }
        AwsIamRole => {
            if let Some(d) = take(a, "assume_role_policy_document") {
                a.insert("assume_role_policy".into(), d);
            }
            if let Some(Value::List(ps)) = take(a, "policies") {
                let inline: Vec<Value> = ps
                    .into_iter()
                    .map(|p| {
                        obj(vec![
                            (
                                "name",
                                get(&p, "policy_name").cloned().unwrap_or(Value::Null),
                            ),
                            (
                                "policy",
                                get(&p, "policy_document").cloned().unwrap_or(Value::Null),
                            ),
                        ])
                    })
                    .collect();
                a.insert("inline_policy".into(), Value::List(inline));
            }
        }
        AwsIamPolicy => {
            if let Some(d) = take(a, "policy_document") {
                a.insert("policy".into(), d);
            }
        }
        AwsEksCluster => {
            if let Some(v) = take(a, "resources_vpc_config") {
                a.insert("vpc_config".into(), v);
            }
            if let Some(Value::List(enc)) = take(a, "encryption_config")
                && let Some(first) = enc.into_iter().next()
            {
                let key = get(&first, "provider.key_arn")
                    .cloned()
                    .unwrap_or(Value::Null);
                a.insert(
                    "encryption_config".into(),
                    obj(vec![("provider", obj(vec![("key_arn", key)]))]),
                );
            }
            if let Some(l) = take(a, "logging") {
                let types: Vec<Value> = get(&l, "cluster_logging.enabled_types")
                    .and_then(Value::as_list)
                    .map(|t| t.iter().filter_map(|x| get(x, "type").cloned()).collect())
                    .unwrap_or_default();
                a.insert("enabled_cluster_log_types".into(), Value::List(types));
            }
        }
        AwsCodebuildProject => {
            if let Some(Value::Map(env)) = a.get_mut("environment")
                && let Some(vars) = env.remove("environment_variables")
            {
                env.insert("environment_variable".into(), vars);
            }
        }
        AwsOpensearchDomain => {
            for (from, to) in [
                ("encryption_at_rest_options", "encrypt_at_rest"),
                ("node_to_node_encryption_options", "node_to_node_encryption"),
            ] {
                if let Some(v) = take(a, from) {
                    a.insert(to.into(), v);
                }
            }
            if let Some(Value::Map(mut o)) = take(a, "domain_endpoint_options") {
                if let Some(v) = o.remove("enforce_https") {
                    o.insert("enforce_https".into(), v);
                }
                a.insert("domain_endpoint_options".into(), Value::Map(o));
            }
        }
        AwsCloudfrontDistribution => {
            if let Some(Value::Map(cfg)) = take(a, "distribution_config") {
                a.extend(cfg);
            }
        }
        AwsApiGatewayStage => {
            if let Some(v) = take(a, "access_log_setting") {
                a.insert("access_log_settings".into(), v);
            }
        }
        AwsEcsTaskDefinition => {
            if let Some(v) = take(a, "requires_compatibilities") {
                a.insert("requires_compatibilities".into(), v);
            }
        }
        _ => {}
    }
    extra
}

/// Property paths `reshape` renames, for locating findings.
const LINE_RENAMES: &[(&str, &str)] = &[
    ("access_control", "acl"),
    ("bucket_encryption", "server_side_encryption_configuration"),
    ("versioning_configuration", "versioning"),
    ("logging_configuration", "logging"),
    ("public_access_block_configuration", "public_access_block"),
    ("security_group_ingress", "ingress"),
    ("security_group_egress", "egress"),
    ("group_description", "description"),
    ("master_user_password", "password"),
    ("master_user_password", "master_password"),
    (
        "enable_iam_database_authentication",
        "iam_database_authentication_enabled",
    ),
    (
        "enable_cloudwatch_logs_exports",
        "enabled_cloudwatch_logs_exports",
    ),
    ("key_policy", "policy"),
    ("policy_document", "policy"),
    ("assume_role_policy_document", "assume_role_policy"),
    ("policies", "inline_policy"),
    ("resources_vpc_config", "vpc_config"),
    ("logging", "enabled_cluster_log_types"),
    (
        "cloud_watch_logs_log_group_arn",
        "cloud_watch_logs_group_arn",
    ),
    ("is_logging", "enable_logging"),
    (
        "point_in_time_recovery_specification",
        "point_in_time_recovery",
    ),
    ("sse_specification", "server_side_encryption"),
    ("scheme", "internal"),
    ("load_balancer_attributes", "drop_invalid_header_fields"),
    ("load_balancer_attributes", "access_logs"),
    ("load_balancer_attributes", "enable_deletion_protection"),
    ("default_actions", "default_action"),
    ("encryption_at_rest_options", "encrypt_at_rest"),
    ("node_to_node_encryption_options", "node_to_node_encryption"),
    ("access_log_setting", "access_log_settings"),
    (
        "distribution_config.default_cache_behavior",
        "default_cache_behavior",
    ),
    (
        "distribution_config.viewer_certificate",
        "viewer_certificate",
    ),
    ("pending_window_in_days", "deletion_window_in_days"),
    ("enabled", "is_enabled"),
];

/// The lines of the property an extra resource stands for, re-rooted.
fn extra_lines(lines: &BTreeMap<String, u32>, suffix: &str) -> BTreeMap<String, u32> {
    let source = match suffix {
        "public_access_block" => "public_access_block_configuration.",
        _ => "ownership_controls.",
    };
    lines
        .iter()
        .filter_map(|(k, l)| k.strip_prefix(source).map(|r| (r.to_owned(), *l)))
        .collect()
}

fn sg_rule(r: Value) -> Value {
    let Value::Map(m) = r else { return r };
    let mut out = BTreeMap::new();
    for (k, v) in m {
        let (k, v) = match k.as_str() {
            "ip_protocol" => ("protocol".to_owned(), v),
            "cidr_ip" => ("cidr_blocks".to_owned(), Value::List(vec![v])),
            "cidr_ipv6" => ("ipv6_cidr_blocks".to_owned(), Value::List(vec![v])),
            _ => (k, v),
        };
        out.insert(k, v);
    }
    Value::Map(out)
}

/// True when `text` looks like a CloudFormation template.
pub fn looks_like(text: &str) -> bool {
    if text.contains("AWSTemplateFormatVersion") {
        return true;
    }
    // A top-level `Resources` whose entries have `Type: AWS::...`; CodeDeploy
    // AppSpecs look alike but carry a top-level `version:`.
    let top_resources =
        text.lines().any(|l| l.starts_with("Resources:")) || text.contains("\"Resources\"");
    top_resources && text.contains("AWS::") && !text.lines().any(|l| l.starts_with("version:"))
}

/// Reads the template `name`.
pub fn scan_text(name: &str, text: &str, inv: &mut Inventory) {
    inv.files.push(name.to_owned());
    let src = SourceFile::new(name, text);
    let parsed = strata_spec::yaml::parse(text);
    for d in parsed.diagnostics.iter().filter(|d| d.is_error()) {
        let (line, col) = src.line_col(d.span.start);
        inv.problem(name, line, col, d.message.clone());
    }
    let Some(root) = parsed.root else { return };
    let Some(resources) = root.get("Resources").map(|e| &e.value) else {
        if parsed.diagnostics.is_empty() {
            inv.problem(
                name,
                1,
                1,
                "a CloudFormation template needs a Resources section",
            );
        }
        return;
    };
    let NodeValue::Map(entries) = &resources.value else {
        inv.problem(
            name,
            src.line_col(resources.span.start).0,
            1,
            "Resources must be a mapping",
        );
        return;
    };
    // Parameters with defaults.
    let mut params = HashMap::new();
    if let Some(p) = root.get("Parameters")
        && let NodeValue::Map(ps) = &p.value.value
    {
        for e in ps {
            if let Some(d) = e.value.get("Default") {
                params.insert(
                    e.key.clone(),
                    crate::yamlish::to_value(&d.value, &|_, _| None),
                );
            }
        }
    }
    // Addresses first, so references resolve in any order.
    let mut addrs = HashMap::new();
    let mut decls = Vec::new();
    for e in entries {
        let ty = e
            .value
            .get("Type")
            .and_then(|t| t.value.as_str())
            .unwrap_or_default()
            .to_owned();
        match kind_of(&ty) {
            Some(kind) => {
                let label = format!("{ty}/{}", e.key);
                let address = inv.address(SOURCE, kind, &format!("{}_{}", kind.as_str(), e.key));
                addrs.insert(e.key.clone(), address.clone());
                decls.push((e, kind, label, address));
            }
            None if ty.is_empty() => {
                let (l, c) = src.line_col(e.key_span.start);
                inv.problem(name, l, c, format!("resource `{}` has no Type", e.key));
            }
            None => *inv.uncovered.entry(ty).or_default() += 1,
        }
    }
    let cx = Cx {
        src: &src,
        resources: &addrs,
        params: &params,
    };
    let mut spans = Vec::new();
    for (e, kind, label, address) in decls {
        let mut lines = BTreeMap::new();
        let mut attrs = match e.value.get("Properties") {
            Some(p) => match cx.value(&p.value, "", Style::Snake, &mut lines) {
                Value::Map(m) => m,
                _ => BTreeMap::new(),
            },
            None => BTreeMap::new(),
        };
        let extra = reshape(kind, &mut attrs, &address);
        // Lines follow the renamed properties.
        let renamed: Vec<(String, u32)> = lines
            .iter()
            .filter_map(|(k, l)| {
                LINE_RENAMES.iter().find_map(|(from, to)| {
                    let rest = k.strip_prefix(from)?;
                    (rest.is_empty() || rest.starts_with('.')).then(|| (format!("{to}{rest}"), *l))
                })
            })
            .collect();
        for (k, l) in renamed {
            lines.entry(k).or_insert(l);
        }
        let start = src.line_col(e.key_span.start).0;
        let end = src.line_col(e.value.span.end).0;
        for (k, suffix, a) in extra {
            let l = format!("{label}#{suffix}");
            let addr = inv.address(SOURCE, k, &format!("{}_{}_{suffix}", kind.as_str(), e.key));
            inv.add(
                addr,
                a,
                Origin {
                    label: l,
                    file: name.to_owned(),
                    line: start,
                    attrs: extra_lines(&lines, &suffix).into(),
                    root: None,
                },
            );
        }
        spans.push((address.clone(), start, end));
        inv.add(
            address,
            attrs,
            Origin {
                label,
                file: name.to_owned(),
                line: start,
                attrs: lines.into(),
                root: None,
            },
        );
    }
    let found = suppression_comments(name, text);
    attach_suppressions(inv, found, &spans);
}

#[cfg(test)]
mod tests {
    #[test]
    fn snake_case_keeps_acronyms_together() {
        for (a, b) in [
            ("KMSKeyId", "kms_key_id"),
            ("MultiAZ", "multi_az"),
            ("EnableKeyRotation", "enable_key_rotation"),
            ("SSESpecification", "sse_specification"),
            ("CidrIpv6", "cidr_ipv6"),
            ("EnforceHTTPS", "enforce_https"),
        ] {
            assert_eq!(super::snake(a), b);
        }
    }
}
