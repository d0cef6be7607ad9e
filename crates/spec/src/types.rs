//! The spec's types. The JSON Schema (`strata schema`) is generated from these
//! definitions and their doc comments, so they are also the spec's reference.
//!
//! Every field has a default, and every default is the secure choice: a spec of
//! ten lines plans a complete, compliant architecture.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Strata spec: one application, all six layers of its stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Strata spec")]
pub struct Spec {
    /// Application name: lower-case letters, digits and `-`, starting with a letter.
    pub app: String,
    /// Team or person that owns the application; added as an `owner` tag.
    #[serde(default)]
    pub owner: Option<String>,
    /// Tags added to every resource.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Cloud provider.
    #[serde(default)]
    pub cloud: Cloud,
    /// Primary AWS region.
    #[serde(default = "default_region")]
    pub region: String,
    /// Further regions the application runs in, active-active behind DNS routing.
    #[serde(default)]
    pub additional_regions: Vec<String>,
    /// Availability zones per region (2–6).
    #[serde(default = "default_azs")]
    #[schemars(range(min = 2, max = 6))]
    pub azs: u8,
    /// Where services run, unless an environment says otherwise.
    #[serde(default)]
    pub runtime: Runtime,
    /// How environments are kept apart, unless an environment says otherwise.
    #[serde(default)]
    pub isolation: Isolation,
    /// Network layout.
    #[serde(default)]
    pub network: Network,
    /// Environments in promotion order (default: dev, staging, prod).
    #[serde(default = "default_environments")]
    pub environments: IndexMap<String, Environment>,
    /// Services (containers) by name.
    #[serde(default)]
    pub services: IndexMap<String, Service>,
    /// Data stores by name: databases, caches, queues and buckets.
    #[serde(default)]
    pub data: IndexMap<String, DataStore>,
    /// Edge: WAF, TLS and DNS.
    #[serde(default)]
    pub edge: Edge,
    /// Delivery: CI/CD, registry and GitOps.
    #[serde(default)]
    pub delivery: Delivery,
    /// Logs, metrics, traces, dashboards and alerts.
    #[serde(default)]
    pub observability: Observability,
    /// Security and compliance.
    #[serde(default)]
    pub security: Security,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_azs() -> u8 {
    3
}
fn default_environments() -> IndexMap<String, Environment> {
    ["dev", "staging", "prod"]
        .into_iter()
        .map(|n| (n.to_owned(), Environment::default()))
        .collect()
}
fn yes() -> bool {
    true
}

/// Cloud provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Amazon Web Services.
    #[default]
    Aws,
}

/// Where services run.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// Amazon EKS, deployed with Helm and Argo CD.
    #[default]
    Eks,
    /// Amazon ECS on Fargate, deployed with CodeDeploy.
    EcsFargate,
    /// Red Hat OpenShift Service on AWS (ROSA), with routes and templates.
    Openshift,
}

impl Runtime {
    /// The name used in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Eks => "eks",
            Runtime::EcsFargate => "ecs-fargate",
            Runtime::Openshift => "openshift",
        }
    }

    /// Whether services run on Kubernetes.
    pub fn is_kubernetes(self) -> bool {
        matches!(self, Runtime::Eks | Runtime::Openshift)
    }
}

/// How environments are kept apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// Own cluster (and own account when one is given) per environment.
    #[default]
    Hard,
    /// Own namespace on a shared cluster.
    Soft,
}

/// Network layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    /// `three-tier` (public/private/data subnets per AZ in one VPC) or `hub-spoke`
    /// (security VPC with client VPN and bastions, public load-balancer VPC with a
    /// NAT gateway per AZ, private application VPC, joined by a transit gateway).
    pub topology: Topology,
    /// NAT gateways: one per AZ (resilient) or a single one (cheaper).
    pub nat: NatMode,
    /// VPC flow logs to CloudWatch Logs.
    pub flow_logs: bool,
    /// VPC endpoints so traffic to AWS services stays off the internet.
    pub endpoints: Vec<Endpoint>,
    /// CIDR pool for production environments; each VPC gets a /16 from it.
    pub production_cidr: String,
    /// CIDR pool for non-production environments, apart from production's.
    pub non_production_cidr: String,
    /// CIDR for client VPN users (hub-spoke).
    pub vpn_client_cidr: String,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            topology: Topology::ThreeTier,
            nat: NatMode::PerAz,
            flow_logs: true,
            endpoints: vec![
                Endpoint::S3,
                Endpoint::EcrApi,
                Endpoint::EcrDkr,
                Endpoint::Logs,
                Endpoint::SecretsManager,
                Endpoint::Sts,
            ],
            production_cidr: "10.0.0.0/9".into(),
            non_production_cidr: "10.128.0.0/9".into(),
            vpn_client_cidr: "172.16.0.0/22".into(),
        }
    }
}

/// Network topology.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// One VPC with public, private and data subnets per AZ.
    #[default]
    ThreeTier,
    /// Security, load-balancer and application VPCs joined by a transit gateway.
    HubSpoke,
}

/// NAT gateway layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    /// One NAT gateway per AZ.
    #[default]
    PerAz,
    /// One NAT gateway for the VPC.
    Single,
}

/// A VPC endpoint.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// S3 (gateway endpoint).
    S3,
    /// DynamoDB (gateway endpoint).
    Dynamodb,
    /// ECR API.
    EcrApi,
    /// ECR Docker registry.
    EcrDkr,
    /// CloudWatch Logs.
    Logs,
    /// Secrets Manager.
    SecretsManager,
    /// STS.
    Sts,
    /// KMS.
    Kms,
    /// SQS.
    Sqs,
}

impl Endpoint {
    /// The AWS service name suffix (`com.amazonaws.REGION.<suffix>`).
    pub fn service(self) -> &'static str {
        match self {
            Endpoint::S3 => "s3",
            Endpoint::Dynamodb => "dynamodb",
            Endpoint::EcrApi => "ecr.api",
            Endpoint::EcrDkr => "ecr.dkr",
            Endpoint::Logs => "logs",
            Endpoint::SecretsManager => "secretsmanager",
            Endpoint::Sts => "sts",
            Endpoint::Kms => "kms",
            Endpoint::Sqs => "sqs",
        }
    }

    /// Gateway endpoints are route-table based; the rest are interfaces.
    pub fn is_gateway(self) -> bool {
        matches!(self, Endpoint::S3 | Endpoint::Dynamodb)
    }
}

/// What an environment is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EnvironmentRole {
    /// Runs the application.
    #[default]
    Application,
    /// Runs shared tooling such as the monitoring cluster; no services.
    Management,
}

/// An environment and what it changes from the top-level settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Environment {
    /// Production environments get deletion protection, approvals and the strict
    /// defaults. Default: true for `prod` and `production`.
    pub production: Option<bool>,
    /// What the environment is for.
    pub role: EnvironmentRole,
    /// AWS account id (12 digits) this environment lives in.
    pub account: Option<String>,
    /// Overrides the top-level runtime.
    pub runtime: Option<Runtime>,
    /// Overrides the top-level isolation.
    pub isolation: Option<Isolation>,
    /// Overrides the number of availability zones.
    #[schemars(range(min = 2, max = 6))]
    pub azs: Option<u8>,
    /// The VPC CIDR (a /16 to /22). Default: allocated from the production or
    /// non-production pool.
    pub cidr: Option<String>,
    /// Overrides the NAT layout.
    pub nat: Option<NatMode>,
    /// Overrides deletion protection on databases and load balancers.
    pub deletion_protection: Option<bool>,
    /// Whether deploying here needs a manual approval. Default: production.
    pub approval: Option<bool>,
    /// Overrides the compliance frameworks enforced here.
    pub frameworks: Option<Vec<Framework>>,
    /// Overrides VPC flow logs.
    pub flow_logs: Option<bool>,
    /// Per-service overrides.
    pub services: IndexMap<String, ServiceOverride>,
    /// Per-data-store overrides.
    pub data: IndexMap<String, DataOverride>,
}

/// What an environment changes about a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceOverride {
    /// CPU units (1024 = one vCPU).
    #[schemars(range(min = 128, max = 16384))]
    pub cpu: Option<u32>,
    /// Memory in MiB.
    #[schemars(range(min = 128, max = 122880))]
    pub memory: Option<u32>,
    /// Replica counts and scaling target.
    pub replicas: Option<Replicas>,
    /// Extra or changed environment variables.
    pub env: IndexMap<String, String>,
}

/// What an environment changes about a data store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DataOverride {
    /// Instance class, e.g. `db.r6g.large` or `cache.t4g.small`.
    pub instance_class: Option<String>,
    /// Database instances in the cluster (writer + readers).
    #[schemars(range(min = 1, max = 16))]
    pub instances: Option<u8>,
    /// Whether to spread across availability zones.
    pub multi_az: Option<bool>,
    /// Days of automated backups.
    #[schemars(range(min = 1, max = 35))]
    pub backup_retention_days: Option<u16>,
}

/// A service: one container image run with replicas behind the load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    /// Image to run, e.g. `nginx:1.27` or an ECR URI. Give `image` or `build`.
    pub image: Option<String>,
    /// Build context directory (built and pushed to ECR by the pipeline).
    /// Default when no image is given: `./<service name>`.
    pub build: Option<String>,
    /// Port the container listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u32,
    /// Protocol the container speaks.
    pub protocol: Protocol,
    /// Who can reach the service.
    pub expose: Expose,
    /// Path prefix on the load balancer (public/internal services).
    pub path: String,
    /// Host name on the load balancer; default: all hosts.
    pub host: Option<String>,
    /// CPU units (1024 = one vCPU).
    #[schemars(range(min = 128, max = 16384))]
    pub cpu: u32,
    /// Memory in MiB.
    #[schemars(range(min = 128, max = 122880))]
    pub memory: u32,
    /// Replica counts and scaling target.
    pub replicas: Replicas,
    /// Health check.
    pub health_check: HealthCheck,
    /// Plain environment variables. Secret values never go here: use `secrets`.
    pub env: IndexMap<String, String>,
    /// Secrets as environment variables: variable name → secret name in the
    /// secrets store. Values never appear in the spec or in rendered files.
    pub secrets: IndexMap<String, String>,
    /// Data stores and services this service talks to. Grants network access,
    /// IAM access and credentials.
    pub depends_on: Vec<String>,
    /// How new versions roll out.
    pub deploy: Deploy,
    /// Service level objectives; they become burn-rate alerts.
    pub slo: Option<Slo>,
}

impl Default for Service {
    fn default() -> Self {
        Self {
            image: None,
            build: None,
            port: 8080,
            protocol: Protocol::Http,
            expose: Expose::Internal,
            path: "/".into(),
            host: None,
            cpu: 256,
            memory: 512,
            replicas: Replicas::default(),
            health_check: HealthCheck::default(),
            env: IndexMap::new(),
            secrets: IndexMap::new(),
            depends_on: Vec::new(),
            deploy: Deploy::default(),
            slo: None,
        }
    }
}

/// Protocol a service speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// HTTP/1.1.
    #[default]
    Http,
    /// gRPC over HTTP/2.
    Grpc,
    /// Raw TCP (no path routing).
    Tcp,
}

/// Who can reach a service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Expose {
    /// The internet, through the WAF and the public load balancer.
    Public,
    /// Other services inside the VPC.
    #[default]
    Internal,
    /// Nobody (workers).
    None,
}

/// Replica counts and scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Replicas {
    /// Minimum replicas.
    #[schemars(range(min = 1, max = 1000))]
    pub min: u32,
    /// Maximum replicas.
    #[schemars(range(min = 1, max = 1000))]
    pub max: u32,
    /// Target average CPU utilisation, percent.
    #[schemars(range(min = 10, max = 95))]
    pub target_cpu: u32,
}

impl Default for Replicas {
    fn default() -> Self {
        Self {
            min: 2,
            max: 6,
            target_cpu: 60,
        }
    }
}

/// Health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HealthCheck {
    /// HTTP path that answers 200 when the service is healthy.
    pub path: String,
    /// Seconds between checks.
    #[schemars(range(min = 5, max = 300))]
    pub interval_seconds: u32,
    /// Seconds a new replica gets before checks count.
    #[schemars(range(min = 0, max = 3600))]
    pub grace_seconds: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self {
            path: "/healthz".into(),
            interval_seconds: 15,
            grace_seconds: 30,
        }
    }
}

/// How new versions roll out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Deploy {
    /// Rollout strategy.
    pub strategy: Strategy,
    /// Canary traffic steps in percent, increasing (canary only).
    pub steps: Vec<u8>,
    /// Seconds to wait at each step.
    #[schemars(range(min = 0, max = 86400))]
    pub pause_seconds: u32,
    /// Metric gates that abort the rollout.
    pub gates: Gates,
}

impl Default for Deploy {
    fn default() -> Self {
        Self {
            strategy: Strategy::Rolling,
            steps: vec![10, 50],
            pause_seconds: 300,
            gates: Gates::default(),
        }
    }
}

/// Rollout strategy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Replace replicas a few at a time.
    #[default]
    Rolling,
    /// Start the new version beside the old and switch traffic at once.
    BlueGreen,
    /// Shift traffic in steps, checking metric gates at each.
    Canary,
}

/// Metric gates for progressive delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Gates {
    /// Abort when the 5xx rate exceeds this percentage.
    #[schemars(range(min = 0.0, max = 100.0))]
    pub max_error_rate_percent: f64,
    /// Abort when p99 latency exceeds this many milliseconds.
    #[schemars(range(min = 1, max = 600000))]
    pub max_p99_latency_ms: u32,
}

impl Default for Gates {
    fn default() -> Self {
        Self {
            max_error_rate_percent: 1.0,
            max_p99_latency_ms: 1000,
        }
    }
}

/// A service level objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Slo {
    /// Availability target in percent, e.g. 99.9.
    #[schemars(range(min = 90.0, max = 99.999))]
    pub availability: f64,
    /// Latency target: this share of requests below `latency_ms`.
    #[schemars(range(min = 1, max = 600000))]
    pub latency_ms: Option<u32>,
    /// Window in days the objective is measured over.
    #[schemars(range(min = 1, max = 90))]
    pub window_days: u32,
}

impl Default for Slo {
    fn default() -> Self {
        Self {
            availability: 99.9,
            latency_ms: None,
            window_days: 30,
        }
    }
}

/// A data store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataStore {
    /// What kind of store.
    pub engine: Engine,
    /// Engine version; default: a current, supported version.
    #[serde(default)]
    pub version: Option<String>,
    /// Instance or node class; default by engine and environment.
    #[serde(default)]
    pub instance_class: Option<String>,
    /// Database instances in a cluster: one writer and the rest readers.
    #[serde(default = "default_instances")]
    #[schemars(range(min = 1, max = 16))]
    pub instances: u8,
    /// Spread across availability zones.
    #[serde(default = "yes")]
    pub multi_az: bool,
    /// Days of automated backups (databases, caches).
    #[serde(default = "default_backup")]
    #[schemars(range(min = 1, max = 35))]
    pub backup_retention_days: u16,
    /// IAM database authentication (databases).
    #[serde(default = "yes")]
    pub iam_auth: bool,
    /// FIFO queue (sqs only).
    #[serde(default)]
    pub fifo: bool,
    /// Object versioning (s3 only).
    #[serde(default = "yes")]
    pub versioning: bool,
}

fn default_instances() -> u8 {
    2
}
fn default_backup() -> u16 {
    7
}

/// Data store engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Amazon Aurora MySQL.
    AuroraMysql,
    /// Amazon Aurora PostgreSQL.
    AuroraPostgresql,
    /// Amazon RDS for PostgreSQL.
    RdsPostgresql,
    /// Amazon RDS for MySQL.
    RdsMysql,
    /// Amazon ElastiCache for Redis (Valkey-compatible).
    Redis,
    /// Amazon SQS queue.
    Sqs,
    /// Amazon S3 bucket.
    S3,
}

impl Engine {
    /// Relational databases.
    pub fn is_database(self) -> bool {
        matches!(
            self,
            Engine::AuroraMysql
                | Engine::AuroraPostgresql
                | Engine::RdsPostgresql
                | Engine::RdsMysql
        )
    }

    /// Aurora clusters.
    pub fn is_aurora(self) -> bool {
        matches!(self, Engine::AuroraMysql | Engine::AuroraPostgresql)
    }

    /// The port clients connect to, for stores reached over the network.
    pub fn port(self) -> Option<u16> {
        match self {
            Engine::AuroraMysql | Engine::RdsMysql => Some(3306),
            Engine::AuroraPostgresql | Engine::RdsPostgresql => Some(5432),
            Engine::Redis => Some(6379),
            Engine::Sqs | Engine::S3 => None,
        }
    }
}

/// Edge: WAF, TLS and DNS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Edge {
    /// Public domain, e.g. `shop.example.com`; environments other than the
    /// production ones get `<env>.<domain>`.
    pub domain: Option<String>,
    /// Web application firewall in front of public load balancers.
    pub waf: Waf,
    /// DNS routing across regions.
    pub dns_routing: DnsRouting,
    /// Minimum TLS version on listeners.
    pub tls_min_version: TlsVersion,
}

impl Default for Edge {
    fn default() -> Self {
        Self {
            domain: None,
            waf: Waf::default(),
            dns_routing: DnsRouting::Simple,
            tls_min_version: TlsVersion::V1_2,
        }
    }
}

/// WAF settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Waf {
    /// Whether a WAF web ACL protects public load balancers.
    pub enabled: bool,
    /// AWS managed rule groups to apply.
    pub managed_rules: Vec<ManagedRule>,
    /// Requests per 5 minutes per client IP before blocking.
    #[schemars(range(min = 100, max = 2000000000))]
    pub rate_limit: u32,
}

impl Default for Waf {
    fn default() -> Self {
        Self {
            enabled: true,
            managed_rules: vec![
                ManagedRule::Common,
                ManagedRule::SqlInjection,
                ManagedRule::KnownBadInputs,
                ManagedRule::IpReputation,
            ],
            rate_limit: 2000,
        }
    }
}

/// AWS managed WAF rule groups.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ManagedRule {
    /// `AWSManagedRulesCommonRuleSet` (OWASP top ten).
    Common,
    /// `AWSManagedRulesSQLiRuleSet`.
    SqlInjection,
    /// `AWSManagedRulesKnownBadInputsRuleSet`.
    KnownBadInputs,
    /// `AWSManagedRulesAmazonIpReputationList`.
    IpReputation,
    /// `AWSManagedRulesLinuxRuleSet`.
    Linux,
}

impl ManagedRule {
    /// The AWS rule group name.
    pub fn aws_name(self) -> &'static str {
        match self {
            ManagedRule::Common => "AWSManagedRulesCommonRuleSet",
            ManagedRule::SqlInjection => "AWSManagedRulesSQLiRuleSet",
            ManagedRule::KnownBadInputs => "AWSManagedRulesKnownBadInputsRuleSet",
            ManagedRule::IpReputation => "AWSManagedRulesAmazonIpReputationList",
            ManagedRule::Linux => "AWSManagedRulesLinuxRuleSet",
        }
    }
}

/// DNS routing policy across regions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DnsRouting {
    /// One record.
    #[default]
    Simple,
    /// Lowest-latency region.
    Latency,
    /// By the client's location.
    Geo,
    /// Primary region, secondary on health-check failure.
    Failover,
}

/// Minimum TLS version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3.
    #[default]
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    V1_3,
}

/// Delivery: CI/CD, registry and GitOps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// CI/CD system.
    pub ci: Ci,
    /// Source repository, e.g. `acme/shop` (GitHub/GitLab) or a CodeCommit name.
    pub repository: Option<String>,
    /// Branch that deploys.
    pub branch: String,
    /// GitOps for Kubernetes runtimes.
    pub gitops: Gitops,
    /// Promotion order; default: the environments in the order they are written.
    pub promotion: Vec<String>,
    /// Environments that need a manual approval; default: the production ones.
    pub approvals: Option<Vec<String>>,
    /// Static analysis of the code.
    pub code_analysis: CodeAnalysis,
    /// Security scans in the pipeline.
    pub scans: Scans,
    /// The command the pipeline runs the unit tests with, from the
    /// repository root, e.g. `npm test`. Default: detected from the
    /// repository's build files (`strata plan` says which); with none found,
    /// the pipeline runs no unit tests and the plan warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_command: Option<String>,
    /// The container image the unit tests run in, e.g. `node:22-bookworm`.
    /// Default: the detected build tool's official image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_image: Option<String>,
    /// Which build file the test command was detected from, when the spec
    /// does not give it; set by the front-end that read the repository.
    #[serde(skip)]
    #[schemars(skip)]
    pub tests_detected_from: Option<String>,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            ci: Ci::GithubActions,
            repository: None,
            branch: "main".into(),
            gitops: Gitops::default(),
            promotion: Vec::new(),
            approvals: None,
            code_analysis: CodeAnalysis::Semgrep,
            scans: Scans::default(),
            test_command: None,
            test_image: None,
            tests_detected_from: None,
        }
    }
}

/// CI/CD systems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ci {
    /// GitHub Actions with OIDC to AWS.
    #[default]
    GithubActions,
    /// GitLab CI with OIDC to AWS.
    GitlabCi,
    /// AWS CodePipeline, CodeBuild and CodeDeploy.
    Codepipeline,
}

/// GitOps settings (Kubernetes runtimes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Gitops {
    /// Argo CD applications per environment.
    pub enabled: bool,
    /// Sync automatically on every commit.
    pub auto_sync: bool,
    /// Revert changes made to the cluster by hand.
    pub self_heal: bool,
    /// Delete what was removed from Git.
    pub prune: bool,
}

impl Default for Gitops {
    fn default() -> Self {
        Self {
            enabled: true,
            auto_sync: true,
            self_heal: true,
            prune: true,
        }
    }
}

/// Static analysis tool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CodeAnalysis {
    /// Semgrep.
    #[default]
    Semgrep,
    /// SonarQube (code quality and security).
    Sonarqube,
}

/// Pipeline security scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Scans {
    /// Static application security testing.
    pub sast: bool,
    /// Dependency vulnerabilities.
    pub dependencies: bool,
    /// Container image vulnerabilities.
    pub image: bool,
    /// Infrastructure-as-code controls (`strata check`).
    pub iac: bool,
}

impl Default for Scans {
    fn default() -> Self {
        Self {
            sast: true,
            dependencies: true,
            image: true,
            iac: true,
        }
    }
}

/// Logs, metrics, traces, dashboards and alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Observability {
    /// Metrics backend. Default: Prometheus on Kubernetes, CloudWatch on ECS.
    pub metrics: Option<MetricsBackend>,
    /// Log backend (collected by Fluent Bit).
    pub logs: LogsBackend,
    /// Days logs are kept.
    #[schemars(range(min = 1, max = 3653))]
    pub log_retention_days: u32,
    /// Trace backend (OpenTelemetry collector).
    pub traces: TracesBackend,
    /// Dashboards, arranged as performance / business / security / development.
    pub dashboards: Dashboards,
    /// Where the monitoring stack runs.
    pub placement: MonitoringPlacement,
    /// Management environment hosting the monitoring stack when it is apart.
    pub monitoring_environment: Option<String>,
    /// Alert routes.
    pub alerts: Vec<AlertRoute>,
}

impl Default for Observability {
    fn default() -> Self {
        Self {
            metrics: None,
            logs: LogsBackend::Cloudwatch,
            log_retention_days: 365,
            traces: TracesBackend::Xray,
            dashboards: Dashboards::Grafana,
            placement: MonitoringPlacement::SameCluster,
            monitoring_environment: None,
            alerts: Vec::new(),
        }
    }
}

/// Metrics backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MetricsBackend {
    /// Prometheus (kube-prometheus-stack, or Amazon Managed Prometheus on ECS).
    Prometheus,
    /// Amazon CloudWatch metrics.
    Cloudwatch,
}

/// Log backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogsBackend {
    /// CloudWatch Logs.
    #[default]
    Cloudwatch,
    /// Amazon OpenSearch Service (Elasticsearch/Kibana).
    Opensearch,
}

/// Trace backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TracesBackend {
    /// AWS X-Ray.
    #[default]
    Xray,
    /// Jaeger.
    Jaeger,
}

/// Dashboards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Dashboards {
    /// Grafana.
    #[default]
    Grafana,
    /// CloudWatch dashboards.
    Cloudwatch,
}

/// Where the monitoring stack runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MonitoringPlacement {
    /// Beside the application.
    #[default]
    SameCluster,
    /// In a management cluster of its own (the `monitoring_environment`).
    OwnCluster,
    /// In a management account of its own (the `monitoring_environment`).
    OwnAccount,
}

/// An alert route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRoute {
    /// Lowest severity sent along this route.
    #[serde(default)]
    pub severity: AlertSeverity,
    /// Receiver type.
    pub to: Receiver,
    /// Receiver target: a channel, an address or a secret name holding the key.
    pub target: String,
}

/// Alert severities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertSeverity {
    /// Pages someone.
    Critical,
    /// Worth a look in working hours.
    #[default]
    Warning,
    /// For the record.
    Info,
}

/// Alert receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Receiver {
    /// PagerDuty (target: secret name holding the routing key).
    Pagerduty,
    /// Slack (target: channel; webhook from the secrets store).
    Slack,
    /// E-mail (target: address).
    Email,
}

/// Security and compliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// Compliance frameworks enforced before provisioning and on the live system.
    pub frameworks: Vec<Framework>,
    /// IAM roles with separation of duties.
    pub roles: Vec<DutyRole>,
    /// Where secrets live.
    pub secrets_store: SecretsStore,
    /// Multi-region CloudTrail with log validation.
    pub cloudtrail: bool,
    /// GuardDuty threat detection.
    pub guardduty: bool,
    /// Security Hub with the frameworks' standards.
    pub security_hub: bool,
    /// AWS Config recording and conformance packs.
    pub config: bool,
    /// Whose recorder AWS Config records with in each region.
    pub config_recorder: ConfigRecorder,
    /// Host and cluster agents; default: what the frameworks ask for.
    pub agents: Option<Vec<Agent>>,
    /// Controls waived, each with a reason.
    pub waivers: Vec<Waiver>,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            frameworks: vec![Framework::CisAws],
            roles: DutyRole::ALL.to_vec(),
            secrets_store: SecretsStore::SecretsManager,
            cloudtrail: true,
            guardduty: true,
            security_hub: true,
            config: true,
            config_recorder: ConfigRecorder::Strata,
            agents: None,
            waivers: Vec::new(),
        }
    }
}

/// Compliance frameworks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Framework {
    /// CIS AWS Foundations Benchmark.
    #[serde(rename = "cis-aws")]
    CisAws,
    /// PCI DSS 4.0.
    #[serde(rename = "pci-dss-4.0")]
    PciDss4,
    /// HIPAA Security Rule.
    #[serde(rename = "hipaa")]
    Hipaa,
    /// SOC 2 (Trust Services Criteria).
    #[serde(rename = "soc2")]
    Soc2,
    /// CIS Kubernetes Benchmark / Pod Security Standards (restricted).
    #[serde(rename = "cis-k8s")]
    CisK8s,
}

impl Framework {
    /// The name used in specs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::CisAws => "cis-aws",
            Framework::PciDss4 => "pci-dss-4.0",
            Framework::Hipaa => "hipaa",
            Framework::Soc2 => "soc2",
            Framework::CisK8s => "cis-k8s",
        }
    }
}

/// IAM duty roles.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DutyRole {
    /// Full administration, MFA required.
    Admin,
    /// What the pipeline assumes to deploy.
    Deployer,
    /// Read access and logs, no secrets.
    Developer,
    /// Read-only security audit.
    Auditor,
    /// Emergency access, alarmed on every use.
    BreakGlass,
}

impl DutyRole {
    /// Every duty role.
    pub const ALL: [DutyRole; 5] = [
        DutyRole::Admin,
        DutyRole::Deployer,
        DutyRole::Developer,
        DutyRole::Auditor,
        DutyRole::BreakGlass,
    ];

    /// The role's name in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            DutyRole::Admin => "admin",
            DutyRole::Deployer => "deployer",
            DutyRole::Developer => "developer",
            DutyRole::Auditor => "auditor",
            DutyRole::BreakGlass => "break-glass",
        }
    }
}

/// Whose recorder AWS Config uses. A region holds one recorder, so an
/// account whose organisation (or Control Tower) already records it cannot
/// get a second one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigRecorder {
    /// Strata makes the recorder, its role, its delivery channel and bucket.
    #[default]
    Strata,
    /// The account's regions are already recorded by a recorder Strata did
    /// not make: Strata plans the conformance packs on it and nothing else.
    Existing,
}

/// Secrets stores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretsStore {
    /// AWS Secrets Manager.
    #[default]
    SecretsManager,
    /// HashiCorp Vault (run in the cluster, KMS auto-unseal).
    Vault,
}

/// Host and cluster security agents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Agent {
    /// Wazuh (host intrusion detection, file integrity).
    Wazuh,
    /// Suricata (network intrusion detection).
    Suricata,
    /// ClamAV (anti-virus).
    Clamav,
    /// Falco (runtime security for containers).
    Falco,
}

impl Agent {
    /// The agent's name in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Wazuh => "wazuh",
            Agent::Suricata => "suricata",
            Agent::Clamav => "clamav",
            Agent::Falco => "falco",
        }
    }
}

/// A control waived, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Control id, e.g. `STRATA-AWS-012`.
    pub control: String,
    /// Why the control does not apply.
    pub reason: String,
    /// Environments the waiver covers; default: all.
    #[serde(default)]
    pub environments: Vec<String>,
}
