//! Pass 9, once every environment is planned: what the GitOps objects
//! presuppose. Each EKS cluster gets Argo CD itself (a pinned `helm_release`
//! of the argo-cd chart, private: no public service, no insecure server, no
//! Dex) and, through a second release of the argocd-apps chart, the
//! `platform` project the add-on applications name and a root application
//! per environment running on the cluster (app of apps) that syncs
//! `kubernetes/<env>/` of the delivery repository: the add-ons, the app's
//! project and Argo CD application, policies and rules. The app's own objects
//! are left to that application (the chart at `deploy/charts/<app>/`), so
//! nothing is synced twice. `terraform apply` of the environment therefore
//! leaves a cluster that brings up the rest by itself.
//!
//! Runs after every environment because a soft-isolated environment's
//! objects run on a cluster an earlier environment owns, and its root
//! application belongs with that cluster's Argo CD.

use std::collections::BTreeSet;

use strata_model::{Address, Family, Ident, Kind, Layer, Module, ModuleKind, Resource, Value};
use strata_spec::MetricsBackend;
use strata_spec::resolve::{self, Region};

use crate::builder::{Cx, ident, list, map};

/// The chart that declares the `platform` project and the root applications.
pub const ARGO_CD_APPS: (&str, &str, &str) = (
    "https://argoproj.github.io/argo-helm",
    "argocd-apps",
    "2.0.2",
);

/// The Argo CD project every add-on application belongs to.
pub const PLATFORM_PROJECT: &str = "platform";

const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// The Git URL of the delivery repository Argo CD syncs from.
pub fn repo_url(cx: &Cx) -> String {
    let repo = cx
        .spec
        .delivery
        .repository
        .clone()
        .unwrap_or_else(|| format!("org/{}", cx.spec.app));
    format!("https://github.com/{repo}.git")
}

/// Values of the argo-cd chart, for the bootstrap release and the add-on
/// application alike: the API server reachable only inside the cluster
/// (ClusterIP, no ingress), TLS kept on, Dex off (the spec configures no
/// SSO), and metrics endpoints on when the plan runs Prometheus. Service
/// monitors stay off: their CRD arrives later, with kube-prometheus-stack.
pub fn argo_cd_values(cx: &Cx) -> Value {
    let metrics = resolve::metrics_backend(cx.spec, cx.env.runtime) == MetricsBackend::Prometheus;
    let on = || map([("metrics", map([("enabled", true.into())]))]);
    let mut server = vec![
        ("service", map([("type", "ClusterIP".into())])),
        ("ingress", map([("enabled", false.into())])),
    ];
    if metrics {
        server.push(("metrics", map([("enabled", true.into())])));
    }
    let mut values = vec![
        (
            "configs",
            map([("params", map([("server.insecure", false.into())]))]),
        ),
        ("dex", map([("enabled", false.into())])),
        (
            "global",
            map([(
                "domain",
                format!("argocd.{}.{}.internal", cx.env.name, cx.spec.app).into(),
            )]),
        ),
        ("server", pairs(server)),
    ];
    if metrics {
        values.extend([
            ("controller", on()),
            ("repoServer", on()),
            ("applicationSet", on()),
        ]);
    }
    pairs(values)
}

fn pairs(items: Vec<(&str, Value)>) -> Value {
    Value::Map(items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// What one environment's root application syncs from `kubernetes/<env>/`.
struct RootSource {
    env: Ident,
    /// `{delivery,workloads,...}/*.yaml`: this region's module directories.
    include: String,
    /// The app's objects, which its own application syncs from the chart.
    exclude: Option<String>,
    /// Chart repositories of the `platform` applications among them.
    repos: BTreeSet<String>,
}

/// `{a,b}` as Argo CD's glob alternation; one item stands alone.
fn alternatives(items: &BTreeSet<String>) -> String {
    let v: Vec<&str> = items.iter().map(String::as_str).collect();
    match v.as_slice() {
        [one] => (*one).to_owned(),
        _ => format!("{{{}}}", v.join(",")),
    }
}

/// The root source of `env`'s objects in the region of module `m`, or
/// `None` when it has none there.
fn root_source(graph: &strata_model::Graph, env: &Ident, m: &Module) -> Option<RootSource> {
    let objects: Vec<&Resource> = graph
        .in_env(env)
        .filter(|r| r.kind.family() == Family::Kubernetes && r.address.module.region == m.region)
        .collect();
    if objects.is_empty() {
        return None;
    }
    let dirs: BTreeSet<String> = objects
        .iter()
        .map(|r| format!("{}/*.yaml", r.address.module))
        .collect();
    let s = |r: &Resource, k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
    let chart_synced = objects.iter().any(|r| {
        r.kind == Kind::Application
            && r.get("spec")
                .and_then(|v| v.as_map())
                .and_then(|sp| sp.get("source"))
                .and_then(|v| v.as_map())
                .and_then(|so| so.get("path"))
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with("deploy/charts/"))
    });
    let app_ns = objects
        .iter()
        .find(|r| r.kind == Kind::Namespace && r.address.module.kind == ModuleKind::Workloads)
        .and_then(|r| s(r, "name"));
    let chart_kinds: BTreeSet<String> = objects
        .iter()
        .filter(|r| {
            chart_synced
                && r.kind != Kind::Namespace
                && r.address.module.kind == ModuleKind::Workloads
                && app_ns.is_some()
                && s(r, "namespace") == app_ns
        })
        .map(|r| r.kind.as_str().to_ascii_lowercase())
        .collect();
    let workloads = Module {
        kind: ModuleKind::Workloads,
        region: m.region.clone(),
    };
    let exclude = (!chart_kinds.is_empty())
        .then(|| format!("{workloads}/{}-*.yaml", alternatives(&chart_kinds)));
    let repos = objects
        .iter()
        .filter(|r| r.kind == Kind::Application)
        .filter_map(|r| {
            let spec = r.get("spec")?.as_map()?;
            (spec.get("project")?.as_str()? == PLATFORM_PROJECT)
                .then(|| spec.get("source")?.as_map()?.get("repoURL")?.as_str())
                .flatten()
                .map(str::to_owned)
        })
        .collect();
    Some(RootSource {
        env: env.clone(),
        include: alternatives(&dirs),
        exclude,
        repos,
    })
}

/// The root application of one environment, as the argocd-apps chart takes it.
fn root_app(cx: &Cx, src: &RootSource) -> Value {
    let gitops = &cx.spec.delivery.gitops;
    let mut directory = vec![
        ("recurse", true.into()),
        ("include", src.include.clone().into()),
    ];
    if let Some(x) = &src.exclude {
        directory.push(("exclude", x.clone().into()));
    }
    let mut sync = vec![
        (
            "syncOptions",
            list([
                "SkipDryRunOnMissingResource=true".into(),
                "PruneLast=true".into(),
            ]),
        ),
        (
            "retry",
            map([
                ("limit", 10u32.into()),
                (
                    "backoff",
                    map([
                        ("duration", "30s".into()),
                        ("factor", 2u32.into()),
                        ("maxDuration", "5m".into()),
                    ]),
                ),
            ]),
        ),
    ];
    if gitops.auto_sync {
        sync.push((
            "automated",
            map([
                ("prune", gitops.prune.into()),
                ("selfHeal", gitops.self_heal.into()),
            ]),
        ));
    }
    map([
        ("namespace", "argocd".into()),
        ("project", PLATFORM_PROJECT.into()),
        (
            "source",
            map([
                ("repoURL", repo_url(cx).into()),
                ("targetRevision", cx.spec.delivery.branch.clone().into()),
                ("path", format!("kubernetes/{}", src.env).into()),
                ("directory", pairs(directory)),
            ]),
        ),
        (
            "destination",
            map([
                ("server", IN_CLUSTER.into()),
                ("namespace", "argocd".into()),
            ]),
        ),
        ("syncPolicy", pairs(sync)),
    ])
}

/// The `platform` project: the add-ons need cluster-wide rights (CRDs,
/// cluster roles, webhooks, namespaces), so it may deploy anywhere in this
/// cluster, but only from the delivery repository and the pinned charts'
/// repositories.
fn platform_project(cx: &Cx, repos: BTreeSet<String>) -> Value {
    map([
        ("namespace", "argocd".into()),
        (
            "description",
            format!(
                "Cluster add-ons and GitOps of {}, planned by Strata",
                cx.spec.app
            )
            .into(),
        ),
        ("sourceRepos", list(repos.into_iter().map(Value::from))),
        (
            "destinations",
            list([map([
                ("server", IN_CLUSTER.into()),
                ("namespace", "*".into()),
            ])]),
        ),
        (
            "clusterResourceWhitelist",
            list([map([("group", "*".into()), ("kind", "*".into())])]),
        ),
    ])
}

/// A pinned Helm release into the cluster's `argocd` namespace.
fn release(cx: &Cx, m: &Module, name: &str, chart: (&str, &str, &str), values: Value) -> Resource {
    cx.res(
        m,
        Kind::HelmRelease,
        name,
        Layer::AppProvisioning,
        &["delivery", "gitops"],
    )
    .with("name", name.replace('_', "-"))
    .with("repository", chart.0)
    .with("chart", chart.1)
    .with("version", chart.2)
    .with("namespace", "argocd")
    .with("values", values)
    .with("wait", true)
    .with("timeout", 900u32)
}

/// Plans the bootstrap of this environment's EKS cluster in `region`, if it
/// owns one that Kubernetes objects run on.
pub fn plan(cx: &mut Cx, region: &Region) {
    let m = cx.module(ModuleKind::Workloads, region);
    let graph = cx.graph();
    let Some(cluster) = graph
        .in_env(&cx.env_id)
        .find(|r| r.kind == Kind::AwsEksCluster && r.address.module == m)
        .map(|r| r.address.clone())
    else {
        return;
    };
    // The environments whose objects run here: this one, and those whose
    // namespace waits for this cluster (soft isolation).
    let served: Vec<Ident> = cx
        .envs
        .iter()
        .map(|e| ident(&e.name))
        .filter(|e| {
            *e == cx.env_id
                || graph
                    .in_env(e)
                    .any(|r| r.kind == Kind::Namespace && r.explicit_depends_on.contains(&cluster))
        })
        .collect();
    let sources: Vec<RootSource> = served
        .iter()
        .filter_map(|e| root_source(graph, e, &m))
        .collect();
    if sources.is_empty() {
        return;
    }
    // Argo CD needs nodes to run on and the cluster's DNS and networking.
    let needs: Vec<Address> = graph
        .in_env(&cx.env_id)
        .filter(|r| {
            r.address.module == m
                && matches!(r.kind, Kind::AwsEksNodeGroup | Kind::AwsEksAddon)
                && matches!(r.get("cluster_name"), Some(Value::Ref(x)) if x.address == cluster)
        })
        .map(|r| r.address.clone())
        .collect();
    let mut repos: BTreeSet<String> = BTreeSet::from([repo_url(cx)]);
    let mut apps = Vec::new();
    for s in &sources {
        repos.extend(s.repos.iter().cloned());
        let key = if s.env == cx.env_id {
            "root".to_owned()
        } else {
            format!("root-{}", s.env)
        };
        apps.push((key, root_app(cx, s)));
    }
    // The same pin as the `argo-cd` add-on application, which takes the
    // release over with the same values once Argo CD runs.
    let chart = crate::workloads::addon("argo-cd");
    let mut argo = release(cx, &m, "argo_cd", chart, argo_cd_values(cx))
        .with("create_namespace", true)
        .after(&cluster);
    for n in &needs {
        argo = argo.after(n);
    }
    let argo = cx.put(argo);
    let values = map([
        ("applications", Value::Map(apps.into_iter().collect())),
        (
            "projects",
            map([(PLATFORM_PROJECT, platform_project(cx, repos))]),
        ),
    ]);
    let apps = release(cx, &m, "argocd_apps", ARGO_CD_APPS, values)
        .after(&cluster)
        .after(&argo);
    cx.put(apps);
}
