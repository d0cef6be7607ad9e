//! Prometheus: the alerting rules of every environment (SLO burn-rate alerts
//! included), promtool unit tests that prove each burn-rate alert fires when
//! the error budget burns and stays quiet when it does not, and a Prometheus
//! configuration that loads the rules.

use std::collections::BTreeMap;

use serde_json::{Value as J, json};
use strata_model::{Ident, Kind, Plan, Value};

use crate::{RenderError, Renderer, Tree, yaml};

/// The Prometheus renderer.
pub struct Prometheus;

const DIR: &str = "observability/prometheus";

impl Renderer for Prometheus {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let mut any = false;
        for env in &plan.environments {
            let rules: Vec<&strata_model::Resource> = plan
                .graph
                .in_env(env)
                .filter(|r| r.kind == Kind::PrometheusRule)
                .collect();
            if rules.is_empty() {
                continue;
            }
            any = true;
            let mut groups: Vec<J> = Vec::new();
            for r in &rules {
                let spec = to_json(r.get("spec"));
                groups.extend(spec["groups"].as_array().cloned().unwrap_or_default());
            }
            let path = format!("{DIR}/rules/{env}.rules.yml");
            out.insert(
                path.clone(),
                yaml("prometheus", &path, &json!({ "groups": groups }))?,
            );
            let tests = unit_tests(env, &groups);
            let tpath = format!("{DIR}/tests/{env}.test.yml");
            out.insert(tpath.clone(), yaml("prometheus", &tpath, &tests)?);
        }
        if any {
            let config = json!({
                "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
                "rule_files": ["rules/*.rules.yml"],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["alertmanager:9093"]}]}]},
                // In the clusters, ServiceMonitors drive scraping; this file
                // loads the same rules for a standalone Prometheus, with
                // targets from files the deploy step writes.
                "scrape_configs": [
                    {"job_name": "prometheus", "static_configs": [{"targets": ["localhost:9090"]}]},
                    {"job_name": "services", "file_sd_configs": [{"files": ["targets/*.json"], "refresh_interval": "1m"}]}
                ]
            });
            let path = format!("{DIR}/prometheus.yml");
            out.insert(path.clone(), yaml("prometheus", &path, &config)?);
        }
        Ok(())
    }
}

fn to_json(v: Option<&Value>) -> J {
    v.and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or(J::Null)
}

/// Two tests per service with burn-rate alerts: ten percent of requests fail
/// (every window burns, every alert fires), and no request fails (nothing
/// fires).
fn unit_tests(env: &Ident, groups: &[J]) -> J {
    let mut tests = Vec::new();
    // Services whose error ratio is recorded, found once.
    let recorded_services: std::collections::BTreeSet<String> = groups
        .iter()
        .filter_map(|g| g["rules"].as_array())
        .flatten()
        .filter(|r| r["record"] == "service:http_errors:ratio_rate5m")
        .filter_map(|r| r["labels"]["service"].as_str().map(str::to_owned))
        .collect();
    for g in groups {
        let rules = g["rules"].as_array().cloned().unwrap_or_default();
        let mut burn: BTreeMap<String, Vec<&J>> = BTreeMap::new();
        for r in &rules {
            if let Some(name) = r["alert"]
                .as_str()
                .filter(|n| n.ends_with("ErrorBudgetBurn"))
            {
                burn.entry(name.to_owned()).or_default().push(r);
            }
        }
        for (alert, rs) in burn {
            let Some(service) = rs[0]["labels"]["service"].as_str() else {
                continue;
            };
            let series = |errors: u32| {
                json!([
                    {"series": format!("http_requests_total{{service=\"{service}\",code=\"500\"}}"), "values": format!("0+{errors}x180")},
                    {"series": format!("http_requests_total{{service=\"{service}\",code=\"200\"}}"), "values": format!("0+{}x180", 100 - errors)}
                ])
            };
            let expected: Vec<J> = rs
                .iter()
                .map(|r| json!({"exp_labels": r["labels"], "exp_annotations": r["annotations"]}))
                .collect();
            let mut burning = json!({
                "name": format!("{service} burning its error budget pages"),
                "interval": "1m",
                "input_series": series(10),
                "alert_rule_test": [{"eval_time": "90m", "alertname": alert, "exp_alerts": expected}]
            });
            // The recording rule for the error ratio reads exactly 10%.
            let recorded = recorded_services.contains(service);
            if recorded {
                burning["promql_expr_test"] = json!([{
                    "expr": format!("service:http_errors:ratio_rate5m{{service=\"{service}\"}}"),
                    "eval_time": "60m",
                    "exp_samples": [{"labels": format!("service:http_errors:ratio_rate5m{{service=\"{service}\"}}"), "value": 0.1}]
                }]);
            }
            tests.push(burning);
            tests.push(json!({
                "name": format!("{service} within its error budget stays quiet"),
                "interval": "1m",
                "input_series": series(0),
                "alert_rule_test": [{"eval_time": "90m", "alertname": alert, "exp_alerts": []}]
            }));
        }
    }
    json!({
        "rule_files": [format!("../rules/{env}.rules.yml")],
        "evaluation_interval": "1m",
        "tests": tests
    })
}
