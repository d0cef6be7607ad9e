//! Pass 6: observability. An encrypted SNS topic for alerts and its routes;
//! CloudWatch alarms per service and store; SLOs as multi-window burn-rate
//! rules; collectors (Fluent Bit, Prometheus, OpenTelemetry) on Kubernetes;
//! Grafana dashboards in four folders — performance, business, security,
//! development — placed in the management environment when monitoring is apart.

use strata_model::{Address, Kind, Layer, Module, ModuleKind, Value};
use strata_spec::resolve::{self, Region};
use strata_spec::{
    AlertSeverity, Engine, LogsBackend, MetricsBackend, MonitoringPlacement, Receiver,
    TracesBackend,
};

use crate::builder::{Cx, attach, camel, list, map, r};
use crate::data::Stores;
use crate::keys::Keys;
use crate::network::Net;
use crate::workloads::{Workloads, application, application_res, irsa};

/// Burn-rate windows (long, short, factor) for a 30-day objective, as in the
/// multi-window, multi-burn-rate alerting practice.
pub const BURN_WINDOWS: [(&str, &str, f64, &str); 4] = [
    ("1h", "5m", 14.4, "critical"),
    ("6h", "30m", 6.0, "critical"),
    ("1d", "2h", 3.0, "warning"),
    ("3d", "6h", 1.0, "warning"),
];

fn monitoring_apart(cx: &Cx) -> bool {
    cx.spec.observability.placement != MonitoringPlacement::SameCluster
        && cx.spec.observability.monitoring_environment.is_some()
}

/// The environment whose log store `env` ships its logs to: the
/// management environment when monitoring is apart, else itself.
fn log_home<'e>(cx: &'e Cx, env: &'e resolve::Env) -> &'e resolve::Env {
    if monitoring_apart(cx) {
        let home = cx.spec.observability.monitoring_environment.as_deref();
        if let Some(h) = cx.envs.iter().find(|e| Some(e.name.as_str()) == home) {
            return h;
        }
    }
    env
}

/// The log store's domain name in `home` (OpenSearch allows 28 characters).
fn log_domain_name(cx: &Cx, home: &resolve::Env) -> String {
    format!("{}-{}-logs", cx.spec.app, home.name)
        .chars()
        .take(28)
        .collect()
}

/// What IAM calls the log store's indices: the domain's ARN with `/*`,
/// built from names so that another environment's policies can say it.
fn log_indices_arn(cx: &Cx, home: &resolve::Env) -> String {
    format!(
        "arn:aws:es:{}:{}:domain/{}/*",
        home.primary().name,
        home.account.as_deref().unwrap_or("${account_id}"),
        log_domain_name(cx, home)
    )
}

fn topic(cx: &mut Cx, m: &Module, keys: &Keys) -> Address {
    let t = cx.put(
        cx.res(
            m,
            Kind::AwsSnsTopic,
            "alerts",
            Layer::Observability,
            &["observability", "alerts"],
        )
        .with("name", cx.name("alerts"))
        .with("kms_master_key_id", r(&keys.data, "arn")),
    );
    for (i, route) in cx.spec.observability.alerts.clone().iter().enumerate() {
        if route.to == Receiver::Email {
            let idx = i.to_string();
            cx.put(
                cx.res(
                    m,
                    Kind::AwsSnsTopicSubscription,
                    &format!("alert_{i}"),
                    Layer::Observability,
                    &["observability", "alerts", &idx],
                )
                .with("topic_arn", r(&t, "arn"))
                .with("protocol", "email")
                .with("endpoint", route.target.clone()),
            );
        }
    }
    t
}

fn alarm(
    cx: &mut Cx,
    m: &Module,
    name: &str,
    src: &[&str],
    topic: &Address,
    metric: (&str, &str, &str),
    threshold: f64,
    dims: Value,
    comparison: &str,
) -> Address {
    cx.put(
        cx.res(
            m,
            Kind::AwsCloudwatchMetricAlarm,
            name,
            Layer::Observability,
            src,
        )
        .with("alarm_name", cx.name(name))
        .with("namespace", metric.0)
        .with("metric_name", metric.1)
        .with("statistic", metric.2)
        .with("period", 60u32)
        .with("evaluation_periods", 5u32)
        .with("datapoints_to_alarm", 3u32)
        .with("threshold", threshold)
        .with("comparison_operator", comparison)
        .with("treat_missing_data", "notBreaching")
        .with("dimensions", dims)
        .with("alarm_actions", list([r(topic, "arn")]))
        .with("ok_actions", list([r(topic, "arn")])),
    )
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys, net: &Net, wl: &Workloads, stores: &Stores) {
    let m = cx.module(ModuleKind::Observability, region);
    let topic = topic(cx, &m, keys);
    let kube = cx.env.runtime.is_kubernetes();
    let metrics = resolve::metrics_backend(cx.spec, cx.env.runtime);

    // Per service: alarms on ECS, burn-rate rules on Prometheus.
    for (name, svc) in wl.services.iter() {
        let Some(s) = resolve::service(cx.spec, &cx.env.name, name) else {
            continue;
        };
        let src_owned = ["services".to_owned(), name.clone()];
        let src: Vec<&str> = src_owned.iter().map(String::as_str).collect();
        if svc.main.kind == Kind::AwsEcsService {
            let dims = map([
                (
                    "ClusterName",
                    wl.cluster.as_ref().map_or(Value::Null, |c| r(c, "name")),
                ),
                ("ServiceName", r(&svc.main, "name")),
            ]);
            alarm(
                cx,
                &m,
                &format!("{name}_cpu_high"),
                &src,
                &topic,
                ("AWS/ECS", "CPUUtilization", "Average"),
                85.0,
                dims,
                "GreaterThanThreshold",
            );
            if let (Some(tg), Some(alb)) = (svc.target_groups.first(), &wl.alb) {
                let dims = map([
                    ("LoadBalancer", r(alb, "arn_suffix")),
                    ("TargetGroup", r(tg, "arn_suffix")),
                ]);
                alarm(
                    cx,
                    &m,
                    &format!("{name}_5xx"),
                    &src,
                    &topic,
                    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"),
                    10.0,
                    dims.clone(),
                    "GreaterThanThreshold",
                );
                alarm(
                    cx,
                    &m,
                    &format!("{name}_unhealthy"),
                    &src,
                    &topic,
                    ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum"),
                    0.0,
                    dims,
                    "GreaterThanThreshold",
                );
                if let Some(slo) = &s.slo {
                    slo_burn_alarms(cx, &m, name, &src, &topic, alb, tg, slo);
                }
                crate::gates::plan_codedeploy_alarms(
                    cx,
                    &m,
                    name,
                    &s,
                    &src,
                    &topic,
                    alb,
                    &svc.target_groups,
                );
            }
        }
        if metrics == MetricsBackend::Prometheus && kube {
            let slo = s.slo.clone().unwrap_or_default();
            let ns = wl
                .namespace
                .as_ref()
                .map_or(cx.spec.app.clone(), |n| n.1.clone());
            let budget = num((100.0 - slo.availability) / 100.0);
            let mut rules = Vec::new();
            for (long, short, factor, severity) in BURN_WINDOWS {
                rules.push(map([
                    ("alert", format!("{}ErrorBudgetBurn", camel(name)).into()),
                    ("expr", format!(
                        "(sum(rate(http_requests_total{{service=\"{name}\",code=~\"5..\"}}[{long}])) / sum(rate(http_requests_total{{service=\"{name}\"}}[{long}])) > {f} * {budget}) and (sum(rate(http_requests_total{{service=\"{name}\",code=~\"5..\"}}[{short}])) / sum(rate(http_requests_total{{service=\"{name}\"}}[{short}])) > {f} * {budget})",
                        f = factor
                    ).into()),
                    ("for", "2m".into()),
                    ("labels", map([("severity", severity.into()), ("service", name.clone().into()), ("window", long.into())])),
                    ("annotations", map([
                        ("summary", format!("{name} is burning its {}% error budget {factor}x too fast", slo.availability).into()),
                        ("runbook", format!("Check recent deploys of {name} and roll back if the burn started with one.").into()),
                    ])),
                ]));
            }
            if let Some(ms) = slo.latency_ms {
                rules.push(map([
                    ("alert", format!("{}LatencySlo", camel(name)).into()),
                    ("expr", format!("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"{name}\"}}[5m]))) > {}", f64::from(ms) / 1000.0).into()),
                    ("for", "10m".into()),
                    ("labels", map([("severity", "warning".into()), ("service", name.clone().into())])),
                    ("annotations", map([("summary", format!("{name} p99 latency is above {ms} ms").into())])),
                ]));
            }
            cx.put(
                cx.res(
                    &m,
                    Kind::PrometheusRule,
                    &format!("{name}_slo"),
                    Layer::Observability,
                    &src,
                )
                .with("name", format!("{}-slo", name))
                .with("namespace", ns)
                .with("labels", map([("release", "kube-prometheus-stack".into())]))
                .with(
                    "spec",
                    map([(
                        "groups",
                        list([
                            map([
                                ("name", format!("{name}-recording").into()),
                                ("rules", recording_rules(name)),
                            ]),
                            map([
                                ("name", format!("{name}-slo").into()),
                                ("rules", Value::List(rules)),
                            ]),
                        ]),
                    )]),
                )
                .with("objective", slo.availability)
                .with("window_days", slo.window_days),
            );
        }
    }
    for (name, store) in &stores.stores {
        let src = ["data", name.as_str()];
        match store.engine {
            e if e.is_aurora() => {
                let dims = map([("DBClusterIdentifier", r(&store.main, "cluster_identifier"))]);
                alarm(
                    cx,
                    &m,
                    &format!("{name}_cpu_high"),
                    &src,
                    &topic,
                    ("AWS/RDS", "CPUUtilization", "Average"),
                    80.0,
                    dims.clone(),
                    "GreaterThanThreshold",
                );
                alarm(
                    cx,
                    &m,
                    &format!("{name}_freeable_memory_low"),
                    &src,
                    &topic,
                    ("AWS/RDS", "FreeableMemory", "Minimum"),
                    268_435_456.0,
                    dims,
                    "LessThanThreshold",
                );
            }
            e if e.is_database() => {
                let dims = map([("DBInstanceIdentifier", r(&store.main, "identifier"))]);
                alarm(
                    cx,
                    &m,
                    &format!("{name}_cpu_high"),
                    &src,
                    &topic,
                    ("AWS/RDS", "CPUUtilization", "Average"),
                    80.0,
                    dims.clone(),
                    "GreaterThanThreshold",
                );
                alarm(
                    cx,
                    &m,
                    &format!("{name}_storage_low"),
                    &src,
                    &topic,
                    ("AWS/RDS", "FreeStorageSpace", "Minimum"),
                    5_368_709_120.0,
                    dims,
                    "LessThanThreshold",
                );
            }
            Engine::Sqs => {
                let dims = map([("QueueName", r(&store.main, "name"))]);
                alarm(
                    cx,
                    &m,
                    &format!("{name}_oldest_message"),
                    &src,
                    &topic,
                    ("AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum"),
                    900.0,
                    dims,
                    "GreaterThanThreshold",
                );
            }
            Engine::Redis => {
                let dims = map([("ReplicationGroupId", r(&store.main, "id"))]);
                alarm(
                    cx,
                    &m,
                    &format!("{name}_memory_high"),
                    &src,
                    &topic,
                    (
                        "AWS/ElastiCache",
                        "DatabaseMemoryUsagePercentage",
                        "Maximum",
                    ),
                    80.0,
                    dims,
                    "GreaterThanThreshold",
                );
            }
            _ => {}
        }
    }

    // Collectors.
    let apart = monitoring_apart(cx);
    let owns_cluster = wl.cluster.as_ref().is_some_and(|c| c.env == cx.env_id);
    if kube && owns_cluster {
        if let Some(oidc) = wl.oidc.clone() {
            logs_collector(cx, region, &m, keys, &oidc);
            traces_collector(cx, &m, &oidc);
            if metrics == MetricsBackend::Cloudwatch {
                cloudwatch_metrics(cx, &m, &oidc, wl);
            }
        }
        if metrics == MetricsBackend::Prometheus {
            let mut values = vec![
                ("grafana", map([("enabled", (!apart).into())])),
                (
                    "alertmanager",
                    if apart {
                        map([("enabled", false.into())])
                    } else {
                        alertmanager(cx, &topic, &region.name)
                    },
                ),
            ];
            let mut deps = Vec::new();
            if apart {
                let mgmt = cx
                    .spec
                    .observability
                    .monitoring_environment
                    .clone()
                    .unwrap_or_default();
                let mgmt_app = cx.addr_in(
                    &mgmt,
                    &Module::primary(ModuleKind::Observability),
                    Kind::Application,
                    "kube_prometheus_stack",
                );
                deps.push(mgmt_app);
                values.push((
                    "prometheus",
                    map([(
                        "prometheusSpec",
                        map([
                            ("agentMode", true.into()),
                            // Scrape every ServiceMonitor, not only the chart's own.
                            ("serviceMonitorSelectorNilUsesHelmValues", false.into()),
                            (
                                "externalLabels",
                                map([
                                    ("environment", cx.env.name.clone().into()),
                                    ("region", region.name.clone().into()),
                                ]),
                            ),
                            (
                                "remoteWrite",
                                list([map([(
                                    "url",
                                    format!(
                                        "https://prometheus.{mgmt}.{}.internal/api/v1/write",
                                        cx.spec.app
                                    )
                                    .into(),
                                )])]),
                            ),
                        ]),
                    )]),
                ));
            } else {
                values.push((
                    "prometheus",
                    map([(
                        "prometheusSpec",
                        map([
                            ("retention", "15d".into()),
                            ("ruleSelectorNilUsesHelmValues", false.into()),
                            ("serviceMonitorSelectorNilUsesHelmValues", false.into()),
                        ]),
                    )]),
                ));
            }
            let v = Value::Map(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            let mut res = application_res(
                cx,
                &m,
                "kube-prometheus-stack",
                "monitoring",
                Layer::Observability,
                &["observability"],
                v,
            );
            for d in &deps {
                res = res.after(d);
            }
            cx.put(res);
        }
    }
    if metrics == MetricsBackend::Prometheus && !kube && !apart {
        cx.put(
            cx.res(
                &m,
                Kind::AwsPrometheusWorkspace,
                "main",
                Layer::Observability,
                &["observability", "metrics"],
            )
            .with("alias", cx.name("metrics"))
            .with("kms_key_arn", r(&keys.data, "arn")),
        );
    }
    if cx.spec.observability.traces == TracesBackend::Xray && region.primary {
        cx.put(
            cx.res(
                &m,
                Kind::AwsXrayGroup,
                "app",
                Layer::Observability,
                &["observability", "traces"],
            )
            .with("group_name", cx.name("app"))
            .with(
                "filter_expression",
                format!("annotation.app = \"{}\"", cx.spec.app),
            )
            .with(
                "insights_configuration",
                map([
                    ("insights_enabled", true.into()),
                    ("notifications_enabled", true.into()),
                ]),
            ),
        );
    }
    if !apart && region.primary {
        log_store(cx, &m, keys, net);
        crate::dashboards::plan(cx, &m, wl);
    }
}

/// Multi-window burn-rate alarms on the load balancer's error ratio: each
/// window pair fires when both the long and the short window burn the error
/// budget faster than the factor allows.
#[allow(clippy::too_many_arguments)]
fn slo_burn_alarms(
    cx: &mut Cx,
    m: &Module,
    name: &str,
    src: &[&str],
    topic: &Address,
    alb: &Address,
    tg: &Address,
    slo: &strata_spec::Slo,
) {
    let budget = (100.0 - slo.availability) / 100.0;
    let dims = map([
        ("LoadBalancer", r(alb, "arn_suffix")),
        ("TargetGroup", r(tg, "arn_suffix")),
    ]);
    let metric = |id: &str, metric: &str, period: u32| {
        map([
            ("id", id.into()),
            ("return_data", false.into()),
            (
                "metric",
                map([
                    ("namespace", "AWS/ApplicationELB".into()),
                    ("metric_name", metric.into()),
                    ("stat", "Sum".into()),
                    ("period", period.into()),
                    ("dimensions", dims.clone()),
                ]),
            ),
        ])
    };
    let seconds = |w: &str| -> u32 {
        let (n, unit) = w.split_at(w.len() - 1);
        let n: u32 = n.parse().unwrap_or(1);
        match unit {
            "m" => n * 60,
            "h" => n * 3600,
            _ => n * 86_400,
        }
    };
    for (long, short, factor, severity) in BURN_WINDOWS.iter().take(2) {
        let threshold = num(factor * budget);
        let mut queries = Vec::new();
        for (tag, w) in [("long", long), ("short", short)] {
            let period = seconds(w);
            queries.push(metric(
                &format!("errors_{tag}"),
                "HTTPCode_Target_5XX_Count",
                period,
            ));
            queries.push(metric(&format!("requests_{tag}"), "RequestCount", period));
            queries.push(map([
                ("id", format!("ratio_{tag}").into()),
                (
                    "expression",
                    format!("errors_{tag} / IF(requests_{tag} > 0, requests_{tag}, 1)").into(),
                ),
                ("return_data", false.into()),
            ]));
        }
        queries.push(map([
            ("id", "burning".into()),
            (
                "expression",
                format!("IF(ratio_long > {threshold} AND ratio_short > {threshold}, 1, 0)").into(),
            ),
            (
                "label",
                format!(
                    "{name} burns its {}% budget {factor}x over {long}",
                    slo.availability
                )
                .into(),
            ),
            ("return_data", true.into()),
        ]));
        let id = format!("{name}_slo_burn_{long}");
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
                format!(
                    "{severity}: error budget of {name} ({}% over {} days) burning {factor}x",
                    slo.availability, slo.window_days
                ),
            )
            .with("comparison_operator", "GreaterThanOrEqualToThreshold")
            .with("threshold", 1.0)
            .with("evaluation_periods", 1u32)
            .with("treat_missing_data", "notBreaching")
            .with("metric_query", Value::List(queries))
            .with("alarm_actions", list([r(topic, "arn")])),
        );
    }
}

/// Alertmanager for the kube-prometheus-stack values: everything reaches the
/// environment's encrypted SNS topic (whose subscriptions carry e-mail
/// routes); PagerDuty and Slack routes from the spec page by severity, with
/// their keys read from files the secrets store mounts, never inline.
fn alertmanager(cx: &Cx, topic: &Address, region: &str) -> Value {
    let mut receivers = vec![map([
        ("name", "default".into()),
        (
            "sns_configs",
            list([map([
                ("topic_arn", r(topic, "arn")),
                ("sigv4", map([("region", region.into())])),
            ])]),
        ),
    ])];
    let mut routes = Vec::new();
    for (i, route) in cx.spec.observability.alerts.iter().enumerate() {
        let matcher = match route.severity {
            AlertSeverity::Critical => "severity=\"critical\"",
            AlertSeverity::Warning => "severity=~\"critical|warning\"",
            AlertSeverity::Info => "severity=~\".+\"",
        };
        let name = format!(
            "{}-{i}",
            match route.to {
                Receiver::Pagerduty => "pagerduty",
                Receiver::Slack => "slack",
                Receiver::Email => "email",
            }
        );
        let receiver = match route.to {
            // E-mail goes out through the SNS topic's subscriptions.
            Receiver::Email => continue,
            Receiver::Pagerduty => map([
                ("name", name.clone().into()),
                (
                    "pagerduty_configs",
                    list([map([(
                        "routing_key_file",
                        format!(
                            "/etc/alertmanager/secrets/alert-routes/{}",
                            route.target.replace('/', "-")
                        )
                        .into(),
                    )])]),
                ),
            ]),
            Receiver::Slack => map([
                ("name", name.clone().into()),
                (
                    "slack_configs",
                    list([map([
                        ("channel", route.target.clone().into()),
                        (
                            "api_url_file",
                            "/etc/alertmanager/secrets/alert-routes/slack-webhook".into(),
                        ),
                        ("send_resolved", true.into()),
                    ])]),
                ),
            ]),
        };
        receivers.push(receiver);
        routes.push(map([
            ("receiver", name.into()),
            ("matchers", list([matcher.into()])),
            ("continue", true.into()),
        ]));
    }
    map([
        ("enabled", true.into()),
        (
            "config",
            map([
                (
                    "route",
                    map([
                        ("receiver", "default".into()),
                        ("group_by", list(["alertname".into(), "service".into()])),
                        ("group_wait", "30s".into()),
                        ("group_interval", "5m".into()),
                        ("repeat_interval", "4h".into()),
                        ("routes", Value::List(routes)),
                    ]),
                ),
                ("receivers", Value::List(receivers)),
                (
                    "inhibit_rules",
                    list([map([
                        ("source_matchers", list(["severity=\"critical\"".into()])),
                        ("target_matchers", list(["severity=\"warning\"".into()])),
                        ("equal", list(["alertname".into(), "service".into()])),
                    ])]),
                ),
            ]),
        ),
    ])
}

/// Recording rules for a service's golden signals, so dashboards and ad-hoc
/// queries read cheap precomputed series.
fn recording_rules(service: &str) -> Value {
    let sel = format!("service=\"{service}\"");
    let rule = |record: &str, expr: String| {
        map([
            ("record", record.into()),
            ("expr", expr.into()),
            ("labels", map([("service", service.into())])),
        ])
    };
    list([
        rule(
            "service:http_requests:rate5m",
            format!("sum by (service) (rate(http_requests_total{{{sel}}}[5m]))"),
        ),
        rule(
            "service:http_errors:ratio_rate5m",
            format!(
                "sum by (service) (rate(http_requests_total{{{sel},code=~\"5..\"}}[5m])) / sum by (service) (rate(http_requests_total{{{sel}}}[5m]))"
            ),
        ),
        rule(
            "service:http_request_duration_seconds:p99_5m",
            format!(
                "histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))"
            ),
        ),
    ])
}

/// A number as people write it: at most nine decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn logs_collector(cx: &mut Cx, region: &Region, m: &Module, keys: &Keys, oidc: &Address) {
    let src = ["observability", "logs"];
    let lg = cx.log_group(
        m,
        "containers",
        "containers",
        Layer::Observability,
        &src,
        &keys.logs,
    );
    let role = irsa(cx, m, oidc, "fluent_bit", "logging", "fluent-bit", &src);
    let mut statements = vec![crate::builder::allow(
        "ShipLogs",
        &[
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogStreams",
        ],
        vec![r(&lg, "arn")],
    )];
    if cx.spec.observability.logs == LogsBackend::Opensearch {
        let indices = log_indices_arn(cx, log_home(cx, cx.env));
        statements.push(crate::builder::allow(
            "WriteLogStore",
            &["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut"],
            vec![indices.into()],
        ));
    }
    let p = cx.put(
        cx.res(
            m,
            Kind::AwsIamPolicy,
            "fluent_bit",
            Layer::Observability,
            &src,
        )
        .with("name", cx.name("fluent-bit"))
        .with("policy", crate::builder::policy(statements)),
    );
    attach(
        cx,
        m,
        &role,
        "irsa_fluent_bit",
        r(&p, "arn"),
        Layer::Observability,
        &src,
    );
    // The chart's own `config.outputs` (Fluent Bit's classic format); values
    // known only after apply come in through environment variables.
    let mut env_vars = Vec::new();
    let outputs = match cx.spec.observability.logs {
        LogsBackend::Cloudwatch => format!(
            "[OUTPUT]\n    Name              cloudwatch_logs\n    Match             kube.*\n    region            {}\n    log_group_name    /strata/{}/{}/containers\n    log_stream_prefix pod-\n    auto_create_group Off\n",
            region.name, cx.spec.app, cx.env.name
        ),
        LogsBackend::Opensearch => {
            let home = if monitoring_apart(cx) {
                cx.spec
                    .observability
                    .monitoring_environment
                    .clone()
                    .unwrap_or_default()
            } else {
                cx.env.name.clone()
            };
            let domain = cx.addr_in(
                &home,
                &Module::primary(ModuleKind::Observability),
                Kind::AwsOpensearchDomain,
                "logs",
            );
            env_vars.push(map([
                ("name", "OPENSEARCH_HOST".into()),
                ("value", r(&domain, "endpoint")),
            ]));
            format!(
                "[OUTPUT]\n    Name               opensearch\n    Match              kube.*\n    Host               ${{OPENSEARCH_HOST}}\n    Port               443\n    AWS_Auth           On\n    AWS_Region         {}\n    tls                On\n    tls.verify         On\n    Index              {}-{}\n    Suppress_Type_Name On\n",
                region.name, cx.spec.app, cx.env.name
            )
        }
    };
    application(
        cx,
        m,
        "fluent-bit",
        "logging",
        Layer::Observability,
        &src,
        map([
            (
                "serviceAccount",
                map([
                    ("name", "fluent-bit".into()),
                    (
                        "annotations",
                        map([("eks.amazonaws.com/role-arn", r(&role, "arn"))]),
                    ),
                ]),
            ),
            ("env", Value::List(env_vars)),
            ("config", map([("outputs", outputs.into())])),
        ]),
    );
}

/// The collector's pipeline: OTLP in, memory limit and batching, out to
/// X-Ray or to Jaeger (in the cluster, or over TLS to the management one).
fn otel_values(exporter: (&str, Value), role: Option<&Address>) -> Value {
    let mut values = vec![
        ("mode", Value::from("deployment")),
        (
            "image",
            map([("repository", "otel/opentelemetry-collector-contrib".into())]),
        ),
        (
            "config",
            map([
                (
                    "receivers",
                    map([(
                        "otlp",
                        map([(
                            "protocols",
                            map([
                                ("grpc", map([("endpoint", "${env:MY_POD_IP}:4317".into())])),
                                ("http", map([("endpoint", "${env:MY_POD_IP}:4318".into())])),
                            ]),
                        )]),
                    )]),
                ),
                (
                    "processors",
                    map([
                        ("batch", map([])),
                        (
                            "memory_limiter",
                            map([
                                ("check_interval", "5s".into()),
                                ("limit_percentage", 80u32.into()),
                                ("spike_limit_percentage", 25u32.into()),
                            ]),
                        ),
                    ]),
                ),
                (
                    "exporters",
                    Value::Map([(exporter.0.to_owned(), exporter.1)].into_iter().collect()),
                ),
                (
                    "service",
                    map([(
                        "pipelines",
                        map([(
                            "traces",
                            map([
                                ("receivers", list(["otlp".into()])),
                                (
                                    "processors",
                                    list(["memory_limiter".into(), "batch".into()]),
                                ),
                                ("exporters", list([exporter.0.into()])),
                            ]),
                        )]),
                    )]),
                ),
            ]),
        ),
    ];
    if let Some(role) = role {
        values.push((
            "serviceAccount",
            map([
                ("name", "opentelemetry-collector".into()),
                (
                    "annotations",
                    map([("eks.amazonaws.com/role-arn", r(role, "arn"))]),
                ),
            ]),
        ));
    }
    Value::Map(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Prometheus-format metrics scraped by the CloudWatch agent into CloudWatch
/// (Container Insights with Prometheus monitoring), as the three-VPC design
/// ships them.
fn cloudwatch_metrics(cx: &mut Cx, m: &Module, oidc: &Address, wl: &Workloads) {
    let Some(cluster) = wl.cluster.clone() else {
        return;
    };
    let src = ["observability", "metrics"];
    let role = irsa(
        cx,
        m,
        oidc,
        "cloudwatch_agent",
        "amazon-cloudwatch",
        "cloudwatch-agent",
        &src,
    );
    attach(
        cx,
        m,
        &role,
        "irsa_cloudwatch_agent",
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        Layer::Observability,
        &src,
    );
    cx.put(
        cx.res(
            m,
            Kind::AwsEksAddon,
            "amazon_cloudwatch_observability",
            Layer::Observability,
            &src,
        )
        .with("cluster_name", r(&cluster, "name"))
        .with("addon_name", "amazon-cloudwatch-observability")
        .with("service_account_role_arn", r(&role, "arn"))
        .with("resolve_conflicts_on_update", "OVERWRITE")
        .with(
            "configuration_values",
            map([
                ("containerLogs", map([("enabled", false.into())])),
                (
                    "agent",
                    map([(
                        "config",
                        map([(
                            "logs",
                            map([(
                                "metrics_collected",
                                map([
                                    (
                                        "kubernetes",
                                        map([("enhanced_container_insights", true.into())]),
                                    ),
                                    (
                                        "prometheus",
                                        map([
                                            ("cluster_name", r(&cluster, "name")),
                                            (
                                                "log_group_name",
                                                format!(
                                                    "/aws/containerinsights/{}/prometheus",
                                                    cx.name("main")
                                                )
                                                .into(),
                                            ),
                                            (
                                                "emf_processor",
                                                map([(
                                                    "metric_namespace",
                                                    "ContainerInsights/Prometheus".into(),
                                                )]),
                                            ),
                                        ]),
                                    ),
                                ]),
                            )]),
                        )]),
                    )]),
                ),
            ]),
        ),
    );
}

fn traces_collector(cx: &mut Cx, m: &Module, oidc: &Address) {
    let src = ["observability", "traces"];
    match cx.spec.observability.traces {
        TracesBackend::Xray => {
            let role = irsa(
                cx,
                m,
                oidc,
                "otel_collector",
                "observability",
                "opentelemetry-collector",
                &src,
            );
            attach(
                cx,
                m,
                &role,
                "irsa_otel_collector",
                "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
                Layer::Observability,
                &src,
            );
            let region = cx.env.regions[0].name.clone();
            let values = otel_values(("awsxray", map([("region", region.into())])), Some(&role));
            application(
                cx,
                m,
                "opentelemetry-collector",
                "observability",
                Layer::Observability,
                &src,
                values,
            );
        }
        TracesBackend::Jaeger => {
            let exporter = if monitoring_apart(cx) {
                let mgmt = cx
                    .spec
                    .observability
                    .monitoring_environment
                    .clone()
                    .unwrap_or_default();
                map([
                    (
                        "endpoint",
                        format!("jaeger.{mgmt}.{}.internal:4317", cx.spec.app).into(),
                    ),
                    ("tls", map([("insecure", false.into())])),
                ])
            } else {
                // Inside the cluster, on the pod network the NetworkPolicies guard.
                map([
                    ("endpoint", "jaeger-collector.observability.svc:4317".into()),
                    ("tls", map([("insecure", true.into())])),
                ])
            };
            let values = otel_values(("otlp/jaeger", exporter), None);
            application(
                cx,
                m,
                "opentelemetry-collector",
                "observability",
                Layer::Observability,
                &src,
                values,
            );
            if !monitoring_apart(cx) {
                application(
                    cx,
                    m,
                    "jaeger",
                    "observability",
                    Layer::Observability,
                    &src,
                    map([("storage", map([("type", "memory".into())]))]),
                );
            }
        }
    }
}

fn log_store(cx: &mut Cx, m: &Module, keys: &Keys, net: &Net) {
    if cx.spec.observability.logs != LogsBackend::Opensearch {
        return;
    }
    let sg = crate::network::sg(
        cx,
        &cx.module(ModuleKind::Network, &cx.env.regions[0]),
        "opensearch",
        &net.app_vpc,
        "log search",
    );
    let nm = cx.module(ModuleKind::Network, &cx.env.regions[0]);
    crate::network::ingress(
        cx,
        &nm,
        "opensearch_https",
        &sg,
        crate::network::Peer::Cidr(net.app_cidr.to_string()),
        443,
        "HTTPS from the VPC",
    );
    let zones = net.private.len().clamp(1, 3);
    let src = ["observability", "logs"];
    // Fine-grained access control's master user: a role people assume with
    // MFA, not a password in the internal database.
    let root = format!("arn:aws:iam::{}:root", crate::keys::account(cx));
    let admin = cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            "logs_admin",
            Layer::Observability,
            &src,
        )
        .with("name", cx.name("logs-admin"))
        .with(
            "description",
            "Administers the log store (its OpenSearch master user); MFA to assume",
        )
        .with(
            "assume_role_policy",
            crate::builder::trust_account_with_mfa(&root),
        )
        .with("max_session_duration", 3600u32),
    );
    // Who may reach the indices at all: the accounts of the environments
    // shipping here; fine-grained access control decides the rest.
    let shippers: std::collections::BTreeSet<String> = cx
        .envs
        .iter()
        .filter(|e| log_home(cx, e).name == cx.env.name)
        .map(|e| {
            format!(
                "arn:aws:iam::{}:root",
                e.account.as_deref().unwrap_or("${account_id}")
            )
        })
        .collect();
    let access = crate::builder::policy(vec![map([
        ("Sid", "ShipAndSearch".into()),
        ("Effect", "Allow".into()),
        (
            "Principal",
            map([(
                "AWS",
                // One principal as AWS writes it back: a string.
                if shippers.len() == 1 {
                    shippers
                        .into_iter()
                        .map(Value::from)
                        .collect::<Vec<_>>()
                        .remove(0)
                } else {
                    list(shippers.into_iter().map(Value::from))
                },
            )]),
        ),
        (
            "Action",
            list(
                [
                    "es:ESHttpGet",
                    "es:ESHttpHead",
                    "es:ESHttpPost",
                    "es:ESHttpPut",
                ]
                .map(Value::from),
            ),
        ),
        ("Resource", log_indices_arn(cx, cx.env).into()),
    ])]);
    cx.put(
        cx.res(
            m,
            Kind::AwsOpensearchDomain,
            "logs",
            Layer::Observability,
            &src,
        )
        .with("domain_name", log_domain_name(cx, cx.env))
        .with("access_policies", access)
        .with("engine_version", "OpenSearch_2.17")
        .with(
            "cluster_config",
            map([
                (
                    "instance_type",
                    if cx.env.production {
                        "r6g.large.search"
                    } else {
                        "t3.medium.search"
                    }
                    .into(),
                ),
                ("instance_count", Value::from(zones)),
                ("zone_awareness_enabled", (zones > 1).into()),
                ("dedicated_master_enabled", cx.env.production.into()),
            ]),
        )
        .with(
            "encrypt_at_rest",
            map([
                ("enabled", true.into()),
                ("kms_key_id", r(&keys.logs, "arn")),
            ]),
        )
        .with("node_to_node_encryption", map([("enabled", true.into())]))
        .with(
            "domain_endpoint_options",
            map([
                ("enforce_https", true.into()),
                (
                    "tls_security_policy",
                    "Policy-Min-TLS-1-2-PFS-2023-10".into(),
                ),
            ]),
        )
        .with(
            "advanced_security_options",
            map([
                ("enabled", true.into()),
                ("internal_user_database_enabled", false.into()),
                (
                    "master_user_options",
                    map([("master_user_arn", r(&admin, "arn"))]),
                ),
            ]),
        )
        .with(
            "vpc_options",
            map([
                (
                    "subnet_ids",
                    list(net.private.iter().take(zones).map(|s| r(s, "id"))),
                ),
                ("security_group_ids", list([r(&sg, "id")])),
            ]),
        )
        .with(
            "ebs_options",
            map([
                ("ebs_enabled", true.into()),
                ("volume_size", 100u32.into()),
                ("volume_type", "gp3".into()),
            ]),
        ),
    );
}

/// The management environment's monitoring stack.
pub fn plan_management(cx: &mut Cx, region: &Region, keys: &Keys, net: &Net, wl: &Workloads) {
    let m = cx.module(ModuleKind::Observability, region);
    let topic = topic(cx, &m, keys);
    if !region.primary {
        return;
    }
    if let Some(oidc) = wl.oidc.clone() {
        logs_collector(cx, region, &m, keys, &oidc);
    }
    application(
        cx,
        &m,
        "kube-prometheus-stack",
        "monitoring",
        Layer::Observability,
        &["observability"],
        map([
            (
                "grafana",
                map([
                    ("enabled", true.into()),
                    (
                        "sidecar",
                        map([(
                            "dashboards",
                            map([
                                ("enabled", true.into()),
                                ("folderAnnotation", "grafana_folder".into()),
                            ]),
                        )]),
                    ),
                ]),
            ),
            ("alertmanager", alertmanager(cx, &topic, &region.name)),
            (
                "prometheus",
                map([(
                    "prometheusSpec",
                    map([
                        ("enableRemoteWriteReceiver", true.into()),
                        ("retention", "30d".into()),
                    ]),
                )]),
            ),
        ]),
    );
    if cx.spec.observability.traces == TracesBackend::Jaeger {
        application(
            cx,
            &m,
            "jaeger",
            "observability",
            Layer::Observability,
            &["observability", "traces"],
            map([(
                "storage",
                map([(
                    "type",
                    if cx.spec.observability.logs == LogsBackend::Opensearch {
                        "elasticsearch"
                    } else {
                        "memory"
                    }
                    .into(),
                )]),
            )]),
        );
    }
    log_store(cx, &m, keys, net);
    crate::dashboards::plan(cx, &m, wl);
}
