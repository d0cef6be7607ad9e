//! Semantic validation: what the schema cannot say. References between
//! services, data stores and environments; names; regions and zones; address
//! space; secrets kept out of the spec (by variable name, and credentials
//! found inside any value by `strata_model::find_credential`); what declared
//! frameworks require of production environments. Every check reports at the span that is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::diag::{Diagnostic, did_you_mean};
use crate::regions;
use crate::resolve::{self, AllocProblem};
use crate::types::*;
use crate::yaml::Node;

struct Ctx<'a> {
    root: &'a Node,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// Span of the value at `path`, or of the nearest ancestor that exists.
    fn span(&self, path: &[&str]) -> Range<usize> {
        for n in (0..=path.len()).rev() {
            let p: Vec<String> = path[..n].iter().map(|s| (*s).to_owned()).collect();
            if let Some((node, key)) = self.root.at_path(&p) {
                // A defaulted field: point at the key of its parent, or the file start.
                if n < path.len() {
                    return key.cloned().unwrap_or(0..0);
                }
                return node.span.clone();
            }
        }
        0..0
    }

    /// Span of the key at `path` (for names), falling back to the value's span.
    fn key_span(&self, path: &[&str]) -> Range<usize> {
        let p: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        match self.root.at_path(&p) {
            Some((_, Some(k))) => k.clone(),
            _ => self.span(path),
        }
    }

    fn has(&self, path: &[&str]) -> bool {
        let p: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        self.root.at_path(&p).is_some()
    }

    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

const NAME_HELP: &str =
    "use lower-case letters, digits and `-`, starting with a letter, at most 32 characters";

fn valid_name(n: &str) -> bool {
    (1..=32).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && !n.ends_with('-')
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_env_var(n: &str) -> bool {
    n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether an environment variable's name says it holds a secret.
pub(crate) fn looks_secret(var: &str) -> bool {
    let v = var.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| v.contains(w))
}

/// The secrets-store name suggested for variable `var` of service `svc`:
/// `web/database-url` for `DATABASE_URL` of `web`.
pub(crate) fn secret_name_for(svc: &str, var: &str) -> String {
    format!("{svc}/{}", var.to_ascii_lowercase().replace('_', "-"))
}

fn valid_secret_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 256
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

fn valid_hostname(h: &str) -> bool {
    h.len() <= 253
        && h.contains('.')
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Fargate's valid CPU units and memory ranges (MiB) for each.
pub(crate) fn fargate_memory_ok(cpu: u32, mem: u32) -> Option<bool> {
    let ok = match cpu {
        256 => [512, 1024, 2048].contains(&mem),
        512 => (1024..=4096).contains(&mem) && mem % 1024 == 0,
        1024 => (2048..=8192).contains(&mem) && mem % 1024 == 0,
        2048 => (4096..=16384).contains(&mem) && mem % 1024 == 0,
        4096 => (8192..=30720).contains(&mem) && mem % 1024 == 0,
        8192 => (16384..=61440).contains(&mem) && mem % 4096 == 0,
        16384 => (32768..=122880).contains(&mem) && mem % 8192 == 0,
        _ => return None,
    };
    Some(ok)
}

fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs every semantic check.
pub fn check(spec: &Spec, root: &Node) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        root,
        out: Vec::new(),
    };
    names(spec, &mut cx);
    regions_and_zones(spec, &mut cx);
    environments(spec, &mut cx);
    services(spec, &mut cx);
    data(spec, &mut cx);
    edge(spec, &mut cx);
    delivery(spec, &mut cx);
    observability(spec, &mut cx);
    security(spec, &mut cx);
    credentials_in_values(spec, &mut cx);
    let resolved = resolve::resolve(spec);
    addressing(spec, &resolved.problems, &mut cx);
    frameworks(spec, &resolved, &mut cx);
    let mut out = cx.out;
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

fn names(spec: &Spec, cx: &mut Ctx) {
    if !valid_name(&spec.app) {
        let span = cx.span(&["app"]);
        cx.push(
            Diagnostic::error(
                "spec::bad-name",
                format!("`{}` is not a valid application name", spec.app),
                span,
            )
            .with_help(NAME_HELP),
        );
    }
    for (section, keys) in [
        ("services", spec.services.keys().collect::<Vec<_>>()),
        ("data", spec.data.keys().collect()),
        ("environments", spec.environments.keys().collect()),
    ] {
        for k in keys {
            if !valid_name(k) {
                let span = cx.key_span(&[section, k]);
                cx.push(
                    Diagnostic::error(
                        "spec::bad-name",
                        format!("`{k}` is not a valid name in `{section}`"),
                        span,
                    )
                    .with_label("invalid name")
                    .with_help(NAME_HELP),
                );
            }
        }
    }
    for k in spec.services.keys() {
        if spec.data.contains_key(k) {
            let span = cx.key_span(&["data", k]);
            let first = cx.key_span(&["services", k]);
            cx.push(
                Diagnostic::error(
                    "spec::duplicate-name",
                    format!("`{k}` is both a service and a data store"),
                    span,
                )
                .with_label("data store named here")
                .with_related(first, "service with the same name")
                .with_help("rename one of them; `depends_on` must know which is meant"),
            );
        }
    }
}

fn region_check(cx: &mut Ctx, region: &str, path: &[&str]) -> bool {
    if regions::zones(region).is_some() {
        return true;
    }
    let span = cx.span(path);
    let help = match did_you_mean(region, regions::names()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "known regions: {}",
            regions::names().collect::<Vec<_>>().join(", ")
        ),
    };
    cx.push(
        Diagnostic::error(
            "spec::unknown-region",
            format!("`{region}` is not an AWS region Strata knows"),
            span,
        )
        .with_label("unknown region")
        .with_help(help),
    );
    false
}

fn regions_and_zones(spec: &Spec, cx: &mut Ctx) {
    let mut known = vec![];
    if region_check(cx, &spec.region, &["region"]) {
        known.push((spec.region.clone(), vec!["region".to_owned()]));
    }
    let mut seen = BTreeSet::from([spec.region.clone()]);
    for (i, r) in spec.additional_regions.iter().enumerate() {
        let idx = i.to_string();
        if !seen.insert(r.clone()) {
            let span = cx.span(&["additional_regions", &idx]);
            cx.push(
                Diagnostic::error(
                    "spec::duplicate-region",
                    format!("region `{r}` is listed twice"),
                    span,
                )
                .with_help("each region appears once, the primary in `region`"),
            );
            continue;
        }
        if region_check(cx, r, &["additional_regions", &idx]) {
            known.push((r.clone(), vec!["additional_regions".to_owned(), idx]));
        }
    }
    let mut asks: Vec<(u8, Vec<String>)> = vec![(spec.azs, vec!["azs".to_owned()])];
    for (name, e) in &spec.environments {
        if let Some(a) = e.azs {
            asks.push((a, vec!["environments".into(), name.clone(), "azs".into()]));
        }
    }
    for (azs, path) in asks {
        for (region, _) in &known {
            let have = regions::zones(region).map_or(0, |z| z.len());
            if usize::from(azs) > have {
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                let span = cx.span(&p);
                cx.push(
                    Diagnostic::error(
                        "spec::too-many-azs",
                        format!("{azs} availability zones asked for, but {region} has {have}"),
                        span,
                    )
                    .with_label(format!("{region} has {have}"))
                    .with_help(format!("use at most {have}, or choose another region")),
                );
            }
        }
    }
}

fn environments(spec: &Spec, cx: &mut Ctx) {
    if spec.environments.is_empty() {
        let span = cx.span(&["environments"]);
        cx.push(
            Diagnostic::error(
                "spec::no-environments",
                "the spec has no environments",
                span,
            )
            .with_help("list at least one, e.g. `environments: {dev: {}, prod: {}}`"),
        );
        return;
    }
    if !spec
        .environments
        .values()
        .any(|e| e.role == EnvironmentRole::Application)
    {
        let span = cx.span(&["environments"]);
        cx.push(
            Diagnostic::error(
                "spec::no-application-environment",
                "every environment is a management environment",
                span,
            )
            .with_help("services need at least one environment with `role: application`"),
        );
    }
    for (name, e) in &spec.environments {
        if let Some(acct) = &e.account {
            if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
                let span = cx.span(&["environments", name, "account"]);
                cx.push(
                    Diagnostic::error(
                        "spec::bad-account",
                        format!("`{acct}` is not an AWS account id"),
                        span,
                    )
                    .with_help("an account id is 12 digits; quote it to keep leading zeros"),
                );
            }
        }
        for (section, known) in [
            ("services", spec.services.keys().collect::<Vec<_>>()),
            ("data", spec.data.keys().collect()),
        ] {
            let overridden: Vec<&String> = if section == "services" {
                e.services.keys().collect()
            } else {
                e.data.keys().collect()
            };
            for o in overridden {
                if !known.contains(&o) {
                    let span = cx.key_span(&["environments", name, section, o]);
                    let help = match did_you_mean(o, known.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("defined in `{section}`: {}", list(&known)),
                    };
                    let what = if section == "services" {
                        "service"
                    } else {
                        "data store"
                    };
                    cx.push(
                        Diagnostic::error(
                            "spec::undefined-reference",
                            format!(
                                "environment `{name}` overrides {what} `{o}`, which is not defined"
                            ),
                            span,
                        )
                        .with_label(format!("no such {what}"))
                        .with_help(help),
                    );
                }
            }
        }
        if e.role == EnvironmentRole::Management && !e.services.is_empty() {
            let span = cx.span(&["environments", name, "services"]);
            cx.push(
                Diagnostic::error(
                    "spec::management-services",
                    format!("`{name}` is a management environment and runs no services"),
                    span,
                )
                .with_help("remove the overrides, or make the environment `role: application`"),
            );
        }
        for (svc, o) in &e.services {
            if let (true, Some(r)) = (spec.services.contains_key(svc), &o.replicas) {
                replicas_check(cx, r, &["environments", name, "services", svc, "replicas"]);
            }
        }
    }
}

fn replicas_check(cx: &mut Ctx, r: &Replicas, path: &[&str]) {
    if r.min > r.max {
        let mut p = path.to_vec();
        p.push("min");
        let span = cx.span(&p);
        cx.push(
            Diagnostic::error(
                "spec::replicas",
                format!("`min` replicas ({}) is more than `max` ({})", r.min, r.max),
                span,
            )
            .with_help("make `min` at most `max`"),
        );
    }
}

fn services(spec: &Spec, cx: &mut Ctx) {
    let targets: Vec<&str> = spec
        .services
        .keys()
        .chain(spec.data.keys())
        .map(String::as_str)
        .collect();
    let ecs_anywhere = spec.runtime == Runtime::EcsFargate
        || spec
            .environments
            .values()
            .any(|e| e.runtime == Some(Runtime::EcsFargate));
    for (name, s) in &spec.services {
        let base = ["services", name.as_str()];
        let at = |f: &'static str| [base[0], base[1], f];
        if s.image.is_some() && s.build.is_some() {
            let span = cx.span(&at("build"));
            cx.push(
                Diagnostic::error("spec::image-and-build", format!("service `{name}` has both `image` and `build`"), span)
                    .with_help("give `image` to run a published image, or `build` to build one in the pipeline"),
            );
        }
        if !s.path.starts_with('/') {
            let span = cx.span(&at("path"));
            cx.push(
                Diagnostic::error(
                    "spec::bad-path",
                    format!("path `{}` must start with `/`", s.path),
                    span,
                )
                .with_help(format!("write `/{}`", s.path)),
            );
        }
        if let Some(h) = &s.host {
            if !valid_hostname(h) {
                let span = cx.span(&at("host"));
                cx.push(Diagnostic::error(
                    "spec::bad-host",
                    format!("`{h}` is not a host name"),
                    span,
                ));
            }
        }
        if s.protocol == Protocol::Tcp && s.expose != Expose::None {
            let span = cx.span(&at("protocol"));
            cx.push(
                Diagnostic::error(
                    "spec::tcp-exposed",
                    format!("service `{name}` speaks raw TCP but is exposed through the HTTP load balancer"),
                    span,
                )
                .with_help("use `protocol: http` or `grpc`, or `expose: none`"),
            );
        }
        replicas_check(cx, &s.replicas, &at("replicas"));
        for (var, value) in &s.env {
            if !valid_env_var(var) {
                let span = cx.key_span(&["services", name, "env", var]);
                cx.push(
                    Diagnostic::error(
                        "spec::bad-env-name",
                        format!("`{var}` is not a valid environment variable name"),
                        span,
                    )
                    .with_help("use letters, digits and `_`, not starting with a digit"),
                );
            } else if looks_secret(var) && !value.is_empty() {
                let span = cx.span(&["services", name, "env", var]);
                cx.push(
                    Diagnostic::error(
                        "spec::inline-secret",
                        format!("`{var}` looks like a secret, and its value is written in the spec"),
                        span,
                    )
                    .with_label("secret value in plain text")
                    .with_help(format!(
                        "store it in the secrets store and reference it: `secrets: {{{var}: <secret-name>}}`"
                    )),
                );
            }
        }
        for (var, secret) in &s.secrets {
            if !valid_env_var(var) {
                let span = cx.key_span(&["services", name, "secrets", var]);
                cx.push(Diagnostic::error(
                    "spec::bad-env-name",
                    format!("`{var}` is not a valid environment variable name"),
                    span,
                ));
            }
            if !valid_secret_name(secret) || secret.len() > 64 && !secret.contains('/') {
                let span = cx.span(&["services", name, "secrets", var]);
                cx.push(
                    Diagnostic::error(
                        "spec::bad-secret-ref",
                        format!("`{var}` must name a secret in the store, and this does not look like a name"),
                        span,
                    )
                    .with_label("expected a secret name, e.g. `stripe/api-key`")
                    .with_help("the value lives in the secrets store; the spec only names it"),
                );
            }
        }
        let mut seen = BTreeSet::new();
        for (i, dep) in s.depends_on.iter().enumerate() {
            let idx = i.to_string();
            let span = cx.span(&["services", name, "depends_on", &idx]);
            if !seen.insert(dep) {
                cx.push(Diagnostic::warning(
                    "spec::duplicate-dependency",
                    format!("`{dep}` is listed twice"),
                    span,
                ));
                continue;
            }
            if dep == name {
                cx.push(Diagnostic::error(
                    "spec::self-dependency",
                    format!("service `{name}` depends on itself"),
                    span,
                ));
            } else if !targets.contains(&dep.as_str()) {
                let help = match did_you_mean(dep, targets.iter().copied()) {
                    Some(t) => format!("did you mean `{t}`?"),
                    None if targets.is_empty() => "define it under `services` or `data`".to_owned(),
                    None => format!("defined: {}", list(&targets)),
                };
                cx.push(
                    Diagnostic::error(
                        "spec::undefined-reference",
                        format!("service `{name}` depends on `{dep}`, which is neither a service nor a data store"),
                        span,
                    )
                    .with_label("not defined")
                    .with_help(help),
                );
            } else if let Some(other) = spec.services.get(dep) {
                if other.expose == Expose::None {
                    cx.push(
                        Diagnostic::error(
                            "spec::unreachable-dependency",
                            format!("service `{name}` depends on `{dep}`, which is not exposed (`expose: none`)"),
                            span,
                        )
                        .with_help(format!("give `{dep}` `expose: internal`")),
                    );
                }
            }
        }
        let d = &s.deploy;
        if d.strategy == Strategy::Canary {
            let ok = !d.steps.is_empty()
                && d.steps.windows(2).all(|w| w[0] < w[1])
                && d.steps.iter().all(|p| (1..=99).contains(p));
            if !ok {
                let span = cx.span(&["services", name, "deploy", "steps"]);
                cx.push(
                    Diagnostic::error(
                        "spec::canary-steps",
                        "canary steps must increase, each between 1 and 99 percent",
                        span,
                    )
                    .with_help("e.g. `steps: [10, 25, 50]`; the last step to 100% is implied"),
                );
            }
        }
        if ecs_anywhere {
            match fargate_memory_ok(s.cpu, s.memory) {
                None => {
                    let span = cx.span(&at("cpu"));
                    cx.push(
                        Diagnostic::error(
                            "spec::fargate-size",
                            format!("Fargate has no size with {} CPU units", s.cpu),
                            span,
                        )
                        .with_help("use 256, 512, 1024, 2048, 4096, 8192 or 16384"),
                    );
                }
                Some(false) => {
                    let span = cx.span(&at("memory"));
                    cx.push(
                        Diagnostic::error(
                            "spec::fargate-size",
                            format!("Fargate cannot run {} CPU units with {} MiB", s.cpu, s.memory),
                            span,
                        )
                        .with_help("see the Fargate task size table: 256 CPU takes 512, 1024 or 2048 MiB; 512 takes 1–4 GiB; 1024 takes 2–8 GiB"),
                    );
                }
                Some(true) => {}
            }
        }
    }
    // Cycles among services.
    let edges: BTreeMap<&str, Vec<&str>> = spec
        .services
        .iter()
        .map(|(n, s)| {
            let deps = s
                .depends_on
                .iter()
                .filter(|d| spec.services.contains_key(*d) && *d != n)
                .map(String::as_str)
                .collect();
            (n.as_str(), deps)
        })
        .collect();
    if let Some(cycle) = find_cycle(&edges) {
        let first = cycle[0];
        let span = cx.key_span(&["services", first]);
        cx.push(
            Diagnostic::error(
                "spec::dependency-cycle",
                format!(
                    "services depend on each other in a cycle: {}",
                    cycle.join(" → ")
                ),
                span,
            )
            .with_help("break the cycle: one of them must not depend on the other"),
        );
    }
}

/// A credential written inside a value (`DATABASE_URL: postgres://u:pw@db`),
/// wherever the spec takes free text: environment variables of services and
/// of environment overrides, tags, alert targets, the repository and images.
/// A variable whose name already looks secret is `spec::inline-secret`'s.
fn credentials_in_values(spec: &Spec, cx: &mut Ctx) {
    let env_help = |svc: &str, var: &str| {
        let name = secret_name_for(svc, var);
        format!("store it as `{name}` and reference it: `secrets: {{{var}: {name}}}`")
    };
    for (svc, s) in &spec.services {
        for (var, value) in &s.env {
            if !looks_secret(var) {
                let what = format!("`{var}` of service `{svc}`");
                let path = ["services", svc, "env", var];
                credential(cx, &path, value, &what, env_help(svc, var));
            }
        }
    }
    for (env, e) in &spec.environments {
        for (svc, o) in &e.services {
            for (var, value) in &o.env {
                let what = format!("`{var}` of service `{svc}` in `{env}`");
                let path = ["environments", env, "services", svc, "env", var];
                let help = format!("{} under `services.{svc}`", env_help(svc, var));
                credential(cx, &path, value, &what, help);
            }
        }
    }
    const ELSEWHERE: &str = "remove it from the spec, keep it in the secrets store, and rotate it: it is in version control";
    for (k, v) in &spec.tags {
        credential(cx, &["tags", k], v, &format!("tag `{k}`"), ELSEWHERE.into());
    }
    for (i, a) in spec.observability.alerts.iter().enumerate() {
        let path = ["observability", "alerts", &i.to_string(), "target"];
        let help = "give the name of the secret that holds it, e.g. `alerts/pagerduty-key`".into();
        credential(cx, &path, &a.target, "the alert target", help);
    }
    if let Some(repo) = &spec.delivery.repository {
        let help = "write the repository as `owner/name`; the pipeline authenticates through OIDC";
        credential(
            cx,
            &["delivery", "repository"],
            repo,
            "the repository",
            help.into(),
        );
    }
    for (svc, s) in &spec.services {
        for (field, v) in [("image", &s.image), ("build", &s.build)] {
            if let Some(v) = v {
                let what = format!("the {field} of service `{svc}`");
                credential(cx, &["services", svc, field], v, &what, ELSEWHERE.into());
            }
        }
    }
}

/// Reports the first credential in `value` (at `path`), if any.
fn credential(cx: &mut Ctx, path: &[&str], value: &str, what: &str, help: String) {
    let Some(found) = strata_model::find_credential(value) else {
        return;
    };
    let span = cx.span(path);
    let kind = found.credential.describe();
    cx.push(
        Diagnostic::error(
            "spec::credential-in-value",
            format!("{what} holds {kind}, written in the spec in plain text"),
            span,
        )
        .with_label(kind)
        .with_help(help),
    );
}

fn find_cycle<'a>(edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in edges.get(n).into_iter().flatten() {
            match state.get(m).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|x| *x == m).unwrap_or(0);
                    let mut c = stack[at..].to_vec();
                    c.push(m);
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for &n in edges.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn data(spec: &Spec, cx: &mut Ctx) {
    for (name, d) in &spec.data {
        let only = |field: &'static str, ok: bool, what: &'static str, cx: &mut Ctx| {
            if !ok && cx.has(&["data", name, field]) {
                let span = cx.key_span(&["data", name, field]);
                cx.push(
                    Diagnostic::error(
                        "spec::field-not-for-engine",
                        format!(
                            "`{field}` applies only to {what}, and `{name}` is {}",
                            engine_name(d.engine)
                        ),
                        span,
                    )
                    .with_label("not used by this engine")
                    .with_help("remove it"),
                );
            }
        };
        only("fifo", d.engine == Engine::Sqs, "sqs queues", cx);
        only("versioning", d.engine == Engine::S3, "s3 buckets", cx);
        only("iam_auth", d.engine.is_database(), "databases", cx);
        only("instances", d.engine.is_aurora(), "Aurora clusters", cx);
        only(
            "backup_retention_days",
            d.engine.is_database() || d.engine == Engine::Redis,
            "databases and caches",
            cx,
        );
        only(
            "instance_class",
            d.engine.is_database() || d.engine == Engine::Redis,
            "databases and caches",
            cx,
        );
        if let Some(class) = &d.instance_class {
            let prefix = if d.engine == Engine::Redis {
                "cache."
            } else {
                "db."
            };
            if (d.engine.is_database() || d.engine == Engine::Redis) && !class.starts_with(prefix) {
                let span = cx.span(&["data", name, "instance_class"]);
                cx.push(
                    Diagnostic::error(
                        "spec::bad-instance-class",
                        format!("`{class}` is not a {} instance class", engine_name(d.engine)),
                        span,
                    )
                    .with_help(format!("instance classes for this engine start with `{prefix}`, e.g. `{prefix}t4g.medium`")),
                );
            }
        }
    }
}

fn engine_name(e: Engine) -> &'static str {
    match e {
        Engine::AuroraMysql => "aurora-mysql",
        Engine::AuroraPostgresql => "aurora-postgresql",
        Engine::RdsPostgresql => "rds-postgresql",
        Engine::RdsMysql => "rds-mysql",
        Engine::Redis => "redis",
        Engine::Sqs => "sqs",
        Engine::S3 => "s3",
    }
}

fn edge(spec: &Spec, cx: &mut Ctx) {
    if let Some(d) = &spec.edge.domain {
        if !valid_hostname(d) {
            let span = cx.span(&["edge", "domain"]);
            cx.push(
                Diagnostic::error(
                    "spec::bad-domain",
                    format!("`{d}` is not a domain name"),
                    span,
                )
                .with_help("e.g. `shop.example.com`"),
            );
        }
    } else if let Some((name, _)) = spec
        .services
        .iter()
        .find(|(_, s)| s.expose == Expose::Public)
    {
        let span = cx.span(&["services", name, "expose"]);
        cx.push(
            Diagnostic::error(
                "spec::public-without-domain",
                format!("service `{name}` is public, but the spec has no `edge.domain` for its TLS certificate"),
                span,
            )
            .with_label("public service")
            .with_help("add `edge: {domain: app.example.com}`; Strata serves public traffic over HTTPS only"),
        );
    }
    if spec.edge.dns_routing == DnsRouting::Geo {
        // Each secondary region answers for its continent; two on one
        // continent would claim the same clients.
        let continent = |r: &str| match r.split('-').next().unwrap_or("") {
            "us" | "ca" => "North America",
            "sa" => "South America",
            "eu" | "il" => "Europe",
            "ap" | "me" => "Asia",
            "af" => "Africa",
            _ => "elsewhere",
        };
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, r) in spec.additional_regions.iter().enumerate() {
            let c = continent(r);
            if let Some(first) = seen.insert(c, r) {
                let span = cx.span(&["additional_regions", &i.to_string()]);
                cx.push(
                    Diagnostic::error(
                        "spec::geo-routing",
                        format!("geo routing sends {c} to one region, but both `{first}` and `{r}` are there"),
                        span,
                    )
                    .with_help("use `dns_routing: latency` for several regions on one continent"),
                );
            }
        }
    }
    if spec.edge.dns_routing != DnsRouting::Simple && spec.additional_regions.is_empty() {
        let span = cx.span(&["edge", "dns_routing"]);
        cx.push(
            Diagnostic::warning(
                "spec::routing-one-region",
                "DNS routing across regions is set, but the spec has one region",
                span,
            )
            .with_help("add `additional_regions`, or use `dns_routing: simple`"),
        );
    }
}

fn env_refs(cx: &mut Ctx, spec: &Spec, names: &[String], path: &[&str], what: &str) {
    let known: Vec<&str> = spec.environments.keys().map(String::as_str).collect();
    for (i, n) in names.iter().enumerate() {
        if !spec.environments.contains_key(n) {
            let idx = i.to_string();
            let mut p = path.to_vec();
            p.push(&idx);
            let span = cx.span(&p);
            let help = match did_you_mean(n, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("environments: {}", list(&known)),
            };
            cx.push(
                Diagnostic::error(
                    "spec::undefined-reference",
                    format!("{what} names environment `{n}`, which is not defined"),
                    span,
                )
                .with_label("no such environment")
                .with_help(help),
            );
        }
    }
}

fn delivery(spec: &Spec, cx: &mut Ctx) {
    let d = &spec.delivery;
    env_refs(
        cx,
        spec,
        &d.promotion,
        &["delivery", "promotion"],
        "the promotion order",
    );
    if let Some(a) = &d.approvals {
        env_refs(cx, spec, a, &["delivery", "approvals"], "`approvals`");
    }
    let mut seen = BTreeSet::new();
    for (i, n) in d.promotion.iter().enumerate() {
        if !seen.insert(n) {
            let span = cx.span(&["delivery", "promotion", &i.to_string()]);
            cx.push(Diagnostic::error(
                "spec::duplicate-name",
                format!("`{n}` appears twice in the promotion order"),
                span,
            ));
        }
        if spec
            .environments
            .get(n)
            .is_some_and(|e| e.role == EnvironmentRole::Management)
        {
            let span = cx.span(&["delivery", "promotion", &i.to_string()]);
            cx.push(Diagnostic::error(
                "spec::management-promotion",
                format!("`{n}` is a management environment; nothing is deployed to it"),
                span,
            ));
        }
    }
    if let Some(repo) = &d.repository {
        let shaped = match d.ci {
            Ci::GithubActions | Ci::GitlabCi => {
                let parts: Vec<&str> = repo.split('/').collect();
                parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && !p.contains(' '))
            }
            Ci::Codepipeline => !repo.is_empty() && !repo.contains(' '),
        };
        if !shaped {
            let span = cx.span(&["delivery", "repository"]);
            cx.push(
                Diagnostic::error(
                    "spec::bad-repository",
                    format!("`{repo}` is not a repository name"),
                    span,
                )
                .with_help("write it as `owner/name`"),
            );
        }
    }
}

fn observability(spec: &Spec, cx: &mut Ctx) {
    let o = &spec.observability;
    match (o.placement, &o.monitoring_environment) {
        (MonitoringPlacement::SameCluster, Some(_)) => {
            let span = cx.span(&["observability", "monitoring_environment"]);
            cx.push(
                Diagnostic::warning(
                    "spec::unused-monitoring-environment",
                    "`monitoring_environment` is set, but monitoring runs in each environment (`placement: same-cluster`)",
                    span,
                )
                .with_help("set `placement: own-cluster` or `own-account`, or remove the line"),
            );
        }
        (MonitoringPlacement::SameCluster, None) => {}
        (_, None) => {
            let span = cx.span(&["observability", "placement"]);
            cx.push(
                Diagnostic::error(
                    "spec::monitoring-environment",
                    "monitoring runs apart from the application, but no `monitoring_environment` says where",
                    span,
                )
                .with_help("add an environment with `role: management` and name it in `observability.monitoring_environment`"),
            );
        }
        (_, Some(m)) => match spec.environments.get(m) {
            None => {
                let span = cx.span(&["observability", "monitoring_environment"]);
                cx.push(
                    Diagnostic::error(
                        "spec::undefined-reference",
                        format!("monitoring environment `{m}` is not defined"),
                        span,
                    )
                    .with_help(format!(
                        "add `{m}: {{role: management}}` under `environments`"
                    )),
                );
            }
            Some(e) if e.role != EnvironmentRole::Management => {
                let span = cx.span(&["observability", "monitoring_environment"]);
                cx.push(
                    Diagnostic::error(
                        "spec::monitoring-environment",
                        format!("monitoring environment `{m}` runs the application; monitoring needs a place of its own"),
                        span,
                    )
                    .with_help(format!("give `{m}` `role: management`, or name a management environment")),
                );
            }
            Some(_) => {}
        },
    }
    for (i, a) in o.alerts.iter().enumerate() {
        let idx = i.to_string();
        let bad = match a.to {
            Receiver::Email => !a.target.contains('@'),
            Receiver::Pagerduty => !valid_secret_name(&a.target),
            Receiver::Slack => a.target.is_empty(),
        };
        if bad {
            let span = cx.span(&["observability", "alerts", &idx, "target"]);
            let help = match a.to {
                Receiver::Email => "give an e-mail address",
                Receiver::Pagerduty => {
                    "give the name of the secret holding the PagerDuty routing key"
                }
                Receiver::Slack => "give a channel such as `#alerts`",
            };
            cx.push(
                Diagnostic::error(
                    "spec::bad-alert-target",
                    format!("`{}` is not a valid target here", a.target),
                    span,
                )
                .with_help(help),
            );
        }
    }
}

fn security(spec: &Spec, cx: &mut Ctx) {
    let s = &spec.security;
    let mut seen = BTreeSet::new();
    for (i, f) in s.frameworks.iter().enumerate() {
        if !seen.insert(f) {
            let span = cx.span(&["security", "frameworks", &i.to_string()]);
            cx.push(Diagnostic::warning(
                "spec::duplicate-framework",
                format!("`{}` is listed twice", f.as_str()),
                span,
            ));
        }
    }
    if s.frameworks.contains(&Framework::CisK8s)
        && !spec.runtime.is_kubernetes()
        && !spec
            .environments
            .values()
            .any(|e| e.runtime.is_some_and(Runtime::is_kubernetes))
    {
        let idx = s
            .frameworks
            .iter()
            .position(|f| *f == Framework::CisK8s)
            .unwrap_or(0);
        let span = cx.span(&["security", "frameworks", &idx.to_string()]);
        cx.push(
            Diagnostic::warning(
                "spec::framework-not-applicable",
                "`cis-k8s` applies to Kubernetes, and no environment runs it",
                span,
            )
            .with_help("remove it, or run an environment on `eks` or `openshift`"),
        );
    }
    if s.config_recorder == ConfigRecorder::Existing && !s.config {
        let span = cx.span(&["security", "config_recorder"]);
        let off = cx.span(&["security", "config"]);
        cx.push(
            Diagnostic::error(
                "spec::config-recorder-without-config",
                "`config_recorder: existing` names the recorder AWS Config uses, but AWS Config is off",
                span,
            )
            .with_related(off, "turned off here")
            .with_help("remove `config_recorder`, or set `config: true`"),
        );
    }
    for (i, w) in s.waivers.iter().enumerate() {
        let idx = i.to_string();
        if w.reason.trim().len() < 10 {
            let span = cx.span(&["security", "waivers", &idx, "reason"]);
            cx.push(
                Diagnostic::error(
                    "spec::waiver-reason",
                    format!("the waiver of `{}` has no real reason", w.control),
                    span,
                )
                .with_help(
                    "say why the control does not apply, in a sentence a reviewer can check",
                ),
            );
        }
        if !w
            .control
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
            || w.control.is_empty()
        {
            let span = cx.span(&["security", "waivers", &idx, "control"]);
            cx.push(
                Diagnostic::error(
                    "spec::bad-control-id",
                    format!("`{}` is not a control id", w.control),
                    span,
                )
                .with_help(
                    "control ids look like `STRATA-AWS-012`; `strata check --list` shows them",
                ),
            );
        }
        env_refs(
            cx,
            spec,
            &w.environments,
            &["security", "waivers", &idx, "environments"],
            "a waiver",
        );
    }
}

fn addressing(_spec: &Spec, problems: &[AllocProblem], cx: &mut Ctx) {
    for p in problems {
        match p {
            AllocProblem::BadCidr {
                env: Some(env),
                text: _,
                reason,
                ..
            } => {
                let span = cx.span(&["environments", env, "cidr"]);
                cx.push(
                    Diagnostic::error("spec::bad-cidr", reason.clone(), span)
                        .with_help("a VPC CIDR is a private network such as 10.20.0.0/16"),
                );
            }
            AllocProblem::BadCidr {
                env: None,
                pool,
                reason,
                ..
            } => {
                let span = cx.span(&["network", pool.unwrap_or("network")]);
                cx.push(Diagnostic::error("spec::bad-cidr", reason.clone(), span));
            }
            AllocProblem::Overlap { a, b } => {
                let span_b = if b.1.is_empty() {
                    0..0
                } else {
                    cx.span(&["environments", &b.0, "cidr"])
                };
                let span_a = cx.span(&["environments", &a.0, "cidr"]);
                cx.push(
                    Diagnostic::error(
                        "spec::overlapping-cidr",
                        format!(
                            "the {} VPC of `{}` ({}) overlaps the {} VPC of `{}` ({})",
                            b.2.as_str(), b.0, b.3, a.2.as_str(), a.0, a.3
                        ),
                        span_b,
                    )
                    .with_label("overlaps")
                    .with_related(span_a, format!("`{}` uses {}", a.0, a.3))
                    .with_help("give each environment its own range, or remove `cidr` to let Strata allocate one"),
                );
            }
            AllocProblem::PoolExhausted { pool } => {
                let span = cx.span(&["network", pool]);
                cx.push(
                    Diagnostic::error(
                        "spec::pool-exhausted",
                        format!("`network.{pool}` has no room left for another /16 VPC"),
                        span,
                    )
                    .with_help("use a larger pool, fewer regions or fewer environments"),
                );
            }
            AllocProblem::PoolsOverlap => {
                let span = cx.span(&["network", "non_production_cidr"]);
                let other = cx.span(&["network", "production_cidr"]);
                cx.push(
                    Diagnostic::error(
                        "spec::pools-overlap",
                        "production and non-production address spaces overlap",
                        span,
                    )
                    .with_related(other, "production pool")
                    .with_help("PCI DSS asks for separate address spaces; use disjoint pools such as 10.0.0.0/9 and 10.128.0.0/9"),
                );
            }
        }
    }
}

/// What each framework requires of a production environment.
fn frameworks(spec: &Spec, resolved: &resolve::Resolved, cx: &mut Ctx) {
    let declared = &spec.security.frameworks;
    for env in resolved.envs.iter().filter(|e| e.production) {
        let name = env.name.as_str();
        // Dropping a declared framework in production.
        for f in declared {
            if !env.frameworks.contains(f) {
                let span = cx.span(&["environments", name, "frameworks"]);
                let decl = cx.span(&["security", "frameworks"]);
                cx.push(
                    Diagnostic::error(
                        "spec::production-drops-framework",
                        format!("production environment `{name}` does not enforce `{}`, which the spec declares", f.as_str()),
                        span,
                    )
                    .with_label(format!("`{}` missing", f.as_str()))
                    .with_related(decl, "declared here")
                    .with_help("production enforces every declared framework; add it back, or stop declaring it"),
                );
            }
        }
        let strict: Vec<&Framework> = env
            .frameworks
            .iter()
            .filter(|f| matches!(f, Framework::PciDss4 | Framework::Hipaa | Framework::Soc2))
            .collect();
        let Some(first) = strict.first() else {
            continue;
        };
        let fw = first.as_str();
        let decl = cx.span(&["security", "frameworks"]);
        let need = |ok: bool, path: Vec<&str>, what: String, help: &str, cx: &mut Ctx| {
            if !ok {
                let span = cx.span(&path);
                cx.push(
                    Diagnostic::error(
                        "spec::framework-requirement",
                        format!("{what} in production environment `{name}`, which `{fw}` requires"),
                        span,
                    )
                    .with_related(decl.clone(), format!("`{fw}` declared here"))
                    .with_help(help.to_owned()),
                );
            }
        };
        let flow_path = if spec
            .environments
            .get(name)
            .is_some_and(|e| e.flow_logs.is_some())
        {
            vec!["environments", name, "flow_logs"]
        } else {
            vec!["network", "flow_logs"]
        };
        need(
            env.flow_logs,
            flow_path,
            "VPC flow logs are off".into(),
            "turn `flow_logs` back on",
            cx,
        );
        need(
            spec.security.cloudtrail,
            vec!["security", "cloudtrail"],
            "CloudTrail is off".into(),
            "set `cloudtrail: true`",
            cx,
        );
        need(
            spec.security.config,
            vec!["security", "config"],
            "AWS Config is off".into(),
            "set `config: true`",
            cx,
        );
        if strict.contains(&&Framework::PciDss4) {
            need(
                spec.security.guardduty,
                vec!["security", "guardduty"],
                "GuardDuty is off".into(),
                "set `guardduty: true`",
                cx,
            );
            let public = spec.services.values().any(|s| s.expose == Expose::Public);
            need(
                !public || spec.edge.waf.enabled,
                vec!["edge", "waf", "enabled"],
                "public services have no WAF".into(),
                "set `edge.waf.enabled: true` (PCI DSS 6.4.2)",
                cx,
            );
        }
        for dname in spec.data.keys() {
            let Some(d) = resolve::data_store(spec, name, dname) else {
                continue;
            };
            if (d.engine.is_database() || d.engine == Engine::Redis) && d.backup_retention_days < 7
            {
                let path = if spec
                    .environments
                    .get(name)
                    .and_then(|e| e.data.get(dname))
                    .and_then(|o| o.backup_retention_days)
                    .is_some()
                {
                    vec!["environments", name, "data", dname, "backup_retention_days"]
                } else {
                    vec!["data", dname, "backup_retention_days"]
                };
                need(
                    false,
                    path,
                    format!(
                        "`{dname}` keeps {} days of backups",
                        d.backup_retention_days
                    ),
                    "keep at least 7 days of backups",
                    cx,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The lines (1-based) at which `spec::credential-in-value` is reported.
    fn credential_lines(spec: &str) -> Vec<u32> {
        let loaded = crate::load("strata.yaml", spec.as_bytes());
        loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == "spec::credential-in-value")
            .map(|d| loaded.source.line_col(d.span.start).0)
            .collect()
    }

    #[test]
    fn credentials_in_free_text_values_are_errors_and_names_are_not() {
        let spec = r#"app: shop
tags:
  cost-centre: "1234"
  notify: "https://ops:hunter2@hooks.example.com/x"
services:
  web:
    image: "registry.example.com/web:1.2"
    env:
      DB_PASSWORD: "postgres://u:pw@db/app"
      UPSTREAM: "https://${USER}:${PASSWORD}@api.example.com"
      GITHUB: "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    secrets:
      DATABASE_URL: web/database-url
observability:
  alerts:
    - {to: pagerduty, target: ops/pagerduty-key}
    - {to: slack, target: "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"}
delivery:
  repository: "https://x:glpat-Ab3dE6gH9jK2mN5pQ8sT@gitlab.com/shop/web"
"#;
        // Line 9 is `spec::inline-secret`'s (the name already says secret).
        assert_eq!(credential_lines(spec), vec![4, 11, 17, 19]);
    }
}
