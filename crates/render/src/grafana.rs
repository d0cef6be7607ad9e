//! Grafana dashboards as JSON models, one file per dashboard, in the four
//! folders of the reference architecture's hierarchy of metrics:
//! `observability/grafana/<env>/<folder>/<uid>.json`. The same models are
//! what the `grafana_dashboard` resources in Terraform carry; these files are
//! for provisioning Grafana from Git (and are type-checked against
//! `@grafana/schema` in the tests).

use std::collections::BTreeMap;

use serde_json::{Value as J, json};
use strata_model::{Kind, Plan, Resource, Value};

use crate::{RenderError, Renderer, Tree};

/// The Grafana renderer.
pub struct Grafana;

/// A graph value in a dashboard: references to cloud attributes (a load
/// balancer's `arn_suffix` as a dimension) become the same
/// `${terraform:<address>.<attribute>}` placeholders the Kubernetes
/// manifests use; the `grafana_dashboard` resource in Terraform carries the
/// resolved values.
fn json(v: &Value) -> J {
    crate::value_json(v, &|r| {
        J::String(format!("${{terraform:{}.{}}}", r.address, r.attribute))
    })
}

/// The targets of one panel, in the data source's own query model: PromQL
/// (`expr`), CloudWatch metrics (`metricName`, `namespace`, `dimensions`,
/// `statistic`, or metric math in code mode; only the last query is shown)
/// or CloudWatch Logs Insights (`logGroups`, `expression`).
fn targets(p: &BTreeMap<String, Value>, datasource: &J, region: &str) -> Vec<J> {
    let text = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(expr) = p.get("expr").and_then(Value::as_str) {
        return vec![json!({"refId": "A", "datasource": datasource, "expr": expr})];
    }
    if let Some(groups) = p.get("log_groups").and_then(Value::as_list) {
        // By name: the groups' ARNs hold the account, which the plan may
        // not know.
        let groups: Vec<J> = groups.iter().map(json).collect();
        return vec![json!({
            "refId": "A", "datasource": datasource, "queryMode": "Logs", "region": region,
            "logGroupNames": groups, "expression": text("query"), "statsGroups": []
        })];
    }
    let queries = p.get("queries").and_then(Value::as_list).unwrap_or(&[]);
    queries
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let q = q.as_map()?;
            let f = |k: &str| {
                q.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let ref_id = ((b'A' + u8::try_from(i).unwrap_or(0)) as char).to_string();
            let hide = i + 1 != queries.len();
            Some(match q.get("expression").and_then(Value::as_str) {
                Some(e) => json!({
                    "refId": ref_id, "datasource": datasource, "queryMode": "Metrics",
                    "metricQueryType": 0, "metricEditorMode": 1, "id": f("id"),
                    "expression": e, "region": region, "hide": hide
                }),
                None => json!({
                    "refId": ref_id, "datasource": datasource, "queryMode": "Metrics",
                    "metricQueryType": 0, "metricEditorMode": 0, "id": f("id"),
                    "namespace": f("namespace"), "metricName": f("metric_name"),
                    "statistic": f("statistic"), "period": "", "matchExact": true,
                    "dimensions": q.get("dimensions").map_or(json!({}), json),
                    "region": region, "hide": hide
                }),
            })
        })
        .collect()
}

/// The dashboard JSON model of a `grafana_dashboard` resource; `region` is
/// where its CloudWatch queries go.
pub fn model(r: &Resource, folder: &str, app: &str, region: &str) -> J {
    let s = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind = r
        .get("datasource")
        .and_then(Value::as_str)
        .unwrap_or("prometheus");
    let datasource = json!({"type": kind, "uid": "${datasource}"});
    let empty = BTreeMap::new();
    let panels: Vec<J> = r
        .get("panels")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let m = p.as_map().unwrap_or(&empty);
            let title = m.get("title").and_then(Value::as_str).unwrap_or_default();
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": title,
                "datasource": datasource,
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
                "targets": targets(m, &datasource, region),
                "fieldConfig": {"defaults": {}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": true}}
            })
        })
        .collect();
    json!({
        "uid": s("uid"),
        "title": s("title"),
        "tags": ["strata", app, folder],
        "timezone": "browser",
        "editable": false,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "label": "Data source", "type": "datasource", "query": kind}]},
        "annotations": {"list": []},
        "panels": panels
    })
}

impl Renderer for Grafana {
    fn name(&self) -> &'static str {
        "grafana"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        for r in plan
            .graph
            .iter()
            .filter(|r| r.kind == Kind::GrafanaDashboard)
        {
            let folder = r
                .get("folder")
                .and_then(Value::as_ref)
                .map(|f| f.address.name.to_string())
                .unwrap_or_else(|| "general".to_owned());
            let uid = r.get("uid").and_then(Value::as_str).unwrap_or("dashboard");
            let path = format!(
                "observability/grafana/{}/{folder}/{uid}.json",
                r.address.env
            );
            let text =
                serde_json::to_string_pretty(&model(r, &folder, &plan.app, &region(plan, r)))
                    .map_err(|e| RenderError::Serialize {
                        renderer: "grafana",
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
            out.insert(path, format!("{text}\n"));
        }
        Ok(())
    }
}

/// The region a dashboard's CloudWatch queries go to: its Grafana data
/// source's `defaultRegion` in the same environment, else the first region
/// named by the environment's provider-level resources (the dashboard's own
/// module is in the primary region).
fn region(plan: &Plan, dashboard: &Resource) -> String {
    plan.graph
        .iter()
        .filter(|r| r.kind == Kind::GrafanaDataSource && r.address.env == dashboard.address.env)
        .filter_map(|r| r.get("json_data_encoded").and_then(Value::as_str))
        .filter_map(|j| serde_json::from_str::<J>(j).ok())
        .find_map(|j| j["defaultRegion"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The README's section on dashboards: per environment that has them, what
/// shows them and what they query. Where the metrics are in CloudWatch no
/// chart brings a Grafana, so the plan gives the environment an Amazon
/// Managed Grafana workspace; where they are in Prometheus,
/// kube-prometheus-stack's Grafana shows them beside the Prometheus the
/// dashboards query.
pub(crate) fn readme(plan: &Plan) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let mut envs: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for r in plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::GrafanaDashboard)
    {
        let kind = r
            .get("datasource")
            .and_then(Value::as_str)
            .unwrap_or("prometheus");
        envs.entry(r.address.env.as_str()).or_insert((kind, 0)).1 += 1;
    }
    if envs.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\n## Dashboards\n");
    let _ = writeln!(
        s,
        "Dashboards query only what something planned in their environment produces. \
         Values shown as `${{terraform:<address>.<attribute>}}` (a load balancer's ARN \
         suffix as a dimension) are known once that environment's Terraform is applied.\n"
    );
    for (env, (kind, n)) in envs {
        let shown = if kind == "cloudwatch" {
            let ws = plan
                .graph
                .iter()
                .any(|r| r.kind == Kind::AwsGrafanaWorkspace && r.address.env.as_str() == env);
            if ws {
                "the Amazon Managed Grafana workspace planned for it (IAM Identity Center sign-in, \
                 a role that may only read CloudWatch metrics and this environment's log groups), \
                 through its `CloudWatch` data source"
            } else {
                "a Grafana with a CloudWatch data source"
            }
        } else {
            "kube-prometheus-stack's Grafana, over its Prometheus"
        };
        let _ = writeln!(
            s,
            "- `{env}`: {n} dashboards over {kind}, shown by {shown}."
        );
    }
    s
}
