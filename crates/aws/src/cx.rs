//! The one place SDK clients are made, and the wrappers every call goes
//! through: mutating calls are journalled (intent before, outcome after) and
//! counted; reads are counted; both are timed per resource so a run can
//! report the critical path of its call latencies.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use strata_model::Address;

use crate::error::{Error, Result};
use crate::journal::Journal;

/// How to reach AWS. Unset fields come from the standard AWS chain
/// (environment, profile, instance role).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// An endpoint for every service (an emulator): `--endpoint-url`, else
    /// the chain's `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// The primary region (the spec's). The plan is made for it (its
    /// availability zones, its endpoints), so it overrides the chain's.
    pub region: Option<String>,
    /// Secondary regions the environment spans (modules pinned to them).
    pub other_regions: Vec<String>,
    /// Attempts per call, retries with jittered exponential backoff on
    /// throttling, 5xx and transient network errors included (default 8).
    pub max_attempts: Option<u32>,
    /// Keys to sign with instead of the chain's: a server holds each
    /// account's credentials itself rather than in its process environment.
    pub credentials: Option<StaticKeys>,
}

/// An access key pair (and session token), never printed: `Debug` shows the
/// key id only.
#[derive(Clone)]
pub struct StaticKeys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Every SDK client the engine uses. **Invariant:** no other crate makes an
/// SDK client or calls AWS (clippy's `disallowed-methods` enforces it).
#[allow(missing_docs)]
pub struct Clients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub iam: aws_sdk_iam::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub acm: aws_sdk_acm::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub rds: aws_sdk_rds::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub s3: aws_sdk_s3::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub guardduty: aws_sdk_guardduty::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub codedeploy: aws_sdk_codedeploy::Client,
    pub eks: aws_sdk_eks::Client,
    pub sts: aws_sdk_sts::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub sns: aws_sdk_sns::Client,
    pub route53: aws_sdk_route53::Client,
    pub codebuild: aws_sdk_codebuild::Client,
    pub codepipeline: aws_sdk_codepipeline::Client,
    pub config: aws_sdk_config::Client,
    pub securityhub: aws_sdk_securityhub::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub s3control: aws_sdk_s3control::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub opensearch: aws_sdk_opensearch::Client,
}

impl Clients {
    #[allow(clippy::disallowed_methods)] // the one place clients are made
    /// Loads the AWS configuration chain and makes the clients for `region`
    /// (the settings' primary region when `None`).
    pub async fn new(settings: &Settings, region: Option<&str>) -> Self {
        let retry = RetryConfig::standard()
            .with_max_attempts(settings.max_attempts.unwrap_or(8))
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(10));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(r) = region.or(settings.region.as_deref()) {
            loader = loader.region(aws_config::Region::new(r.to_owned()));
        }
        if let Some(k) = &settings.credentials {
            loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                &k.access_key_id,
                &k.secret_access_key,
                k.session_token.clone(),
                None,
                "strata-settings",
            ));
        }
        let conf = loader.load().await;
        let region = conf.region().map(|r| r.to_string()).unwrap_or_default();
        // Emulators serve S3 on one host: path-style addressing.
        let s3 = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(conf.endpoint_url().is_some())
            .build();
        // S3 Control puts the account id in the host name
        // (`<account>.s3-control…`), which an emulator's address cannot
        // take: with an endpoint given, requests go to it as it is.
        let mut s3control = aws_sdk_s3control::config::Builder::from(&conf);
        if let Some(url) = conf.endpoint_url() {
            s3control = s3control.endpoint_resolver(Verbatim(url.to_owned()));
        }
        let s3control = s3control.build();
        Self {
            region,
            ec2: aws_sdk_ec2::Client::new(&conf),
            kms: aws_sdk_kms::Client::new(&conf),
            iam: aws_sdk_iam::Client::new(&conf),
            ecr: aws_sdk_ecr::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            acm: aws_sdk_acm::Client::new(&conf),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
            wafv2: aws_sdk_wafv2::Client::new(&conf),
            rds: aws_sdk_rds::Client::new(&conf),
            secrets: aws_sdk_secretsmanager::Client::new(&conf),
            s3: aws_sdk_s3::Client::from_conf(s3),
            cloudtrail: aws_sdk_cloudtrail::Client::new(&conf),
            guardduty: aws_sdk_guardduty::Client::new(&conf),
            ecs: aws_sdk_ecs::Client::new(&conf),
            codedeploy: aws_sdk_codedeploy::Client::new(&conf),
            eks: aws_sdk_eks::Client::new(&conf),
            sts: aws_sdk_sts::Client::new(&conf),
            tagging: aws_sdk_resourcegroupstagging::Client::new(&conf),
            ssm: aws_sdk_ssm::Client::new(&conf),
            sns: aws_sdk_sns::Client::new(&conf),
            route53: aws_sdk_route53::Client::new(&conf),
            codebuild: aws_sdk_codebuild::Client::new(&conf),
            codepipeline: aws_sdk_codepipeline::Client::new(&conf),
            config: aws_sdk_config::Client::new(&conf),
            securityhub: aws_sdk_securityhub::Client::new(&conf),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(&conf),
            s3control: aws_sdk_s3control::Client::from_conf(s3control),
            sqs: aws_sdk_sqs::Client::new(&conf),
            opensearch: aws_sdk_opensearch::Client::new(&conf),
        }
    }
}

/// An endpoint resolver that answers the configured endpoint unchanged.
#[derive(Debug)]
struct Verbatim(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for Verbatim {
    fn resolve_endpoint<'a>(
        &'a self,
        _: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// The context of one run: clients, journal, counters.
pub struct Cx {
    /// The clients of the primary region.
    pub c: Clients,
    /// The clients of each secondary region.
    pub regional: BTreeMap<String, Clients>,
    /// The journal.
    pub journal: Arc<Journal>,
    /// This run's number in the journal.
    pub run: i64,
    /// The environment.
    pub env: String,
    /// The account the credentials belong to.
    pub account: String,
    mutating: AtomicU64,
    reads: AtomicU64,
    kill_after: Option<u64>,
    latency: Mutex<BTreeMap<Address, Duration>>,
}

impl Cx {
    /// A context for one run of `command` on `env`.
    pub async fn new(
        settings: &Settings,
        journal: Arc<Journal>,
        env: &str,
        command: &str,
    ) -> Result<Self> {
        let c = Clients::new(settings, None).await;
        let mut regional = BTreeMap::new();
        for r in &settings.other_regions {
            if Some(r) != settings.region.as_ref() {
                regional.insert(r.clone(), Clients::new(settings, Some(r)).await);
            }
        }
        let who = c
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| Error::from_sdk("GetCallerIdentity", e))?;
        let run = journal.start_run(env, command)?;
        Ok(Self {
            account: who.account().unwrap_or_default().to_owned(),
            c,
            regional,
            journal,
            run,
            env: env.to_owned(),
            mutating: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            // A test hook: abort the process (as `kill -9` would) right after
            // the Nth mutating call returns, before its outcome is journalled:
            // the worst moment to die.
            kill_after: std::env::var("STRATA_TEST_KILL_AFTER_CALLS")
                .ok()
                .and_then(|v| v.parse().ok()),
            latency: Mutex::new(BTreeMap::new()),
        })
    }

    /// Mutating calls made so far.
    pub fn mutating_calls(&self) -> u64 {
        self.mutating.load(Ordering::SeqCst)
    }

    /// Read calls made so far.
    pub fn read_calls(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    /// Summed call latency per resource.
    pub fn latencies(&self) -> BTreeMap<Address, Duration> {
        self.latency.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The clients of `region` (the primary region's when it is not one of
    /// the environment's).
    pub fn clients_for(&self, region: &str) -> &Clients {
        self.regional.get(region).unwrap_or(&self.c)
    }

    /// The calls of one resource.
    pub fn op<'a>(&'a self, address: &'a Address) -> Op<'a> {
        Op { cx: self, address }
    }

    fn spent(&self, address: &Address, d: Duration) {
        if let Ok(mut l) = self.latency.lock() {
            *l.entry(address.clone()).or_default() += d;
        }
    }
}

/// The calls made for one resource.
pub struct Op<'a> {
    /// The run.
    pub cx: &'a Cx,
    /// The resource.
    pub address: &'a Address,
}

impl Op<'_> {
    /// The clients of the resource's region.
    pub fn c(&self) -> &Clients {
        self.address
            .module
            .region
            .as_ref()
            .and_then(|r| self.cx.regional.get(r))
            .unwrap_or(&self.cx.c)
    }

    /// A mutating call: journalled before and after, counted, timed.
    pub async fn write<T, E, F>(&self, op: &'static str, call: F) -> Result<T>
    where
        F: Future<Output = std::result::Result<T, E>>,
        E: ProvideErrorMetadata + std::fmt::Debug,
    {
        let seq = self
            .cx
            .journal
            .intent(self.cx.run, &self.address.to_string(), op)?;
        let n = self.cx.mutating.fetch_add(1, Ordering::SeqCst) + 1;
        let start = Instant::now();
        let result = call.await;
        self.cx.spent(self.address, start.elapsed());
        if self.cx.kill_after == Some(n) {
            std::process::abort();
        }
        match result {
            Ok(v) => {
                self.cx.journal.outcome(seq, true, "")?;
                tracing::debug!(address = %self.address, op, "done");
                Ok(v)
            }
            Err(e) => {
                let e = Error::from_sdk(op, e);
                self.cx.journal.outcome(seq, false, &e.to_string())?;
                Err(e)
            }
        }
    }

    /// A read: counted and timed.
    pub async fn read<T, E, F>(&self, op: &'static str, call: F) -> Result<T>
    where
        F: Future<Output = std::result::Result<T, E>>,
        E: ProvideErrorMetadata + std::fmt::Debug,
    {
        self.cx.reads.fetch_add(1, Ordering::SeqCst);
        let start = Instant::now();
        let result = call.await;
        self.cx.spent(self.address, start.elapsed());
        result.map_err(|e| Error::from_sdk(op, e))
    }

    /// A read whose "not found" answer means `None`.
    pub async fn read_opt<T, E, F>(&self, op: &'static str, call: F) -> Result<Option<T>>
    where
        F: Future<Output = std::result::Result<T, E>>,
        E: ProvideErrorMetadata + std::fmt::Debug,
    {
        match self.read(op, call).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}
