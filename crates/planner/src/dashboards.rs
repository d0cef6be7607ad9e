//! Grafana dashboards in the four folders of the metrics hierarchy
//! (performance, business, security, development), over the environment's
//! metrics backend, and the Grafana that shows them.
//!
//! - Prometheus: PromQL over the families something planned emits — the
//!   app's services through their `ServiceMonitor`s (`http_*`), and what
//!   kube-prometheus-stack brings (cAdvisor through the kubelet,
//!   kube-state-metrics, the API server). Dashboards are shown by that
//!   chart's Grafana (in the management environment when monitoring is apart).
//! - CloudWatch: queries of Grafana's CloudWatch data source over the
//!   namespaces AWS publishes for what is planned (`AWS/ApplicationELB`,
//!   `AWS/ECS`, `ECS/ContainerInsights`, `ContainerInsights`, `AWS/WAFV2`)
//!   and Logs Insights over the log groups planned writers fill (VPC flow
//!   logs, Fluent Bit's container logs). Dashboards are shown by an Amazon
//!   Managed Grafana workspace planned here, whose role may read only those.
//!
//! A panel is a map: `{title, expr}` (PromQL), `{title, queries}` (CloudWatch
//! metrics: each `{id, namespace, metric_name, dimensions, statistic}` or
//! `{id, expression}` for metric math, the last one shown) or
//! `{title, log_groups, query}` (Logs Insights). The dashboard's `datasource`
//! says which data source type its panels use.

use strata_model::{Kind, Layer, Module, ModuleKind, Value};
use strata_spec::resolve;
use strata_spec::{Agent, Dashboards, MetricsBackend, TracesBackend};

use crate::builder::{Cx, list, map, r};
use crate::workloads::Workloads;

/// Folders every Grafana installation gets, per the reference architecture's
/// hierarchy of metrics.
pub const FOLDERS: [&str; 4] = ["performance", "business", "security", "development"];

/// A panel: its title and its queries.
type Panel = (String, Value);

fn prom(title: &str, expr: String) -> Panel {
    (title.to_owned(), map([("expr", expr.into())]))
}

fn cw(title: &str, queries: Vec<Value>) -> Panel {
    (title.to_owned(), map([("queries", Value::List(queries))]))
}

fn logs(title: &str, groups: Vec<String>, query: &str) -> Panel {
    (
        title.to_owned(),
        map([
            ("log_groups", list(groups.into_iter().map(Value::from))),
            ("query", query.into()),
        ]),
    )
}

/// One CloudWatch metric query.
fn metric(id: &str, namespace: &str, name: &str, stat: &str, dims: Value) -> Value {
    map([
        ("id", id.into()),
        ("namespace", namespace.into()),
        ("metric_name", name.into()),
        ("statistic", stat.into()),
        ("dimensions", dims),
    ])
}

fn math(id: &str, expression: &str) -> Value {
    map([("id", id.into()), ("expression", expression.into())])
}

/// Plans the dashboards of this environment (and the Grafana workspace that
/// shows them when the metrics are in CloudWatch). `wl` is this
/// environment's workloads.
pub fn plan(cx: &mut Cx, m: &Module, wl: &Workloads) {
    if cx.spec.observability.dashboards == Dashboards::Cloudwatch {
        cloudwatch_dashboard(cx, m);
        return;
    }
    let backend = resolve::metrics_backend(cx.spec, cx.env.runtime);
    let cloudwatch = backend == MetricsBackend::Cloudwatch;
    if cloudwatch {
        crate::grafana::workspace(cx, m);
    }
    let boards = if cloudwatch {
        cloudwatch_boards(cx, wl)
    } else {
        prometheus_boards(cx)
    };
    let datasource = if cloudwatch {
        "cloudwatch"
    } else {
        "prometheus"
    };
    let mut folders = Vec::new();
    for f in FOLDERS {
        folders.push(
            cx.put(
                cx.res(
                    m,
                    Kind::GrafanaFolder,
                    f,
                    Layer::Observability,
                    &["observability", "dashboards"],
                )
                .with("title", format!("{} / {}", cx.spec.app, f))
                .with("uid", format!("{}-{}-{f}", cx.spec.app, cx.env.name)),
            ),
        );
    }
    for (folder, name, title, panels) in boards {
        if panels.is_empty() {
            continue;
        }
        let panels: Vec<Value> = panels
            .into_iter()
            .map(|(t, q)| match q {
                Value::Map(mut q) => {
                    q.insert("title".to_owned(), t.into());
                    Value::Map(q)
                }
                q => q,
            })
            .collect();
        let uid = format!("{}-{}-{}", cx.spec.app, cx.env.name, name.replace('_', "-"))
            .chars()
            .take(40)
            .collect::<String>();
        cx.put(
            cx.res(
                m,
                Kind::GrafanaDashboard,
                &name,
                Layer::Observability,
                &["observability", "dashboards"],
            )
            .with("folder", r(&folders[folder], "uid"))
            .with("title", title)
            .with("uid", uid)
            .with("datasource", datasource)
            .with("panels", Value::List(panels)),
        );
    }
}

/// (folder index, resource name, title, panels).
type Board = (usize, String, String, Vec<Panel>);

/// PromQL over what kube-prometheus-stack and the services' ServiceMonitors
/// bring. Argo CD, Argo Rollouts and Falco run without metrics scraped, so
/// no panel asks for `argocd_*`, `rollout_*` or Falco's series.
fn prometheus_boards(cx: &Cx) -> Vec<Board> {
    let ns = cx.spec.app.clone();
    let mut boards = Vec::new();
    for s in cx.spec.services.keys() {
        boards.push((
            0,
            format!("{s}_performance"),
            format!("{s}: golden signals"),
            vec![
                prom("Requests per second", format!("sum(rate(http_requests_total{{service=\"{s}\"}}[5m]))")),
                prom(
                    "Error ratio",
                    format!(
                        "sum(rate(http_requests_total{{service=\"{s}\",code=~\"5..\"}}[5m])) / sum(rate(http_requests_total{{service=\"{s}\"}}[5m]))"
                    ),
                ),
                prom(
                    "p99 latency",
                    format!(
                        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"{s}\"}}[5m])))"
                    ),
                ),
                prom(
                    "CPU saturation",
                    format!("sum(rate(container_cpu_usage_seconds_total{{namespace=\"{ns}\",container=\"{s}\"}}[5m]))"),
                ),
            ],
        ));
    }
    boards.push((
        1,
        "business".to_owned(),
        format!("{}: business", cx.spec.app),
        vec![
            prom("Successful requests per minute", "sum(rate(http_requests_total{code=~\"2..\"}[1m])) * 60".to_owned()),
            prom(
                "Availability (30d)",
                "1 - sum(increase(http_requests_total{code=~\"5..\"}[30d])) / sum(increase(http_requests_total[30d]))".to_owned(),
            ),
        ],
    ));
    boards.push((
        2,
        "security".to_owned(),
        format!("{}: security", cx.spec.app),
        vec![
            prom(
                "Denied Kubernetes API requests",
                "sum by (code) (rate(apiserver_request_total{code=~\"401|403\"}[5m]))".to_owned(),
            ),
            prom(
                "NetworkPolicies per namespace",
                "count by (namespace) (kube_networkpolicy_created)".to_owned(),
            ),
        ],
    ));
    boards.push((
        3,
        "development".to_owned(),
        format!("{}: delivery", cx.spec.app),
        vec![
            prom(
                "New ReplicaSets (24h)",
                format!("count(time() - kube_replicaset_created{{namespace=\"{ns}\"}} < 86400)"),
            ),
            prom(
                "Pods not ready",
                format!("sum(kube_pod_status_ready{{namespace=\"{ns}\",condition=\"false\"}})"),
            ),
        ],
    ));
    boards
}

/// CloudWatch queries over the namespaces AWS publishes for what is planned.
fn cloudwatch_boards(cx: &Cx, wl: &Workloads) -> Vec<Board> {
    let kube = cx.env.runtime.is_kubernetes();
    let region = &cx.env.regions[0];
    let ns = wl
        .namespace
        .as_ref()
        .map_or(cx.spec.app.clone(), |n| n.1.clone());
    let cluster = wl.cluster.as_ref().map(|c| r(c, "name"));
    let insights = kube && container_insights(cx);
    let mut boards = Vec::new();
    for (s, svc) in &wl.services {
        let mut panels = Vec::new();
        if let (Some(alb), Some(tg)) = (&wl.alb, svc.target_groups.first()) {
            let dims = || {
                map([
                    ("LoadBalancer", r(alb, "arn_suffix")),
                    ("TargetGroup", r(tg, "arn_suffix")),
                ])
            };
            let elb = "AWS/ApplicationELB";
            panels.push(cw(
                "Requests per second",
                vec![
                    metric("requests", elb, "RequestCount", "Sum", dims()),
                    math("rps", "requests / PERIOD(requests)"),
                ],
            ));
            panels.push(cw(
                "Error ratio",
                vec![
                    metric("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", dims()),
                    metric("requests", elb, "RequestCount", "Sum", dims()),
                    math("ratio", "FILL(errors, 0) / IF(requests > 0, requests, 1)"),
                ],
            ));
            panels.push(cw(
                "p99 latency",
                vec![metric("p99", elb, "TargetResponseTime", "p99", dims())],
            ));
        }
        match (&cluster, svc.main.kind) {
            (Some(c), Kind::AwsEcsService) => panels.push(cw(
                "CPU saturation",
                vec![metric(
                    "cpu",
                    "AWS/ECS",
                    "CPUUtilization",
                    "Average",
                    map([
                        ("ClusterName", c.clone()),
                        ("ServiceName", r(&svc.main, "name")),
                    ]),
                )],
            )),
            (Some(c), _) if insights => panels.push(cw(
                "CPU saturation",
                vec![metric(
                    "cpu",
                    "ContainerInsights",
                    "pod_cpu_utilization",
                    "Average",
                    map([
                        ("ClusterName", c.clone()),
                        ("Namespace", ns.clone().into()),
                        ("PodName", s.clone().into()),
                    ]),
                )],
            )),
            _ => {}
        }
        boards.push((
            0,
            format!("{s}_performance"),
            format!("{s}: golden signals"),
            panels,
        ));
    }
    let mut business = Vec::new();
    if let Some(alb) = &wl.alb {
        let dims = || map([("LoadBalancer", r(alb, "arn_suffix"))]);
        let elb = "AWS/ApplicationELB";
        business.push(cw(
            "Successful requests per minute",
            vec![
                metric("ok", elb, "HTTPCode_Target_2XX_Count", "Sum", dims()),
                math("per_minute", "ok * 60 / PERIOD(ok)"),
            ],
        ));
        business.push(cw(
            "Availability",
            vec![
                metric("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", dims()),
                metric("requests", elb, "RequestCount", "Sum", dims()),
                math(
                    "availability",
                    "1 - FILL(errors, 0) / IF(requests > 0, requests, 1)",
                ),
            ],
        ));
    }
    boards.push((
        1,
        "business".to_owned(),
        format!("{}: business", cx.spec.app),
        business,
    ));
    let mut security = Vec::new();
    if let Some(acl) = planned(cx, ModuleKind::Edge, Kind::AwsWafv2WebAcl) {
        let metric_name = acl
            .get("visibility_config")
            .and_then(Value::as_map)
            .and_then(|v| v.get("metric_name"))
            .cloned()
            .unwrap_or(Value::Null);
        security.push(cw(
            "WAF blocked requests",
            vec![metric(
                "blocked",
                "AWS/WAFV2",
                "BlockedRequests",
                "Sum",
                map([
                    ("WebACL", metric_name),
                    ("Region", region.name.clone().into()),
                    ("Rule", "ALL".into()),
                ]),
            )],
        ));
    }
    let flow_groups = flow_log_groups(cx);
    if !flow_groups.is_empty() {
        security.push(logs(
            "Rejected network flows",
            flow_groups,
            "filter action = \"REJECT\" | stats count(*) as rejected by bin(5m)",
        ));
    }
    let falco = kube && resolve::agents(cx.spec, cx.env).contains(&Agent::Falco);
    if let (true, Some(group)) = (falco, containers_log_group(cx)) {
        security.push(logs(
            "Falco events",
            vec![group],
            "filter kubernetes.namespace_name = \"falco\" and @message like /Warning|Error|Critical|Alert|Emergency/ | stats count(*) as events by bin(5m)",
        ));
    }
    boards.push((
        2,
        "security".to_owned(),
        format!("{}: security", cx.spec.app),
        security,
    ));
    let mut development = Vec::new();
    for (s, svc) in &wl.services {
        match (&cluster, svc.main.kind) {
            (Some(c), Kind::AwsEcsService) => development.push(cw(
                &format!("{s}: running tasks"),
                vec![metric(
                    "running",
                    "ECS/ContainerInsights",
                    "RunningTaskCount",
                    "Average",
                    map([
                        ("ClusterName", c.clone()),
                        ("ServiceName", r(&svc.main, "name")),
                    ]),
                )],
            )),
            (Some(c), _) if insights => {
                let dims = map([
                    ("ClusterName", c.clone()),
                    ("Namespace", ns.clone().into()),
                    ("PodName", s.clone().into()),
                ]);
                development.push(cw(
                    &format!("{s}: container restarts"),
                    vec![metric(
                        "restarts",
                        "ContainerInsights",
                        "pod_number_of_container_restarts",
                        "Sum",
                        dims,
                    )],
                ));
            }
            _ => {}
        }
    }
    boards.push((
        3,
        "development".to_owned(),
        format!("{}: delivery", cx.spec.app),
        development,
    ));
    boards
}

/// The first resource of `kind` planned in this environment's `module` of
/// the primary region.
fn planned(cx: &Cx, module: ModuleKind, kind: Kind) -> Option<strata_model::Resource> {
    let m = cx.module(module, &cx.env.regions[0]);
    cx.graph()
        .iter()
        .find(|res| res.kind == kind && res.address.env == cx.env_id && res.address.module == m)
        .cloned()
}

/// Names of the log groups this environment's VPC flow logs write to (in
/// the primary region).
fn flow_log_groups(cx: &Cx) -> Vec<String> {
    let m = cx.module(ModuleKind::Network, &cx.env.regions[0]);
    let g = cx.graph();
    g.iter()
        .filter(|res| {
            res.kind == Kind::AwsFlowLog && res.address.env == cx.env_id && res.address.module == m
        })
        .filter_map(|f| f.get("log_destination").and_then(Value::as_ref))
        .filter_map(|d| g.get(&d.address))
        .filter(|lg| lg.kind == Kind::AwsCloudwatchLogGroup)
        .filter_map(|lg| lg.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// The container log group Fluent Bit ships to, when the logs go to
/// CloudWatch.
fn containers_log_group(cx: &Cx) -> Option<String> {
    let m = cx.module(ModuleKind::Observability, &cx.env.regions[0]);
    let lg = cx.addr(&m, Kind::AwsCloudwatchLogGroup, "containers");
    (cx.spec.observability.logs == strata_spec::LogsBackend::Cloudwatch)
        .then(|| cx.graph().get(&lg))
        .flatten()
        .and_then(|lg| lg.get("name").and_then(Value::as_str).map(str::to_owned))
}

/// Whether the cluster runs the CloudWatch observability add-on (Container
/// Insights).
fn container_insights(cx: &Cx) -> bool {
    let m = cx.module(ModuleKind::Observability, &cx.env.regions[0]);
    cx.has(&cx.addr(&m, Kind::AwsEksAddon, "amazon_cloudwatch_observability"))
}

/// `dashboards: cloudwatch`: one CloudWatch dashboard.
fn cloudwatch_dashboard(cx: &mut Cx, m: &Module) {
    let widgets: Vec<Value> = cx
        .spec
        .services
        .keys()
        .map(|s| {
            map([
                ("type", "metric".into()),
                ("title", format!("{s}: CPU and errors").into()),
            ])
        })
        .collect();
    cx.put(
        cx.res(
            m,
            Kind::AwsCloudwatchDashboard,
            "app",
            Layer::Observability,
            &["observability", "dashboards"],
        )
        .with("dashboard_name", cx.name("app"))
        .with("widgets", Value::List(widgets)),
    );
}

/// Whether traces go to X-Ray (the workspace then reads X-Ray too).
pub(crate) fn xray(cx: &Cx) -> bool {
    cx.spec.observability.traces == TracesBackend::Xray
}
