//! What is watched exists: every metric, log group and endpoint that a
//! rendered dashboard (Grafana JSON), alert or recording rule (rule files,
//! `PrometheusRule` manifests), `AnalysisTemplate` (rendered manifests) or
//! CloudWatch alarm (the plan's `aws_cloudwatch_metric_alarm`s, which the
//! Terraform renderer writes attribute for attribute) refers to is produced
//! or served by something planned in that environment. The producers are one
//! table each ([`PROMETHEUS`], [`CLOUDWATCH`], [`LOG_WRITERS`]); the test
//! prints what is watched and by what it is produced, per environment, and
//! fails listing every reference nothing produces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value as J;

const EXAMPLES: [&str; 4] = [
    "ecs-fargate-aurora",
    "three-vpc-eks",
    "eks-platform",
    "eks-openshift",
];

fn plan(name: &str) -> strata_model::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("strata.yaml");
    let bytes = std::fs::read(path).unwrap();
    let loaded = strata_spec::load(&format!("examples/{name}/strata.yaml"), &bytes);
    assert!(!loaded.has_errors());
    strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap()
}

/// The planned resources of one environment, as the plan's JSON contract
/// writes them.
type Resources = Vec<J>;

/// How a planned producer is recognised among an environment's resources.
#[derive(Clone, Copy)]
enum Planned {
    /// An Argo CD `Application` installing this chart.
    Chart(&'static str),
    /// An Argo CD `Application` installing this chart with this dotted path
    /// of its Helm values set to `true` (metrics a Prometheus scrapes).
    ChartWith(&'static str, &'static str),
    /// A `ServiceMonitor` named after the query's `service` label (any, with
    /// no such label) and a kube-prometheus-stack that selects it.
    ServiceMonitor,
    /// A recording rule of the plan that records the series.
    Recorded,
    /// A resource of this kind for which the test holds.
    Aws(&'static str, fn(&J) -> bool),
    /// A log metric filter whose transformation has this namespace and the
    /// queried metric name.
    MetricFilter,
}

fn any(_: &J) -> bool {
    true
}

/// Prometheus metric families by name prefix: who emits them, and how the
/// plan makes a Prometheus collect them.
const PROMETHEUS: &[(&str, Planned, &str)] = &[
    // The app's instrumented services, only where the plan scrapes them.
    (
        "http_",
        Planned::ServiceMonitor,
        "the service's /metrics, scraped through its ServiceMonitor",
    ),
    // cAdvisor, through kube-prometheus-stack's kubelet job.
    (
        "container_",
        Planned::Chart("kube-prometheus-stack"),
        "cAdvisor via the kubelet job of kube-prometheus-stack",
    ),
    // kube-state-metrics, a dependency of the chart.
    (
        "kube_",
        Planned::Chart("kube-prometheus-stack"),
        "kube-state-metrics of kube-prometheus-stack",
    ),
    // node-exporter, a dependency of the chart.
    (
        "node_",
        Planned::Chart("kube-prometheus-stack"),
        "node-exporter of kube-prometheus-stack",
    ),
    // The API server job the chart scrapes by default.
    (
        "apiserver_",
        Planned::Chart("kube-prometheus-stack"),
        "the apiserver job of kube-prometheus-stack",
    ),
    // Prometheus's own metrics.
    (
        "prometheus_",
        Planned::Chart("kube-prometheus-stack"),
        "Prometheus itself",
    ),
    // Argo CD's controller, only with its ServiceMonitor enabled.
    (
        "argocd_",
        Planned::ChartWith("argo-cd", "controller.metrics.serviceMonitor.enabled"),
        "Argo CD's application controller",
    ),
    // Argo Rollouts' controller, only with its ServiceMonitor enabled.
    (
        "rollout_",
        Planned::ChartWith("argo-rollouts", "controller.metrics.serviceMonitor.enabled"),
        "the Argo Rollouts controller",
    ),
    // Falco's events, counted by Falcosidekick, only with its ServiceMonitor.
    (
        "falco",
        Planned::ChartWith("falco", "falcosidekick.serviceMonitor.enabled"),
        "Falcosidekick",
    ),
    // Series the plan's own recording rules write (`level:metric:operation`).
    (
        "service:",
        Planned::Recorded,
        "a recording rule of the plan",
    ),
];

fn application_lb(r: &J) -> bool {
    r["attributes"]["load_balancer_type"] == "application"
}

fn insights_on(r: &J) -> bool {
    r["attributes"]["setting"].as_array().is_some_and(|s| {
        s.iter()
            .any(|x| x["name"] == "containerInsights" && x["value"] != "disabled")
    })
}

fn cloudwatch_observability(r: &J) -> bool {
    r["attributes"]["addon_name"] == "amazon-cloudwatch-observability"
}

fn waf_metrics(r: &J) -> bool {
    r["attributes"]["visibility_config"]["cloudwatch_metrics_enabled"] == true
}

/// CloudWatch namespaces and what AWS publishes them for.
const CLOUDWATCH: &[(&str, Planned, &str)] = &[
    // Every Application Load Balancer and its target groups.
    (
        "AWS/ApplicationELB",
        Planned::Aws("aws_lb", application_lb),
        "an application load balancer",
    ),
    // Every ECS service (CPU and memory utilisation).
    (
        "AWS/ECS",
        Planned::Aws("aws_ecs_service", any),
        "an ECS service",
    ),
    // Task and service counts, when the cluster has Container Insights on.
    (
        "ECS/ContainerInsights",
        Planned::Aws("aws_ecs_cluster", insights_on),
        "an ECS cluster with Container Insights",
    ),
    // Pod and node metrics from the CloudWatch agent of the EKS add-on.
    (
        "ContainerInsights",
        Planned::Aws("aws_eks_addon", cloudwatch_observability),
        "the amazon-cloudwatch-observability add-on",
    ),
    // Aurora clusters and RDS instances.
    (
        "AWS/RDS",
        Planned::Aws("aws_rds_cluster", any),
        "an Aurora cluster",
    ),
    (
        "AWS/RDS",
        Planned::Aws("aws_db_instance", any),
        "an RDS instance",
    ),
    // Web ACLs with CloudWatch metrics enabled in their visibility config.
    (
        "AWS/WAFV2",
        Planned::Aws("aws_wafv2_web_acl", waf_metrics),
        "a web ACL with CloudWatch metrics",
    ),
    (
        "AWS/SQS",
        Planned::Aws("aws_sqs_queue", any),
        "an SQS queue",
    ),
    (
        "AWS/ElastiCache",
        Planned::Aws("aws_elasticache_replication_group", any),
        "an ElastiCache replication group",
    ),
    // Any other namespace: a log metric filter of the plan publishes it.
    ("*", Planned::MetricFilter, "a log metric filter"),
];

/// Who writes into a log group: (kind, how it names the group, comment).
/// Whether a writer resource (first) writes into a log group (second).
type Writes = fn(&J, &J) -> bool;

const LOG_WRITERS: &[(&str, Writes, &str)] = &[
    // A VPC flow log delivering to the group.
    (
        "aws_flow_log",
        |w, g| refers(&w["attributes"]["log_destination"], g),
        "VPC flow logs",
    ),
    // Fluent Bit's cloudwatch_logs output naming the group.
    ("Application", fluent_bit_writes, "Fluent Bit"),
    // CloudTrail delivering to the group.
    (
        "aws_cloudtrail",
        |w, g| refers(&w["attributes"]["cloud_watch_logs_group_arn"], g),
        "CloudTrail",
    ),
];

fn fluent_bit_writes(app: &J, group: &J) -> bool {
    app["attributes"]["spec"]["source"]["chart"] == "fluent-bit"
        && values_at(app, "config.outputs").as_str().is_some_and(|o| {
            o.lines().any(|l| {
                l.split_whitespace().collect::<Vec<_>>()
                    == [
                        "log_group_name",
                        group["attributes"]["name"].as_str().unwrap_or(""),
                    ]
            })
        })
}

/// Whether a value (a `$ref` object or a `${terraform:...}` placeholder)
/// refers to the resource `r`.
fn refers(v: &J, r: &J) -> bool {
    target(v).is_some_and(|a| r["address"] == a.as_str())
}

/// The address a reference value points at.
fn target(v: &J) -> Option<String> {
    if let Some(a) = v["$ref"].as_str() {
        return Some(a.to_owned());
    }
    let s = v
        .as_str()?
        .strip_prefix("${terraform:")?
        .strip_suffix('}')?;
    Some(s.rsplit_once('.')?.0.to_owned())
}

/// What a reference asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    /// A Prometheus series (with its `service` label, if any), at a URL or
    /// through a Grafana data source.
    Series(String, Option<String>),
    /// A CloudWatch metric: namespace, name, dimensions (name, value).
    Metric(String, String, Vec<(String, String)>),
    /// A log group by name.
    LogGroup(String),
    /// A server: a Prometheus URL, a Grafana data source type, or
    /// `cloudwatch` read by a controller (Argo Rollouts).
    Endpoint(String),
}

/// PromQL words that are not metric names.
const PROMQL_WORDS: &[&str] = &[
    "sum",
    "rate",
    "increase",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "histogram_quantile",
    "clamp_min",
    "count",
    "avg",
    "max",
    "min",
    "time",
    "bool",
    "offset",
    "absent",
    "irate",
    "le",
];

/// The metric names of a PromQL expression, each with its `service` label.
fn series(expr: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c == '"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            // A number, exponent included (`1e-9`).
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
        } else if c == '[' {
            while i < b.len() && b[i] != b']' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            let word = &expr[start..i];
            let rest = expr[i..].trim_start();
            if PROMQL_WORDS.contains(&word) && (rest.starts_with('(') || !rest.starts_with('{')) {
                // `by (a, b)`: skip the grouping labels.
                if ["by", "without", "on", "ignoring"].contains(&word) {
                    if let Some(end) = expr[i..].find(')') {
                        i += end + 1;
                    }
                }
                continue;
            }
            if rest.starts_with('(') {
                continue;
            }
            let mut service = None;
            if rest.starts_with('{') {
                let open = i + expr[i..].find('{').unwrap_or(0);
                let close = open + expr[open..].find('}').unwrap_or(0);
                let sel = &expr[open + 1..close];
                service = sel
                    .split(',')
                    .find_map(|m| m.trim().strip_prefix("service=\""))
                    .map(|v| v.trim_end_matches('"').to_owned());
                i = close + 1;
            }
            out.push((word.to_owned(), service));
        } else {
            i += 1;
        }
    }
    out
}

/// A reference: what it asks for and where it was found.
type Ref = (Want, String);

fn yaml_json(text: &str) -> Vec<J> {
    text.split("\n---\n")
        .filter_map(|d| strata_spec::yaml::parse(d).root.map(|n| n.to_json()))
        .collect()
}

/// A dimension value as text: a reference in the plan's JSON becomes the
/// placeholder rendered files use for it.
fn dim_text(v: &J) -> String {
    match (v["$ref"].as_str(), v["attribute"].as_str(), v.as_str()) {
        (Some(a), Some(attr), _) => format!("${{terraform:{a}.{attr}}}"),
        (_, _, Some(s)) => s.to_owned(),
        _ => v.to_string(),
    }
}

/// Dimensions as (name, value): a map (Terraform, Grafana) or a list of
/// `{name, value}` (Argo Rollouts).
fn dims_of(v: &J) -> Vec<(String, String)> {
    match v {
        J::Object(m) => m.iter().map(|(k, v)| (k.clone(), dim_text(v))).collect(),
        J::Array(a) => a
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().unwrap_or("").to_owned(),
                    dim_text(&d["value"]),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Every reference rendered for `env`.
fn references(env: &str, tree: &strata_render::Tree, resources: &Resources) -> Vec<Ref> {
    let mut refs = Vec::new();
    for (path, text) in tree {
        let grafana = path.starts_with(&format!("observability/grafana/{env}/"));
        if grafana {
            let d: J = serde_json::from_str(text).unwrap();
            let kind = d["templating"]["list"][0]["query"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            refs.push((Want::Endpoint(format!("grafana:{kind}")), path.clone()));
            for p in d["panels"].as_array().into_iter().flatten() {
                for t in p["targets"].as_array().into_iter().flatten() {
                    if let Some(e) = t["expr"].as_str() {
                        for (s, svc) in series(e) {
                            refs.push((Want::Series(s, svc), path.clone()));
                        }
                    } else if t["queryMode"] == "Logs" {
                        for g in t["logGroupNames"].as_array().into_iter().flatten() {
                            refs.push((
                                Want::LogGroup(g.as_str().unwrap_or("").to_owned()),
                                path.clone(),
                            ));
                        }
                    } else if let Some(m) = t["metricName"].as_str() {
                        refs.push((
                            Want::Metric(
                                t["namespace"].as_str().unwrap_or("").to_owned(),
                                m.to_owned(),
                                dims_of(&t["dimensions"]),
                            ),
                            path.clone(),
                        ));
                    }
                }
            }
        }
        if path == &format!("observability/prometheus/rules/{env}.rules.yml") {
            for doc in yaml_json(text) {
                for g in doc["groups"].as_array().into_iter().flatten() {
                    for r in g["rules"].as_array().into_iter().flatten() {
                        for (s, svc) in series(r["expr"].as_str().unwrap_or("")) {
                            refs.push((Want::Series(s, svc), path.clone()));
                        }
                    }
                }
            }
        }
        if path.starts_with(&format!("kubernetes/{env}/")) {
            for doc in yaml_json(text) {
                if doc["kind"] == "PrometheusRule" {
                    for g in doc["spec"]["groups"].as_array().into_iter().flatten() {
                        for r in g["rules"].as_array().into_iter().flatten() {
                            for (s, svc) in series(r["expr"].as_str().unwrap_or("")) {
                                refs.push((Want::Series(s, svc), path.clone()));
                            }
                        }
                    }
                }
                if doc["kind"] == "AnalysisTemplate" {
                    for m in doc["spec"]["metrics"].as_array().into_iter().flatten() {
                        let p = &m["provider"];
                        if let Some(addr) = p["prometheus"]["address"].as_str() {
                            refs.push((Want::Endpoint(addr.to_owned()), path.clone()));
                            for (s, svc) in series(p["prometheus"]["query"].as_str().unwrap_or(""))
                            {
                                refs.push((Want::Series(s, svc), path.clone()));
                            }
                        }
                        if p["cloudWatch"].is_object() {
                            refs.push((
                                Want::Endpoint("cloudwatch:argo-rollouts".into()),
                                path.clone(),
                            ));
                            for q in p["cloudWatch"]["metricDataQueries"]
                                .as_array()
                                .into_iter()
                                .flatten()
                            {
                                let m = &q["metricStat"]["metric"];
                                if let Some(name) = m["metricName"].as_str() {
                                    refs.push((
                                        Want::Metric(
                                            m["namespace"].as_str().unwrap_or("").to_owned(),
                                            name.to_owned(),
                                            dims_of(&m["dimensions"]),
                                        ),
                                        path.clone(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for r in resources
        .iter()
        .filter(|r| r["kind"] == "aws_cloudwatch_metric_alarm")
    {
        let a = &r["attributes"];
        let at = r["address"].as_str().unwrap_or("").to_owned();
        let mut metrics = vec![a.clone()];
        for q in a["metric_query"].as_array().into_iter().flatten() {
            metrics.push(q["metric"].clone());
        }
        for m in metrics {
            if let Some(name) = m["metric_name"].as_str() {
                refs.push((
                    Want::Metric(
                        m["namespace"].as_str().unwrap_or("").to_owned(),
                        name.to_owned(),
                        dims_of(&m["dimensions"]),
                    ),
                    at.clone(),
                ));
            }
        }
    }
    refs.sort();
    refs.dedup();
    refs
}

/// The environment's resources, and those of the environments whose
/// Prometheus agents remote-write into its Prometheus (their series are
/// queried here).
struct Scope<'a> {
    env: &'a str,
    own: &'a Resources,
    writers: Vec<&'a Resources>,
    app: &'a str,
    /// Environments whose Prometheus receives remote writes.
    receivers: &'a BTreeSet<String>,
}

fn of_kind<'a>(rs: &'a Resources, kind: &str) -> impl Iterator<Item = &'a J> {
    rs.iter().filter(move |r| r["kind"] == kind)
}

fn chart<'a>(rs: &'a Resources, name: &str) -> Option<&'a J> {
    of_kind(rs, "Application").find(|r| r["attributes"]["spec"]["source"]["chart"] == name)
}

fn values_at<'a>(app: &'a J, path: &str) -> &'a J {
    let mut v = &app["attributes"]["spec"]["source"]["helm"]["valuesObject"];
    for p in path.split('.') {
        v = &v[p];
    }
    v
}

/// A kube-prometheus-stack that scrapes every ServiceMonitor.
fn scrapes_service_monitors(rs: &Resources) -> bool {
    chart(rs, "kube-prometheus-stack").is_some_and(|k| {
        values_at(
            k,
            "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
        ) == false
    })
}

impl Scope<'_> {
    fn all(&self) -> impl Iterator<Item = &Resources> {
        std::iter::once(self.own).chain(self.writers.iter().copied())
    }

    fn series(&self, name: &str, service: Option<&str>) -> Option<String> {
        let (_, planned, why) = PROMETHEUS.iter().find(|(p, _, _)| name.starts_with(p))?;
        for rs in self.all() {
            let ok = match planned {
                Planned::Chart(c) => chart(rs, c).is_some(),
                Planned::ChartWith(c, path) => {
                    chart(rs, c).is_some_and(|a| values_at(a, path) == true)
                }
                Planned::ServiceMonitor => {
                    scrapes_service_monitors(rs)
                        && of_kind(rs, "ServiceMonitor")
                            .any(|m| service.is_none_or(|s| m["attributes"]["name"] == s))
                }
                Planned::Recorded => of_kind(rs, "PrometheusRule").any(|r| {
                    r["attributes"]["spec"]["groups"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|g| {
                            g["rules"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|x| x["record"] == name)
                        })
                }),
                _ => false,
            };
            if ok {
                return Some(why.to_string());
            }
        }
        None
    }

    fn metric(&self, ns: &str, name: &str, dims: &[(String, String)]) -> Result<String, String> {
        let mut producer = None;
        for (n, planned, why) in CLOUDWATCH {
            let ok = match planned {
                Planned::Aws(kind, test) if *n == ns => of_kind(self.own, kind).any(test),
                Planned::MetricFilter => {
                    of_kind(self.own, "aws_cloudwatch_log_metric_filter").any(|f| {
                        let t = &f["attributes"]["metric_transformation"];
                        t["namespace"] == ns && t["name"] == name
                    })
                }
                _ => false,
            };
            if ok {
                producer = Some(why.to_string());
                break;
            }
        }
        let producer = producer.ok_or_else(|| format!("no planned resource publishes {ns}"))?;
        for (k, v) in dims {
            self.dimension(k, v)?;
        }
        Ok(producer)
    }

    /// A dimension value: a reference to a resource planned here, or a
    /// literal naming something planned here.
    fn dimension(&self, name: &str, value: &str) -> Result<(), String> {
        if let Some(a) = target(&J::String(value.to_owned())) {
            return self
                .own
                .iter()
                .any(|r| r["address"] == a.as_str())
                .then_some(())
                .ok_or(format!(
                    "dimension {name} refers to {a}, not planned in {}",
                    self.env
                ));
        }
        let named = |kind: &str, path: &[&str]| {
            of_kind(self.own, kind).any(|r| {
                let mut v = &r["attributes"];
                for p in path {
                    v = &v[p];
                }
                v == value
            })
        };
        let ok = match name {
            "WebACL" => named("aws_wafv2_web_acl", &["visibility_config", "metric_name"]),
            "Namespace" => named("Namespace", &["name"]),
            "PodName" => named("Rollout", &["name"]) || named("Deployment", &["name"]),
            "Region" => {
                self.own
                    .iter()
                    .any(|r| r["attributes"]["visibility_config"].is_object())
                    && value
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            }
            "Rule" => value == "ALL",
            _ => false,
        };
        ok.then_some(()).ok_or(format!(
            "dimension {name}={value} names nothing planned in {}",
            self.env
        ))
    }

    fn log_group(&self, name: &str) -> Option<String> {
        let group = of_kind(self.own, "aws_cloudwatch_log_group")
            .find(|g| g["attributes"]["name"] == name)?;
        LOG_WRITERS.iter().find_map(|(kind, writes, why)| {
            of_kind(self.own, kind)
                .any(|w| writes(w, group))
                .then(|| format!("{why} into a planned log group"))
        })
    }

    fn endpoint(&self, e: &str) -> Option<String> {
        let kps = chart(self.own, "kube-prometheus-stack");
        let agent =
            kps.is_some_and(|k| values_at(k, "prometheus.prometheusSpec.agentMode") == true);
        match e {
            "grafana:prometheus" => (kps.is_some_and(|k| values_at(k, "grafana.enabled") == true)
                && !agent)
                .then(|| "kube-prometheus-stack's Grafana and Prometheus".to_owned()),
            "grafana:cloudwatch" => (of_kind(self.own, "aws_grafana_workspace").any(|w| {
                w["attributes"]["data_sources"]
                    .as_array()
                    .is_some_and(|d| d.contains(&J::from("CLOUDWATCH")))
            }) && of_kind(self.own, "grafana_data_source")
                .any(|d| d["attributes"]["type"] == "cloudwatch"))
            .then(|| {
                "an Amazon Managed Grafana workspace with its CloudWatch data source".to_owned()
            }),
            "cloudwatch:argo-rollouts" => chart(self.own, "argo-rollouts")
                .filter(|a| {
                    values_at(a, "serviceAccount.annotations")["eks.amazonaws.com/role-arn"]
                        .is_object()
                })
                .map(|_| "Argo Rollouts' controller through its IRSA role".to_owned()),
            url if url == strata_planner_url() => (kps.is_some() && !agent)
                .then(|| "the in-cluster kube-prometheus-stack Prometheus".to_owned()),
            url => {
                // The host the environment's agent remote-writes to, served
                // by a Prometheus that receives remote writes.
                let k = kps?;
                let write =
                    values_at(k, "prometheus.prometheusSpec.remoteWrite")[0]["url"].as_str()?;
                let home = url
                    .strip_prefix("https://prometheus.")?
                    .strip_suffix(&format!(".{}.internal", self.app))?;
                (write.starts_with(url) && self.receivers.contains(home))
                    .then(|| format!("{home}'s kube-prometheus-stack, fed by remote write"))
            }
        }
    }
}

fn strata_planner_url() -> &'static str {
    "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
}

#[test]
fn everything_watched_is_produced_in_its_environment() {
    let mut missing = Vec::new();
    let mut checked = BTreeMap::new();
    for name in EXAMPLES {
        let plan = plan(name);
        let tree = strata_render::render(&plan).unwrap();
        let json = plan.to_json(None);
        let envs: BTreeMap<String, Resources> = json["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_owned(),
                    e["resources"].as_array().unwrap().clone(),
                )
            })
            .collect();
        let receivers: BTreeSet<String> = envs
            .iter()
            .filter(|(_, rs)| {
                chart(rs, "kube-prometheus-stack").is_some_and(|k| {
                    values_at(k, "prometheus.prometheusSpec.enableRemoteWriteReceiver") == true
                })
            })
            .map(|(e, _)| e.clone())
            .collect();
        let mut count = 0;
        let mut kinds = BTreeSet::new();
        for (env, own) in &envs {
            let host = format!("https://prometheus.{env}.{}.internal", plan.app);
            let writers = envs
                .values()
                .filter(|rs| {
                    chart(rs, "kube-prometheus-stack").is_some_and(|k| {
                        values_at(k, "prometheus.prometheusSpec.remoteWrite")[0]["url"]
                            .as_str()
                            .is_some_and(|u| u.starts_with(&host))
                    })
                })
                .collect();
            let scope = Scope {
                env,
                own,
                writers,
                app: &plan.app,
                receivers: &receivers,
            };
            println!("== {name} / {env}");
            for (want, at) in references(env, &tree, own) {
                count += 1;
                kinds.insert(match &want {
                    Want::Series(..) => "series",
                    Want::Metric(..) => "metric",
                    Want::LogGroup(_) => "log group",
                    Want::Endpoint(_) => "endpoint",
                });
                let verdict = match &want {
                    Want::Series(s, svc) => scope
                        .series(s, svc.as_deref())
                        .ok_or(format!("nothing planned emits {s}")),
                    Want::Metric(ns, m, dims) => scope.metric(ns, m, dims),
                    Want::LogGroup(g) => scope
                        .log_group(g)
                        .ok_or(format!("nothing planned writes log group {g}")),
                    Want::Endpoint(e) => scope
                        .endpoint(e)
                        .ok_or(format!("nothing planned serves {e}")),
                };
                match verdict {
                    Ok(by) => println!("   {want:?} ({at}) <- {by}"),
                    Err(why) => {
                        println!("   {want:?} ({at}) <- MISSING: {why}");
                        missing.push(format!("{name}/{env}: {at}: {why}"));
                    }
                }
            }
        }
        // The reader finds every kind of reference each example renders.
        let want: &[&str] = match name {
            "three-vpc-eks" | "ecs-fargate-aurora" => &["endpoint", "log group", "metric"],
            _ => &["endpoint", "metric", "series"],
        };
        for k in want {
            assert!(kinds.contains(k), "{name}: no {k} reference found");
        }
        checked.insert(name, count);
    }
    println!("references checked: {checked:?}");
    for (name, n) in &checked {
        assert!(*n > 0, "{name}: nothing watched was found");
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "{} watched references have no producer:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The PromQL reader finds metric names and their `service` label, and
/// nothing else.
#[test]
fn promql_reader_finds_series() {
    assert_eq!(
        series(
            "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service=\"api\"}[5m]))) > 0.3"
        ),
        vec![(
            "http_request_duration_seconds_bucket".to_owned(),
            Some("api".to_owned())
        )]
    );
    assert_eq!(
        series(
            "count by (namespace) (kube_networkpolicy_created) / clamp_min(service:http_requests:rate5m, 1e-9)"
        ),
        vec![
            ("kube_networkpolicy_created".to_owned(), None),
            ("service:http_requests:rate5m".to_owned(), None)
        ]
    );
}

/// A reference nothing produces is found: Falco's series with no Falco.
#[test]
fn an_unproduced_series_is_reported() {
    let rs: Resources = Vec::new();
    let receivers = BTreeSet::new();
    let scope = Scope {
        env: "x",
        own: &rs,
        writers: Vec::new(),
        app: "a",
        receivers: &receivers,
    };
    assert!(scope.series("falco_events", None).is_none());
    assert!(scope.series("unknown_metric", None).is_none());
    assert!(
        scope
            .metric("AWS/ApplicationELB", "RequestCount", &[])
            .is_err()
    );
    assert!(scope.endpoint(strata_planner_url()).is_none());
}
