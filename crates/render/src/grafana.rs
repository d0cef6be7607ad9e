//! Grafana dashboards as JSON models, one file per dashboard, in the four
//! folders of the reference architecture's hierarchy of metrics:
//! `observability/grafana/<env>/<folder>/<uid>.json`. The same models are
//! what the `grafana_dashboard` resources in Terraform carry; these files are
//! for provisioning Grafana from Git (and are type-checked against
//! `@grafana/schema` in the tests).

use serde_json::{Value as J, json};
use strata_model::{Kind, Plan, Resource, Value};

use crate::{RenderError, Renderer, Tree};

/// The Grafana renderer.
pub struct Grafana;

/// The dashboard JSON model of a `grafana_dashboard` resource.
pub fn model(r: &Resource, folder: &str, app: &str) -> J {
    let s = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let datasource = json!({"type": "prometheus", "uid": "${datasource}"});
    let panels: Vec<J> = r
        .get("panels")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let m = p.as_map();
            let field = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned();
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": field("title"),
                "datasource": datasource,
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
                "targets": [{"refId": "A", "datasource": datasource, "expr": field("expr")}],
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
        "templating": {"list": [{"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"}]},
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
                serde_json::to_string_pretty(&model(r, &folder, &plan.app)).map_err(|e| {
                    RenderError::Serialize {
                        renderer: "grafana",
                        path: path.clone(),
                        message: e.to_string(),
                    }
                })?;
            out.insert(path, format!("{text}\n"));
        }
        Ok(())
    }
}
