//! `strata init --from docker-compose.yml`: maps a Compose file to a spec.
//! Services keep their image or build context, ports, environment,
//! dependencies, replicas, CPU and memory limits (rounded up to a Fargate
//! size) and HTTP health checks; well-known database images become managed
//! data stores; what has no counterpart is listed, never silently dropped.
//! No secret is copied: a variable whose name looks secret, or whose value
//! holds a credential (`strata_model::find_credential`), becomes a secret
//! reference and its value is left out of the spec and of the notes.

use std::fmt::Write;

use strata_model::find_credential;

use crate::semantic::{fargate_memory_ok, looks_secret, secret_name_for};
use crate::yaml::{Node, NodeValue};
use crate::{Diagnostic, Loaded, SourceFile};

/// The mapped spec and what could not be mapped.
#[derive(Debug)]
pub struct Mapped {
    /// The spec text.
    pub spec: String,
    /// One line per thing left out.
    pub unmapped: Vec<String>,
}

/// Image name prefixes that map to a managed store: (prefix, engine).
const STORES: &[(&str, &str)] = &[
    ("postgres", "aurora-postgresql"),
    ("postgis/postgis", "aurora-postgresql"),
    ("bitnami/postgresql", "aurora-postgresql"),
    ("mysql", "aurora-mysql"),
    ("mariadb", "aurora-mysql"),
    ("bitnami/mysql", "aurora-mysql"),
    ("redis", "redis"),
    ("valkey/valkey", "redis"),
    ("bitnami/redis", "redis"),
    ("memcached", "redis"),
    ("rabbitmq", "sqs"),
    ("softwaremill/elasticmq", "sqs"),
    ("minio/minio", "s3"),
    ("localstack/localstack", "s3"),
];

fn store_engine(image: &str) -> Option<&'static str> {
    let base = image.split([':', '@']).next().unwrap_or(image);
    let base = base.strip_prefix("docker.io/").unwrap_or(base);
    let base = base.strip_prefix("library/").unwrap_or(base);
    STORES.iter().find(|(p, _)| base == *p).map(|(_, e)| *e)
}

fn name(raw: &str) -> String {
    let mut s: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert_str(0, "svc-");
    }
    s.trim_end_matches('-').chars().take(32).collect()
}

fn scalar(n: &Node) -> Option<String> {
    match &n.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The container port of a Compose port entry (`"8080:80"`, `80`, `{target: 80}`).
fn container_port(n: &Node) -> Option<u32> {
    let text = match &n.value {
        NodeValue::Map(_) => {
            return n
                .get("target")
                .and_then(|e| scalar(&e.value))
                .and_then(|t| t.parse().ok());
        }
        _ => scalar(n)?,
    };
    let last = text.rsplit(':').next()?;
    let last = last.split('/').next()?;
    let last = last.split('-').next()?;
    last.parse().ok()
}

/// Maps a Compose file. On a file that is not valid YAML, returns the
/// diagnostics to show.
pub fn from_compose(
    file: &str,
    bytes: &[u8],
    app: &str,
    schema_url: &str,
) -> Result<Mapped, Box<Loaded>> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let parsed = crate::yaml::parse(&text);
    let source = SourceFile::new(file, text);
    let root = match parsed.root {
        Some(r) if parsed.diagnostics.is_empty() => r,
        root => {
            let mut diagnostics = parsed.diagnostics;
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::error(
                    "compose::invalid",
                    "not a Compose file",
                    0..0,
                ));
            }
            return Err(Box::new(Loaded {
                source,
                root,
                spec: None,
                diagnostics,
                ..Default::default()
            }));
        }
    };
    let Some(services) = root.get("services").map(|e| &e.value) else {
        let span = root.span.clone();
        return Err(Box::new(Loaded {
            source,
            root: Some(root),
            spec: None,
            diagnostics: vec![
                Diagnostic::error(
                    "compose::no-services",
                    "the Compose file has no `services`",
                    span,
                )
                .with_help("a Compose file lists its containers under `services:`"),
            ],
            ..Default::default()
        }));
    };
    let mut unmapped = Vec::new();
    let mut svc_out = String::new();
    let mut data_out = String::new();
    let NodeValue::Map(entries) = &services.value else {
        return Ok(Mapped {
            spec: crate::init::starter(app, schema_url),
            unmapped: vec!["`services` is not a mapping".into()],
        });
    };
    let stores: Vec<(String, &'static str)> = entries
        .iter()
        .filter_map(|e| {
            let image = e.value.get("image").and_then(|i| scalar(&i.value))?;
            store_engine(&image).map(|eng| (name(&e.key), eng))
        })
        .collect();
    let mut first_public = true;
    for e in entries {
        let n = name(&e.key);
        let svc = &e.value;
        if let Some((_, engine)) = stores.iter().find(|(s, _)| *s == n) {
            let _ = writeln!(data_out, "  {n}:\n    engine: {engine}");
            let image = svc
                .get("image")
                .and_then(|i| scalar(&i.value))
                .unwrap_or_default();
            unmapped.push(format!("service `{}` ({image}) became the managed `{engine}` store `{n}`; its container settings are not carried over", e.key));
            continue;
        }
        let _ = writeln!(svc_out, "  {n}:");
        write_image(&mut svc_out, &mut unmapped, &e.key, svc);
        let port = write_port(&mut svc_out, &mut unmapped, &e.key, svc, &mut first_public);
        write_environment(&mut svc_out, &mut unmapped, &n, &e.key, svc);
        write_size(&mut svc_out, &mut unmapped, &e.key, svc);
        write_replicas(&mut svc_out, &mut unmapped, &e.key, svc);
        write_health_check(&mut svc_out, &mut unmapped, &e.key, svc, port);
        let deps: Vec<String> = match svc.get("depends_on").map(|d| &d.value.value) {
            Some(NodeValue::Seq(items)) => items.iter().filter_map(scalar).collect(),
            Some(NodeValue::Map(m)) => m.iter().map(|e| e.key.clone()).collect(),
            _ => Vec::new(),
        };
        if !deps.is_empty() {
            let deps: Vec<String> = deps.iter().map(|d| name(d)).collect();
            let _ = writeln!(svc_out, "    depends_on: [{}]", deps.join(", "));
        }
        if let NodeValue::Map(keys) = &svc.value {
            for k in keys {
                if ![
                    "image",
                    "build",
                    "ports",
                    "expose",
                    "environment",
                    "depends_on",
                    "container_name",
                    "restart",
                    "deploy",
                    "healthcheck",
                    "cpus",
                    "mem_limit",
                ]
                .contains(&k.key.as_str())
                {
                    unmapped.push(format!("`{}` of service `{}`", k.key, e.key));
                }
            }
        }
    }
    for top in ["volumes", "networks", "secrets", "configs"] {
        if root.get(top).is_some() {
            unmapped.push(format!(
                "top-level `{top}`: Strata plans storage, networks and secrets itself"
            ));
        }
    }
    let mut spec = format!(
        "# yaml-language-server: $schema={schema_url}\n# Mapped from {file} by `strata init --from`. Review it, then `strata validate`.\n\napp: {app}\n\nservices:\n{svc_out}"
    );
    if !data_out.is_empty() {
        let _ = write!(spec, "\ndata:\n{data_out}");
    }
    if svc_out.contains("expose: public") {
        let _ = write!(
            spec,
            "\nedge:\n  domain: {app}.example.com   # the domain public services are served on\n"
        );
    }
    Ok(Mapped { spec, unmapped })
}

/// `image`, or `build` with its context.
fn write_image(out: &mut String, unmapped: &mut Vec<String>, key: &str, svc: &Node) {
    match (
        svc.get("image").and_then(|i| scalar(&i.value)),
        svc.get("build"),
    ) {
        (_, Some(b)) => {
            let ctx = match &b.value.value {
                NodeValue::Map(_) => b
                    .value
                    .get("context")
                    .and_then(|c| scalar(&c.value))
                    .unwrap_or_else(|| ".".into()),
                _ => scalar(&b.value).unwrap_or_else(|| ".".into()),
            };
            match find_credential(&ctx) {
                Some(c) => unmapped.push(format!(
                    "the build context of service `{key}` holds {}: it was left out; build from a checkout",
                    c.credential
                )),
                None => {
                    let _ = writeln!(out, "    build: {}", yaml_str(&ctx));
                }
            }
        }
        (Some(img), None) => {
            let _ = writeln!(out, "    image: {}", yaml_str(&img));
        }
        (None, None) => unmapped.push(format!("service `{key}` has neither image nor build")),
    }
}

/// `port` and `expose` (the first service publishing a port is public);
/// returns the port.
fn write_port(
    out: &mut String,
    unmapped: &mut Vec<String>,
    key: &str,
    svc: &Node,
    first_public: &mut bool,
) -> Option<u32> {
    let ports: Vec<u32> = match svc.get("ports").map(|p| &p.value.value) {
        Some(NodeValue::Seq(items)) => items.iter().filter_map(container_port).collect(),
        _ => Vec::new(),
    };
    let exposed: Vec<u32> = match svc.get("expose").map(|p| &p.value.value) {
        Some(NodeValue::Seq(items)) => items.iter().filter_map(container_port).collect(),
        _ => Vec::new(),
    };
    let port = ports.first().or(exposed.first()).copied();
    if let Some(p) = port {
        let _ = writeln!(out, "    port: {p}");
        if !ports.is_empty() && *first_public {
            let _ = writeln!(out, "    expose: public");
            *first_public = false;
        } else {
            let _ = writeln!(out, "    expose: internal");
        }
    } else {
        let _ = writeln!(out, "    expose: none");
    }
    if ports.len() > 1 {
        unmapped.push(format!(
            "service `{key}` publishes {} ports; only {} is routed",
            ports.len(),
            ports[0]
        ));
    }
    port
}

/// A service's environment as `(name, value)`, from a map or a `KEY=value` list.
fn environment(svc: &Node) -> Vec<(String, String)> {
    let mut env = Vec::new();
    match svc.get("environment").map(|v| &v.value.value) {
        Some(NodeValue::Map(vars)) => {
            for v in vars {
                env.push((v.key.clone(), scalar(&v.value).unwrap_or_default()));
            }
        }
        Some(NodeValue::Seq(items)) => {
            for it in items {
                if let Some(s) = scalar(it) {
                    let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                    env.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        _ => {}
    }
    env
}

/// `env` and `secrets` of service `n` (Compose key `key`): plain values stay;
/// a secret-looking name or a value holding a credential becomes a reference
/// to `<n>/<name>`, its value left out of the spec and of the notes.
fn write_environment(out: &mut String, unmapped: &mut Vec<String>, n: &str, key: &str, svc: &Node) {
    let mut plain = Vec::new();
    let mut secrets = Vec::new();
    for (k, v) in environment(svc) {
        let why = if looks_secret(&k) {
            Some("looks secret".to_owned())
        } else {
            find_credential(&v).map(|c| format!("holds {}", c.credential))
        };
        match why {
            Some(why) => secrets.push((k, why)),
            None => plain.push((k, v)),
        }
    }
    if !plain.is_empty() {
        let _ = writeln!(out, "    env:");
        for (k, v) in &plain {
            let _ = writeln!(out, "      {k}: {}", yaml_str(v));
        }
    }
    if !secrets.is_empty() {
        let _ = writeln!(out, "    secrets:");
        for (k, why) in &secrets {
            let secret = secret_name_for(n, k);
            let _ = writeln!(out, "      {k}: {secret}");
            unmapped.push(format!(
                "`{k}` of `{key}` {why}: its value was left out; store it as `{secret}`"
            ));
        }
    }
}

/// Compose bytes (`512m`, `1.5g`, `2048k`, `1gb`, or a bare number of bytes)
/// in MiB, rounded up.
fn mebibytes(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (amount, unit) = t.split_at(split);
    let amount: f64 = amount.parse().ok()?;
    let factor = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let mib = (amount * factor / (1024.0 * 1024.0)).ceil();
    (mib.is_finite() && (1.0..=f64::from(u32::MAX)).contains(&mib)).then_some(mib as u32)
}

/// Compose `cpus` (`"0.5"`, `2`) in CPU units (1024 = one vCPU), rounded up.
fn cpu_units(text: &str) -> Option<u32> {
    let cpus: f64 = text.trim().parse().ok()?;
    let units = (cpus * 1024.0).ceil();
    (units.is_finite() && (1.0..=f64::from(u32::MAX)).contains(&units)).then_some(units as u32)
}

/// Fargate's CPU sizes.
const FARGATE_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// The smallest Fargate size holding `cpu` units and `memory` MiB; the
/// largest one when nothing does.
fn fargate_size(cpu: u32, memory: u32) -> (u32, u32) {
    FARGATE_CPU
        .into_iter()
        .filter(|c| *c >= cpu)
        .find_map(|c| {
            (1..=240)
                .map(|i| i * 512)
                .filter(|m| *m >= memory)
                .find(|m| fargate_memory_ok(c, *m) == Some(true))
                .map(|m| (c, m))
        })
        .unwrap_or((16384, 122880))
}

/// `cpu` and `memory` from `deploy.resources.limits` (or the older `cpus`
/// and `mem_limit`), as the smallest Fargate size that holds them, so the
/// spec stays valid on `runtime: ecs-fargate` too.
fn write_size(out: &mut String, unmapped: &mut Vec<String>, key: &str, svc: &Node) {
    let limits = svc
        .get("deploy")
        .and_then(|d| d.value.get("resources"))
        .and_then(|r| r.value.get("limits"))
        .map(|l| &l.value);
    let field = |limit: &str, old: &str| {
        limits
            .and_then(|l| l.get(limit))
            .or_else(|| svc.get(old))
            .and_then(|e| scalar(&e.value))
    };
    let cpus = field("cpus", "cpus");
    let memory = field("memory", "mem_limit");
    if cpus.is_none() && memory.is_none() {
        return;
    }
    let defaults = crate::types::Service::default();
    let want_cpu = cpus.as_deref().and_then(cpu_units);
    let want_mem = memory.as_deref().and_then(mebibytes);
    for (what, text, read) in [("cpus", &cpus, want_cpu), ("memory", &memory, want_mem)] {
        if let (Some(t), None) = (text, read) {
            unmapped.push(format!(
                "`{what}: {t}` of service `{key}` is not a size Strata reads; the default is kept"
            ));
        }
    }
    let (cpu, mem) = fargate_size(
        want_cpu.unwrap_or(defaults.cpu),
        want_mem.unwrap_or(defaults.memory),
    );
    let _ = writeln!(out, "    cpu: {cpu}\n    memory: {mem}");
    if want_cpu.is_some_and(|c| c != cpu) || want_mem.is_some_and(|m| m != mem) {
        let asked = [
            want_cpu.map(|c| format!("{c} CPU units")),
            want_mem.map(|m| format!("{m} MiB")),
        ];
        let asked: Vec<String> = asked.into_iter().flatten().collect();
        unmapped.push(format!(
            "the limits of service `{key}` ({}) became `cpu: {cpu}`, `memory: {mem}`: the smallest Fargate size that holds them",
            asked.join(", ")
        ));
    }
    if limits.is_some_and(|l| l.get("pids").is_some()) {
        unmapped.push(format!("`deploy.resources.limits.pids` of service `{key}`"));
    }
}

/// `deploy.replicas` as the minimum (Strata scales out on CPU), and a note
/// for each other `deploy` setting.
fn write_replicas(out: &mut String, unmapped: &mut Vec<String>, key: &str, svc: &Node) {
    let Some(deploy) = svc.get("deploy").map(|d| &d.value) else {
        return;
    };
    if let Some(r) = deploy.get("replicas").and_then(|r| scalar(&r.value)) {
        match r.parse::<u32>() {
            Ok(count) => {
                let default = crate::types::Replicas::default();
                let min = count.clamp(1, 1000);
                let max = default.max.max(min);
                let _ = writeln!(out, "    replicas:\n      min: {min}\n      max: {max}");
                unmapped.push(format!(
                    "`deploy.replicas: {count}` of service `{key}` is a fixed count; it became `replicas: {{min: {min}, max: {max}}}` and Strata scales between them on CPU"
                ));
            }
            Err(_) => unmapped.push(format!(
                "`deploy.replicas` of service `{key}` is not a number"
            )),
        }
    }
    if let NodeValue::Map(keys) = &deploy.value {
        for k in keys {
            if k.key == "resources" {
                if let NodeValue::Map(parts) = &k.value.value {
                    for p in parts.iter().filter(|p| p.key != "limits") {
                        unmapped.push(format!("`deploy.resources.{}` of service `{key}`", p.key));
                    }
                }
            } else if k.key != "replicas" {
                unmapped.push(format!("`deploy.{}` of service `{key}`", k.key));
            }
        }
    }
}

/// A Compose duration (`30s`, `1m30s`, `500ms`, `1h`) in whole seconds,
/// rounded up; a bare number is seconds.
fn seconds(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u32>() {
        return Some(n);
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let amount: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += amount * factor;
        rest = &rest[u..];
    }
    let s = f64::ceil(total);
    (s.is_finite() && s <= f64::from(u32::MAX)).then_some(s as u32)
}

/// The HTTP probe of a health check's `test` (`["CMD", "curl", "-f",
/// "http://localhost:8080/health"]`, `CMD-SHELL` or a string): its port and
/// path, when it runs curl or wget against a URL.
fn http_probe(test: &Node) -> Option<(u32, String)> {
    let words: Vec<String> = match &test.value {
        NodeValue::Seq(items) => items
            .iter()
            .filter_map(scalar)
            .flat_map(|w| w.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect(),
        _ => scalar(test)?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    };
    let http_client = words
        .iter()
        .any(|w| matches!(w.rsplit('/').next(), Some("curl" | "wget")));
    if !http_client {
        return None;
    }
    let url = words
        .iter()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))?;
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let port = match host.rsplit_once(':') {
        Some((_, p)) if !host.ends_with(']') => p.parse().ok()?,
        _ if scheme == "https" => 443,
        _ => 80,
    };
    let path = path.split('#').next().unwrap_or(path);
    Some((port, path.to_owned()))
}

/// `health_check` from a Compose `healthcheck`: the path of an HTTP probe,
/// `interval` and `start_period` (clamped to what the spec allows); notes for
/// what the spec does not model.
fn write_health_check(
    out: &mut String,
    unmapped: &mut Vec<String>,
    key: &str,
    svc: &Node,
    port: Option<u32>,
) {
    let Some(hc) = svc.get("healthcheck").map(|h| &h.value) else {
        return;
    };
    let disabled = hc
        .get("disable")
        .is_some_and(|d| d.value.value == NodeValue::Bool(true));
    if disabled {
        unmapped.push(format!(
            "`healthcheck.disable` of service `{key}`: Strata always checks health"
        ));
        return;
    }
    let mut lines = Vec::new();
    match hc.get("test").map(|t| http_probe(&t.value)) {
        Some(Some((probe_port, path))) => {
            lines.push(format!("path: {}", yaml_str(&path)));
            let port = port.unwrap_or(crate::types::Service::default().port);
            if probe_port != port {
                unmapped.push(format!(
                    "the health check of service `{key}` probes port {probe_port}; Strata probes `health_check.path` on the service port, {port}"
                ));
            }
        }
        Some(None) => unmapped.push(format!(
            "`healthcheck.test` of service `{key}` is not an HTTP probe (curl or wget of a URL); Strata probes `health_check.path` over HTTP (default `/healthz`)"
        )),
        None => {}
    }
    for (field, spec_field, range) in [
        ("interval", "interval_seconds", 5..=300),
        ("start_period", "grace_seconds", 0..=3600),
    ] {
        let Some(text) = hc.get(field).and_then(|v| scalar(&v.value)) else {
            continue;
        };
        let Some(s) = seconds(&text) else {
            unmapped.push(format!(
                "`healthcheck.{field}: {text}` of service `{key}` is not a duration"
            ));
            continue;
        };
        let kept = s.clamp(*range.start(), *range.end());
        if kept != s {
            unmapped.push(format!(
                "`healthcheck.{field}` of service `{key}` ({s}s) became {kept}s, the nearest the spec allows"
            ));
        }
        lines.push(format!("{spec_field}: {kept}"));
    }
    for field in ["timeout", "retries", "start_interval"] {
        if hc.get(field).is_some() {
            unmapped.push(format!(
                "`healthcheck.{field}` of service `{key}`: Strata sets probe timeouts and thresholds itself"
            ));
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "    health_check:");
        for l in lines {
            let _ = writeln!(out, "      {l}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_services_and_databases_map_and_secrets_stay_out() {
        let compose = br#"
services:
  web:
    build: ./web
    ports: ["8080:80"]
    environment:
      LOG_LEVEL: debug
      DB_PASSWORD: hunter2-canary
    depends_on: [db, cache]
    healthcheck: {test: ["CMD", "true"]}
  db:
    image: postgres:16
  cache:
    image: redis:7-alpine
volumes:
  data: {}
"#;
        let m = from_compose("docker-compose.yml", compose, "shop", "schema.json").unwrap();
        assert!(!m.spec.contains("hunter2-canary"), "{}", m.spec);
        assert!(m.spec.contains("engine: aurora-postgresql"));
        assert!(m.spec.contains("engine: redis"));
        assert!(m.spec.contains("port: 80"));
        assert!(m.spec.contains("DB_PASSWORD: web/db-password"));
        assert!(m.unmapped.iter().any(|u| u.contains("healthcheck")));
        assert!(m.unmapped.iter().any(|u| u.contains("top-level `volumes`")));
        // The result is a valid spec.
        let loaded = crate::load("strata.yaml", m.spec.as_bytes());
        assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    }

    /// Maps `compose`, checks that the spec loads without errors, and returns it.
    #[track_caller]
    fn mapped(compose: &str) -> Mapped {
        let m = from_compose(
            "docker-compose.yml",
            compose.as_bytes(),
            "shop",
            "schema.json",
        )
        .unwrap();
        let loaded = crate::load("strata.yaml", m.spec.as_bytes());
        assert!(
            !loaded.has_errors(),
            "{:#?}\n{}",
            loaded.diagnostics,
            m.spec
        );
        m
    }

    #[test]
    fn credentials_in_values_become_secret_references_and_never_reach_the_spec() {
        let compose = r#"
services:
  web:
    image: shop/web:1.0
    ports: ["8080:8080"]
    environment:
      - DATABASE_URL=postgres://postgres:hunter2-canary@db/postgres
      - REPORTS=Server=r;User Id=app;Password=Pw-canary-7;
      - CACHE_URL=redis://cache:6379/0
      - UPSTREAM=https://${UPSTREAM_USER}:${UPSTREAM_PASSWORD}@api.example.com
      - GH=ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8
  tool:
    build: {context: "https://ci:glpat-Ab3dE6gH9jK2mN5pQ8sT@gitlab.com/shop/tool.git"}
"#;
        let m = mapped(compose);
        let everything = format!("{}\n{}", m.spec, m.unmapped.join("\n"));
        for secret in ["hunter2-canary", "Pw-canary-7", "ghp_a1B2", "glpat-"] {
            assert!(
                !everything.contains(secret),
                "{secret} leaked:\n{everything}"
            );
        }
        assert!(
            m.spec.contains("DATABASE_URL: web/database-url"),
            "{}",
            m.spec
        );
        assert!(m.spec.contains("REPORTS: web/reports"), "{}", m.spec);
        assert!(m.spec.contains("GH: web/gh"), "{}", m.spec);
        assert!(
            m.spec.contains(r#"CACHE_URL: "redis://cache:6379/0""#),
            "{}",
            m.spec
        );
        assert!(
            m.spec.contains("UPSTREAM: \"https://${UPSTREAM_USER}"),
            "{}",
            m.spec
        );
        assert!(
            m.unmapped.contains(&"`DATABASE_URL` of `web` holds a password in a URL: its value was left out; store it as `web/database-url`".to_owned()),
            "{:#?}",
            m.unmapped
        );
        assert!(
            m.unmapped
                .iter()
                .any(|u| u.contains("`GH` of `web` holds a GitHub token"))
        );
    }

    #[test]
    fn replicas_limits_and_health_checks_map_to_the_spec_fields() {
        let compose = r#"
services:
  api:
    build: ./api
    ports: ["8080:8080"]
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 1G}
        reservations: {memory: 256M}
      restart_policy: {condition: on-failure}
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
      interval: 1m30s
      timeout: 5s
      retries: 3
      start_period: 40s
"#;
        let m = mapped(compose);
        let loaded = crate::load("strata.yaml", m.spec.as_bytes());
        let api = &loaded.spec.as_ref().unwrap().services["api"];
        assert_eq!((api.cpu, api.memory), (512, 1024));
        assert_eq!((api.replicas.min, api.replicas.max), (3, 6));
        assert_eq!(api.health_check.path, "/health");
        assert_eq!(api.health_check.interval_seconds, 90);
        assert_eq!(api.health_check.grace_seconds, 40);
        for note in [
            "`deploy.resources.reservations` of service `api`",
            "`deploy.restart_policy` of service `api`",
            "`healthcheck.timeout` of service `api`",
            "`healthcheck.retries` of service `api`",
            "`deploy.replicas: 3` of service `api` is a fixed count",
        ] {
            assert!(
                m.unmapped.iter().any(|u| u.contains(note)),
                "{note}: {:#?}",
                m.unmapped
            );
        }
        assert!(
            !m.unmapped.iter().any(|u| u.contains("Fargate")),
            "{:#?}",
            m.unmapped
        );
    }

    #[test]
    fn sizes_round_up_to_a_fargate_size_and_odd_probes_are_noted() {
        let compose = r#"
services:
  worker:
    image: shop/worker:2
    cpus: 0.3
    mem_limit: 3000m
    healthcheck:
      test: curl -fsS http://127.0.0.1:9000/ready || exit 1
      interval: 2s
  batch:
    image: shop/batch:2
    deploy: {resources: {limits: {memory: 2.5g}}, replicas: 0}
    healthcheck: {test: ["CMD-SHELL", "pg_isready -U app"]}
"#;
        let m = mapped(compose);
        let loaded = crate::load("strata.yaml", m.spec.as_bytes());
        let spec = loaded.spec.as_ref().unwrap();
        let worker = &spec.services["worker"];
        // 0.3 vCPU = 308 units and 3000 MiB: 256 CPU cannot hold 3000 MiB, 512 can (3072).
        assert_eq!((worker.cpu, worker.memory), (512, 3072));
        assert_eq!(worker.health_check.path, "/ready");
        assert_eq!(worker.health_check.interval_seconds, 5);
        let batch = &spec.services["batch"];
        assert_eq!((batch.cpu, batch.memory), (512, 3072));
        assert_eq!(batch.replicas.min, 1);
        for note in [
            "the limits of service `worker` (308 CPU units, 3000 MiB) became `cpu: 512`, `memory: 3072`",
            "the health check of service `worker` probes port 9000; Strata probes `health_check.path` on the service port, 8080",
            "`healthcheck.interval` of service `worker` (2s) became 5s",
            "`healthcheck.test` of service `batch` is not an HTTP probe",
        ] {
            assert!(
                m.unmapped.iter().any(|u| u.contains(note)),
                "{note}: {:#?}",
                m.unmapped
            );
        }
    }

    #[test]
    fn compose_units_read_as_compose_means_them() {
        assert_eq!(mebibytes("512M"), Some(512));
        assert_eq!(mebibytes("512m"), Some(512));
        assert_eq!(mebibytes("1gb"), Some(1024));
        assert_eq!(mebibytes("1.5g"), Some(1536));
        assert_eq!(mebibytes("2048k"), Some(2));
        assert_eq!(mebibytes("1048577"), Some(2));
        assert_eq!(mebibytes("lots"), None);
        assert_eq!(cpu_units("0.5"), Some(512));
        assert_eq!(cpu_units("2"), Some(2048));
        assert_eq!(cpu_units("-1"), None);
        assert_eq!(seconds("30s"), Some(30));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("500ms"), Some(1));
        assert_eq!(seconds("10"), Some(10));
        assert_eq!(seconds("soon"), None);
        assert_eq!(fargate_size(256, 512), (256, 512));
        assert_eq!(fargate_size(256, 4096), (512, 4096));
        assert_eq!(fargate_size(1025, 512), (2048, 4096));
        assert_eq!(fargate_size(99_999, 1), (16384, 122880));
    }
}
