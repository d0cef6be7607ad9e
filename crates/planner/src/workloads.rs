//! Pass 5: workloads. The public load balancer (HTTPS only, HTTP redirects,
//! a test listener and blue/green target groups for CodeDeploy), then per
//! runtime: ECS Fargate cluster, task definitions and services; or an EKS
//! (or ROSA) cluster with a node group per AZ and the Kubernetes objects of
//! every service (Deployment or Argo Rollout, Service, Ingress or Route or
//! TargetGroupBinding, HPA, PDB, NetworkPolicies, ServiceAccount with IRSA,
//! ConfigMap, ExternalSecret) and the cluster add-ons as Argo CD applications.

use std::collections::BTreeMap;

use strata_model::{Address, Kind, Layer, Module, ModuleKind, Value};
use strata_spec::resolve::{self, Region};
use strata_spec::{
    Engine, Expose, Isolation, MetricsBackend, Protocol, Runtime, SecretsStore, Service, Strategy,
    Topology, TracesBackend,
};

use crate::builder::{
    Cx, allow, attach, az_letter, encrypted_root, imdsv2_only, list, map, policy, r, trust_service,
};
use crate::data::{Stores, alb_log_delivery, bucket};
use crate::delivery::Registries;
use crate::edge::Edge;
use crate::keys::{Keys, account};
use crate::network::Net;

/// What later passes need from the workloads of one region.
pub struct Workloads {
    /// The public load balancer.
    pub alb: Option<Address>,
    /// Its HTTPS listener.
    pub https: Option<Address>,
    /// Its test listener (blue/green on ECS).
    pub test: Option<Address>,
    /// The ECS cluster, EKS cluster or ROSA cluster.
    pub cluster: Option<Address>,
    /// Per service.
    pub services: BTreeMap<String, Svc>,
    /// Namespace object on Kubernetes.
    pub namespace: Option<(Address, String)>,
    /// The cluster's OIDC provider for IRSA (EKS).
    pub oidc: Option<Address>,
}

/// One planned service.
pub struct Svc {
    /// ECS service, Deployment or Rollout.
    pub main: Address,
    /// Target groups: `[blue, green]` for blue/green on ECS, else one or none.
    pub target_groups: Vec<Address>,
}

/// Pinned upstream charts of the cluster add-ons: (name, repo, chart, version).
pub const ADDONS: &[(&str, &str, &str, &str)] = &[
    (
        "argo-cd",
        "https://argoproj.github.io/argo-helm",
        "argo-cd",
        "7.7.11",
    ),
    (
        "argo-rollouts",
        "https://argoproj.github.io/argo-helm",
        "argo-rollouts",
        "2.38.2",
    ),
    (
        "aws-load-balancer-controller",
        "https://aws.github.io/eks-charts",
        "aws-load-balancer-controller",
        "1.11.0",
    ),
    (
        "external-secrets",
        "https://charts.external-secrets.io",
        "external-secrets",
        "0.12.1",
    ),
    (
        "fluent-bit",
        "https://fluent.github.io/helm-charts",
        "fluent-bit",
        "0.48.5",
    ),
    (
        "kube-prometheus-stack",
        "https://prometheus-community.github.io/helm-charts",
        "kube-prometheus-stack",
        "67.9.0",
    ),
    (
        "opentelemetry-collector",
        "https://open-telemetry.github.io/opentelemetry-helm-charts",
        "opentelemetry-collector",
        "0.111.2",
    ),
    (
        "jaeger",
        "https://jaegertracing.github.io/helm-charts",
        "jaeger",
        "3.3.3",
    ),
    (
        "vault",
        "https://helm.releases.hashicorp.com",
        "vault",
        "0.29.1",
    ),
    (
        "falco",
        "https://falcosecurity.github.io/charts",
        "falco",
        "4.17.2",
    ),
    (
        "wazuh",
        "https://packages.wazuh.com/helm",
        "wazuh-agent",
        "4.9.2",
    ),
];

/// The pinned (repository, chart, version) of an add-on.
pub(crate) fn addon(name: &str) -> (&'static str, &'static str, &'static str) {
    ADDONS
        .iter()
        .find(|a| a.0 == name)
        .map_or(("", "", ""), |a| (a.1, a.2, a.3))
}

fn uses_codedeploy(cx: &Cx, s: &Service) -> bool {
    cx.env.runtime == Runtime::EcsFargate
        && s.deploy.strategy != Strategy::Rolling
        && s.expose == Expose::Public
}

pub fn plan(
    cx: &mut Cx,
    region: &Region,
    keys: &Keys,
    net: &Net,
    stores: &Stores,
    edge: &Edge,
    registries: &Registries,
) -> Workloads {
    let m = cx.module(ModuleKind::Workloads, region);
    let mut wl = Workloads {
        alb: None,
        https: None,
        test: None,
        cluster: None,
        services: BTreeMap::new(),
        namespace: None,
        oidc: None,
    };
    let needs_alb = net.alb_sg.is_some()
        && (cx.env.runtime == Runtime::EcsFargate
            || (cx.env.runtime == Runtime::Eks && cx.spec.network.topology == Topology::HubSpoke));
    let mut tgs: BTreeMap<String, Vec<Address>> = BTreeMap::new();
    if needs_alb {
        load_balancer(cx, region, &m, net, edge, &mut wl, &mut tgs);
    }
    match cx.env.runtime {
        Runtime::EcsFargate => ecs(cx, region, &m, keys, net, stores, registries, &mut wl, &tgs),
        Runtime::Eks | Runtime::Openshift => kube(
            cx, region, &m, keys, net, stores, edge, registries, &mut wl, &tgs,
        ),
    }
    wl
}

#[allow(clippy::too_many_arguments)]
fn load_balancer(
    cx: &mut Cx,
    region: &Region,
    m: &Module,
    net: &Net,
    edge: &Edge,
    wl: &mut Workloads,
    tgs: &mut BTreeMap<String, Vec<Address>>,
) {
    let src = ["services"];
    let logs_bucket_name = crate::data::bucket_name(cx, m, "alb_logs");
    let logs = bucket(
        cx,
        m,
        "alb_logs",
        Layer::AppProvisioning,
        &src,
        None,
        true,
        vec![alb_log_delivery(&logs_bucket_name)],
    );
    let alb = cx.put(
        cx.res(m, Kind::AwsLb, "public", Layer::AppProvisioning, &src)
            .with("name", cx.name("public"))
            .with("load_balancer_type", "application")
            .with("internal", false)
            .with("subnets", list(net.public.iter().map(|s| r(s, "id"))))
            .with(
                "security_groups",
                list(net.alb_sg.iter().map(|s| r(s, "id"))),
            )
            .with("drop_invalid_header_fields", true)
            .with("desync_mitigation_mode", "strictest")
            .with("enable_deletion_protection", cx.env.deletion_protection)
            .with("idle_timeout", 60u32)
            .with(
                "access_logs",
                map([("bucket", r(&logs, "id")), ("enabled", true.into())]),
            ),
    );
    let ssl_policy = match cx.spec.edge.tls_min_version {
        strata_spec::TlsVersion::V1_2 => "ELBSecurityPolicy-TLS13-1-2-2021-06",
        strata_spec::TlsVersion::V1_3 => "ELBSecurityPolicy-TLS13-1-3-2021-06",
    };
    let cert = edge
        .certificate
        .as_ref()
        .map_or(Value::Null, |c| r(c, "certificate_arn"));
    let not_found = map([
        ("type", "fixed-response".into()),
        (
            "fixed_response",
            map([
                ("content_type", "text/plain".into()),
                ("message_body", "not found".into()),
                ("status_code", "404".into()),
            ]),
        ),
    ]);
    let https = cx.put(
        cx.res(
            m,
            Kind::AwsLbListener,
            "https",
            Layer::AppProvisioning,
            &src,
        )
        .with("load_balancer_arn", r(&alb, "arn"))
        .with("port", 443u32)
        .with("protocol", "HTTPS")
        .with("ssl_policy", ssl_policy)
        .with("certificate_arn", cert.clone())
        .with("default_action", not_found.clone()),
    );
    cx.put(
        cx.res(m, Kind::AwsLbListener, "http", Layer::AppProvisioning, &src)
            .with("load_balancer_arn", r(&alb, "arn"))
            .with("port", 80u32)
            .with("protocol", "HTTP")
            .with(
                "default_action",
                map([
                    ("type", "redirect".into()),
                    (
                        "redirect",
                        map([
                            ("port", "443".into()),
                            ("protocol", "HTTPS".into()),
                            ("status_code", "HTTP_301".into()),
                        ]),
                    ),
                ]),
            ),
    );
    let services: Vec<(String, Service)> = cx
        .spec
        .services
        .keys()
        .filter_map(|n| resolve::service(cx.spec, &cx.env.name, n).map(|s| (n.clone(), s)))
        .filter(|(_, s)| s.expose == Expose::Public)
        .collect();
    let test = if services.iter().any(|(_, s)| uses_codedeploy(cx, s)) {
        Some(
            cx.put(
                cx.res(m, Kind::AwsLbListener, "test", Layer::AppProvisioning, &src)
                    .with("load_balancer_arn", r(&alb, "arn"))
                    .with("port", 8443u32)
                    .with("protocol", "HTTPS")
                    .with("ssl_policy", ssl_policy)
                    .with("certificate_arn", cert)
                    .with("default_action", not_found),
            ),
        )
    } else {
        None
    };
    for (i, (name, s)) in services.iter().enumerate() {
        let src_owned = ["services".to_owned(), name.clone()];
        let src: Vec<&str> = src_owned.iter().map(String::as_str).collect();
        let colors: &[&str] = if uses_codedeploy(cx, s) {
            &["blue", "green"]
        } else {
            &[""]
        };
        let mut groups = Vec::new();
        for color in colors {
            let tg_name = if color.is_empty() {
                name.clone()
            } else {
                format!("{name}_{color}")
            };
            let short = format!(
                "{}-{}-{}",
                &cx.spec.app.chars().take(10).collect::<String>(),
                &cx.env.name.chars().take(6).collect::<String>(),
                tg_name.replace('_', "-")
            );
            groups.push(
                cx.put(
                    cx.res(
                        m,
                        Kind::AwsLbTargetGroup,
                        &tg_name,
                        Layer::AppProvisioning,
                        &src,
                    )
                    .with(
                        "name",
                        short
                            .chars()
                            .take(32)
                            .collect::<String>()
                            .trim_end_matches('-')
                            .to_owned(),
                    )
                    .with("port", s.port)
                    .with("protocol", "HTTP")
                    .with(
                        "protocol_version",
                        if s.protocol == Protocol::Grpc {
                            "GRPC"
                        } else {
                            "HTTP1"
                        },
                    )
                    .with("target_type", "ip")
                    .with("vpc_id", r(&net.edge_vpc, "id"))
                    .with("deregistration_delay", 30u32)
                    .with(
                        "health_check",
                        map([
                            ("enabled", true.into()),
                            ("path", s.health_check.path.clone().into()),
                            ("interval", s.health_check.interval_seconds.into()),
                            ("healthy_threshold", 2u32.into()),
                            ("unhealthy_threshold", 3u32.into()),
                            (
                                "matcher",
                                if s.protocol == Protocol::Grpc {
                                    "0-99"
                                } else {
                                    "200-399"
                                }
                                .into(),
                            ),
                        ]),
                    ),
                ),
            );
        }
        let mut conditions = vec![map([(
            "path_pattern",
            map([(
                "values",
                if s.path == "/" {
                    list(["/*".into()])
                } else {
                    list([
                        s.path.clone().into(),
                        format!("{}/*", s.path.trim_end_matches('/')).into(),
                    ])
                },
            )]),
        )])];
        if let Some(h) = &s.host {
            conditions.push(map([(
                "host_header",
                map([("values", list([h.clone().into()]))]),
            )]));
        }
        let priority = u32::try_from(i + 1).unwrap_or(1) * 10;
        let forward = |tg: &Address| {
            map([
                ("type", "forward".into()),
                ("target_group_arn", r(tg, "arn")),
            ])
        };
        cx.put(
            cx.res(
                m,
                Kind::AwsLbListenerRule,
                name,
                Layer::AppProvisioning,
                &src,
            )
            .with("listener_arn", r(&https, "arn"))
            .with("priority", priority)
            .with("condition", Value::List(conditions.clone()))
            .with("action", forward(&groups[0])),
        );
        if let Some(t) = &test {
            if groups.len() > 1 {
                cx.put(
                    cx.res(
                        m,
                        Kind::AwsLbListenerRule,
                        &format!("{name}_test"),
                        Layer::AppProvisioning,
                        &src,
                    )
                    .with("listener_arn", r(t, "arn"))
                    .with("priority", priority)
                    .with("condition", Value::List(conditions))
                    .with("action", forward(&groups[1])),
                );
            }
        }
        tgs.insert(name.clone(), groups);
    }
    if let Some(acl) = &edge.waf {
        let em = cx.module(ModuleKind::Edge, region);
        cx.put(
            cx.res(
                &em,
                Kind::AwsWafv2WebAclAssociation,
                "public",
                Layer::AppInfrastructure,
                &["edge", "waf"],
            )
            .with("resource_arn", r(&alb, "arn"))
            .with("web_acl_arn", r(acl, "arn")),
        );
    }
    wl.alb = Some(alb);
    wl.https = Some(https);
    wl.test = test;
}

/// IAM statements for what a service's dependencies need.
fn dependency_statements(
    cx: &Cx,
    region: &Region,
    svc: &str,
    s: &Service,
    stores: &Stores,
) -> Vec<Value> {
    let mut out = Vec::new();
    for dep in &s.depends_on {
        let Some(store) = stores.stores.get(dep) else {
            continue;
        };
        let sid = dep.replace('-', "");
        match store.engine {
            Engine::Sqs => out.push(allow(
                &format!("Queue{sid}"),
                &[
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility",
                ],
                vec![r(&store.main, "arn")],
            )),
            Engine::S3 => {
                let m = cx.module(ModuleKind::Data, region);
                let name = crate::data::bucket_name(cx, &m, dep);
                out.push(allow(
                    &format!("Bucket{sid}"),
                    &["s3:ListBucket"],
                    vec![format!("arn:aws:s3:::{name}").into()],
                ));
                out.push(allow(
                    &format!("Objects{sid}"),
                    &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    vec![format!("arn:aws:s3:::{name}/*").into()],
                ));
            }
            e if e.is_database() => out.push(allow(
                &format!("Connect{sid}"),
                &["rds-db:connect"],
                vec![
                    format!(
                        "arn:aws:rds-db:{}:{}:dbuser:*/{}",
                        region.name,
                        account(cx),
                        svc.replace('-', "_")
                    )
                    .into(),
                ],
            )),
            _ => {}
        }
    }
    out
}

/// Plain environment variables a dependency gives a service.
fn dependency_env(s: &Service, stores: &Stores) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for dep in &s.depends_on {
        let var = dep.to_ascii_uppercase().replace('-', "_");
        if let Some(store) = stores.stores.get(dep) {
            match store.engine {
                e if e.is_aurora() => {
                    out.push((format!("{var}_HOST"), r(&store.main, "endpoint")));
                    out.push((
                        format!("{var}_READER_HOST"),
                        r(&store.main, "reader_endpoint"),
                    ));
                }
                e if e.is_database() => {
                    out.push((format!("{var}_HOST"), r(&store.main, "address")))
                }
                Engine::Redis => out.push((
                    format!("{var}_HOST"),
                    r(&store.main, "primary_endpoint_address"),
                )),
                Engine::Sqs => out.push((format!("{var}_QUEUE_URL"), r(&store.main, "url"))),
                Engine::S3 => out.push((format!("{var}_BUCKET"), r(&store.main, "bucket"))),
                _ => {}
            }
            if let Some(p) = store.port {
                out.push((format!("{var}_PORT"), p.to_string().into()));
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn ecs(
    cx: &mut Cx,
    region: &Region,
    m: &Module,
    keys: &Keys,
    net: &Net,
    stores: &Stores,
    registries: &Registries,
    wl: &mut Workloads,
    tgs: &BTreeMap<String, Vec<Address>>,
) {
    let om = cx.module(ModuleKind::Observability, region);
    let src = ["runtime"];
    let cluster = cx.put(
        cx.res(m, Kind::AwsEcsCluster, "main", Layer::AppProvisioning, &src)
            .with("name", cx.name("cluster"))
            .with(
                "setting",
                list([map([
                    ("name", "containerInsights".into()),
                    ("value", "enhanced".into()),
                ])]),
            )
            .with(
                "configuration",
                map([(
                    "execute_command_configuration",
                    map([
                        ("kms_key_id", r(&keys.logs, "arn")),
                        ("logging", "DEFAULT".into()),
                    ]),
                )]),
            ),
    );
    let namespace = if cx
        .spec
        .services
        .values()
        .any(|s| s.expose == Expose::Internal)
    {
        Some(
            cx.put(
                cx.res(
                    m,
                    Kind::AwsServiceDiscoveryHttpNamespace,
                    "main",
                    Layer::AppProvisioning,
                    &src,
                )
                .with("name", format!("{}.{}.internal", cx.env.name, cx.spec.app))
                .with("description", "ECS Service Connect namespace"),
            ),
        )
    } else {
        None
    };
    let exec_role = cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            "task_execution",
            Layer::AppInfrastructure,
            &src,
        )
        .with("name", cx.name("task-execution"))
        .with(
            "assume_role_policy",
            trust_service("ecs-tasks.amazonaws.com"),
        ),
    );
    attach(
        cx,
        m,
        &exec_role,
        "task_execution",
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        Layer::AppInfrastructure,
        &src,
    );
    let mut secret_arns: Vec<Value> = Vec::new();
    let mut parameter_arns: Vec<Value> = Vec::new();
    for name in cx.spec.services.keys().cloned().collect::<Vec<_>>() {
        let Some(s) = resolve::service(cx.spec, &cx.env.name, &name) else {
            continue;
        };
        let src_owned = ["services".to_owned(), name.clone()];
        let src: Vec<&str> = src_owned.iter().map(String::as_str).collect();
        let lg = cx.log_group(
            &om,
            &format!("svc_{name}"),
            &name,
            Layer::Observability,
            &src,
            &keys.logs,
        );
        let task_role = cx.put(
            cx.res(
                m,
                Kind::AwsIamRole,
                &format!("task_{name}"),
                Layer::AppInfrastructure,
                &src,
            )
            .with("name", cx.name(&format!("task-{name}")))
            .with(
                "assume_role_policy",
                trust_service("ecs-tasks.amazonaws.com"),
            ),
        );
        let mut statements = dependency_statements(cx, region, &name, &s, stores);
        if cx.spec.observability.traces == TracesBackend::Xray {
            statements.push(allow(
                "Traces",
                &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                vec!["*".into()],
            ));
        }
        if !statements.is_empty() {
            let p = cx.put(
                cx.res(
                    m,
                    Kind::AwsIamPolicy,
                    &format!("task_{name}"),
                    Layer::AppInfrastructure,
                    &src,
                )
                .with("name", cx.name(&format!("task-{name}")))
                .with("policy", policy(statements)),
            );
            attach(
                cx,
                m,
                &task_role,
                &format!("task_{name}"),
                r(&p, "arn"),
                Layer::AppInfrastructure,
                &src,
            );
        }
        let mut environment: Vec<Value> = s
            .env
            .iter()
            .map(|(k, v)| map([("name", k.clone().into()), ("value", v.clone().into())]))
            .collect();
        let mut secrets: Vec<Value> = Vec::new();
        for (k, v) in dependency_env(&s, stores) {
            if matches!(v, Value::Ref(_)) {
                // Known only once the store exists: kept in Parameter Store and
                // injected by ECS, so task definitions never need filling in.
                let id = format!("{name}_{}", k.to_ascii_lowercase());
                let param = cx.put(
                    cx.res(m, Kind::AwsSsmParameter, &id, Layer::AppProvisioning, &src)
                        .with(
                            "name",
                            format!("/{}/{}/{name}/{k}", cx.spec.app, cx.env.name),
                        )
                        .with("type", "String")
                        .with("tier", "Standard")
                        .with("value", v),
                );
                secrets.push(map([("name", k.into()), ("valueFrom", r(&param, "arn"))]));
                parameter_arns.push(r(&param, "arn"));
            } else {
                environment.push(map([("name", k.into()), ("value", v)]));
            }
        }
        for (var, secret) in &s.secrets {
            if let Some(a) = stores.secrets.get(secret) {
                secrets.push(map([
                    ("name", var.clone().into()),
                    ("valueFrom", r(a, "arn")),
                ]));
                secret_arns.push(r(a, "arn"));
            }
        }
        for dep in &s.depends_on {
            if let Some(store) = stores.stores.get(dep) {
                if let (Some((a, attr)), false) = (
                    &store.secret,
                    cx.spec.data.get(dep).is_some_and(|d| d.iam_auth),
                ) {
                    let var = format!("{}_CREDENTIALS", dep.to_ascii_uppercase().replace('-', "_"));
                    secrets.push(map([("name", var.into()), ("valueFrom", r(a, attr))]));
                    secret_arns.push(r(a, attr));
                }
            }
        }
        let image = match (&s.image, registries.repos.get(&name)) {
            (Some(img), _) => Value::from(img.clone()),
            (None, Some(repo)) => r(repo, "repository_url"),
            (None, None) => Value::from(format!("{name}:latest")),
        };
        let container = map([
            ("name", name.clone().into()),
            ("image", image),
            ("essential", true.into()),
            ("readonlyRootFilesystem", true.into()),
            ("user", "10001".into()),
            ("privileged", false.into()),
            (
                "portMappings",
                list([map([
                    ("name", "http".into()),
                    ("containerPort", s.port.into()),
                    ("protocol", "tcp".into()),
                    (
                        "appProtocol",
                        if s.protocol == Protocol::Grpc {
                            "grpc"
                        } else {
                            "http"
                        }
                        .into(),
                    ),
                ])]),
            ),
            ("environment", Value::List(environment)),
            ("secrets", Value::List(secrets)),
            (
                "linuxParameters",
                map([
                    ("initProcessEnabled", true.into()),
                    ("capabilities", map([("drop", list(["ALL".into()]))])),
                ]),
            ),
            (
                "logConfiguration",
                map([
                    ("logDriver", "awslogs".into()),
                    (
                        "options",
                        map([
                            ("awslogs-group", r(&lg, "name")),
                            ("awslogs-region", region.name.clone().into()),
                            ("awslogs-stream-prefix", name.clone().into()),
                        ]),
                    ),
                ]),
            ),
            (
                "healthCheck",
                map([
                    (
                        "command",
                        list([
                            "CMD-SHELL".into(),
                            format!(
                                "wget -q -O /dev/null http://127.0.0.1:{}{} || exit 1",
                                s.port, s.health_check.path
                            )
                            .into(),
                        ]),
                    ),
                    ("interval", s.health_check.interval_seconds.into()),
                    ("retries", 3u32.into()),
                    ("startPeriod", s.health_check.grace_seconds.into()),
                ]),
            ),
        ]);
        let td = cx.put(
            cx.res(
                m,
                Kind::AwsEcsTaskDefinition,
                &name,
                Layer::AppProvisioning,
                &src,
            )
            .with("family", cx.name(&name))
            .with("requires_compatibilities", list(["FARGATE".into()]))
            .with("network_mode", "awsvpc")
            .with("cpu", s.cpu.to_string())
            .with("memory", s.memory.to_string())
            .with("execution_role_arn", r(&exec_role, "arn"))
            .with("task_role_arn", r(&task_role, "arn"))
            .with(
                "runtime_platform",
                map([
                    ("operating_system_family", "LINUX".into()),
                    ("cpu_architecture", "X86_64".into()),
                ]),
            )
            .with("container_definitions", list([container])),
        );
        let groups = tgs.get(&name).cloned().unwrap_or_default();
        let codedeploy = uses_codedeploy(cx, &s);
        let mut svc = cx
            .res(m, Kind::AwsEcsService, &name, Layer::AppProvisioning, &src)
            .with("name", name.clone())
            .with("cluster", r(&cluster, "id"))
            .with("task_definition", r(&td, "arn"))
            .with("desired_count", s.replicas.min)
            .with("launch_type", "FARGATE")
            .with("platform_version", "LATEST")
            .with("propagate_tags", "SERVICE")
            .with("enable_execute_command", false)
            .with(
                "health_check_grace_period_seconds",
                if groups.is_empty() {
                    Value::Null
                } else {
                    s.health_check.grace_seconds.into()
                },
            )
            .with(
                "network_configuration",
                map([
                    ("subnets", list(net.private.iter().map(|a| r(a, "id")))),
                    (
                        "security_groups",
                        list(net.compute_sgs.get(&name).map(|a| r(a, "id"))),
                    ),
                    ("assign_public_ip", false.into()),
                ]),
            )
            .with(
                "deployment_controller",
                map([(
                    "type",
                    if codedeploy { "CODE_DEPLOY" } else { "ECS" }.into(),
                )]),
            );
        if !codedeploy {
            svc = svc.with(
                "deployment_circuit_breaker",
                map([("enable", true.into()), ("rollback", true.into())]),
            );
        }
        if codedeploy {
            // CodeDeploy owns the task definition and target group after creation.
            svc = svc.with(
                "ignore_changes",
                list([
                    "task_definition".into(),
                    "load_balancer".into(),
                    "desired_count".into(),
                ]),
            );
        }
        if let Some(tg) = groups.first() {
            svc = svc.with(
                "load_balancer",
                list([map([
                    ("target_group_arn", r(tg, "arn")),
                    ("container_name", name.clone().into()),
                    ("container_port", s.port.into()),
                ])]),
            );
            if let Some(l) = &wl.https {
                svc = svc.after(l);
            }
        }
        if let Some(ns) = &namespace {
            let mut sc = vec![("enabled", Value::from(true)), ("namespace", r(ns, "arn"))];
            if s.expose != Expose::None {
                sc.push((
                    "service",
                    list([map([
                        ("port_name", "http".into()),
                        ("discovery_name", name.clone().into()),
                        (
                            "client_alias",
                            list([map([
                                ("port", s.port.into()),
                                ("dns_name", name.clone().into()),
                            ])]),
                        ),
                    ])]),
                ));
            }
            svc = svc.with(
                "service_connect_configuration",
                Value::Map(sc.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            );
        }
        let service = cx.put(svc);
        let target = cx.put(
            cx.res(
                m,
                Kind::AwsAppautoscalingTarget,
                &name,
                Layer::AppProvisioning,
                &src,
            )
            .with("service_namespace", "ecs")
            .with("scalable_dimension", "ecs:service:DesiredCount")
            .with(
                "resource_id",
                format!("service/{}/{name}", cx.name("cluster")),
            )
            .with("min_capacity", s.replicas.min)
            .with("max_capacity", s.replicas.max)
            .after(&service),
        );
        cx.put(
            cx.res(
                m,
                Kind::AwsAppautoscalingPolicy,
                &format!("{name}_cpu"),
                Layer::AppProvisioning,
                &src,
            )
            .with("name", cx.name(&format!("{name}-cpu")))
            .with("policy_type", "TargetTrackingScaling")
            .with("service_namespace", r(&target, "service_namespace"))
            .with("scalable_dimension", r(&target, "scalable_dimension"))
            .with("resource_id", r(&target, "resource_id"))
            .with(
                "target_tracking_scaling_policy_configuration",
                map([
                    ("target_value", s.replicas.target_cpu.into()),
                    (
                        "predefined_metric_specification",
                        map([(
                            "predefined_metric_type",
                            "ECSServiceAverageCPUUtilization".into(),
                        )]),
                    ),
                    ("scale_in_cooldown", 300u32.into()),
                    ("scale_out_cooldown", 60u32.into()),
                ]),
            ),
        );
        wl.services.insert(
            name.clone(),
            Svc {
                main: service,
                target_groups: groups,
            },
        );
    }
    let mut exec_statements = vec![allow(
        "DecryptSecrets",
        &["kms:Decrypt"],
        vec![r(&keys.data, "arn")],
    )];
    if !secret_arns.is_empty() {
        exec_statements.insert(
            0,
            allow(
                "ReadServiceSecrets",
                &["secretsmanager:GetSecretValue"],
                secret_arns,
            ),
        );
    }
    if !parameter_arns.is_empty() {
        exec_statements.insert(
            0,
            allow(
                "ReadServiceParameters",
                &["ssm:GetParameters"],
                parameter_arns,
            ),
        );
    }
    let p = cx.put(
        cx.res(
            m,
            Kind::AwsIamPolicy,
            "task_execution_secrets",
            Layer::AppInfrastructure,
            &src,
        )
        .with("name", cx.name("task-execution-secrets"))
        .with("policy", policy(exec_statements)),
    );
    attach(
        cx,
        m,
        &exec_role,
        "task_execution_secrets",
        r(&p, "arn"),
        Layer::AppInfrastructure,
        &src,
    );
    wl.cluster = Some(cluster);
}

/// The environment that owns the cluster this environment runs on: itself
/// with hard isolation, the first soft-isolated environment otherwise.
fn cluster_owner<'a>(cx: &'a Cx) -> &'a str {
    if cx.env.isolation == Isolation::Hard {
        return &cx.env.name;
    }
    cx.envs
        .iter()
        .find(|e| {
            e.isolation == Isolation::Soft
                && e.runtime == cx.env.runtime
                && e.role == strata_spec::EnvironmentRole::Application
        })
        .map_or(cx.env.name.as_str(), |e| e.name.as_str())
}

/// An IAM role a Kubernetes service account assumes through the cluster's
/// OIDC provider (IRSA).
pub fn irsa(
    cx: &mut Cx,
    m: &Module,
    oidc: &Address,
    name: &str,
    namespace: &str,
    sa: &str,
    src: &[&str],
) -> Address {
    cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            &format!("irsa_{name}"),
            Layer::AppInfrastructure,
            src,
        )
        .with("name", cx.name(&format!("irsa-{name}")))
        .with(
            "assume_role_web_identity",
            map([
                ("provider_arn", r(oidc, "arn")),
                ("provider_url", r(oidc, "url")),
                (
                    "subject",
                    format!("system:serviceaccount:{namespace}:{sa}").into(),
                ),
                ("audience", "sts.amazonaws.com".into()),
            ]),
        ),
    )
}

/// An EKS cluster with encrypted secrets, a private endpoint, all control-plane
/// logs, IRSA, managed add-ons and a node group per AZ.
pub fn eks_cluster(
    cx: &mut Cx,
    region: &Region,
    m: &Module,
    keys: &Keys,
    net: &Net,
    name: &str,
    nodes_per_az: u32,
) -> (Address, Address) {
    let src = ["runtime"];
    let om = cx.module(ModuleKind::Observability, region);
    let cluster_name = cx.name(name);
    let lg = cx.log_group(
        &om,
        &format!("eks_{name}"),
        &format!("/aws/eks/{cluster_name}/cluster"),
        Layer::Observability,
        &src,
        &keys.logs,
    );
    let role = cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            &format!("eks_{name}"),
            Layer::AppInfrastructure,
            &src,
        )
        .with("name", cx.name(&format!("eks-{name}")))
        .with("assume_role_policy", trust_service("eks.amazonaws.com")),
    );
    attach(
        cx,
        m,
        &role,
        &format!("eks_{name}"),
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        Layer::AppInfrastructure,
        &src,
    );
    let cluster = cx.put(
        cx.res(m, Kind::AwsEksCluster, name, Layer::AppProvisioning, &src)
            .with("name", cluster_name.clone())
            .with("version", "1.31")
            .with("role_arn", r(&role, "arn"))
            .with(
                "vpc_config",
                map([
                    ("subnet_ids", list(net.private.iter().map(|s| r(s, "id")))),
                    (
                        "security_group_ids",
                        list(net.nodes_sg.iter().map(|s| r(s, "id"))),
                    ),
                    ("endpoint_private_access", true.into()),
                    ("endpoint_public_access", false.into()),
                ]),
            )
            .with(
                "encryption_config",
                map([
                    ("resources", list(["secrets".into()])),
                    ("provider", map([("key_arn", r(&keys.data, "arn"))])),
                ]),
            )
            .with(
                "enabled_cluster_log_types",
                list(
                    [
                        "api",
                        "audit",
                        "authenticator",
                        "controllerManager",
                        "scheduler",
                    ]
                    .map(Into::into),
                ),
            )
            .with(
                "access_config",
                map([("authentication_mode", "API".into())]),
            )
            .after(&lg),
    );
    let oidc = cx.put(
        cx.res(
            m,
            Kind::AwsIamOpenidConnectProvider,
            &format!("eks_{name}"),
            Layer::AppInfrastructure,
            &src,
        )
        .with("url", r(&cluster, "identity_oidc_issuer"))
        .with("client_id_list", list(["sts.amazonaws.com".into()])),
    );
    let node_role = cx.put(
        cx.res(
            m,
            Kind::AwsIamRole,
            &format!("eks_{name}_nodes"),
            Layer::AppInfrastructure,
            &src,
        )
        .with("name", cx.name(&format!("eks-{name}-nodes")))
        .with("assume_role_policy", trust_service("ec2.amazonaws.com")),
    );
    for (short, arn) in [
        (
            "worker",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ),
        (
            "ecr",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        ),
        (
            "ssm",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ),
    ] {
        attach(
            cx,
            m,
            &node_role,
            &format!("eks_{name}_nodes_{short}"),
            arn,
            Layer::AppInfrastructure,
            &src,
        );
    }
    let lt = cx.put(
        cx.res(
            m,
            Kind::AwsLaunchTemplate,
            &format!("eks_{name}_nodes"),
            Layer::AppProvisioning,
            &src,
        )
        .with("name", cx.name(&format!("eks-{name}-nodes")))
        .with("metadata_options", imdsv2_only())
        .with("block_device_mappings", encrypted_root(&keys.data, 50)),
    );
    let instance = if cx.env.production {
        "m6i.large"
    } else {
        "t3.large"
    };
    for (i, subnet) in net.private.iter().enumerate() {
        let l = az_letter(&region.zones[i]);
        cx.put(
            cx.res(
                m,
                Kind::AwsEksNodeGroup,
                &format!("{name}_{l}"),
                Layer::AppProvisioning,
                &src,
            )
            .with("cluster_name", r(&cluster, "name"))
            .with("node_group_name", cx.name(&format!("{name}-{l}")))
            .with("node_role_arn", r(&node_role, "arn"))
            .with("subnet_ids", list([r(subnet, "id")]))
            .with("ami_type", "AL2023_x86_64_STANDARD")
            .with("capacity_type", "ON_DEMAND")
            .with("instance_types", list([instance.into()]))
            .with(
                "scaling_config",
                map([
                    ("min_size", 1u32.into()),
                    ("desired_size", nodes_per_az.into()),
                    ("max_size", (nodes_per_az * 3).into()),
                ]),
            )
            .with("update_config", map([("max_unavailable", 1u32.into())]))
            .with(
                "launch_template",
                map([("id", r(&lt, "id")), ("version", r(&lt, "latest_version"))]),
            ),
        );
    }
    for (addon, sa, managed) in [
        (
            "vpc-cni",
            Some(("kube-system", "aws-node")),
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ),
        ("coredns", None, ""),
        ("kube-proxy", None, ""),
        (
            "aws-ebs-csi-driver",
            Some(("kube-system", "ebs-csi-controller-sa")),
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        ),
        ("eks-pod-identity-agent", None, ""),
    ] {
        let id = addon.replace('-', "_");
        let mut a = cx
            .res(
                m,
                Kind::AwsEksAddon,
                &format!("{name}_{id}"),
                Layer::AppProvisioning,
                &src,
            )
            .with("cluster_name", r(&cluster, "name"))
            .with("addon_name", addon)
            .with("resolve_conflicts_on_update", "OVERWRITE");
        if let Some((ns, sa)) = sa {
            let role = irsa(cx, m, &oidc, &format!("{name}_{id}"), ns, sa, &src);
            attach(
                cx,
                m,
                &role,
                &format!("irsa_{name}_{id}"),
                managed,
                Layer::AppInfrastructure,
                &src,
            );
            a = a.with("service_account_role_arn", r(&role, "arn"));
        }
        cx.put(a);
    }
    (cluster, oidc)
}

pub(crate) fn k8s(
    cx: &Cx,
    m: &Module,
    kind: Kind,
    name: &str,
    layer: Layer,
    src: &[&str],
    namespace: &str,
    spec: Value,
) -> strata_model::Resource {
    let mut labels = std::collections::BTreeMap::new();
    labels.insert(
        "app.kubernetes.io/part-of".to_owned(),
        Value::from(cx.spec.app.clone()),
    );
    labels.insert(
        "app.kubernetes.io/managed-by".to_owned(),
        Value::from("strata"),
    );
    cx.res(m, kind, name, layer, src)
        .with("name", name.replace('_', "-"))
        .with("namespace", namespace)
        .with("labels", Value::Map(labels))
        .with("spec", spec)
}

/// An Argo CD application for an upstream chart, pinned, added to the graph.
pub fn application(
    cx: &mut Cx,
    m: &Module,
    addon_name: &str,
    namespace: &str,
    layer: Layer,
    src: &[&str],
    values: Value,
) -> Address {
    let res = application_res(cx, m, addon_name, namespace, layer, src, values);
    cx.put(res)
}

/// An Argo CD application for an upstream chart, pinned.
pub fn application_res(
    cx: &Cx,
    m: &Module,
    addon_name: &str,
    namespace: &str,
    layer: Layer,
    src: &[&str],
    values: Value,
) -> strata_model::Resource {
    let (repo, chart, version) = addon(addon_name);
    let gitops = &cx.spec.delivery.gitops;
    let mut sync = vec![(
        "syncOptions",
        list(["CreateNamespace=true".into(), "ServerSideApply=true".into()]),
    )];
    if gitops.auto_sync {
        sync.push((
            "automated",
            map([
                ("prune", gitops.prune.into()),
                ("selfHeal", gitops.self_heal.into()),
            ]),
        ));
    }
    let spec = map([
        ("project", "platform".into()),
        (
            "source",
            map([
                ("repoURL", repo.into()),
                ("chart", chart.into()),
                ("targetRevision", version.into()),
                ("helm", map([("valuesObject", values)])),
            ]),
        ),
        (
            "destination",
            map([
                ("server", "https://kubernetes.default.svc".into()),
                ("namespace", namespace.into()),
            ]),
        ),
        (
            "syncPolicy",
            Value::Map(sync.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        ),
    ]);
    let name = addon_name.replace('-', "_");
    k8s(cx, m, Kind::Application, &name, layer, src, "argocd", spec).with("name", addon_name)
}

/// A ClusterIP Service spec for pods with `labels`, on their `http` port.
fn cluster_ip(labels: &Value, port: u32) -> Value {
    map([
        ("type", "ClusterIP".into()),
        ("selector", labels.clone()),
        (
            "ports",
            list([map([
                ("name", "http".into()),
                ("port", port.into()),
                ("targetPort", "http".into()),
            ])]),
        ),
    ])
}

fn millicores(cpu_units: u32) -> String {
    format!("{}m", u64::from(cpu_units) * 1000 / 1024)
}

#[allow(clippy::too_many_arguments)]
fn kube(
    cx: &mut Cx,
    region: &Region,
    m: &Module,
    keys: &Keys,
    net: &Net,
    stores: &Stores,
    edge: &Edge,
    registries: &Registries,
    wl: &mut Workloads,
    tgs: &BTreeMap<String, Vec<Address>>,
) {
    let openshift = cx.env.runtime == Runtime::Openshift;
    let owner = cluster_owner(cx).to_owned();
    let owns = owner == cx.env.name;
    let ns_name = if cx.env.isolation == Isolation::Soft {
        format!("{}-{}", cx.spec.app, cx.env.name)
    } else {
        cx.spec.app.clone()
    };
    let src = ["runtime"];
    let total_min: u32 = cx.spec.services.values().map(|s| s.replicas.min).sum();
    let azs = u32::try_from(region.zones.len()).unwrap_or(1).max(1);
    let nodes_per_az = (total_min / azs / 4 + 1).max(1);
    let (cluster, oidc) = if openshift {
        let c = if owns {
            cx.put(
                cx.res(
                    m,
                    Kind::RhcsClusterRosaHcp,
                    "main",
                    Layer::AppProvisioning,
                    &src,
                )
                .with(
                    "name",
                    cx.name("rosa")
                        .chars()
                        .take(15)
                        .collect::<String>()
                        .trim_end_matches('-')
                        .to_owned(),
                )
                .with("cloud_region", region.name.clone())
                .with("aws_account_id", account(cx))
                .with(
                    "availability_zones",
                    list(region.zones.iter().map(|z| Value::from(z.as_str()))),
                )
                .with(
                    "aws_subnet_ids",
                    list(net.private.iter().map(|s| r(s, "id"))),
                )
                .with("machine_cidr", net.app_cidr.to_string())
                .with("private", true)
                .with("etcd_encryption", true)
                .with("etcd_kms_key_arn", r(&keys.data, "arn"))
                .with("kms_key_arn", r(&keys.data, "arn"))
                .with("version", "4.17.9")
                .with("replicas", nodes_per_az * azs)
                .with(
                    "compute_machine_type",
                    if cx.env.production {
                        "m6i.xlarge"
                    } else {
                        "m6i.large"
                    },
                ),
            )
        } else {
            cx.addr_in(&owner, m, Kind::RhcsClusterRosaHcp, "main")
        };
        (c, None)
    } else if owns {
        let (c, o) = eks_cluster(cx, region, m, keys, net, "main", nodes_per_az);
        (c, Some(o))
    } else {
        (
            cx.addr_in(&owner, m, Kind::AwsEksCluster, "main"),
            Some(cx.addr_in(&owner, m, Kind::AwsIamOpenidConnectProvider, "eks_main")),
        )
    };
    wl.cluster = Some(cluster.clone());
    wl.oidc = oidc.clone();

    let ns = cx.put(
        k8s(
            cx,
            m,
            Kind::Namespace,
            "app",
            Layer::AppProvisioning,
            &src,
            "",
            Value::Null,
        )
        .with("name", ns_name.clone())
        .with(
            "pod_security",
            map([
                ("enforce", "restricted".into()),
                ("audit", "restricted".into()),
                ("warn", "restricted".into()),
            ]),
        )
        .after(&cluster),
    );
    wl.namespace = Some((ns.clone(), ns_name.clone()));

    // Secrets come in through External Secrets from the store.
    let store_kind = cx.spec.security.secrets_store;
    if owns {
        let provider = match store_kind {
            SecretsStore::SecretsManager => map([(
                "aws",
                map([
                    ("service", "SecretsManager".into()),
                    ("region", region.name.clone().into()),
                    (
                        "auth",
                        map([(
                            "jwt",
                            map([(
                                "serviceAccountRef",
                                map([
                                    ("name", "external-secrets".into()),
                                    ("namespace", "external-secrets".into()),
                                ]),
                            )]),
                        )]),
                    ),
                ]),
            )]),
            SecretsStore::Vault => map([(
                "vault",
                map([
                    ("server", "https://vault.vault.svc:8200".into()),
                    ("path", "secret".into()),
                    ("version", "v2".into()),
                    (
                        "auth",
                        map([(
                            "kubernetes",
                            map([
                                ("mountPath", "kubernetes".into()),
                                ("role", "external-secrets".into()),
                            ]),
                        )]),
                    ),
                ]),
            )]),
        };
        cx.put(
            k8s(
                cx,
                m,
                Kind::ClusterSecretStore,
                "secrets",
                Layer::AppProvisioning,
                &src,
                "",
                map([("provider", provider)]),
            )
            .after(&cluster),
        );
    }

    let services: Vec<(String, Service)> = cx
        .spec
        .services
        .keys()
        .filter_map(|n| resolve::service(cx.spec, &cx.env.name, n).map(|s| (n.clone(), s)))
        .collect();
    let prometheus =
        resolve::metrics_backend(cx.spec, cx.env.runtime) == MetricsBackend::Prometheus;
    let ingress_cidr = if cx.spec.network.topology == Topology::HubSpoke {
        // Targets are registered across the transit gateway from the edge VPC.
        region
            .vpcs
            .iter()
            .find(|v| v.role == resolve::VpcRole::Edge)
            .map_or(net.app_cidr, |v| v.cidr)
    } else {
        net.app_cidr
    };

    // Default deny, DNS allowed.
    cx.put(
        k8s(
            cx,
            m,
            Kind::NetworkPolicy,
            "default_deny",
            Layer::AppProvisioning,
            &src,
            &ns_name,
            map([
                ("podSelector", map([])),
                ("policyTypes", list(["Ingress".into(), "Egress".into()])),
            ]),
        )
        .after(&ns),
    );
    cx.put(
        k8s(
            cx,
            m,
            Kind::NetworkPolicy,
            "allow_dns",
            Layer::AppProvisioning,
            &src,
            &ns_name,
            map([
                ("podSelector", map([])),
                ("policyTypes", list(["Egress".into()])),
                (
                    "egress",
                    list([map([
                        (
                            "to",
                            list([map([(
                                "namespaceSelector",
                                map([(
                                    "matchLabels",
                                    map([("kubernetes.io/metadata.name", "kube-system".into())]),
                                )]),
                            )])]),
                        ),
                        (
                            "ports",
                            list([
                                map([("protocol", "UDP".into()), ("port", 53u32.into())]),
                                map([("protocol", "TCP".into()), ("port", 53u32.into())]),
                            ]),
                        ),
                    ])]),
                ),
            ]),
        )
        .after(&ns),
    );

    for (name, s) in &services {
        let src_owned = ["services".to_owned(), name.clone()];
        let src: Vec<&str> = src_owned.iter().map(String::as_str).collect();
        let labels = map([("app.kubernetes.io/name", name.clone().into())]);
        // Service account with IRSA when the service needs AWS access.
        let statements = dependency_statements(cx, region, name, s, stores);
        let role = match (&oidc, statements.is_empty()) {
            (Some(o), false) => {
                let role = irsa(cx, m, o, name, &ns_name, name, &src);
                let p = cx.put(
                    cx.res(
                        m,
                        Kind::AwsIamPolicy,
                        &format!("irsa_{name}"),
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&format!("irsa-{name}")))
                    .with("policy", policy(statements)),
                );
                attach(
                    cx,
                    m,
                    &role,
                    &format!("irsa_{name}"),
                    r(&p, "arn"),
                    Layer::AppInfrastructure,
                    &src,
                );
                Some(role)
            }
            _ => None,
        };
        let mut sa = k8s(
            cx,
            m,
            Kind::ServiceAccount,
            name,
            Layer::AppProvisioning,
            &src,
            &ns_name,
            Value::Null,
        )
        .with("automount_service_account_token", false)
        .after(&ns);
        if let Some(role) = &role {
            sa = sa.with(
                "annotations",
                map([("eks.amazonaws.com/role-arn", r(role, "arn"))]),
            );
        }
        cx.put(sa);
        let mut data: std::collections::BTreeMap<String, Value> = s
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        for (k, v) in dependency_env(s, stores) {
            data.insert(k, v);
        }
        for dep in &s.depends_on {
            if let Some(other) = cx.spec.services.get(dep) {
                let var = dep.to_ascii_uppercase().replace('-', "_");
                data.insert(
                    format!("{var}_URL"),
                    format!("http://{}.{ns_name}.svc.cluster.local:{}", dep, other.port).into(),
                );
            }
        }
        let cm = cx.put(
            k8s(
                cx,
                m,
                Kind::ConfigMap,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                Value::Null,
            )
            .with("data", Value::Map(data))
            .after(&ns),
        );
        let has_secrets = !s.secrets.is_empty();
        if has_secrets {
            let entries: Vec<Value> = s
                .secrets
                .iter()
                .map(|(var, secret)| {
                    map([
                        ("secretKey", var.clone().into()),
                        (
                            "remoteRef",
                            map([(
                                "key",
                                format!("{}/{}/{}", cx.spec.app, cx.env.name, secret).into(),
                            )]),
                        ),
                    ])
                })
                .collect();
            let mut es = k8s(
                cx,
                m,
                Kind::ExternalSecret,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                map([
                    ("refreshInterval", "1h".into()),
                    (
                        "secretStoreRef",
                        map([
                            ("kind", "ClusterSecretStore".into()),
                            ("name", "secrets".into()),
                        ]),
                    ),
                    (
                        "target",
                        map([
                            ("name", name.clone().into()),
                            ("creationPolicy", "Owner".into()),
                        ]),
                    ),
                    ("data", Value::List(entries)),
                ]),
            )
            .after(&ns);
            for secret in s.secrets.values() {
                if let Some(a) = stores.secrets.get(secret) {
                    es = es.after(a);
                }
            }
            cx.put(es);
        }
        let image = match (&s.image, registries.repos.get(name)) {
            (Some(img), _) => Value::from(img.clone()),
            (None, Some(repo)) => r(repo, "repository_url"),
            (None, None) => Value::from(format!("{name}:latest")),
        };
        let mut env_from = vec![map([(
            "configMapRef",
            map([("name", name.clone().into())]),
        )])];
        if has_secrets {
            env_from.push(map([("secretRef", map([("name", name.clone().into())]))]));
        }
        let probe = |path: &str, delay: u32| {
            map([
                (
                    "httpGet",
                    map([("path", path.into()), ("port", "http".into())]),
                ),
                ("initialDelaySeconds", delay.into()),
                ("periodSeconds", s.health_check.interval_seconds.into()),
            ])
        };
        let mut container_sc = vec![
            ("runAsNonRoot", Value::from(true)),
            ("readOnlyRootFilesystem", true.into()),
            ("allowPrivilegeEscalation", false.into()),
            ("capabilities", map([("drop", list(["ALL".into()]))])),
            ("seccompProfile", map([("type", "RuntimeDefault".into())])),
        ];
        let mut pod_sc = vec![
            ("runAsNonRoot", Value::from(true)),
            ("seccompProfile", map([("type", "RuntimeDefault".into())])),
        ];
        if !openshift {
            // OpenShift's restricted SCC assigns the user; elsewhere we pin one.
            container_sc.push(("runAsUser", 10001u32.into()));
            pod_sc.push(("runAsUser", 10001u32.into()));
            pod_sc.push(("fsGroup", 10001u32.into()));
        }
        let to_map = |v: Vec<(&str, Value)>| {
            Value::Map(v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        };
        let container = map([
            ("name", name.clone().into()),
            ("image", image),
            (
                "ports",
                list([map([
                    ("name", "http".into()),
                    ("containerPort", s.port.into()),
                    ("protocol", "TCP".into()),
                ])]),
            ),
            ("envFrom", Value::List(env_from)),
            (
                "resources",
                map([
                    (
                        "requests",
                        map([
                            ("cpu", millicores(s.cpu).into()),
                            ("memory", format!("{}Mi", s.memory).into()),
                        ]),
                    ),
                    (
                        "limits",
                        map([
                            ("cpu", millicores(s.cpu * 2).into()),
                            ("memory", format!("{}Mi", s.memory).into()),
                        ]),
                    ),
                ]),
            ),
            ("readinessProbe", probe(&s.health_check.path, 5)),
            (
                "livenessProbe",
                probe(&s.health_check.path, s.health_check.grace_seconds),
            ),
            ("securityContext", to_map(container_sc)),
            (
                "volumeMounts",
                list([map([("name", "tmp".into()), ("mountPath", "/tmp".into())])]),
            ),
        ]);
        let pod = map([
            ("metadata", map([("labels", labels.clone())])),
            (
                "spec",
                map([
                    ("serviceAccountName", name.clone().into()),
                    ("automountServiceAccountToken", role.is_some().into()),
                    ("securityContext", to_map(pod_sc)),
                    ("containers", list([container])),
                    (
                        "volumes",
                        list([map([
                            ("name", "tmp".into()),
                            ("emptyDir", map([("sizeLimit", "256Mi".into())])),
                        ])]),
                    ),
                    (
                        "topologySpreadConstraints",
                        list([map([
                            ("maxSkew", 1u32.into()),
                            ("topologyKey", "topology.kubernetes.io/zone".into()),
                            ("whenUnsatisfiable", "ScheduleAnyway".into()),
                            ("labelSelector", map([("matchLabels", labels.clone())])),
                        ])]),
                    ),
                ]),
            ),
        ]);
        let selector = map([("matchLabels", labels.clone())]);
        let main = match s.deploy.strategy {
            Strategy::Rolling => cx.put(
                k8s(
                    cx,
                    m,
                    Kind::Deployment,
                    name,
                    Layer::AppProvisioning,
                    &src,
                    &ns_name,
                    map([
                        ("replicas", s.replicas.min.into()),
                        ("selector", selector.clone()),
                        (
                            "strategy",
                            map([
                                ("type", "RollingUpdate".into()),
                                (
                                    "rollingUpdate",
                                    map([
                                        ("maxSurge", "25%".into()),
                                        ("maxUnavailable", 0u32.into()),
                                    ]),
                                ),
                            ]),
                        ),
                        ("template", pod.clone()),
                    ]),
                )
                .after(&cm),
            ),
            strategy => {
                let analysis = cx.put(
                    k8s(
                        cx,
                        m,
                        Kind::AnalysisTemplate,
                        name,
                        Layer::AppProvisioning,
                        &src,
                        &ns_name,
                        crate::gates::analysis_spec(
                            cx,
                            name,
                            s,
                            wl.alb.as_ref().zip(tgs.get(name).and_then(|g| g.first())),
                        ),
                    )
                    .after(&ns),
                );
                let strategy_spec = if strategy == Strategy::Canary {
                    let mut steps = Vec::new();
                    for w in &s.deploy.steps {
                        steps.push(map([("setWeight", u32::from(*w).into())]));
                        steps.push(map([(
                            "pause",
                            map([("duration", format!("{}s", s.deploy.pause_seconds).into())]),
                        )]));
                    }
                    map([(
                        "canary",
                        map([
                            ("steps", Value::List(steps)),
                            (
                                "analysis",
                                map([
                                    (
                                        "templates",
                                        list([map([("templateName", name.clone().into())])]),
                                    ),
                                    ("startingStep", 1u32.into()),
                                ]),
                            ),
                        ]),
                    )])
                } else {
                    cx.put(
                        k8s(
                            cx,
                            m,
                            Kind::Service,
                            &format!("{name}_preview"),
                            Layer::AppProvisioning,
                            &src,
                            &ns_name,
                            cluster_ip(&labels, s.port),
                        )
                        .after(&ns),
                    );
                    map([(
                        "blueGreen",
                        map([
                            ("activeService", name.clone().into()),
                            ("previewService", format!("{}-preview", name).into()),
                            ("autoPromotionEnabled", (!cx.env.approval).into()),
                            (
                                "prePromotionAnalysis",
                                map([(
                                    "templates",
                                    list([map([("templateName", name.clone().into())])]),
                                )]),
                            ),
                        ]),
                    )])
                };
                cx.put(
                    k8s(
                        cx,
                        m,
                        Kind::Rollout,
                        name,
                        Layer::AppProvisioning,
                        &src,
                        &ns_name,
                        map([
                            ("replicas", s.replicas.min.into()),
                            ("selector", selector.clone()),
                            ("template", pod.clone()),
                            ("strategy", strategy_spec),
                        ]),
                    )
                    .after(&cm)
                    .after(&analysis),
                )
            }
        };
        let service = cx.put(
            k8s(
                cx,
                m,
                Kind::Service,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                cluster_ip(&labels, s.port),
            )
            .after(&ns),
        );
        let target_kind = if s.deploy.strategy == Strategy::Rolling {
            "Deployment"
        } else {
            "Rollout"
        };
        let target_api = if s.deploy.strategy == Strategy::Rolling {
            "apps/v1"
        } else {
            "argoproj.io/v1alpha1"
        };
        cx.put(
            k8s(
                cx,
                m,
                Kind::HorizontalPodAutoscaler,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                map([
                    (
                        "scaleTargetRef",
                        map([
                            ("apiVersion", target_api.into()),
                            ("kind", target_kind.into()),
                            ("name", name.clone().into()),
                        ]),
                    ),
                    ("minReplicas", s.replicas.min.into()),
                    ("maxReplicas", s.replicas.max.into()),
                    (
                        "metrics",
                        list([map([
                            ("type", "Resource".into()),
                            (
                                "resource",
                                map([
                                    ("name", "cpu".into()),
                                    (
                                        "target",
                                        map([
                                            ("type", "Utilization".into()),
                                            ("averageUtilization", s.replicas.target_cpu.into()),
                                        ]),
                                    ),
                                ]),
                            ),
                        ])]),
                    ),
                ]),
            )
            .after(&main),
        );
        cx.put(
            k8s(
                cx,
                m,
                Kind::PodDisruptionBudget,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                map([
                    ("maxUnavailable", 1u32.into()),
                    ("selector", selector.clone()),
                ]),
            )
            .after(&ns),
        );
        // Network policy: who may call this service, and what it may call.
        let mut from = Vec::new();
        if s.expose == Expose::Public {
            from.push(map([(
                "ipBlock",
                map([("cidr", ingress_cidr.to_string().into())]),
            )]));
        }
        for (other, o) in &cx.spec.services {
            if o.depends_on.contains(name) {
                from.push(map([(
                    "podSelector",
                    map([(
                        "matchLabels",
                        map([("app.kubernetes.io/name", other.clone().into())]),
                    )]),
                )]));
            }
        }
        let mut egress_rules = vec![map([
            (
                "to",
                list([map([(
                    "ipBlock",
                    map([
                        ("cidr", "0.0.0.0/0".into()),
                        ("except", list(["169.254.169.254/32".into()])),
                    ]),
                )])]),
            ),
            (
                "ports",
                list([map([("protocol", "TCP".into()), ("port", 443u32.into())])]),
            ),
        ])];
        for dep in &s.depends_on {
            if let Some(o) = cx.spec.services.get(dep) {
                egress_rules.push(map([
                    (
                        "to",
                        list([map([(
                            "podSelector",
                            map([(
                                "matchLabels",
                                map([("app.kubernetes.io/name", dep.clone().into())]),
                            )]),
                        )])]),
                    ),
                    (
                        "ports",
                        list([map([("protocol", "TCP".into()), ("port", o.port.into())])]),
                    ),
                ]));
            } else if let Some(p) = stores.stores.get(dep).and_then(|st| st.port) {
                egress_rules.push(map([
                    (
                        "to",
                        list([map([(
                            "ipBlock",
                            map([("cidr", net.app_cidr.to_string().into())]),
                        )])]),
                    ),
                    (
                        "ports",
                        list([map([("protocol", "TCP".into()), ("port", p.into())])]),
                    ),
                ]));
            }
        }
        let mut np = vec![
            ("podSelector", selector.clone()),
            ("policyTypes", list(["Ingress".into(), "Egress".into()])),
            ("egress", Value::List(egress_rules)),
        ];
        if !from.is_empty() {
            np.push((
                "ingress",
                list([map([
                    ("from", Value::List(from)),
                    (
                        "ports",
                        list([map([("protocol", "TCP".into()), ("port", s.port.into())])]),
                    ),
                ])]),
            ));
        }
        cx.put(
            k8s(
                cx,
                m,
                Kind::NetworkPolicy,
                name,
                Layer::AppProvisioning,
                &src,
                &ns_name,
                Value::Map(np.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            )
            .after(&ns),
        );
        if prometheus {
            let om = cx.module(ModuleKind::Observability, region);
            cx.put(
                k8s(
                    cx,
                    &om,
                    Kind::ServiceMonitor,
                    name,
                    Layer::Observability,
                    &src,
                    &ns_name,
                    map([
                        ("selector", selector.clone()),
                        (
                            "endpoints",
                            list([map([
                                ("port", "http".into()),
                                ("path", "/metrics".into()),
                                ("interval", "30s".into()),
                            ])]),
                        ),
                    ]),
                )
                .after(&service),
            );
        }
        // Public routing.
        if s.expose == Expose::Public {
            if openshift {
                let host = s
                    .host
                    .clone()
                    .or_else(|| edge.domain.clone())
                    .unwrap_or_default();
                cx.put(
                    k8s(
                        cx,
                        m,
                        Kind::Route,
                        name,
                        Layer::AppProvisioning,
                        &src,
                        &ns_name,
                        map([
                            ("host", host.into()),
                            ("path", s.path.clone().into()),
                            (
                                "to",
                                map([
                                    ("kind", "Service".into()),
                                    ("name", name.clone().into()),
                                    ("weight", 100u32.into()),
                                ]),
                            ),
                            ("port", map([("targetPort", "http".into())])),
                            (
                                "tls",
                                map([
                                    ("termination", "edge".into()),
                                    ("insecureEdgeTerminationPolicy", "Redirect".into()),
                                ]),
                            ),
                        ]),
                    )
                    .after(&service),
                );
            } else if let Some(tg) = tgs.get(name).and_then(|g| g.first()) {
                cx.put(
                    k8s(
                        cx,
                        m,
                        Kind::TargetGroupBinding,
                        name,
                        Layer::AppProvisioning,
                        &src,
                        &ns_name,
                        map([
                            (
                                "serviceRef",
                                map([("name", name.clone().into()), ("port", s.port.into())]),
                            ),
                            ("targetGroupARN", r(tg, "arn")),
                            ("targetType", "ip".into()),
                        ]),
                    )
                    .after(&service),
                );
            } else {
                ingress_object(
                    cx,
                    m,
                    name,
                    s,
                    &ns_name,
                    edge,
                    net.alb_sg.as_ref(),
                    &service,
                    &src,
                );
            }
        }
        wl.services.insert(
            name.clone(),
            Svc {
                main,
                target_groups: tgs.get(name).cloned().unwrap_or_default(),
            },
        );
    }
    if owns {
        addons(
            cx,
            region,
            m,
            keys,
            &cluster,
            oidc.as_ref(),
            &services,
            &src,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn ingress_object(
    cx: &mut Cx,
    m: &Module,
    name: &str,
    s: &Service,
    ns_name: &str,
    edge: &Edge,
    alb_sg: Option<&Address>,
    service: &Address,
    src: &[&str],
) {
    let logs_bucket = crate::data::bucket_name(cx, m, &format!("alb_logs_{name}"));
    let logs = bucket(
        cx,
        m,
        &format!("alb_logs_{name}"),
        Layer::AppProvisioning,
        src,
        None,
        true,
        vec![alb_log_delivery(&logs_bucket)],
    );
    let ssl_policy = match cx.spec.edge.tls_min_version {
        strata_spec::TlsVersion::V1_2 => "ELBSecurityPolicy-TLS13-1-2-2021-06",
        strata_spec::TlsVersion::V1_3 => "ELBSecurityPolicy-TLS13-1-3-2021-06",
    };
    let mut annotations = vec![
        ("alb.ingress.kubernetes.io/group.name", Value::from(cx.name("public"))),
        ("alb.ingress.kubernetes.io/scheme", "internet-facing".into()),
        ("alb.ingress.kubernetes.io/target-type", "ip".into()),
        ("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTP\": 80}, {\"HTTPS\": 443}]".into()),
        ("alb.ingress.kubernetes.io/ssl-redirect", "443".into()),
        ("alb.ingress.kubernetes.io/ssl-policy", ssl_policy.into()),
        ("alb.ingress.kubernetes.io/healthcheck-path", s.health_check.path.clone().into()),
        (
            "alb.ingress.kubernetes.io/load-balancer-attributes",
            format!(
                "deletion_protection.enabled={},routing.http.drop_invalid_header_fields.enabled=true,routing.http.desync_mitigation_mode=strictest,access_logs.s3.enabled=true,access_logs.s3.bucket={logs_bucket}",
                cx.env.deletion_protection
            )
            .into(),
        ),
    ];
    if let Some(c) = &edge.certificate {
        annotations.push((
            "alb.ingress.kubernetes.io/certificate-arn",
            r(c, "certificate_arn"),
        ));
    }
    if let Some(w) = &edge.waf {
        annotations.push(("alb.ingress.kubernetes.io/wafv2-acl-arn", r(w, "arn")));
    }
    // The load balancer uses the security group planned for it (HTTP/HTTPS
    // from the internet, egress to the pods only), not one the controller
    // would create with rules nobody reviewed.
    if let Some(sg) = alb_sg {
        annotations.push(("alb.ingress.kubernetes.io/security-groups", r(sg, "id")));
        annotations.push((
            "alb.ingress.kubernetes.io/manage-backend-security-group-rules",
            "true".into(),
        ));
    }
    let host = s.host.clone().or_else(|| edge.domain.clone());
    let mut rule = vec![(
        "http",
        map([(
            "paths",
            list([map([
                ("path", s.path.clone().into()),
                ("pathType", "Prefix".into()),
                (
                    "backend",
                    map([(
                        "service",
                        map([
                            ("name", name.into()),
                            ("port", map([("name", "http".into())])),
                        ]),
                    )]),
                ),
            ])]),
        )]),
    )];
    if let Some(h) = host {
        rule.insert(0, ("host", h.into()));
    }
    cx.put(
        k8s(
            cx,
            m,
            Kind::Ingress,
            name,
            Layer::AppProvisioning,
            src,
            ns_name,
            map([
                ("ingressClassName", "alb".into()),
                (
                    "rules",
                    list([Value::Map(
                        rule.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                    )]),
                ),
            ]),
        )
        .with(
            "annotations",
            Value::Map(
                annotations
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ),
        )
        .after(service)
        .after(&logs),
    );
}

#[allow(clippy::too_many_arguments)]
fn addons(
    cx: &mut Cx,
    region: &Region,
    m: &Module,
    keys: &Keys,
    cluster: &Address,
    oidc: Option<&Address>,
    services: &[(String, Service)],
    src: &[&str],
) {
    let dm = cx.module(ModuleKind::Delivery, region);
    let sm = cx.module(ModuleKind::Security, region);
    let openshift = cx.env.runtime == Runtime::Openshift;
    // Argo CD manages itself from the release the bootstrap installed, with
    // the same chart and values.
    let argo_values = crate::bootstrap::argo_cd_values(cx);
    application(
        cx,
        &dm,
        "argo-cd",
        "argocd",
        Layer::Delivery,
        src,
        argo_values,
    );
    if services
        .iter()
        .any(|(_, s)| s.deploy.strategy != Strategy::Rolling)
    {
        let values = rollouts_values(cx, m, oidc, src);
        application(
            cx,
            &dm,
            "argo-rollouts",
            "argo-rollouts",
            Layer::Delivery,
            src,
            values,
        );
    }
    if let (Some(o), false) = (oidc, openshift) {
        let lbc = irsa(
            cx,
            m,
            o,
            "aws_load_balancer_controller",
            "kube-system",
            "aws-load-balancer-controller",
            src,
        );
        let p = cx.put(
            cx.res(
                m,
                Kind::AwsIamPolicy,
                "aws_load_balancer_controller",
                Layer::AppInfrastructure,
                src,
            )
            .with("name", cx.name("aws-load-balancer-controller"))
            .with(
                "policy",
                policy(vec![allow(
                    "LoadBalancers",
                    &[
                        "elasticloadbalancing:*",
                        "ec2:Describe*",
                        "ec2:CreateSecurityGroup",
                        "ec2:CreateTags",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:RevokeSecurityGroupIngress",
                        "ec2:DeleteSecurityGroup",
                        "acm:DescribeCertificate",
                        "acm:ListCertificates",
                        "wafv2:GetWebACL",
                        "wafv2:GetWebACLForResource",
                        "wafv2:AssociateWebACL",
                        "wafv2:DisassociateWebACL",
                        "shield:GetSubscriptionState",
                    ],
                    vec!["*".into()],
                )]),
            ),
        );
        attach(
            cx,
            m,
            &lbc,
            "irsa_aws_load_balancer_controller",
            r(&p, "arn"),
            Layer::AppInfrastructure,
            src,
        );
        application(
            cx,
            m,
            "aws-load-balancer-controller",
            "kube-system",
            Layer::AppProvisioning,
            src,
            map([
                ("clusterName", r(cluster, "name")),
                ("region", region.name.clone().into()),
                (
                    "serviceAccount",
                    map([
                        ("name", "aws-load-balancer-controller".into()),
                        (
                            "annotations",
                            map([("eks.amazonaws.com/role-arn", r(&lbc, "arn"))]),
                        ),
                    ]),
                ),
            ]),
        );
        let eso = irsa(
            cx,
            m,
            o,
            "external_secrets",
            "external-secrets",
            "external-secrets",
            src,
        );
        let p = cx.put(
            cx.res(
                m,
                Kind::AwsIamPolicy,
                "external_secrets",
                Layer::AppInfrastructure,
                src,
            )
            .with("name", cx.name("external-secrets"))
            .with(
                "policy",
                policy(vec![
                    allow(
                        "ReadAppSecrets",
                        &[
                            "secretsmanager:GetSecretValue",
                            "secretsmanager:DescribeSecret",
                        ],
                        vec![
                            format!(
                                "arn:aws:secretsmanager:{}:{}:secret:{}/*",
                                region.name,
                                account(cx),
                                cx.spec.app
                            )
                            .into(),
                        ],
                    ),
                    allow("Decrypt", &["kms:Decrypt"], vec![r(&keys.data, "arn")]),
                ]),
            ),
        );
        attach(
            cx,
            m,
            &eso,
            "irsa_external_secrets",
            r(&p, "arn"),
            Layer::AppInfrastructure,
            src,
        );
        application(
            cx,
            m,
            "external-secrets",
            "external-secrets",
            Layer::AppProvisioning,
            src,
            map([(
                "serviceAccount",
                map([
                    ("name", "external-secrets".into()),
                    (
                        "annotations",
                        map([("eks.amazonaws.com/role-arn", r(&eso, "arn"))]),
                    ),
                ]),
            )]),
        );
    } else {
        application(
            cx,
            m,
            "external-secrets",
            "external-secrets",
            Layer::AppProvisioning,
            src,
            map([]),
        );
    }
    if cx.spec.security.secrets_store == SecretsStore::Vault {
        application(
            cx,
            &sm,
            "vault",
            "vault",
            Layer::Security,
            src,
            map([
                (
                    "server",
                    map([
                        (
                            "ha",
                            map([
                                ("enabled", true.into()),
                                ("raft", map([("enabled", true.into())])),
                            ]),
                        ),
                        ("auditStorage", map([("enabled", true.into())])),
                        (
                            "extraEnvironmentVars",
                            map([
                                ("VAULT_SEAL_TYPE", "awskms".into()),
                                ("VAULT_AWSKMS_SEAL_KEY_ID", r(&keys.data, "key_id")),
                            ]),
                        ),
                    ]),
                ),
                ("global", map([("tlsDisable", false.into())])),
            ]),
        );
    }
    for agent in resolve::agents(cx.spec, cx.env) {
        match agent {
            strata_spec::Agent::Falco => {
                application(
                    cx,
                    &sm,
                    "falco",
                    "falco",
                    Layer::Security,
                    src,
                    map([
                        ("driver", map([("kind", "modern_ebpf".into())])),
                        ("falcosidekick", map([("enabled", true.into())])),
                    ]),
                );
            }
            strata_spec::Agent::Wazuh => {
                application(
                    cx,
                    &sm,
                    "wazuh",
                    "wazuh",
                    Layer::Security,
                    src,
                    map([(
                        "agent",
                        map([
                            ("fim", map([("enabled", true.into())])),
                            ("rootcheck", map([("enabled", true.into())])),
                        ]),
                    )]),
                );
            }
            other => {
                let (image, args) = match other {
                    strata_spec::Agent::Suricata => ("jasonish/suricata:7.0.8", vec!["-i", "eth0"]),
                    _ => ("clamav/clamav:1.4", vec!["clamd", "--foreground"]),
                };
                let n = other.as_str();
                cx.put(
                    k8s(cx, &sm, Kind::DaemonSet, n, Layer::Security, src, "security",
                        map([
                            ("selector", map([("matchLabels", map([("app.kubernetes.io/name", n.into())]))])),
                            ("template", map([
                                ("metadata", map([("labels", map([("app.kubernetes.io/name", n.into())]))])),
                                ("spec", map([
                                    ("hostNetwork", (other == strata_spec::Agent::Suricata).into()),
                                    ("securityContext", map([("seccompProfile", map([("type", "RuntimeDefault".into())]))])),
                                    // The agents never call the Kubernetes API.
                                    ("automountServiceAccountToken", false.into()),
                                    ("containers", list([map([
                                        ("name", n.into()),
                                        ("image", image.into()),
                                        ("args", list(args.into_iter().map(Into::into))),
                                        ("resources", map([("requests", map([("cpu", "100m".into()), ("memory", "256Mi".into())])), ("limits", map([("cpu", "500m".into()), ("memory", "1Gi".into())]))])),
                                        ("securityContext", map([("readOnlyRootFilesystem", true.into()), ("allowPrivilegeEscalation", false.into()), ("capabilities", map([("drop", list(["ALL".into()])), ("add", if other == strata_spec::Agent::Suricata { list(["NET_ADMIN".into(), "NET_RAW".into()]) } else { list([]) })]))])),
                                    ])])),
                                ])),
                            ])),
                        ]))
                    .with("annotations", if other == strata_spec::Agent::Suricata {
                        // A network IDS reads the node's interfaces: these
                        // exceptions are its job, recorded where reviewers see them.
                        map([
                            ("strata.dev/waive.STRATA-K8S-004", "Suricata inspects the node's network interfaces".into()),
                            ("strata.dev/waive.STRATA-K8S-006", "Suricata opens raw sockets as root to capture packets".into()),
                            ("strata.dev/waive.STRATA-K8S-009", "Suricata needs NET_ADMIN and NET_RAW to capture packets".into()),
                            ("strata.dev/waive.STRATA-K8S-010", "Suricata needs NET_ADMIN and NET_RAW to capture packets".into()),
                        ])
                    } else {
                        map([])
                    })
                    .after(cluster),
                );
            }
        }
    }
}

/// The management environment: a monitoring cluster of its own.
pub fn plan_management(cx: &mut Cx, region: &Region, keys: &Keys, net: &Net) -> Workloads {
    let m = cx.module(ModuleKind::Workloads, region);
    let (cluster, oidc) = eks_cluster(cx, region, &m, keys, net, "monitoring", 1);
    Workloads {
        alb: None,
        https: None,
        test: None,
        cluster: Some(cluster),
        services: BTreeMap::new(),
        namespace: None,
        oidc: Some(oidc),
    }
}

/// Argo Rollouts' chart values: no dashboard; where the gates read
/// CloudWatch, the controller's service account assumes the role that may.
fn rollouts_values(cx: &mut Cx, m: &Module, oidc: Option<&Address>, src: &[&str]) -> Value {
    let role = oidc.and_then(|o| crate::gates::rollouts_role(cx, m, o, src));
    let mut values = vec![("dashboard", map([("enabled", false.into())]))];
    if let Some(role) = role {
        values.push((
            "serviceAccount",
            map([(
                "annotations",
                map([("eks.amazonaws.com/role-arn", r(&role, "arn"))]),
            )]),
        ));
    }
    Value::Map(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}
