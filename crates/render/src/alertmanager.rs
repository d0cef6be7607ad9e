//! Alertmanager: each environment's routes, as the kube-prometheus-stack
//! application deploys them, written out on their own as
//! `observability/alertmanager/<env>.yml` so `amtool check-config` can judge
//! them and reviewers can read them.

use strata_model::{Kind, Plan, Value};

use crate::kubernetes::{Resolver, to_json};
use crate::{RenderError, Renderer, Tree, yaml};

/// The Alertmanager renderer.
pub struct Alertmanager;

impl Renderer for Alertmanager {
    fn name(&self) -> &'static str {
        "alertmanager"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let rv = Resolver::new(plan);
        for r in plan.graph.iter().filter(|r| {
            r.kind == Kind::Application && r.address.name.as_str() == "kube_prometheus_stack"
        }) {
            let config = r
                .get("spec")
                .and_then(Value::as_map)
                .and_then(|s| s.get("source"))
                .and_then(Value::as_map)
                .and_then(|s| s.get("helm"))
                .and_then(Value::as_map)
                .and_then(|h| h.get("valuesObject"))
                .and_then(Value::as_map)
                .and_then(|v| v.get("alertmanager"))
                .and_then(Value::as_map)
                .and_then(|a| a.get("config"));
            if let Some(config) = config {
                let path = format!("observability/alertmanager/{}.yml", r.address.env);
                out.insert(
                    path.clone(),
                    yaml("alertmanager", &path, &to_json(&rv, config))?,
                );
            }
        }
        Ok(())
    }
}
