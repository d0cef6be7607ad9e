//! The application's Helm chart: `deploy/charts/<app>/`, the path each
//! environment's Argo CD application syncs with `values-<env>.yaml`. One
//! template per Kubernetes kind ranges over that kind's objects in the
//! values; chart-level labels come from a helper. Rendering the chart with an
//! environment's values gives exactly that environment's manifests (the
//! tests render it with Helm's own engine and compare).

use serde_json::{Map, Value as J, json};
use strata_model::{Family, Kind, ModuleKind, Plan, Resource, Value};

use crate::kubernetes::{Resolver, manifest};
use crate::{RenderError, Renderer, Tree, yaml};

/// The Helm chart renderer.
pub struct Helm;

/// Kinds the chart templates, in template order.
const KINDS: &[Kind] = &[
    Kind::ServiceAccount,
    Kind::ConfigMap,
    Kind::ExternalSecret,
    Kind::Deployment,
    Kind::Rollout,
    Kind::AnalysisTemplate,
    Kind::Service,
    Kind::Ingress,
    Kind::Route,
    Kind::TargetGroupBinding,
    Kind::HorizontalPodAutoscaler,
    Kind::PodDisruptionBudget,
    Kind::NetworkPolicy,
];

/// The application's namespaced objects of one environment in one region
/// (`None`: the primary region).
fn objects<'a>(
    plan: &'a Plan,
    env: &'a strata_model::Ident,
    region: Option<&'a String>,
) -> Option<(String, Vec<&'a Resource>)> {
    let ns = plan
        .graph
        .in_env(env)
        .find(|r| r.kind == Kind::Namespace && r.address.module.region.as_ref() == region)
        .and_then(|r| r.get("name").and_then(Value::as_str))?
        .to_owned();
    let objs = plan
        .graph
        .in_env(env)
        .filter(|r| {
            r.kind.family() == Family::Kubernetes
                && r.address.module.kind == ModuleKind::Workloads
                && r.address.module.region.as_ref() == region
                && KINDS.contains(&r.kind)
                && r.get("namespace").and_then(Value::as_str) == Some(ns.as_str())
        })
        .collect();
    Some((ns, objs))
}

fn template(kind: Kind) -> String {
    let top = match kind {
        Kind::ConfigMap => "data:\n  {{- toYaml $o.data | nindent 2 }}",
        Kind::ServiceAccount => {
            "automountServiceAccountToken: {{ $o.automountServiceAccountToken }}"
        }
        _ => "spec:\n  {{- toYaml $o.spec | nindent 2 }}",
    };
    format!(
        "{{{{- range $name, $o := .Values.objects.{kind} }}}}\n---\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {{{{ $name }}}}\n  namespace: {{{{ $.Release.Namespace }}}}\n  labels:\n    {{{{- include \"strata.labels\" $ | nindent 4 }}}}\n    {{{{- with $o.labels }}}}\n    {{{{- toYaml . | nindent 4 }}}}\n    {{{{- end }}}}\n  {{{{- with $o.annotations }}}}\n  annotations:\n    {{{{- toYaml . | nindent 4 }}}}\n  {{{{- end }}}}\n{top}\n{{{{- end }}}}\n",
        kind = kind.as_str(),
        api = kind.api_version().unwrap_or("v1"),
    )
}

impl Renderer for Helm {
    fn name(&self) -> &'static str {
        "helm"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let rv = Resolver::new(plan);
        let dir = format!("deploy/charts/{}", plan.app);
        let mut any = false;
        let places: Vec<(&strata_model::Ident, Option<&String>)> = plan
            .environments
            .iter()
            .flat_map(|env| {
                let mut regions: Vec<Option<&String>> = plan
                    .graph
                    .in_env(env)
                    .filter(|r| r.kind == Kind::Namespace)
                    .map(|r| r.address.module.region.as_ref())
                    .collect();
                regions.sort();
                regions.into_iter().map(move |reg| (env, reg))
            })
            .collect();
        for (env, region) in places {
            let Some((_, objs)) = objects(plan, env, region) else {
                continue;
            };
            if objs.is_empty() {
                continue;
            }
            any = true;
            let mut by_kind: Map<String, J> = Map::new();
            for r in objs {
                let m = manifest(&rv, r);
                let name = m["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                // The chart adds its own labels; the object keeps the rest.
                let mut entry = Map::new();
                if let Some(l) = m["metadata"].get("labels") {
                    entry.insert("labels".into(), l.clone());
                }
                if let Some(a) = m["metadata"].get("annotations") {
                    entry.insert("annotations".into(), a.clone());
                }
                for key in ["spec", "data", "automountServiceAccountToken"] {
                    if let Some(v) = m.get(key) {
                        entry.insert(key.into(), v.clone());
                    }
                }
                by_kind
                    .entry(r.kind.as_str().to_owned())
                    .or_insert_with(|| J::Object(Map::new()))
                    .as_object_mut()
                    .map(|o| o.insert(name, J::Object(entry)));
            }
            // One values file per environment, and per secondary region.
            let path = match region {
                None => format!("{dir}/values-{env}.yaml"),
                Some(r) => format!("{dir}/values-{env}-{r}.yaml"),
            };
            out.insert(
                path.clone(),
                yaml("helm", &path, &json!({ "objects": by_kind }))?,
            );
        }
        if !any {
            return Ok(());
        }
        let chart = json!({
            "apiVersion": "v2",
            "name": plan.app,
            "description": format!("{}: the application's Kubernetes objects, per environment values", plan.app),
            "type": "application",
            "version": "0.1.0",
            "appVersion": plan.generation,
            "icon": "https://strata.dev/icon.svg",
            "maintainers": [{"name": "strata"}],
        });
        out.insert(
            format!("{dir}/Chart.yaml"),
            yaml("helm", "Chart.yaml", &chart)?,
        );
        let defaults: Map<String, J> = KINDS
            .iter()
            .map(|k| (k.as_str().to_owned(), json!({})))
            .collect();
        out.insert(
            format!("{dir}/values.yaml"),
            yaml("helm", "values.yaml", &json!({ "objects": defaults }))?,
        );
        out.insert(
            format!("{dir}/templates/_helpers.tpl"),
            "{{/* Generated by `strata render`; do not edit. */}}\n{{- define \"strata.labels\" -}}\nhelm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace \"+\" \"_\" }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end }}\n".to_owned(),
        );
        for kind in KINDS {
            let name = kind.as_str().to_ascii_lowercase();
            out.insert(format!("{dir}/templates/{name}.yaml"), template(*kind));
        }
        Ok(())
    }
}
