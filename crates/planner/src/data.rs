//! Pass 3: data stores. Aurora and RDS in the data subnets with encryption,
//! IAM auth and RDS-managed master secrets; Redis with encryption in transit
//! and at rest; SQS with a dead-letter queue; S3 with the full set of bucket
//! controls; Secrets Manager entries for the secrets services name.

use std::collections::BTreeMap;

use strata_model::{Address, Kind, Layer, Module, ModuleKind, Value};
use strata_spec::resolve::{self, Region};
use strata_spec::{Engine, SecretsStore};

use crate::builder::{Cx, attach, list, map, policy, r, trust_service};
use crate::keys::Keys;
use crate::network::{Net, Peer, egress, ingress, sg};

/// What workloads need to know about a store.
pub struct Store {
    /// Engine.
    pub engine: Engine,
    /// Main resource: cluster, instance, replication group, queue or bucket.
    pub main: Address,
    /// Port clients use.
    pub port: Option<u16>,
    /// Secret holding credentials, when the store has one.
    pub secret: Option<(Address, &'static str)>,
}

/// Stores by name, and secrets by their name in the spec.
pub struct Stores {
    /// Data stores.
    pub stores: BTreeMap<String, Store>,
    /// Secrets Manager secrets by spec name (empty with Vault).
    pub secrets: BTreeMap<String, Address>,
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys, net: &Net) -> Stores {
    let m = cx.module(ModuleKind::Data, region);
    let nm = cx.module(ModuleKind::Network, region);
    let mut stores = BTreeMap::new();
    let production = cx.env.production;
    let monitoring_role = if cx.spec.data.values().any(|d| d.engine.is_database()) {
        let role = cx.put(
            cx.res(
                &m,
                Kind::AwsIamRole,
                "rds_monitoring",
                Layer::AppInfrastructure,
                &["data"],
            )
            .with("name", cx.name("rds-monitoring"))
            .with(
                "assume_role_policy",
                trust_service("monitoring.rds.amazonaws.com"),
            ),
        );
        attach(
            cx,
            &m,
            &role,
            "rds_monitoring",
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            Layer::AppInfrastructure,
            &["data"],
        );
        Some(role)
    } else {
        None
    };
    for name in cx.spec.data.keys().cloned().collect::<Vec<_>>() {
        let Some(d) = resolve::data_store(cx.spec, &cx.env.name, &name) else {
            continue;
        };
        let src_owned = ["data".to_owned(), name.clone()];
        let src: Vec<&str> = src_owned.iter().map(String::as_str).collect();
        let port = d.engine.port();
        // Network access: from every workload that depends on the store.
        let store_sg = port.map(|p| {
            let s = sg(
                cx,
                &nm,
                &format!("data_{name}"),
                &net.app_vpc,
                &format!("data store {name}"),
            );
            let mut from: Vec<(String, Address)> = cx
                .spec
                .services
                .iter()
                .filter(|(_, svc)| svc.depends_on.contains(&name))
                .filter_map(|(n, _)| net.compute_sgs.get(n).map(|a| (n.clone(), a.clone())))
                .collect();
            from.sort();
            from.dedup_by(|a, b| a.1 == b.1);
            for (client, client_sg) in from {
                let who = if Some(&client_sg) == net.nodes_sg.as_ref() {
                    "nodes".to_owned()
                } else {
                    client
                };
                ingress(
                    cx,
                    &nm,
                    &format!("data_{name}_from_{who}"),
                    &s,
                    Peer::Sg(client_sg.clone()),
                    p,
                    &format!("from {who}"),
                );
                egress(
                    cx,
                    &nm,
                    &format!("{who}_to_data_{name}"),
                    &client_sg,
                    Peer::Sg(s.clone()),
                    p,
                    &format!("to data store {name}"),
                );
            }
            s
        });
        let store = match d.engine {
            Engine::AuroraMysql | Engine::AuroraPostgresql => {
                let mysql = d.engine == Engine::AuroraMysql;
                let subnet_group = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsDbSubnetGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&name))
                    .with("subnet_ids", list(net.data.iter().map(|s| r(s, "id")))),
                );
                let params = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsRdsClusterParameterGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&name))
                    .with(
                        "family",
                        if mysql {
                            "aurora-mysql8.0"
                        } else {
                            "aurora-postgresql16"
                        },
                    )
                    .with("parameter", tls_only(mysql)),
                );
                let version = d.version.clone().unwrap_or_else(|| {
                    if mysql {
                        "8.0.mysql_aurora.3.08.0"
                    } else {
                        "16.6"
                    }
                    .to_owned()
                });
                let zones: Vec<Value> = region
                    .zones
                    .iter()
                    .map(|z| Value::from(z.as_str()))
                    .collect();
                let cluster = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsRdsCluster,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("cluster_identifier", cx.name(&name))
                    .with(
                        "engine",
                        if mysql {
                            "aurora-mysql"
                        } else {
                            "aurora-postgresql"
                        },
                    )
                    .with("engine_version", version)
                    .with("database_name", name.replace('-', "_"))
                    .with("master_username", "strata_admin")
                    .with("manage_master_user_password", true)
                    .with("master_user_secret_kms_key_id", r(&keys.data, "arn"))
                    .with("storage_encrypted", true)
                    .with("kms_key_id", r(&keys.data, "arn"))
                    .with("iam_database_authentication_enabled", d.iam_auth)
                    .with("backup_retention_period", d.backup_retention_days)
                    .with("preferred_backup_window", "02:00-03:00")
                    .with("copy_tags_to_snapshot", true)
                    .with("deletion_protection", cx.env.deletion_protection)
                    .with("skip_final_snapshot", !production)
                    .with(
                        "final_snapshot_identifier",
                        cx.name(&format!("{name}-final")),
                    )
                    .with("db_subnet_group_name", r(&subnet_group, "name"))
                    .with("db_cluster_parameter_group_name", r(&params, "name"))
                    .with(
                        "vpc_security_group_ids",
                        list(store_sg.iter().map(|s| r(s, "id"))),
                    )
                    .with("availability_zones", Value::List(zones))
                    .with(
                        "enabled_cloudwatch_logs_exports",
                        if mysql {
                            list(["audit", "error", "slowquery"].map(Into::into))
                        } else {
                            list(["postgresql"].map(Into::into))
                        },
                    ),
                );
                let class = d.instance_class.clone().unwrap_or_else(|| {
                    if production {
                        "db.r6g.large"
                    } else {
                        "db.t4g.medium"
                    }
                    .to_owned()
                });
                for i in 0..usize::from(d.instances) {
                    let (inst, role) = if i == 0 {
                        (format!("{name}_writer"), "writer")
                    } else {
                        (format!("{name}_reader_{i}"), "reader")
                    };
                    // Writer and readers in different AZs, round robin.
                    let zone = &region.zones[i % region.zones.len().max(1)];
                    cx.put(
                        cx.res(
                            &m,
                            Kind::AwsRdsClusterInstance,
                            &inst,
                            Layer::AppInfrastructure,
                            &src,
                        )
                        .with("identifier", cx.name(&inst))
                        .with("cluster_identifier", r(&cluster, "id"))
                        .with("instance_class", class.clone())
                        .with("engine", r(&cluster, "engine"))
                        .with("availability_zone", zone.as_str())
                        .with("promotion_tier", if role == "writer" { 0u32 } else { 1u32 })
                        .with("publicly_accessible", false)
                        .with("auto_minor_version_upgrade", true)
                        .with("performance_insights_enabled", true)
                        .with("performance_insights_kms_key_id", r(&keys.data, "arn"))
                        .with("monitoring_interval", 60u32)
                        .with(
                            "monitoring_role_arn",
                            monitoring_role
                                .as_ref()
                                .map_or(Value::Null, |a| r(a, "arn")),
                        ),
                    );
                }
                Store {
                    engine: d.engine,
                    main: cluster.clone(),
                    port,
                    secret: Some((cluster, "master_user_secret_arn")),
                }
            }
            Engine::RdsPostgresql | Engine::RdsMysql => {
                let mysql = d.engine == Engine::RdsMysql;
                let subnet_group = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsDbSubnetGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&name))
                    .with("subnet_ids", list(net.data.iter().map(|s| r(s, "id")))),
                );
                let params = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsDbParameterGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&name))
                    .with("family", if mysql { "mysql8.0" } else { "postgres16" })
                    .with("parameter", tls_only(mysql)),
                );
                let inst = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsDbInstance,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("identifier", cx.name(&name))
                    .with("engine", if mysql { "mysql" } else { "postgres" })
                    .with(
                        "engine_version",
                        d.version
                            .clone()
                            .unwrap_or_else(|| if mysql { "8.0.40" } else { "16.6" }.to_owned()),
                    )
                    .with(
                        "instance_class",
                        d.instance_class.clone().unwrap_or_else(|| {
                            if production {
                                "db.m6g.large"
                            } else {
                                "db.t4g.medium"
                            }
                            .to_owned()
                        }),
                    )
                    .with("allocated_storage", 50u32)
                    .with("max_allocated_storage", 500u32)
                    .with("storage_type", "gp3")
                    .with("storage_encrypted", true)
                    .with("kms_key_id", r(&keys.data, "arn"))
                    .with("multi_az", d.multi_az)
                    .with("username", "strata_admin")
                    .with("manage_master_user_password", true)
                    .with("master_user_secret_kms_key_id", r(&keys.data, "arn"))
                    .with("iam_database_authentication_enabled", d.iam_auth)
                    .with("backup_retention_period", d.backup_retention_days)
                    .with("deletion_protection", cx.env.deletion_protection)
                    .with("skip_final_snapshot", !production)
                    .with(
                        "final_snapshot_identifier",
                        cx.name(&format!("{name}-final")),
                    )
                    .with("copy_tags_to_snapshot", true)
                    .with("publicly_accessible", false)
                    .with("auto_minor_version_upgrade", true)
                    .with("performance_insights_enabled", true)
                    .with("performance_insights_kms_key_id", r(&keys.data, "arn"))
                    .with("monitoring_interval", 60u32)
                    .with(
                        "monitoring_role_arn",
                        monitoring_role
                            .as_ref()
                            .map_or(Value::Null, |a| r(a, "arn")),
                    )
                    .with("db_subnet_group_name", r(&subnet_group, "name"))
                    .with("parameter_group_name", r(&params, "name"))
                    .with(
                        "vpc_security_group_ids",
                        list(store_sg.iter().map(|s| r(s, "id"))),
                    ),
                );
                Store {
                    engine: d.engine,
                    main: inst.clone(),
                    port,
                    secret: Some((inst, "master_user_secret_arn")),
                }
            }
            Engine::Redis => {
                let subnet_group = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsElasticacheSubnetGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", cx.name(&name))
                    .with("subnet_ids", list(net.data.iter().map(|s| r(s, "id")))),
                );
                let nodes = if d.multi_az { 2u32 } else { 1 };
                let rg = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsElasticacheReplicationGroup,
                        &name,
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("replication_group_id", cx.name(&name))
                    .with("description", format!("{} cache", cx.name(&name)))
                    .with("engine", "redis")
                    .with(
                        "engine_version",
                        d.version.clone().unwrap_or_else(|| "7.1".to_owned()),
                    )
                    .with(
                        "node_type",
                        d.instance_class.clone().unwrap_or_else(|| {
                            if production {
                                "cache.r7g.large"
                            } else {
                                "cache.t4g.small"
                            }
                            .to_owned()
                        }),
                    )
                    .with("num_cache_clusters", nodes)
                    .with("automatic_failover_enabled", d.multi_az)
                    .with("multi_az_enabled", d.multi_az)
                    .with("at_rest_encryption_enabled", true)
                    .with("kms_key_id", r(&keys.data, "arn"))
                    .with("transit_encryption_enabled", true)
                    .with("transit_encryption_mode", "required")
                    .with("snapshot_retention_limit", d.backup_retention_days)
                    .with("auto_minor_version_upgrade", true)
                    .with("port", 6379u32)
                    .with("subnet_group_name", r(&subnet_group, "name"))
                    .with(
                        "security_group_ids",
                        list(store_sg.iter().map(|s| r(s, "id"))),
                    ),
                );
                Store {
                    engine: d.engine,
                    main: rg,
                    port,
                    secret: None,
                }
            }
            Engine::Sqs => {
                let suffix = if d.fifo { ".fifo" } else { "" };
                let dlq = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsSqsQueue,
                        &format!("{name}_dlq"),
                        Layer::AppInfrastructure,
                        &src,
                    )
                    .with("name", format!("{}-dlq{suffix}", cx.name(&name)))
                    .with("fifo_queue", d.fifo)
                    .with("kms_master_key_id", r(&keys.data, "arn"))
                    .with("kms_data_key_reuse_period_seconds", 300u32)
                    .with("message_retention_seconds", 1_209_600u32),
                );
                let q = cx.put(
                    cx.res(&m, Kind::AwsSqsQueue, &name, Layer::AppInfrastructure, &src)
                        .with("name", format!("{}{suffix}", cx.name(&name)))
                        .with("fifo_queue", d.fifo)
                        .with("kms_master_key_id", r(&keys.data, "arn"))
                        .with("kms_data_key_reuse_period_seconds", 300u32)
                        .with("visibility_timeout_seconds", 60u32)
                        .with("message_retention_seconds", 345_600u32)
                        .with(
                            "redrive_policy",
                            map([
                                ("deadLetterTargetArn", r(&dlq, "arn")),
                                ("maxReceiveCount", 5u32.into()),
                            ]),
                        ),
                );
                Store {
                    engine: d.engine,
                    main: q,
                    port: None,
                    secret: None,
                }
            }
            Engine::S3 => {
                let b = bucket(
                    cx,
                    &m,
                    &name,
                    Layer::AppInfrastructure,
                    &src,
                    Some(&keys.data),
                    d.versioning,
                    vec![],
                );
                Store {
                    engine: d.engine,
                    main: b,
                    port: None,
                    secret: None,
                }
            }
        };
        stores.insert(name, store);
    }

    // Secrets the services name, created empty: values are put by people or
    // rotation, never by Strata and never in a file.
    let mut secrets = BTreeMap::new();
    if cx.spec.security.secrets_store == SecretsStore::SecretsManager {
        let mut names: Vec<(String, String, String)> = Vec::new();
        for (svc, s) in &cx.spec.services {
            for (var, secret) in &s.secrets {
                names.push((secret.clone(), svc.clone(), var.clone()));
            }
        }
        names.sort();
        names.dedup_by(|a, b| a.0 == b.0);
        for (secret, svc, var) in names {
            let a = cx.put(
                cx.res(
                    &m,
                    Kind::AwsSecretsmanagerSecret,
                    &secret_ident(&secret),
                    Layer::AppInfrastructure,
                    &["services", &svc, "secrets", &var],
                )
                .with(
                    "name",
                    format!("{}/{}/{}", cx.spec.app, cx.env.name, secret),
                )
                .with("description", format!("{secret}, read by {svc} as {var}"))
                .with("kms_key_id", r(&keys.data, "arn"))
                .with(
                    "recovery_window_in_days",
                    if production { 30u32 } else { 7u32 },
                ),
            );
            secrets.insert(secret, a);
        }
    }
    Stores { stores, secrets }
}

/// The parameter that makes the engine refuse connections without TLS.
fn tls_only(mysql: bool) -> Value {
    let (name, value) = if mysql {
        ("require_secure_transport", "ON")
    } else {
        ("rds.force_ssl", "1")
    };
    list([map([("name", name.into()), ("value", value.into())])])
}

/// An identifier for a secret name such as `stripe/api-key`.
pub fn secret_ident(secret: &str) -> String {
    let s: String = secret
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("s_{s}")
}

/// A bucket with the controls every Strata bucket has: public access blocked,
/// owner-enforced ownership, encryption (KMS when a key is given, SSE-S3 for
/// services that cannot use KMS, such as load balancer logs), optional
/// versioning, and a policy that denies anything but TLS. `statements` adds to
/// the policy (e.g. a service's delivery grant).
#[allow(clippy::too_many_arguments)]
pub fn bucket(
    cx: &mut Cx,
    m: &Module,
    name: &str,
    layer: Layer,
    src: &[&str],
    key: Option<&Address>,
    versioning: bool,
    statements: Vec<Value>,
) -> Address {
    let bucket_name = bucket_name(cx, m, name);
    let arn = format!("arn:aws:s3:::{bucket_name}");
    let b = cx.put(
        cx.res(m, Kind::AwsS3Bucket, name, layer, src)
            .with("bucket", bucket_name)
            .with("force_destroy", !cx.env.production),
    );
    cx.put(
        cx.res(m, Kind::AwsS3BucketPublicAccessBlock, name, layer, src)
            .with("bucket", r(&b, "id"))
            .with("block_public_acls", true)
            .with("block_public_policy", true)
            .with("ignore_public_acls", true)
            .with("restrict_public_buckets", true),
    );
    cx.put(
        cx.res(m, Kind::AwsS3BucketOwnershipControls, name, layer, src)
            .with("bucket", r(&b, "id"))
            .with(
                "rule",
                map([("object_ownership", "BucketOwnerEnforced".into())]),
            ),
    );
    let sse = match key {
        Some(k) => map([
            ("sse_algorithm", "aws:kms".into()),
            ("kms_master_key_id", r(k, "arn")),
        ]),
        None => map([("sse_algorithm", "AES256".into())]),
    };
    cx.put(
        cx.res(
            m,
            Kind::AwsS3BucketServerSideEncryptionConfiguration,
            name,
            layer,
            src,
        )
        .with("bucket", r(&b, "id"))
        .with(
            "rule",
            list([map([
                ("apply_server_side_encryption_by_default", sse),
                ("bucket_key_enabled", key.is_some().into()),
            ])]),
        ),
    );
    cx.put(
        cx.res(m, Kind::AwsS3BucketVersioning, name, layer, src)
            .with("bucket", r(&b, "id"))
            .with(
                "versioning_configuration",
                map([(
                    "status",
                    if versioning { "Enabled" } else { "Suspended" }.into(),
                )]),
            ),
    );
    let mut all = vec![map([
        ("Sid", "DenyInsecureTransport".into()),
        ("Effect", "Deny".into()),
        ("Principal", "*".into()),
        ("Action", "s3:*".into()),
        (
            "Resource",
            list([arn.clone().into(), format!("{arn}/*").into()]),
        ),
        (
            "Condition",
            map([("Bool", map([("aws:SecureTransport", "false".into())]))]),
        ),
    ])];
    all.extend(statements);
    cx.put(
        cx.res(m, Kind::AwsS3BucketPolicy, name, layer, src)
            .with("bucket", r(&b, "id"))
            .with("policy", policy(all)),
    );
    b
}

/// The bucket-policy statement that lets load balancers deliver access logs.
pub fn alb_log_delivery(bucket: &str) -> Value {
    map([
        ("Sid", "LoadBalancerLogDelivery".into()),
        ("Effect", "Allow".into()),
        (
            "Principal",
            map([(
                "Service",
                "logdelivery.elasticloadbalancing.amazonaws.com".into(),
            )]),
        ),
        ("Action", "s3:PutObject".into()),
        ("Resource", format!("arn:aws:s3:::{bucket}/*").into()),
    ])
}

/// Bucket-policy statements that let an AWS service check the bucket's ACL
/// and write objects under `prefix` (CloudTrail, Config).
pub fn service_writes(
    acl_sid: &str,
    write_sid: &str,
    service: &str,
    bucket: &str,
    prefix: &str,
) -> Vec<Value> {
    let statement = |sid: &str, action: &str, resource: String| {
        map([
            ("Sid", sid.into()),
            ("Effect", "Allow".into()),
            ("Principal", map([("Service", service.into())])),
            ("Action", action.into()),
            ("Resource", resource.into()),
        ])
    };
    vec![
        statement(acl_sid, "s3:GetBucketAcl", format!("arn:aws:s3:::{bucket}")),
        statement(
            write_sid,
            "s3:PutObject",
            format!("arn:aws:s3:::{bucket}/{prefix}"),
        ),
    ]
}

/// The globally unique name of a Strata bucket.
pub fn bucket_name(cx: &Cx, _m: &Module, name: &str) -> String {
    cx.name(name)
}
