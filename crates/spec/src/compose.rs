//! `strata init --from docker-compose.yml`: maps a Compose file to a spec.
//! Services keep their image or build context, ports, environment and
//! dependencies; well-known database images become managed data stores;
//! what has no counterpart is listed, never silently dropped.

use std::fmt::Write;

use crate::semantic::looks_secret;
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
                let _ = writeln!(svc_out, "    build: {}", yaml_str(&ctx));
            }
            (Some(img), None) => {
                let _ = writeln!(svc_out, "    image: {}", yaml_str(&img));
            }
            (None, None) => {
                unmapped.push(format!("service `{}` has neither image nor build", e.key))
            }
        }
        let ports: Vec<u32> = match svc.get("ports").map(|p| &p.value.value) {
            Some(NodeValue::Seq(items)) => items.iter().filter_map(container_port).collect(),
            _ => Vec::new(),
        };
        let exposed: Vec<u32> = match svc.get("expose").map(|p| &p.value.value) {
            Some(NodeValue::Seq(items)) => items.iter().filter_map(container_port).collect(),
            _ => Vec::new(),
        };
        if let Some(p) = ports.first().or(exposed.first()) {
            let _ = writeln!(svc_out, "    port: {p}");
            if !ports.is_empty() && first_public {
                let _ = writeln!(svc_out, "    expose: public");
                first_public = false;
            } else {
                let _ = writeln!(svc_out, "    expose: internal");
            }
        } else {
            let _ = writeln!(svc_out, "    expose: none");
        }
        if ports.len() > 1 {
            unmapped.push(format!(
                "service `{}` publishes {} ports; only {} is routed",
                e.key,
                ports.len(),
                ports[0]
            ));
        }
        // Environment: plain values stay, secret-looking ones become references.
        let mut env: Vec<(String, String)> = Vec::new();
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
        let (secrets, plain): (Vec<_>, Vec<_>) =
            env.into_iter().partition(|(k, _)| looks_secret(k));
        if !plain.is_empty() {
            let _ = writeln!(svc_out, "    env:");
            for (k, v) in &plain {
                let _ = writeln!(svc_out, "      {k}: {}", yaml_str(v));
            }
        }
        if !secrets.is_empty() {
            let _ = writeln!(svc_out, "    secrets:");
            for (k, _) in &secrets {
                let secret = format!("{n}/{}", k.to_ascii_lowercase().replace('_', "-"));
                let _ = writeln!(svc_out, "      {k}: {secret}");
                unmapped.push(format!(
                    "`{k}` of `{}` looks secret: its value was left out; store it as `{secret}`",
                    e.key
                ));
            }
        }
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
}
