//! One module per resource kind, each with the same shape:
//! `create` (tags it, returns what it observed), `read` (observe by id;
//! `None` when it is gone), `find` (adopt an existing one by tag or name:
//! how a killed run's work is recovered), `update` (repair the attributes
//! that differ) and `delete`.
//!
//! `Observed::live` holds the attributes the kind manages, in the plan's
//! vocabulary, so drift is one generic comparison with the desired state.
//! Each kind's future is boxed where it is dispatched: one future holding
//! every kind's state inline would not fit a worker thread's stack.

use std::collections::BTreeMap;

use strata_model::{Kind, Value};

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::value::Desired;

pub(crate) mod acm;
pub(crate) mod autoscaling;
pub(crate) mod cloudtrail;
pub(crate) mod cloudwatch;
pub(crate) mod codebuild;
pub(crate) mod config;
pub(crate) mod ec2;
pub(crate) mod ecr;
pub(crate) mod ecs;
pub(crate) mod eks;
pub(crate) mod elb;
pub(crate) mod guardduty;
pub(crate) mod iam;
pub(crate) mod kms;
pub(crate) mod logs;
pub(crate) mod opensearch;
pub(crate) mod rds;
pub(crate) mod route53;
pub(crate) mod s3;
pub(crate) mod secrets;
pub(crate) mod securityhub;
pub(crate) mod sns;
pub(crate) mod sqs;
pub(crate) mod ssm;
pub(crate) mod wafv2;

/// What a kind saw of one live resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Physical id.
    pub id: String,
    /// Computed attributes others refer to (`id`, `arn`, `name`, …).
    pub outputs: BTreeMap<String, Value>,
    /// Managed attributes as they are live, in the plan's vocabulary.
    pub live: BTreeMap<String, Value>,
}

impl Observed {
    /// An observation of `id` with output `id` set.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        let mut outputs = BTreeMap::new();
        outputs.insert("id".to_owned(), Value::String(id.clone()));
        Self {
            id,
            outputs,
            live: BTreeMap::new(),
        }
    }

    /// Adds an output.
    pub fn out(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.outputs.insert(key.to_owned(), v.into());
        self
    }

    /// Adds a managed attribute's live value.
    pub fn live(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.live.insert(key.to_owned(), v.into());
        self
    }
}

/// One attribute that differs between desired and live.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The attribute.
    pub attribute: String,
    /// What the spec wants.
    pub desired: Value,
    /// What is live.
    pub live: Value,
}

/// The attributes of `o` that differ from `d`. Attributes the desired state
/// leaves unset are compared with an empty value (a live extra rule on a
/// group whose spec has none is drift); `ignore_changes` is honoured.
pub fn diff(d: &Desired, o: &Observed) -> Vec<Diff> {
    // Kinds whose plan attributes nest what `read` reports flat.
    let flatten: Option<fn(&Desired) -> Desired> = match d.address.kind {
        Kind::AwsS3BucketServerSideEncryptionConfiguration => Some(s3::encryption::desired_flat),
        Kind::AwsS3BucketVersioning => Some(s3::versioning::desired_flat),
        Kind::AwsS3BucketOwnershipControls => Some(s3::ownership::desired_flat),
        Kind::AwsEcrRepository => Some(ecr::repository::desired_flat),
        Kind::AwsLbTargetGroup => Some(elb::target_group::desired_flat),
        Kind::AwsLbListener => Some(elb::listener::desired_flat),
        Kind::AwsLbListenerRule => Some(elb::rule::desired_flat),
        Kind::AwsRoute53Record => Some(route53::record::flat),
        Kind::AwsEcsCluster => Some(ecs::cluster::flat),
        Kind::AwsEcsTaskDefinition => Some(ecs::task_definition::flat),
        Kind::AwsCloudtrail => Some(cloudtrail::trail::flat),
        Kind::AwsWafv2WebAcl => Some(wafv2::web_acl::flat),
        Kind::AwsEksCluster => Some(eks::cluster::flat),
        Kind::AwsEksNodeGroup => Some(eks::node_group::flat),
        Kind::AwsCloudwatchLogMetricFilter => Some(logs::metric_filter::flat),
        Kind::AwsAppautoscalingPolicy => Some(autoscaling::policy::flat),
        Kind::AwsConfigConfigurationRecorder => Some(config::recorder::flat),
        Kind::AwsCodebuildProject => Some(codebuild::project::flat),
        Kind::AwsIamRole => Some(iam::role::flat),
        Kind::AwsIamOpenidConnectProvider => Some(iam::oidc_provider::flat),
        Kind::AwsOpensearchDomain => Some(opensearch::domain::flat),
        _ => None,
    };
    let flat = flatten.map(|f| f(d));
    let d = flat.as_ref().unwrap_or(d);
    let ignored = crate::value::strs(d.get("ignore_changes"));
    let mut out = Vec::new();
    for (k, live) in &o.live {
        if ignored.iter().any(|i| i == k) {
            continue;
        }
        let desired = d.get(k).cloned().unwrap_or(Value::Null);
        // An attribute the spec leaves unset is AWS's to choose (a default
        // session duration, a default key), unless it is a collection of
        // things that should not be there at all (rules added out of band).
        if desired == Value::Null && !matches!(live, Value::List(_) | Value::Map(_)) {
            continue;
        }
        let empty = |v: &Value| match v {
            Value::Null => true,
            Value::List(l) => l.is_empty(),
            Value::Map(m) => m.is_empty(),
            _ => false,
        };
        if (empty(&desired) && empty(live)) || crate::value::same(&desired, live) {
            continue;
        }
        out.push(Diff {
            attribute: k.clone(),
            desired,
            live: live.clone(),
        });
    }
    out
}

/// The two parts of a compound id (`<table>_<destination>`,
/// `<role>|<policy arn>`), split at the first `sep`; `shape` names them for
/// the error.
pub(crate) fn split_id<'a>(id: &'a str, sep: char, shape: &str) -> Result<(&'a str, &'a str)> {
    id.split_once(sep)
        .ok_or_else(|| Error::Invalid(format!("id `{id}` is not {shape}")))
}

/// The update of a setting that is written whole: `write` (a future, so
/// not yet run) when anything differs.
pub(crate) async fn unless_same(
    diffs: &[Diff],
    write: impl std::future::Future<Output = Result<()>>,
) -> Result<()> {
    if diffs.is_empty() {
        Ok(())
    } else {
        write.await
    }
}

/// Which attributes of a kind AWS can change in place. **Invariant:** each
/// kind's `update` changes exactly these (its `cannot_update` arms are the
/// guard); the engine replaces a resource whose diff holds any other.
enum InPlace {
    /// Every attribute (settings written whole, tags, documents).
    All,
    /// Only these.
    Only(&'static [&'static str]),
    /// All but these.
    Except(&'static [&'static str]),
}

fn in_place(kind: Kind) -> InPlace {
    use InPlace::*;
    match kind {
        Kind::AwsNatGateway
        | Kind::AwsEc2TransitGateway
        | Kind::AwsEip
        | Kind::AwsVpcEndpoint
        | Kind::AwsEc2TransitGatewayVpcAttachment
        | Kind::AwsFlowLog
        | Kind::AwsRouteTable
        | Kind::AwsAcmCertificate
        | Kind::AwsIamRolePolicyAttachment
        | Kind::AwsS3Bucket
        | Kind::AwsRoute53Zone
        | Kind::AwsSnsTopicSubscription => Only(&[]),
        Kind::AwsIamOpenidConnectProvider => Only(&["client_id_list"]),
        Kind::AwsVpcSecurityGroupIngressRule | Kind::AwsVpcSecurityGroupEgressRule => {
            Except(&["security_group_id"])
        }
        Kind::AwsSqsQueue => Except(&["fifo_queue"]),
        Kind::AwsOpensearchDomain => Only(&[
            "instance_type",
            "instance_count",
            "zone_awareness_enabled",
            "dedicated_master_enabled",
            "volume_size",
            "volume_type",
            "enforce_https",
            "tls_security_policy",
            "access_policies",
        ]),
        Kind::AwsRouteTableAssociation => Only(&["route_table_id"]),
        Kind::AwsSecurityGroup => Only(&["unmanaged_rules"]),
        Kind::AwsSubnet => Only(&["map_public_ip_on_launch"]),
        Kind::AwsVpc => Only(&["enable_dns_hostnames", "enable_dns_support"]),
        Kind::AwsEcsService => Only(&["enable_execute_command", "desired_count"]),
        Kind::AwsLb => Except(&["internal"]),
        Kind::AwsLbListener => Except(&["port"]),
        Kind::AwsLbTargetGroup => Only(&["health_check_path"]),
        Kind::AwsEcrRepository => Only(&["image_tag_mutability", "scan_on_push"]),
        Kind::AwsKmsKey => Only(&[
            "enable_key_rotation",
            "rotation_period_in_days",
            "policy",
            "description",
        ]),
        Kind::AwsRdsCluster => Only(&[
            "deletion_protection",
            "backup_retention_period",
            "iam_database_authentication_enabled",
            "vpc_security_group_ids",
        ]),
        Kind::AwsRdsClusterInstance => Only(&[
            "instance_class",
            "publicly_accessible",
            "auto_minor_version_upgrade",
        ]),
        Kind::AwsCloudwatchLogGroup => Only(&["retention_in_days", "kms_key_id"]),
        Kind::AwsSecretsmanagerSecret => Only(&["description", "kms_key_id"]),
        Kind::AwsEksCluster => Only(&[
            "endpoint_public_access",
            "endpoint_private_access",
            "enabled_cluster_log_types",
            "version",
        ]),
        Kind::AwsEksNodeGroup => Only(&["min_size", "max_size"]),
        Kind::AwsIamRole => Only(&[
            "assume_role_policy",
            "inline_policy",
            "max_session_duration",
        ]),
        Kind::AwsIamPolicy => Only(&["policy"]),
        _ => All,
    }
}

/// The attributes among `diffs` that AWS cannot change in place: a
/// resource with any must be replaced (deleted and created again).
pub fn forcing_replacement(kind: Kind, diffs: &[Diff]) -> Vec<String> {
    let rule = in_place(kind);
    diffs
        .iter()
        .map(|x| x.attribute.as_str())
        .filter(|a| match &rule {
            InPlace::All => false,
            InPlace::Only(ok) => !ok.contains(a),
            InPlace::Except(no) => no.contains(a),
        })
        .map(str::to_owned)
        .collect()
}

/// Kinds that hold data (rows, objects, key material, secrets, images,
/// logs, a cluster's workloads): Strata does not replace them on its own,
/// since replacing means deleting what they hold.
pub fn holds_data(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::AwsRdsCluster
            | Kind::AwsRdsClusterInstance
            | Kind::AwsS3Bucket
            | Kind::AwsKmsKey
            | Kind::AwsSecretsmanagerSecret
            | Kind::AwsEcrRepository
            | Kind::AwsCloudwatchLogGroup
            | Kind::AwsEksCluster
            | Kind::AwsRoute53Zone
            | Kind::AwsSqsQueue
            | Kind::AwsOpensearchDomain
    )
}

/// Account or region settings that exist once (a detector, a hub, a
/// password policy, the Config recorder): one that existed before Strata
/// is managed while the environment lives, and left in place by destroy.
pub fn singleton(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::AwsGuarddutyDetector
            | Kind::AwsSecurityhubAccount
            | Kind::AwsIamAccountPasswordPolicy
            | Kind::AwsS3AccountPublicAccessBlock
            | Kind::AwsEbsEncryptionByDefault
            | Kind::AwsConfigConfigurationRecorder
            | Kind::AwsConfigDeliveryChannel
            | Kind::AwsConfigConfigurationRecorderStatus
    )
}

/// The update of a kind none of whose attributes can change in place.
pub(crate) fn immutable(d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(cannot_update(d, diffs))
    }
}

pub(crate) fn cannot_update(d: &Desired, diffs: &[Diff]) -> Error {
    let names: Vec<&str> = diffs.iter().map(|x| x.attribute.as_str()).collect();
    Error::Invalid(format!(
        "{}: {} cannot change in place, and the resource was not replaced",
        d.address,
        names.join(", ")
    ))
}

macro_rules! kinds {
    ($($variant:ident => $module:path),* $(,)?) => {
        /// Whether the live engine provisions `kind`.
        pub fn supported(kind: Kind) -> bool {
            matches!(kind, $(Kind::$variant)|*)
        }

        /// Every kind the live engine provisions.
        pub const SUPPORTED: &[Kind] = &[$(Kind::$variant),*];

        pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
            use $crate::kinds::*;
            match d.address.kind {
                $(Kind::$variant => { use $module as m; Box::pin(m::create(op, d)).await })*
                k => Err(unsupported(k)),
            }
        }

        pub(crate) async fn read(op: &Op<'_>, id: &str, d: &Desired) -> Result<Option<Observed>> {
            use $crate::kinds::*;
            match d.address.kind {
                $(Kind::$variant => { use $module as m; Box::pin(m::read(op, id, d)).await })*
                k => Err(unsupported(k)),
            }
        }

        pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
            use $crate::kinds::*;
            match d.address.kind {
                $(Kind::$variant => { use $module as m; Box::pin(m::find(op, d)).await })*
                k => Err(unsupported(k)),
            }
        }

        pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
            use $crate::kinds::*;
            match d.address.kind {
                $(Kind::$variant => { use $module as m; Box::pin(m::update(op, o, d, diffs)).await })*
                k => Err(unsupported(k)),
            }
        }

        pub(crate) async fn delete(op: &Op<'_>, kind: Kind, owned: &Owned) -> Result<()> {
            use $crate::kinds::*;
            match kind {
                $(Kind::$variant => { use $module as m; Box::pin(m::delete(op, owned)).await })*
                k => Err(unsupported(k)),
            }
        }
    };
}

/// Switches deletion protection off before a forced destroy.
pub(crate) async fn unprotect(op: &Op<'_>, kind: Kind, owned: &Owned) -> Result<()> {
    match kind {
        Kind::AwsLb => elb::load_balancer::unprotect(op, owned).await,
        Kind::AwsRdsCluster => rds::cluster::unprotect(op, owned).await,
        _ => Ok(()),
    }
}

fn unsupported(k: Kind) -> Error {
    Error::Invalid(format!("the live engine does not provision {k} yet"))
}

kinds! {
    AwsVpc => ec2::vpc,
    AwsSubnet => ec2::subnet,
    AwsInternetGateway => ec2::igw,
    AwsEip => ec2::eip,
    AwsNatGateway => ec2::nat,
    AwsRouteTable => ec2::route_table,
    AwsRoute => ec2::route,
    AwsRouteTableAssociation => ec2::rta,
    AwsSecurityGroup => ec2::sg,
    AwsVpcSecurityGroupIngressRule => ec2::sg_rule,
    AwsVpcSecurityGroupEgressRule => ec2::sg_rule,
    AwsDefaultSecurityGroup => ec2::default_sg,
    AwsFlowLog => ec2::flow_log,
    AwsVpcEndpoint => ec2::endpoint,
    AwsKmsKey => kms::key,
    AwsKmsAlias => kms::alias,
    AwsIamRole => iam::role,
    AwsIamPolicy => iam::policy,
    AwsIamRolePolicyAttachment => iam::attachment,
    AwsCloudwatchLogGroup => logs::group,
    AwsS3Bucket => s3::bucket,
    AwsS3BucketPublicAccessBlock => s3::public_access_block,
    AwsS3BucketServerSideEncryptionConfiguration => s3::encryption,
    AwsS3BucketVersioning => s3::versioning,
    AwsS3BucketPolicy => s3::policy,
    AwsS3BucketOwnershipControls => s3::ownership,
    AwsSecretsmanagerSecret => secrets::secret,
    AwsEcrRepository => ecr::repository,
    AwsEcrLifecyclePolicy => ecr::lifecycle,
    AwsLb => elb::load_balancer,
    AwsLbTargetGroup => elb::target_group,
    AwsLbListener => elb::listener,
    AwsLbListenerRule => elb::rule,
    AwsDbSubnetGroup => rds::subnet_group,
    AwsRdsClusterParameterGroup => rds::parameter_group,
    AwsRdsCluster => rds::cluster,
    AwsRdsClusterInstance => rds::instance,
    AwsSsmParameter => ssm::parameter,
    AwsSnsTopic => sns::topic,
    AwsAcmCertificate => acm::certificate,
    AwsAcmCertificateValidation => acm::validation,
    AwsRoute53Zone => route53::zone,
    AwsRoute53Record => route53::record,
    AwsEcsCluster => ecs::cluster,
    AwsEcsTaskDefinition => ecs::task_definition,
    AwsEcsService => ecs::service,
    AwsCloudtrail => cloudtrail::trail,
    AwsGuarddutyDetector => guardduty::detector,
    AwsCloudwatchMetricAlarm => cloudwatch::alarm,
    AwsWafv2WebAcl => wafv2::web_acl,
    AwsWafv2WebAclAssociation => wafv2::association,
    AwsWafv2WebAclLoggingConfiguration => wafv2::logging,
    AwsEc2TransitGateway => ec2::transit_gateway,
    AwsEc2TransitGatewayVpcAttachment => ec2::tgw_attachment,
    AwsEc2TransitGatewayRoute => ec2::tgw_route,
    AwsLaunchTemplate => ec2::launch_template,
    AwsEksCluster => eks::cluster,
    AwsEksNodeGroup => eks::node_group,
    AwsEbsEncryptionByDefault => ec2::ebs_default,
    AwsIamAccountPasswordPolicy => iam::password_policy,
    AwsS3AccountPublicAccessBlock => s3::account_public_access_block,
    AwsCloudwatchLogMetricFilter => logs::metric_filter,
    AwsAppautoscalingTarget => autoscaling::target,
    AwsAppautoscalingPolicy => autoscaling::policy,
    AwsSecurityhubAccount => securityhub::account,
    AwsConfigConfigurationRecorder => config::recorder,
    AwsConfigDeliveryChannel => config::channel,
    AwsConfigConfigurationRecorderStatus => config::status,
    AwsCodebuildProject => codebuild::project,
    AwsIamOpenidConnectProvider => iam::oidc_provider,
    AwsSnsTopicSubscription => sns::subscription,
    AwsSqsQueue => sqs::queue,
    AwsOpensearchDomain => opensearch::domain,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use strata_model::{Address, Value};

    use super::*;

    fn desired(addr: &str, attrs: &[(&str, Value)]) -> Desired {
        Desired {
            address: addr.parse::<Address>().unwrap(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            tags: BTreeMap::new(),
            needs: Vec::new(),
        }
    }

    #[test]
    fn unset_scalars_are_aws_defaults_but_unset_collections_are_drift() {
        let d = desired(
            "dev.network.aws_security_group.web",
            &[("name", "web".into())],
        );
        let mut o = Observed::new("sg-1")
            .live("name", "web")
            .live("description", "set by AWS")
            .live("unmanaged_rules", Value::List(vec![]));
        assert!(diff(&d, &o).is_empty());
        o = o.live("unmanaged_rules", Value::List(vec![Value::from("tcp 22")]));
        let found = diff(&d, &o);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].attribute, "unmanaged_rules");
        o = o.live("name", "other");
        assert_eq!(diff(&d, &o).len(), 2);
    }

    #[test]
    fn ignore_changes_and_nested_settings_are_honoured() {
        let d = desired(
            "dev.workloads.aws_ecs_service.web",
            &[
                ("desired_count", Value::Int(2)),
                (
                    "ignore_changes",
                    Value::List(vec![Value::from("desired_count")]),
                ),
            ],
        );
        let o = Observed::new("arn").live("desired_count", Value::Int(7));
        assert!(diff(&d, &o).is_empty());
        let mut rule = BTreeMap::new();
        let mut by_default = BTreeMap::new();
        by_default.insert("sse_algorithm".to_owned(), Value::from("aws:kms"));
        rule.insert(
            "apply_server_side_encryption_by_default".to_owned(),
            Value::Map(by_default),
        );
        let enc = desired(
            "dev.workloads.aws_s3_bucket_server_side_encryption_configuration.logs",
            &[("rule", Value::List(vec![Value::Map(rule)]))],
        );
        let live = Observed::new("logs")
            .live("sse_algorithm", "AES256")
            .live("kms_master_key_id", "")
            .live("bucket_key_enabled", false);
        let found = diff(&enc, &live);
        assert_eq!(
            found
                .iter()
                .map(|x| x.attribute.as_str())
                .collect::<Vec<_>>(),
            ["sse_algorithm"]
        );
    }

    #[test]
    fn attributes_aws_cannot_change_in_place_force_a_replacement() {
        let d = |attrs: &[&str]| -> Vec<Diff> {
            attrs
                .iter()
                .map(|a| Diff {
                    attribute: (*a).to_owned(),
                    desired: Value::Null,
                    live: Value::Null,
                })
                .collect()
        };
        assert_eq!(
            forcing_replacement(Kind::AwsLb, &d(&["idle_timeout", "internal"])),
            vec!["internal"]
        );
        assert!(forcing_replacement(Kind::AwsLb, &d(&["idle_timeout"])).is_empty());
        assert!(forcing_replacement(Kind::AwsKmsKey, &d(&["policy"])).is_empty());
        assert_eq!(
            forcing_replacement(Kind::AwsKmsKey, &d(&["key_usage", "policy"])),
            vec!["key_usage"]
        );
        assert!(
            forcing_replacement(
                Kind::AwsVpcSecurityGroupIngressRule,
                &d(&["cidr_ipv4", "to_port"])
            )
            .is_empty()
        );
        assert_eq!(
            forcing_replacement(
                Kind::AwsVpcSecurityGroupEgressRule,
                &d(&["security_group_id", "cidr_ipv4"])
            ),
            vec!["security_group_id"]
        );
        assert_eq!(
            forcing_replacement(Kind::AwsSnsTopicSubscription, &d(&["endpoint"])),
            vec!["endpoint"]
        );
        assert!(forcing_replacement(Kind::AwsCloudwatchMetricAlarm, &d(&["threshold"])).is_empty());
        assert!(holds_data(Kind::AwsRdsCluster) && holds_data(Kind::AwsS3Bucket));
        assert!(!holds_data(Kind::AwsVpcSecurityGroupIngressRule));
    }

    #[test]
    fn every_supported_kind_is_an_aws_kind() {
        assert!(SUPPORTED.len() >= 55, "{}", SUPPORTED.len());
        for k in SUPPORTED {
            assert!(k.as_str().starts_with("aws_"), "{k}");
            assert!(supported(*k));
        }
    }
}
