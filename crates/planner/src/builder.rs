//! The one way passes add resources: addresses, provenance and tags are made
//! here, so every pass has the same shape.

use std::collections::BTreeMap;

use strata_model::{
    Address, Graph, GraphError, Ident, Kind, Layer, Module, ModuleKind, Provenance, Resource, Value,
};
use strata_spec::Spec;
use strata_spec::resolve::{Env, Region};

/// Maps a path in the spec to where it is in the source.
pub trait Locate {
    /// Provenance for the value at `path` (or its nearest ancestor).
    fn locate(&self, path: &[&str]) -> Provenance;

    /// Whether the source has a value at `path`.
    fn exists(&self, path: &[&str]) -> bool;
}

/// An identifier from a validated name; anything odd is made safe rather than
/// failing, so planning never panics.
pub fn ident(raw: &str) -> Ident {
    Ident::new(raw).unwrap_or_else(|_| {
        let mut s: String = raw
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            s.insert(0, 'x');
        }
        Ident::new(&s).unwrap_or_else(|_| Ident::new("x").expect("`x` is an identifier"))
    })
}

/// Kinds that take no `tags` argument.
fn untaggable(kind: Kind) -> bool {
    use Kind::*;
    !matches!(kind.family(), strata_model::Family::Aws)
        || matches!(
            kind,
            AwsRoute
                | AwsRouteTableAssociation
                | AwsKmsAlias
                | AwsIamRolePolicyAttachment
                | AwsIamAccountPasswordPolicy
                | AwsS3BucketPublicAccessBlock
                | AwsS3BucketServerSideEncryptionConfiguration
                | AwsS3BucketVersioning
                | AwsS3BucketPolicy
                | AwsS3BucketOwnershipControls
                | AwsS3BucketLogging
                | AwsS3AccountPublicAccessBlock
                | AwsWafv2WebAclAssociation
                | AwsWafv2WebAclLoggingConfiguration
                | AwsAcmCertificateValidation
                | AwsRoute53Record
                | AwsEc2ClientVpnNetworkAssociation
                | AwsEc2ClientVpnAuthorizationRule
                | AwsEc2TransitGatewayRoute
                | AwsConfigConfigurationRecorder
                | AwsConfigDeliveryChannel
                | AwsConfigConfigurationRecorderStatus
                | AwsConfigConformancePack
                | AwsSecurityhubAccount
                | AwsSecurityhubStandardsSubscription
                | AwsEbsEncryptionByDefault
                | AwsCloudwatchLogMetricFilter
                | AwsSnsTopicSubscription
                | AwsAppautoscalingPolicy
                | AwsEcrLifecyclePolicy
                | AwsDefaultSecurityGroup
                | AwsCodedeployDeploymentConfig
                | AwsEksAccessPolicyAssociation
        )
}

/// The planning context for one environment.
pub struct Cx<'a> {
    pub spec: &'a Spec,
    pub env: &'a Env,
    pub envs: &'a [Env],
    loc: &'a dyn Locate,
    graph: &'a mut Graph,
    errors: &'a mut Vec<GraphError>,
    pub env_id: Ident,
    /// The secondary region being planned, if any; names made in it carry the
    /// region so global names (IAM, S3) never collide.
    region_suffix: Option<String>,
}

impl<'a> Cx<'a> {
    pub fn new(
        spec: &'a Spec,
        env: &'a Env,
        envs: &'a [Env],
        loc: &'a dyn Locate,
        graph: &'a mut Graph,
        errors: &'a mut Vec<GraphError>,
    ) -> Self {
        Self {
            spec,
            env,
            envs,
            loc,
            graph,
            errors,
            env_id: ident(&env.name),
            region_suffix: None,
        }
    }

    /// Sets the region being planned.
    pub fn enter_region(&mut self, region: &Region) {
        self.region_suffix = (!region.primary).then(|| region.name.clone());
    }

    /// Whether this environment plans the account-wide singletons (password
    /// policy, GuardDuty, Config, Security Hub, ...): it does unless an earlier
    /// environment shares its account (no account given counts as one shared
    /// default account).
    pub fn owns_account(&self) -> bool {
        !self.envs[..self.env.index]
            .iter()
            .any(|e| e.account == self.env.account)
    }

    /// The module for a concern in a region.
    pub fn module(&self, kind: ModuleKind, region: &Region) -> Module {
        Module {
            kind,
            region: (!region.primary).then(|| region.name.clone()),
        }
    }

    /// An address in this environment.
    pub fn addr(&self, module: &Module, kind: Kind, name: &str) -> Address {
        Address::new(self.env_id.clone(), module.clone(), kind, ident(name))
    }

    /// The same address in another environment (for shared resources).
    pub fn addr_in(&self, env: &str, module: &Module, kind: Kind, name: &str) -> Address {
        Address::new(ident(env), module.clone(), kind, ident(name))
    }

    /// A new resource with provenance from `src` and, for taggable AWS kinds,
    /// the standard tags.
    pub fn res(
        &self,
        module: &Module,
        kind: Kind,
        name: &str,
        layer: Layer,
        src: &[&str],
    ) -> Resource {
        let address = self.addr(module, kind, name);
        // A resource from defaults points at its environment's entry.
        let source = if self.loc.exists(src) {
            self.loc.locate(src)
        } else {
            self.loc.locate(&["environments", &self.env.name])
        };
        let mut r = Resource::new(address, layer, source);
        if !untaggable(kind) {
            r = r.with("tags", Value::Map(self.tags(name)));
        }
        r
    }

    /// The standard tags of a resource named `name`.
    pub fn tags(&self, name: &str) -> BTreeMap<String, Value> {
        let mut t: BTreeMap<String, Value> = self
            .spec
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v)))
            .collect();
        t.insert("Name".into(), self.name(name).into());
        t.insert("strata:app".into(), self.spec.app.clone().into());
        t.insert("strata:env".into(), self.env.name.clone().into());
        t.insert("managed-by".into(), "strata".into());
        if let Some(o) = &self.spec.owner {
            t.insert("owner".into(), o.clone().into());
        }
        t
    }

    /// A cloud-side name: `<app>-<env>-<name>` with `_` as `-`, and `-<region>`
    /// in secondary regions.
    pub fn name(&self, name: &str) -> String {
        let mut n = format!(
            "{}-{}-{}",
            self.spec.app,
            self.env.name,
            name.replace('_', "-")
        );
        if let Some(r) = &self.region_suffix {
            n.push('-');
            n.push_str(r);
        }
        n
    }

    /// Adds a resource and returns its address. A duplicate address is recorded
    /// as a planner bug and reported with the rest.
    pub fn put(&mut self, r: Resource) -> Address {
        let a = r.address.clone();
        if let Err(e) = self.graph.insert(r) {
            self.errors.push(e);
        }
        a
    }

    /// Whether an address is already planned.
    pub fn has(&self, a: &Address) -> bool {
        self.graph.contains(a)
    }

    /// What has been planned so far, for passes that read the graph.
    pub fn graph(&self) -> &Graph {
        self.graph
    }
}

/// Attaches a policy (a managed policy's ARN, or a reference to one of ours)
/// to a role, as `aws_iam_role_policy_attachment.<id>`.
#[allow(clippy::too_many_arguments)]
pub fn attach(
    cx: &mut Cx,
    m: &Module,
    role: &Address,
    id: &str,
    policy_arn: impl Into<Value>,
    layer: Layer,
    src: &[&str],
) -> Address {
    let res = cx
        .res(m, Kind::AwsIamRolePolicyAttachment, id, layer, src)
        .with("role", r(role, "name"))
        .with("policy_arn", policy_arn);
    cx.put(res)
}

/// `Value::reference` for brevity.
pub fn r(a: &Address, attr: &str) -> Value {
    Value::reference(a, attr)
}

/// A map value from pairs.
pub fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A list value.
pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::List(items.into_iter().collect())
}

/// An IAM policy document allowing `actions` on `resources`.
pub fn policy(statements: Vec<Value>) -> Value {
    map([
        ("Version", "2012-10-17".into()),
        ("Statement", Value::List(statements)),
    ])
}

/// One IAM policy statement.
pub fn allow(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    map([
        ("Sid", sid.into()),
        ("Effect", "Allow".into()),
        ("Action", list(actions.iter().map(|a| Value::from(*a)))),
        ("Resource", Value::List(resources)),
    ])
}

/// A trust policy for an AWS service principal.
pub fn trust_service(service: &str) -> Value {
    policy(vec![map([
        ("Effect", "Allow".into()),
        ("Principal", map([("Service", service.into())])),
        ("Action", "sts:AssumeRole".into()),
    ])])
}

/// A trust policy for people of the account `root` (its `:root` ARN), who
/// must have signed in with MFA.
pub fn trust_account_with_mfa(root: &str) -> Value {
    policy(vec![map([
        ("Effect", "Allow".into()),
        ("Principal", map([("AWS", root.into())])),
        ("Action", "sts:AssumeRole".into()),
        (
            "Condition",
            map([("Bool", map([("aws:MultiFactorAuthPresent", "true".into())]))]),
        ),
    ])])
}

/// `snake_or-kebab` → `SnakeOrKebab`, for alert and metric names.
pub fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The AZ letter of a zone name (`eu-west-1a` → `a`).
pub fn az_letter(zone: &str) -> String {
    zone.chars().last().map(String::from).unwrap_or_default()
}

impl Cx<'_> {
    /// A CloudWatch log group under `/strata/<app>/<env>/<path>` (or `name` when
    /// it starts with `/` or `aws-`), kept for the spec's retention and
    /// encrypted with `key`.
    pub fn log_group(
        &mut self,
        m: &Module,
        id: &str,
        name: &str,
        layer: Layer,
        src: &[&str],
        key: &Address,
    ) -> Address {
        let full = if name.starts_with('/') || name.starts_with("aws-") {
            name.to_owned()
        } else {
            format!("/strata/{}/{}/{name}", self.spec.app, self.env.name)
        };
        let days = self.spec.observability.log_retention_days;
        self.put(
            self.res(m, Kind::AwsCloudwatchLogGroup, id, layer, src)
                .with("name", full)
                .with("retention_in_days", days)
                .with("kms_key_id", r(key, "arn")),
        )
    }
}

/// Instance metadata reachable with IMDSv2 tokens only, one hop: pods and
/// containers on the host cannot reach it.
pub fn imdsv2_only() -> Value {
    map([
        ("http_endpoint", "enabled".into()),
        ("http_tokens", "required".into()),
        ("http_put_response_hop_limit", 1u32.into()),
    ])
}

/// An encrypted gp3 root volume.
pub fn encrypted_root(key: &Address, gib: u32) -> Value {
    list([map([
        ("device_name", "/dev/xvda".into()),
        (
            "ebs",
            map([
                ("encrypted", true.into()),
                ("kms_key_id", r(key, "arn")),
                ("volume_size", gib.into()),
                ("volume_type", "gp3".into()),
            ]),
        ),
    ])])
}
