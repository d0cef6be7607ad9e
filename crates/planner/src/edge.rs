//! Pass 4: the edge. A public hosted zone and a DNS-validated certificate per
//! environment domain, a WAF web ACL with AWS managed rule groups and a rate
//! limit, logged to CloudWatch; after every region is planned, DNS records
//! that route to each region's load balancer (latency, geo or failover).

use strata_model::{Address, Kind, Layer, ModuleKind, Value};
use strata_spec::resolve::Region;
use strata_spec::{DnsRouting, Expose};

use crate::builder::{Cx, list, map, r};
use crate::keys::Keys;

/// What the workloads pass needs from the edge of one region.
pub struct Edge {
    /// The environment's public domain.
    pub domain: Option<String>,
    /// The validated certificate (its `certificate_arn`).
    pub certificate: Option<Address>,
    /// The WAF web ACL.
    pub waf: Option<Address>,
}

/// The domain an environment serves: the spec's for production, a
/// sub-domain per environment otherwise.
pub fn env_domain(cx: &Cx) -> Option<String> {
    cx.spec.edge.domain.as_ref().map(|d| {
        if cx.env.production {
            d.clone()
        } else {
            format!("{}.{d}", cx.env.name)
        }
    })
}

fn has_public(cx: &Cx) -> bool {
    cx.spec
        .services
        .values()
        .any(|s| s.expose == Expose::Public)
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys) -> Edge {
    let domain = env_domain(cx);
    if !has_public(cx) {
        return Edge {
            domain,
            certificate: None,
            waf: None,
        };
    }
    let m = cx.module(ModuleKind::Edge, region);
    let pm = cx.module(ModuleKind::Edge, &cx.env.regions[0]);
    let certificate = domain.clone().map(|d| {
        let zone = cx.addr(&pm, Kind::AwsRoute53Zone, "public");
        if region.primary {
            cx.put(
                cx.res(
                    &m,
                    Kind::AwsRoute53Zone,
                    "public",
                    Layer::AppInfrastructure,
                    &["edge", "domain"],
                )
                .with("name", d.clone())
                .with("comment", format!("{} public zone", cx.name("edge"))),
            );
        }
        let cert = cx.put(
            cx.res(
                &m,
                Kind::AwsAcmCertificate,
                "public",
                Layer::AppInfrastructure,
                &["edge", "domain"],
            )
            .with("domain_name", d.clone())
            .with(
                "subject_alternative_names",
                list([Value::from(format!("*.{d}"))]),
            )
            .with("validation_method", "DNS")
            .with("key_algorithm", "EC_prime256v1"),
        );
        let record = cx.put(
            cx.res(
                &m,
                Kind::AwsRoute53Record,
                "certificate_validation",
                Layer::AppInfrastructure,
                &["edge", "domain"],
            )
            .with("zone_id", r(&zone, "zone_id"))
            .with(
                "for_each_validation_option_of",
                r(&cert, "domain_validation_options"),
            )
            .with("ttl", 60u32)
            .with("allow_overwrite", true),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsAcmCertificateValidation,
                "public",
                Layer::AppInfrastructure,
                &["edge", "domain"],
            )
            .with("certificate_arn", r(&cert, "arn"))
            .with("validation_record_fqdns", list([r(&record, "fqdn")])),
        )
    });
    let waf = if cx.spec.edge.waf.enabled {
        let w = cx.spec.edge.waf.clone();
        let visibility = |metric: &str| {
            map([
                ("cloudwatch_metrics_enabled", true.into()),
                ("sampled_requests_enabled", true.into()),
                ("metric_name", metric.into()),
            ])
        };
        let mut rules: Vec<Value> = w
            .managed_rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                map([
                    ("name", rule.aws_name().into()),
                    ("priority", Value::from(u32::try_from(i).unwrap_or(0) + 10)),
                    ("override_action", "none".into()),
                    (
                        "managed_rule_group_statement",
                        map([
                            ("vendor_name", "AWS".into()),
                            ("name", rule.aws_name().into()),
                        ]),
                    ),
                    ("visibility_config", visibility(rule.aws_name())),
                ])
            })
            .collect();
        rules.insert(
            0,
            map([
                ("name", "rate-limit".into()),
                ("priority", 1u32.into()),
                ("action", "block".into()),
                (
                    "rate_based_statement",
                    map([
                        ("limit", w.rate_limit.into()),
                        ("aggregate_key_type", "IP".into()),
                        ("evaluation_window_sec", 300u32.into()),
                    ]),
                ),
                ("visibility_config", visibility("rate-limit")),
            ]),
        );
        let acl = cx.put(
            cx.res(
                &m,
                Kind::AwsWafv2WebAcl,
                "main",
                Layer::AppInfrastructure,
                &["edge", "waf"],
            )
            .with("name", cx.name("waf"))
            .with("scope", "REGIONAL")
            .with("default_action", "allow")
            .with("rule", Value::List(rules))
            .with("visibility_config", visibility(&cx.name("waf"))),
        );
        // WAF log groups must be named aws-waf-logs-*.
        let lg = cx.log_group(
            &m,
            "waf",
            &format!("aws-waf-logs-{}", cx.name("waf")),
            Layer::Observability,
            &["edge", "waf"],
            &keys.logs,
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsWafv2WebAclLoggingConfiguration,
                "main",
                Layer::Observability,
                &["edge", "waf"],
            )
            .with("resource_arn", r(&acl, "arn"))
            .with("log_destination_configs", list([r(&lg, "arn")]))
            .with(
                "redacted_fields",
                list([
                    map([("single_header", map([("name", "authorization".into())]))]),
                    map([("single_header", map([("name", "cookie".into())]))]),
                ]),
            ),
        );
        Some(acl)
    } else {
        None
    };
    Edge {
        domain,
        certificate,
        waf,
    }
}

fn continent(region: &str) -> &'static str {
    match region.split('-').next().unwrap_or("") {
        "us" | "ca" => "NA",
        "sa" => "SA",
        "eu" | "il" => "EU",
        "ap" | "me" => "AS",
        "af" => "AF",
        _ => "NA",
    }
}

/// DNS records for the environment's domain, one per region, routed by the
/// spec's policy. Runs after every region's load balancer is planned.
pub fn plan_dns(cx: &mut Cx) {
    if !has_public(cx) || cx.env.role != strata_spec::EnvironmentRole::Application {
        return;
    }
    let Some(domain) = env_domain(cx) else { return };
    let primary = &cx.env.regions[0];
    let pm = cx.module(ModuleKind::Edge, primary);
    let zone = cx.addr(&pm, Kind::AwsRoute53Zone, "public");
    let routing = if cx.env.regions.len() > 1 {
        cx.spec.edge.dns_routing
    } else {
        DnsRouting::Simple
    };
    for (i, region) in cx.env.regions.iter().enumerate() {
        let wm = cx.module(ModuleKind::Workloads, region);
        let alb = cx.addr(&wm, Kind::AwsLb, "public");
        if !cx.has(&alb) {
            continue;
        }
        let name = region.name.replace('-', "_");
        let mut rec = cx
            .res(
                &pm,
                Kind::AwsRoute53Record,
                &format!("app_{name}"),
                Layer::AppInfrastructure,
                &["edge", "dns_routing"],
            )
            .with("zone_id", r(&zone, "zone_id"))
            .with("name", domain.clone())
            .with("type", "A")
            .with(
                "alias",
                map([
                    ("name", r(&alb, "dns_name")),
                    ("zone_id", r(&alb, "zone_id")),
                    ("evaluate_target_health", true.into()),
                ]),
            );
        if routing != DnsRouting::Simple {
            rec = rec.with("set_identifier", region.name.clone());
        }
        rec = match routing {
            DnsRouting::Simple => rec,
            DnsRouting::Latency => rec.with(
                "latency_routing_policy",
                map([("region", region.name.clone().into())]),
            ),
            DnsRouting::Geo => rec.with(
                "geolocation_routing_policy",
                if i == 0 {
                    map([("country", "*".into())])
                } else {
                    map([("continent", continent(&region.name).into())])
                },
            ),
            DnsRouting::Failover => {
                let hc = cx.put(
                    cx.res(
                        &pm,
                        Kind::AwsRoute53HealthCheck,
                        &name,
                        Layer::Observability,
                        &["edge", "dns_routing"],
                    )
                    .with("fqdn", r(&alb, "dns_name"))
                    .with("type", "HTTPS")
                    .with("port", 443u32)
                    .with("resource_path", "/")
                    .with("failure_threshold", 3u32)
                    .with("request_interval", 30u32),
                );
                rec.with(
                    "failover_routing_policy",
                    map([("type", if i == 0 { "PRIMARY" } else { "SECONDARY" }.into())]),
                )
                .with("health_check_id", r(&hc, "id"))
            }
        };
        cx.put(rec);
    }
}
