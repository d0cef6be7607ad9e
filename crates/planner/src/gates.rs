//! The spec's `deploy.gates` (5xx rate and p99 latency), wherever a rollout
//! is judged: Argo Rollouts `AnalysisTemplate`s on Kubernetes, over the
//! Prometheus the plan installs or over CloudWatch when the environment's
//! metrics go there; CloudWatch alarms in the CodeDeploy deployment group's
//! `alarm_configuration` on ECS.

use strata_model::{Address, Kind, Layer, Module, Value};
use strata_spec::resolve;
use strata_spec::{MetricsBackend, MonitoringPlacement, Service};

use crate::builder::{Cx, list, map, r};

/// The in-cluster address of the Prometheus kube-prometheus-stack installs
/// (its `<release>-prometheus` service in `monitoring`).
pub const IN_CLUSTER_PROMETHEUS: &str =
    "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";

/// The Prometheus an environment's queries go to: the cluster's own, or,
/// when monitoring is apart (the cluster's Prometheus is an agent that only
/// remote-writes), the management environment's, at the host the agents
/// write to.
pub fn prometheus_url(cx: &Cx) -> String {
    match monitoring_home(cx) {
        Some(mgmt) => format!("https://prometheus.{mgmt}.{}.internal", cx.spec.app),
        None => IN_CLUSTER_PROMETHEUS.to_owned(),
    }
}

/// The management environment the monitoring stack lives in, when apart.
fn monitoring_home(cx: &Cx) -> Option<String> {
    if cx.spec.observability.placement == MonitoringPlacement::SameCluster {
        return None;
    }
    cx.spec.observability.monitoring_environment.clone()
}

/// The addresses of the two gate alarms of an ECS service, in the order the
/// deployment group lists them.
pub fn codedeploy_alarms(cx: &Cx, om: &Module, service: &str) -> [Address; 2] {
    [
        cx.addr(
            om,
            Kind::AwsCloudwatchMetricAlarm,
            &format!("{service}_gate_error_rate"),
        ),
        cx.addr(
            om,
            Kind::AwsCloudwatchMetricAlarm,
            &format!("{service}_gate_p99_latency"),
        ),
    ]
}

/// One CloudWatch metric as a `metric_query` entry of an alarm.
fn alarm_metric(id: &str, metric: &str, stat: &str, dims: Value) -> Value {
    map([
        ("id", id.into()),
        ("return_data", false.into()),
        (
            "metric",
            map([
                ("namespace", "AWS/ApplicationELB".into()),
                ("metric_name", metric.into()),
                ("stat", stat.into()),
                ("period", 60u32.into()),
                ("dimensions", dims),
            ]),
        ),
    ])
}

/// The gate alarms of an ECS service behind the load balancer: the 5xx rate
/// in percent and the p99 `TargetResponseTime`, each over every target group
/// the service shifts between (blue and green), so the gate watches
/// whichever one takes production traffic.
#[allow(clippy::too_many_arguments)]
pub fn plan_codedeploy_alarms(
    cx: &mut Cx,
    m: &Module,
    name: &str,
    s: &Service,
    src: &[&str],
    topic: &Address,
    alb: &Address,
    tgs: &[Address],
) {
    let [err_addr, p99_addr] = codedeploy_alarms(cx, m, name);
    let dims = |tg: &Address| {
        map([
            ("LoadBalancer", r(alb, "arn_suffix")),
            ("TargetGroup", r(tg, "arn_suffix")),
        ])
    };
    let mut errors = Vec::new();
    let mut p99 = Vec::new();
    for (i, tg) in tgs.iter().enumerate() {
        errors.push(alarm_metric(
            &format!("errors_{i}"),
            "HTTPCode_Target_5XX_Count",
            "Sum",
            dims(tg),
        ));
        errors.push(alarm_metric(
            &format!("requests_{i}"),
            "RequestCount",
            "Sum",
            dims(tg),
        ));
        p99.push(alarm_metric(
            &format!("p99_{i}"),
            "TargetResponseTime",
            "p99",
            dims(tg),
        ));
    }
    let ids = |prefix: &str| {
        (0..tgs.len())
            .map(|i| format!("FILL({prefix}_{i}, 0)"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    errors.push(map([
        ("id", "error_rate".into()),
        (
            "expression",
            format!(
                "100 * ({}) / IF(({}) > 0, {}, 1)",
                ids("errors"),
                ids("requests"),
                ids("requests")
            )
            .into(),
        ),
        ("label", format!("{name} 5xx rate (%)").into()),
        ("return_data", true.into()),
    ]));
    let p99_ids: Vec<String> = (0..tgs.len()).map(|i| format!("p99_{i}")).collect();
    p99.push(map([
        ("id", "p99_latency".into()),
        (
            "expression",
            format!("MAX([{}])", p99_ids.join(", ")).into(),
        ),
        ("label", format!("{name} p99 latency (s)").into()),
        ("return_data", true.into()),
    ]));
    let gates = &s.deploy.gates;
    for (addr, queries, threshold, what) in [
        (
            err_addr,
            errors,
            gates.max_error_rate_percent,
            format!("5xx rate above {}%", gates.max_error_rate_percent),
        ),
        (
            p99_addr,
            p99,
            f64::from(gates.max_p99_latency_ms) / 1000.0,
            format!("p99 latency above {} ms", gates.max_p99_latency_ms),
        ),
    ] {
        let id = addr.name.to_string();
        cx.put(
            cx.res(
                m,
                Kind::AwsCloudwatchMetricAlarm,
                &id,
                Layer::Observability,
                src,
            )
            .with("alarm_name", cx.name(&id))
            .with(
                "alarm_description",
                format!("Deployment gate of {name}: {what}; CodeDeploy rolls back on alarm"),
            )
            .with("comparison_operator", "GreaterThanThreshold")
            .with("threshold", threshold)
            .with("evaluation_periods", 3u32)
            .with("datapoints_to_alarm", 2u32)
            .with("treat_missing_data", "notBreaching")
            .with("metric_query", Value::List(queries))
            .with("alarm_actions", list([r(topic, "arn")])),
        );
    }
}

/// The `AnalysisTemplate` spec of a service's gates. Where the environment's
/// metrics backend is CloudWatch the template uses Argo Rollouts'
/// `cloudWatch` provider over the load balancer's metrics for the service's
/// target group (`lb_tg`); otherwise the `prometheus` provider at
/// [`prometheus_url`].
pub fn analysis_spec(
    cx: &Cx,
    name: &str,
    s: &Service,
    lb_tg: Option<(&Address, &Address)>,
) -> Value {
    let err = s.deploy.gates.max_error_rate_percent / 100.0;
    let lat = f64::from(s.deploy.gates.max_p99_latency_ms) / 1000.0;
    let cloudwatch =
        resolve::metrics_backend(cx.spec, cx.env.runtime) == MetricsBackend::Cloudwatch;
    let (error_provider, latency_provider, error_ok, latency_ok) = match (cloudwatch, lb_tg) {
        (true, Some((lb, tg))) => {
            let metric = |id: &str, metric: &str, stat: &str| {
                map([
                    ("id", id.into()),
                    (
                        "metricStat",
                        map([
                            (
                                "metric",
                                map([
                                    ("namespace", "AWS/ApplicationELB".into()),
                                    ("metricName", metric.into()),
                                    (
                                        "dimensions",
                                        list([
                                            map([
                                                ("name", "LoadBalancer".into()),
                                                ("value", r(lb, "arn_suffix")),
                                            ]),
                                            map([
                                                ("name", "TargetGroup".into()),
                                                ("value", r(tg, "arn_suffix")),
                                            ]),
                                        ]),
                                    ),
                                ]),
                            ),
                            ("period", 60u32.into()),
                            ("stat", stat.into()),
                        ]),
                    ),
                    ("returnData", false.into()),
                ])
            };
            let provider = |queries: Vec<Value>| {
                map([(
                    "cloudWatch",
                    map([
                        ("interval", "2m".into()),
                        ("metricDataQueries", Value::List(queries)),
                    ]),
                )])
            };
            (
                provider(vec![
                    map([
                        ("id", "rate".into()),
                        (
                            "expression",
                            "errors / IF(requests > 0, requests, 1)".into(),
                        ),
                    ]),
                    metric("errors", "HTTPCode_Target_5XX_Count", "Sum"),
                    metric("requests", "RequestCount", "Sum"),
                ]),
                provider(vec![
                    metric("p99", "TargetResponseTime", "p99").with_return(),
                ]),
                format!("all(result[0].Values, {{# <= {err}}})"),
                format!("all(result[0].Values, {{# <= {lat}}})"),
            )
        }
        _ => {
            let provider = |q: String| {
                map([(
                    "prometheus",
                    map([("address", prometheus_url(cx).into()), ("query", q.into())]),
                )])
            };
            (
                provider(format!(
                    "sum(rate(http_requests_total{{service=\"{name}\",code=~\"5..\"}}[2m])) / clamp_min(sum(rate(http_requests_total{{service=\"{name}\"}}[2m])), 1e-9)"
                )),
                provider(format!(
                    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"{name}\"}}[2m])))"
                )),
                format!("result[0] <= {err}"),
                format!("result[0] <= {lat}"),
            )
        }
    };
    map([(
        "metrics",
        list([
            map([
                ("name", "error-rate".into()),
                ("interval", "1m".into()),
                ("failureLimit", 1u32.into()),
                ("successCondition", error_ok.into()),
                ("provider", error_provider),
            ]),
            map([
                ("name", "latency-p99".into()),
                ("interval", "1m".into()),
                ("failureLimit", 1u32.into()),
                ("successCondition", latency_ok.into()),
                ("provider", latency_provider),
            ]),
        ]),
    )])
}

/// `returnData: true` on a query map (the one whose values the gate judges).
trait WithReturn {
    fn with_return(self) -> Value;
}

impl WithReturn for Value {
    fn with_return(self) -> Value {
        match self {
            Value::Map(mut m) => {
                m.insert("returnData".to_owned(), true.into());
                Value::Map(m)
            }
            v => v,
        }
    }
}

/// The IRSA role Argo Rollouts' controller reads CloudWatch with, when the
/// gates are judged there: `cloudwatch:GetMetricData` only (the action has no
/// resource-level permissions). `None` when the environment's metrics are
/// not in CloudWatch.
pub fn rollouts_role(cx: &mut Cx, m: &Module, oidc: &Address, src: &[&str]) -> Option<Address> {
    if resolve::metrics_backend(cx.spec, cx.env.runtime) != MetricsBackend::Cloudwatch {
        return None;
    }
    let role = crate::workloads::irsa(
        cx,
        m,
        oidc,
        "argo_rollouts",
        "argo-rollouts",
        "argo-rollouts",
        src,
    );
    let p = cx.put(
        cx.res(
            m,
            Kind::AwsIamPolicy,
            "argo_rollouts",
            Layer::AppInfrastructure,
            src,
        )
        .with("name", cx.name("argo-rollouts"))
        .with(
            "policy",
            crate::builder::policy(vec![crate::builder::allow(
                "ReadDeploymentGates",
                &["cloudwatch:GetMetricData"],
                vec!["*".into()],
            )]),
        ),
    );
    crate::builder::attach(
        cx,
        m,
        &role,
        "irsa_argo_rollouts",
        r(&p, "arn"),
        Layer::AppInfrastructure,
        src,
    );
    Some(role)
}
