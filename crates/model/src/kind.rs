use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The six layers of the stack a resource belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// 1: VPCs, subnets, NAT, routes, security groups, VPN/bastion access.
    Network = 1,
    /// 2: databases, KMS keys, IAM roles, registries, buckets, WAF.
    AppInfrastructure = 2,
    /// 3: clusters, load balancers, autoscaling, deployments.
    AppProvisioning = 3,
    /// 4: logging, metrics, tracing, dashboards, alerts.
    Observability = 4,
    /// 5: CI/CD pipelines and promotion.
    Delivery = 5,
    /// 6: security and compliance controls.
    Security = 6,
}

impl Layer {
    /// All layers, bottom up.
    pub const ALL: [Layer; 6] = [
        Self::Network,
        Self::AppInfrastructure,
        Self::AppProvisioning,
        Self::Observability,
        Self::Delivery,
        Self::Security,
    ];

    /// The layer's number, 1–6.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::AppInfrastructure => "application infrastructure",
            Self::AppProvisioning => "application provisioning",
            Self::Observability => "logging, metrics and alerts",
            Self::Delivery => "CI/CD",
            Self::Security => "security and compliance",
        }
    }

    /// The layer with this number.
    pub fn from_number(n: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.number() == n)
    }
}

impl Serialize for Layer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Layer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(d)?;
        Layer::from_number(n).ok_or_else(|| serde::de::Error::custom("layer must be 1-6"))
    }
}

/// Which vocabulary a kind comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// The Terraform AWS provider (`aws_*`).
    Aws,
    /// Kubernetes objects, by their `kind` (`Deployment`, `Ingress`, ...).
    Kubernetes,
    /// Other Terraform providers (GitHub, GitLab, Grafana, Red Hat, SonarQube).
    Terraform,
    /// Whole files scanned as one unit: Dockerfiles and CI workflow files.
    File,
}

macro_rules! kinds {
    ($( $family:ident { $( $(#[$doc:meta])* $variant:ident = $name:literal $(@ $api:literal)? ),* $(,)? } )*) => {
        /// A resource kind, named in its ecosystem's own vocabulary: the Terraform AWS
        /// provider's resource types for cloud resources, Kubernetes kinds for
        /// cluster objects.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Kind {
            $($( $(#[$doc])* #[doc = concat!("`", $name, "`")] $variant, )*)*
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$($(Kind::$variant,)*)*];

            /// The kind's name in its vocabulary.
            pub fn as_str(self) -> &'static str {
                match self { $($(Kind::$variant => $name,)*)* }
            }

            /// The vocabulary the kind comes from.
            pub fn family(self) -> Family {
                match self { $($(Kind::$variant => Family::$family,)*)* }
            }

            /// For Kubernetes kinds, the `apiVersion` objects of this kind use.
            pub fn api_version(self) -> Option<&'static str> {
                match self {
                    $($( Kind::$variant => kinds!(@api $($api)?), )*)*
                }
            }
        }
    };
    (@api) => { None };
    (@api $api:literal) => { Some($api) };
}

kinds! {
    Aws {
        AwsVpc = "aws_vpc",
        AwsSubnet = "aws_subnet",
        AwsInternetGateway = "aws_internet_gateway",
        AwsEip = "aws_eip",
        AwsNatGateway = "aws_nat_gateway",
        AwsRouteTable = "aws_route_table",
        AwsRoute = "aws_route",
        AwsRouteTableAssociation = "aws_route_table_association",
        AwsSecurityGroup = "aws_security_group",
        AwsVpcSecurityGroupIngressRule = "aws_vpc_security_group_ingress_rule",
        AwsVpcSecurityGroupEgressRule = "aws_vpc_security_group_egress_rule",
        AwsDefaultSecurityGroup = "aws_default_security_group",
        AwsNetworkAcl = "aws_network_acl",
        AwsFlowLog = "aws_flow_log",
        AwsVpcEndpoint = "aws_vpc_endpoint",
        AwsEc2TransitGateway = "aws_ec2_transit_gateway",
        AwsEc2TransitGatewayVpcAttachment = "aws_ec2_transit_gateway_vpc_attachment",
        AwsEc2TransitGatewayRoute = "aws_ec2_transit_gateway_route",
        AwsEc2ClientVpnEndpoint = "aws_ec2_client_vpn_endpoint",
        AwsEc2ClientVpnNetworkAssociation = "aws_ec2_client_vpn_network_association",
        AwsEc2ClientVpnAuthorizationRule = "aws_ec2_client_vpn_authorization_rule",
        AwsInstance = "aws_instance",
        AwsAcmpcaCertificateAuthority = "aws_acmpca_certificate_authority",
        AwsServiceDiscoveryHttpNamespace = "aws_service_discovery_http_namespace",
        AwsSnsTopicSubscription = "aws_sns_topic_subscription",
        AwsCloudwatchLogMetricFilter = "aws_cloudwatch_log_metric_filter",
        AwsCodedeployDeploymentConfig = "aws_codedeploy_deployment_config",
        AwsLaunchTemplate = "aws_launch_template",
        AwsKmsKey = "aws_kms_key",
        AwsKmsAlias = "aws_kms_alias",
        AwsIamRole = "aws_iam_role",
        AwsIamPolicy = "aws_iam_policy",
        AwsIamRolePolicyAttachment = "aws_iam_role_policy_attachment",
        AwsIamInstanceProfile = "aws_iam_instance_profile",
        AwsIamOpenidConnectProvider = "aws_iam_openid_connect_provider",
        AwsIamAccountPasswordPolicy = "aws_iam_account_password_policy",
        AwsSecretsmanagerSecret = "aws_secretsmanager_secret",
        AwsEcrRepository = "aws_ecr_repository",
        AwsEcrLifecyclePolicy = "aws_ecr_lifecycle_policy",
        AwsS3Bucket = "aws_s3_bucket",
        AwsS3BucketPublicAccessBlock = "aws_s3_bucket_public_access_block",
        AwsS3BucketServerSideEncryptionConfiguration = "aws_s3_bucket_server_side_encryption_configuration",
        AwsS3BucketVersioning = "aws_s3_bucket_versioning",
        AwsS3BucketPolicy = "aws_s3_bucket_policy",
        AwsS3BucketOwnershipControls = "aws_s3_bucket_ownership_controls",
        AwsS3BucketLogging = "aws_s3_bucket_logging",
        AwsS3AccountPublicAccessBlock = "aws_s3_account_public_access_block",
        AwsDbSubnetGroup = "aws_db_subnet_group",
        AwsRdsCluster = "aws_rds_cluster",
        AwsRdsClusterInstance = "aws_rds_cluster_instance",
        AwsRdsClusterParameterGroup = "aws_rds_cluster_parameter_group",
        AwsDbInstance = "aws_db_instance",
        AwsDbParameterGroup = "aws_db_parameter_group",
        AwsElasticacheSubnetGroup = "aws_elasticache_subnet_group",
        AwsElasticacheReplicationGroup = "aws_elasticache_replication_group",
        AwsSqsQueue = "aws_sqs_queue",
        AwsSnsTopic = "aws_sns_topic",
        AwsLb = "aws_lb",
        AwsLbListener = "aws_lb_listener",
        AwsLbListenerRule = "aws_lb_listener_rule",
        AwsLbTargetGroup = "aws_lb_target_group",
        AwsAcmCertificate = "aws_acm_certificate",
        AwsAcmCertificateValidation = "aws_acm_certificate_validation",
        AwsRoute53Zone = "aws_route53_zone",
        AwsRoute53Record = "aws_route53_record",
        AwsRoute53HealthCheck = "aws_route53_health_check",
        AwsWafv2WebAcl = "aws_wafv2_web_acl",
        AwsWafv2WebAclAssociation = "aws_wafv2_web_acl_association",
        AwsWafv2WebAclLoggingConfiguration = "aws_wafv2_web_acl_logging_configuration",
        AwsEcsCluster = "aws_ecs_cluster",
        AwsEcsTaskDefinition = "aws_ecs_task_definition",
        AwsEcsService = "aws_ecs_service",
        AwsAppautoscalingTarget = "aws_appautoscaling_target",
        AwsAppautoscalingPolicy = "aws_appautoscaling_policy",
        AwsEksCluster = "aws_eks_cluster",
        AwsEksNodeGroup = "aws_eks_node_group",
        AwsEksAddon = "aws_eks_addon",
        AwsEksAccessEntry = "aws_eks_access_entry",
        AwsEksAccessPolicyAssociation = "aws_eks_access_policy_association",
        AwsCloudwatchLogGroup = "aws_cloudwatch_log_group",
        AwsCloudwatchMetricAlarm = "aws_cloudwatch_metric_alarm",
        AwsCloudwatchDashboard = "aws_cloudwatch_dashboard",
        AwsPrometheusWorkspace = "aws_prometheus_workspace",
        AwsGrafanaWorkspace = "aws_grafana_workspace",
        AwsOpensearchDomain = "aws_opensearch_domain",
        AwsElasticsearchDomain = "aws_elasticsearch_domain",
        AwsXrayGroup = "aws_xray_group",
        AwsCodecommitRepository = "aws_codecommit_repository",
        AwsCodestarconnectionsConnection = "aws_codestarconnections_connection",
        AwsCodebuildProject = "aws_codebuild_project",
        AwsCodepipeline = "aws_codepipeline",
        AwsCodedeployApp = "aws_codedeploy_app",
        AwsCodedeployDeploymentGroup = "aws_codedeploy_deployment_group",
        AwsCloudtrail = "aws_cloudtrail",
        AwsGuarddutyDetector = "aws_guardduty_detector",
        AwsSecurityhubAccount = "aws_securityhub_account",
        AwsSecurityhubStandardsSubscription = "aws_securityhub_standards_subscription",
        AwsConfigConfigurationRecorder = "aws_config_configuration_recorder",
        AwsConfigDeliveryChannel = "aws_config_delivery_channel",
        AwsConfigConfigurationRecorderStatus = "aws_config_configuration_recorder_status",
        AwsConfigConformancePack = "aws_config_conformance_pack",
        AwsAccessanalyzerAnalyzer = "aws_accessanalyzer_analyzer",
        AwsEbsEncryptionByDefault = "aws_ebs_encryption_by_default",
        AwsSsmParameter = "aws_ssm_parameter",
        AwsS3BucketAcl = "aws_s3_bucket_acl",
        AwsSecurityGroupRule = "aws_security_group_rule",
        AwsNetworkAclRule = "aws_network_acl_rule",
        AwsIamRolePolicy = "aws_iam_role_policy",
        AwsIamUser = "aws_iam_user",
        AwsIamUserPolicy = "aws_iam_user_policy",
        AwsIamUserPolicyAttachment = "aws_iam_user_policy_attachment",
        AwsIamAccessKey = "aws_iam_access_key",
        AwsEbsVolume = "aws_ebs_volume",
        AwsSqsQueuePolicy = "aws_sqs_queue_policy",
        AwsSnsTopicPolicy = "aws_sns_topic_policy",
        AwsDynamodbTable = "aws_dynamodb_table",
        AwsEfsFileSystem = "aws_efs_file_system",
        AwsLambdaFunction = "aws_lambda_function",
        AwsCloudfrontDistribution = "aws_cloudfront_distribution",
        AwsApiGatewayStage = "aws_api_gateway_stage",
        AwsSecretsmanagerSecretVersion = "aws_secretsmanager_secret_version",
    }
    Kubernetes {
        Namespace = "Namespace" @ "v1",
        Deployment = "Deployment" @ "apps/v1",
        DaemonSet = "DaemonSet" @ "apps/v1",
        TargetGroupBinding = "TargetGroupBinding" @ "elbv2.k8s.aws/v1beta1",
        Rollout = "Rollout" @ "argoproj.io/v1alpha1",
        AnalysisTemplate = "AnalysisTemplate" @ "argoproj.io/v1alpha1",
        Service = "Service" @ "v1",
        ServiceAccount = "ServiceAccount" @ "v1",
        ConfigMap = "ConfigMap" @ "v1",
        Ingress = "Ingress" @ "networking.k8s.io/v1",
        NetworkPolicy = "NetworkPolicy" @ "networking.k8s.io/v1",
        HorizontalPodAutoscaler = "HorizontalPodAutoscaler" @ "autoscaling/v2",
        PodDisruptionBudget = "PodDisruptionBudget" @ "policy/v1",
        ExternalSecret = "ExternalSecret" @ "external-secrets.io/v1beta1",
        ClusterSecretStore = "ClusterSecretStore" @ "external-secrets.io/v1beta1",
        PrometheusRule = "PrometheusRule" @ "monitoring.coreos.com/v1",
        ServiceMonitor = "ServiceMonitor" @ "monitoring.coreos.com/v1",
        Application = "Application" @ "argoproj.io/v1alpha1",
        ApplicationSet = "ApplicationSet" @ "argoproj.io/v1alpha1",
        AppProject = "AppProject" @ "argoproj.io/v1alpha1",
        Route = "Route" @ "route.openshift.io/v1",
        Template = "Template" @ "template.openshift.io/v1",
        Pod = "Pod" @ "v1",
        StatefulSet = "StatefulSet" @ "apps/v1",
        ReplicaSet = "ReplicaSet" @ "apps/v1",
        Job = "Job" @ "batch/v1",
        CronJob = "CronJob" @ "batch/v1",
        Secret = "Secret" @ "v1",
        Role = "Role" @ "rbac.authorization.k8s.io/v1",
        ClusterRole = "ClusterRole" @ "rbac.authorization.k8s.io/v1",
        RoleBinding = "RoleBinding" @ "rbac.authorization.k8s.io/v1",
        ClusterRoleBinding = "ClusterRoleBinding" @ "rbac.authorization.k8s.io/v1",
    }
    Terraform {
        RhcsClusterRosaHcp = "rhcs_cluster_rosa_hcp",
        GithubRepositoryEnvironment = "github_repository_environment",
        GitlabProjectEnvironment = "gitlab_project_environment",
        GitlabProjectProtectedEnvironment = "gitlab_project_protected_environment",
        GrafanaFolder = "grafana_folder",
        GrafanaDashboard = "grafana_dashboard",
        GrafanaDataSource = "grafana_data_source",
        SonarqubeProject = "sonarqube_project",
        /// A Helm chart installed into a Kubernetes cluster by Terraform's
        /// Helm provider (the cluster bootstrap: Argo CD and its root app).
        HelmRelease = "helm_release",
    }
    File {
        /// A Dockerfile: its instructions in order.
        Dockerfile = "dockerfile",
        /// A GitHub Actions workflow file.
        GithubWorkflow = "github_workflow",
        /// A GitLab CI pipeline file.
        GitlabCi = "gitlab_ci",
        /// The pipeline's unit-test job as the plan decides it: `command`,
        /// `image` and `source` (the spec, or the build file the command was
        /// detected from). Rendered into every CI file; nothing provisions it.
        UnitTests = "unit_tests",
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown resource kind `{0}`")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for k in Kind::ALL {
            assert!(seen.insert(k.as_str()), "duplicate kind {k}");
            assert_eq!(k.as_str().parse::<Kind>(), Ok(*k));
            match k.family() {
                Family::Aws => assert!(k.as_str().starts_with("aws_")),
                Family::Kubernetes => assert!(k.api_version().is_some()),
                Family::Terraform | Family::File => assert!(k.api_version().is_none()),
            }
        }
    }

    #[test]
    fn layers_are_numbered_one_to_six() {
        let n: Vec<u8> = Layer::ALL.iter().map(|l| l.number()).collect();
        assert_eq!(n, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(Layer::from_number(7), None);
    }
}
