//! The four seed architectures: snapshots of their plans, byte-identical
//! output, and assertions that each plans what its reference architecture
//! describes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{of, plan_example, s};
use strata_model::{Kind, Plan, Value};

const EXAMPLES: [&str; 4] = [
    "ecs-fargate-aurora",
    "three-vpc-eks",
    "eks-platform",
    "eks-openshift",
];

/// One line per resource: the JSON contract, compact, so diffs are readable.
fn json_lines(plan: &Plan) -> String {
    let json = plan.to_json(None);
    let mut out = String::new();
    for env in json["environments"].as_array().unwrap() {
        for r in env["resources"].as_array().unwrap() {
            out.push_str(&serde_json::to_string(r).unwrap());
            out.push('\n');
        }
    }
    out
}

#[test]
fn examples_plan_and_match_their_snapshots() {
    for name in EXAMPLES {
        let plan = plan_example(name);
        assert!(plan.graph.check().is_empty());
        insta::assert_snapshot!(format!("{name}.jsonl"), json_lines(&plan));
    }
}

#[test]
fn planning_twice_is_byte_identical() {
    for name in EXAMPLES {
        let a = serde_json::to_string(&plan_example(name).to_json(None)).unwrap();
        let b = serde_json::to_string(&plan_example(name).to_json(None)).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn every_resource_points_back_at_the_spec() {
    for name in EXAMPLES {
        let plan = plan_example(name);
        let lines = std::fs::read_to_string(format!(
            "{}/../../examples/{name}/strata.yaml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .lines()
        .count();
        for r in plan.graph.iter() {
            let strata_model::Provenance::Spec { line, column, file } = &r.source else {
                panic!("{}", r.address)
            };
            assert!(file.ends_with("strata.yaml"));
            assert!(
                (1..=lines as u32).contains(line) && *column >= 1,
                "{}: {line}:{column}",
                r.address
            );
        }
    }
}

fn refs_to(r: &strata_model::Resource, key: &str) -> Vec<String> {
    r.get(key)
        .map(|v| {
            v.references()
                .into_iter()
                .map(|x| x.address.to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ecs_fargate_aurora_is_the_reference_architecture() {
    let plan = plan_example("ecs-fargate-aurora");
    assert_eq!(
        plan.environments
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>(),
        ["dev", "test", "stage", "prod"]
    );
    for env in ["dev", "prod"] {
        assert_eq!(of(&plan, env, Kind::AwsVpc).len(), 1);
        let subnets = of(&plan, env, Kind::AwsSubnet);
        let tiers: BTreeMap<String, usize> = subnets.iter().fold(BTreeMap::new(), |mut m, r| {
            *m.entry(
                r.address
                    .name
                    .as_str()
                    .split('_')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
            .or_default() += 1;
            m
        });
        assert_eq!(
            tiers,
            BTreeMap::from([
                ("data".into(), 2),
                ("private".into(), 2),
                ("public".into(), 2)
            ])
        );
        assert_eq!(of(&plan, env, Kind::AwsInternetGateway).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsNatGateway).len(), 2);
        assert_eq!(of(&plan, env, Kind::AwsEip).len(), 2);
        // The data route table has no route at all; private ones go out through NAT.
        let routes = of(&plan, env, Kind::AwsRoute);
        let data_rt = format!("{env}.network.aws_route_table.data");
        assert!(
            routes
                .iter()
                .all(|r| !refs_to(r, "route_table_id").contains(&data_rt))
        );
        assert!(
            routes
                .iter()
                .filter(|r| r.address.name.as_str().starts_with("private_"))
                .all(|r| r.get("nat_gateway_id").is_some())
        );
        // ALB: HTTPS, HTTP redirect, test listener, blue and green target groups, WAF.
        let listeners: BTreeMap<&str, &strata_model::Resource> =
            of(&plan, env, Kind::AwsLbListener)
                .into_iter()
                .map(|r| (r.address.name.as_str(), r))
                .collect();
        assert_eq!(
            listeners.keys().copied().collect::<Vec<_>>(),
            ["http", "https", "test"]
        );
        assert_eq!(s(listeners["https"], "protocol"), "HTTPS");
        assert_eq!(
            listeners["http"]
                .get("default_action")
                .unwrap()
                .as_map()
                .unwrap()["type"],
            Value::from("redirect")
        );
        let tgs: BTreeSet<&str> = of(&plan, env, Kind::AwsLbTargetGroup)
            .iter()
            .map(|r| r.address.name.as_str())
            .collect();
        assert_eq!(tgs, BTreeSet::from(["web_blue", "web_green"]));
        let assoc = of(&plan, env, Kind::AwsWafv2WebAclAssociation);
        assert_eq!(assoc.len(), 1);
        assert_eq!(
            refs_to(assoc[0], "resource_arn"),
            [format!("{env}.workloads.aws_lb.public")]
        );
        // ECS under CodeDeploy.
        let svc = &of(&plan, env, Kind::AwsEcsService)[0];
        assert_eq!(
            svc.get("deployment_controller").unwrap().as_map().unwrap()["type"],
            Value::from("CODE_DEPLOY")
        );
        assert_eq!(of(&plan, env, Kind::AwsEcsTaskDefinition).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsEcsCluster).len(), 1);
        // Aurora MySQL: writer and reader in different AZs, on the data subnets.
        let cluster = &of(&plan, env, Kind::AwsRdsCluster)[0];
        assert_eq!(s(cluster, "engine"), "aurora-mysql");
        assert_eq!(cluster.get("storage_encrypted"), Some(&Value::Bool(true)));
        let instances = of(&plan, env, Kind::AwsRdsClusterInstance);
        let azs: BTreeSet<&str> = instances
            .iter()
            .map(|r| s(r, "availability_zone"))
            .collect();
        assert_eq!((instances.len(), azs.len()), (2, 2));
        let group = &of(&plan, env, Kind::AwsDbSubnetGroup)[0];
        assert!(
            refs_to(group, "subnet_ids")
                .iter()
                .all(|a| a.contains("aws_subnet.data_"))
        );
        // Keys, secret, registry, pipeline, deploy, logs, alarms, trail, duty roles.
        assert_eq!(of(&plan, env, Kind::AwsKmsKey).len(), 2);
        assert!(
            of(&plan, env, Kind::AwsKmsKey)
                .iter()
                .all(|k| k.get("enable_key_rotation") == Some(&Value::Bool(true)))
        );
        assert_eq!(of(&plan, env, Kind::AwsSecretsmanagerSecret).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsEcrRepository).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsCodepipeline).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsCodebuildProject).len(), 3);
        assert_eq!(of(&plan, env, Kind::AwsCodedeployApp).len(), 1);
        assert_eq!(of(&plan, env, Kind::AwsCodedeployDeploymentGroup).len(), 1);
        assert!(of(&plan, env, Kind::AwsCloudwatchLogGroup).len() >= 3);
        assert!(of(&plan, env, Kind::AwsCloudwatchMetricAlarm).len() >= 5);
        // The SLO becomes multi-window burn-rate alarms on the ALB's error ratio.
        let burn: Vec<_> = of(&plan, env, Kind::AwsCloudwatchMetricAlarm)
            .into_iter()
            .filter(|a| a.address.name.as_str().starts_with("web_slo_burn_"))
            .collect();
        assert_eq!(burn.len(), 2);
        assert!(
            serde_json::to_string(burn[0].get("metric_query").unwrap())
                .unwrap()
                .contains("0.014")
        );
        let trail = &of(&plan, env, Kind::AwsCloudtrail)[0];
        assert_eq!(trail.get("is_multi_region_trail"), Some(&Value::Bool(true)));
        let roles: BTreeSet<&str> = of(&plan, env, Kind::AwsIamRole)
            .iter()
            .map(|r| r.address.name.as_str())
            .filter(|n| n.starts_with("duty_"))
            .collect();
        assert_eq!(
            roles,
            BTreeSet::from([
                "duty_admin",
                "duty_auditor",
                "duty_break_glass",
                "duty_deployer",
                "duty_developer"
            ])
        );
    }
    // Production protects its database and load balancer; dev does not.
    for (env, protected) in [("dev", false), ("prod", true)] {
        assert_eq!(
            of(&plan, env, Kind::AwsRdsCluster)[0].get("deletion_protection"),
            Some(&Value::Bool(protected))
        );
        assert_eq!(
            of(&plan, env, Kind::AwsLb)[0].get("enable_deletion_protection"),
            Some(&Value::Bool(protected))
        );
    }
    // One account per stage: every environment plans its own account guard rails.
    assert!(
        ["dev", "test", "stage", "prod"]
            .iter()
            .all(|e| of(&plan, e, Kind::AwsGuarddutyDetector).len() == 1)
    );
    // Production and non-production live in different address spaces.
    let cidr = |env: &str| s(of(&plan, env, Kind::AwsVpc)[0], "cidr_block").to_owned();
    assert!(cidr("prod").starts_with("10.0."), "{}", cidr("prod"));
    assert!(cidr("dev").starts_with("10.128."), "{}", cidr("dev"));
}

#[test]
fn three_vpc_eks_is_the_reference_architecture() {
    let plan = plan_example("three-vpc-eks");
    for env in ["dev", "prod"] {
        let primary = |kind| {
            of(&plan, env, kind)
                .into_iter()
                .filter(|r| r.address.module.region.is_none())
                .collect::<Vec<_>>()
        };
        let vpcs: BTreeSet<&str> = primary(Kind::AwsVpc)
            .iter()
            .map(|r| r.address.name.as_str())
            .collect();
        assert_eq!(vpcs, BTreeSet::from(["app", "edge", "security"]));
        assert_eq!(primary(Kind::AwsEc2TransitGateway).len(), 1);
        assert_eq!(primary(Kind::AwsEc2TransitGatewayVpcAttachment).len(), 3);
        assert_eq!(primary(Kind::AwsEc2ClientVpnEndpoint).len(), 1);
        let bastions: Vec<_> = primary(Kind::AwsInstance)
            .into_iter()
            .filter(|r| r.address.name.as_str().starts_with("bastion_"))
            .collect();
        assert_eq!(bastions.len(), 3);
        // Exactly one NAT gateway per AZ, all in the load-balancer VPC.
        let nats = primary(Kind::AwsNatGateway);
        assert_eq!(nats.len(), 3);
        assert!(
            nats.iter()
                .all(|n| refs_to(n, "subnet_id")[0].contains("aws_subnet.edge_public_"))
        );
        let zones: BTreeSet<String> = nats
            .iter()
            .map(|n| n.address.name.as_str().to_owned())
            .collect();
        assert_eq!(zones.len(), 3);
        // EKS with a node group per AZ.
        assert_eq!(primary(Kind::AwsEksCluster).len(), 1);
        assert_eq!(primary(Kind::AwsEksNodeGroup).len(), 3);
        // Fluent Bit, Vault, canary.
        let apps: BTreeSet<&str> = of(&plan, env, Kind::Application)
            .iter()
            .map(|r| s(r, "name"))
            .collect();
        for a in [
            "fluent-bit",
            "vault",
            "argo-rollouts",
            "aws-load-balancer-controller",
        ] {
            assert!(apps.contains(a), "{env} lacks {a}: {apps:?}");
        }
        // Fluent Bit ships to CloudWatch Logs; Prometheus metrics go to CloudWatch.
        let fluent = of(&plan, env, Kind::Application)
            .into_iter()
            .find(|r| s(r, "name") == "fluent-bit")
            .unwrap();
        assert!(
            serde_json::to_string(fluent.get("spec").unwrap())
                .unwrap()
                .contains("cloudwatch_logs")
        );
        let addons: BTreeSet<&str> = of(&plan, env, Kind::AwsEksAddon)
            .iter()
            .map(|r| s(r, "addon_name"))
            .collect();
        assert!(
            addons.contains("amazon-cloudwatch-observability"),
            "{addons:?}"
        );
        assert!(!apps.contains("kube-prometheus-stack"));
        assert_eq!(of(&plan, env, Kind::Rollout).len(), 2, "one per region");
        // Both regions behind latency records.
        let records: Vec<_> = of(&plan, env, Kind::AwsRoute53Record)
            .into_iter()
            .filter(|r| r.get("latency_routing_policy").is_some())
            .collect();
        let regions: BTreeSet<&str> = records.iter().map(|r| s(r, "set_identifier")).collect();
        assert_eq!(regions, BTreeSet::from(["us-east-1", "us-west-2"]));
    }
}

#[test]
fn eks_platform_has_hard_environments_and_a_management_cluster() {
    let plan = plan_example("eks-platform");
    let clusters: BTreeMap<&str, &str> = plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::AwsEksCluster)
        .map(|r| (r.address.env.as_str(), r.address.name.as_str()))
        .collect();
    assert_eq!(
        clusters,
        BTreeMap::from([
            ("mgmt", "monitoring"),
            ("preprod", "main"),
            ("prod", "main")
        ])
    );
    // Grafana with four folders lives in the management environment only.
    let folders: BTreeSet<(&str, &str)> = plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::GrafanaFolder)
        .map(|r| (r.address.env.as_str(), r.address.name.as_str()))
        .collect();
    assert_eq!(
        folders,
        ["business", "development", "performance", "security"]
            .iter()
            .map(|f| ("mgmt", *f))
            .collect()
    );
    assert_eq!(of(&plan, "mgmt", Kind::AwsOpensearchDomain).len(), 1);
    // Application environments ship metrics to the management cluster.
    let prom = of(&plan, "prod", Kind::Application)
        .into_iter()
        .find(|r| s(r, "name") == "kube-prometheus-stack")
        .unwrap();
    assert!(
        prom.depends_on()
            .iter()
            .any(|a| a.to_string() == "mgmt.observability.Application.kube_prometheus_stack")
    );
    // SonarQube, WAF, ECR, External Secrets, Jaeger via OTel.
    assert_eq!(of(&plan, "prod", Kind::SonarqubeProject).len(), 1);
    assert_eq!(of(&plan, "prod", Kind::AwsWafv2WebAcl).len(), 1);
    assert_eq!(of(&plan, "prod", Kind::AwsEcrRepository).len(), 2);
    assert_eq!(of(&plan, "prod", Kind::ExternalSecret).len(), 1);
    // The public Ingress carries the WAF and certificate.
    let ing = &of(&plan, "prod", Kind::Ingress)[0];
    let ann = ing.get("annotations").unwrap().as_map().unwrap();
    assert!(ann.contains_key("alb.ingress.kubernetes.io/wafv2-acl-arn"));
    assert!(ann.contains_key("alb.ingress.kubernetes.io/certificate-arn"));
    // Restricted pods everywhere.
    for d in of(&plan, "prod", Kind::Deployment)
        .into_iter()
        .chain(of(&plan, "prod", Kind::Rollout))
    {
        let c = &d.get("spec").unwrap().as_map().unwrap()["template"]
            .as_map()
            .unwrap()["spec"]
            .as_map()
            .unwrap()["containers"]
            .as_list()
            .unwrap()[0];
        let sc = c.as_map().unwrap()["securityContext"].as_map().unwrap();
        assert_eq!(sc["readOnlyRootFilesystem"], Value::Bool(true));
        assert_eq!(sc["allowPrivilegeEscalation"], Value::Bool(false));
    }
}

#[test]
fn eks_openshift_uses_rosa_and_routes() {
    let plan = plan_example("eks-openshift");
    for env in ["preprod", "prod"] {
        assert_eq!(of(&plan, env, Kind::RhcsClusterRosaHcp).len(), 1);
        assert!(of(&plan, env, Kind::AwsEksCluster).is_empty());
        assert!(of(&plan, env, Kind::Ingress).is_empty());
        assert_eq!(of(&plan, env, Kind::Route).len(), 1);
        for d in of(&plan, env, Kind::Deployment)
            .into_iter()
            .chain(of(&plan, env, Kind::Rollout))
        {
            let text = serde_json::to_string(d.get("spec").unwrap()).unwrap();
            assert!(
                !text.contains("runAsUser"),
                "OpenShift assigns the UID: {}",
                d.address
            );
        }
    }
}

#[test]
fn an_account_recorded_by_its_organisation_gets_conformance_packs_and_no_second_recorder() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/ecs-fargate-aurora/strata.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let ours = common::plan_text("strata.yaml", text.as_bytes());
    let theirs_text = text.replacen(
        "\nsecurity:\n",
        "\nsecurity:\n  config_recorder: existing\n",
        1,
    );
    assert_ne!(theirs_text, text, "the example has a `security:` section");
    let theirs = common::plan_text("strata.yaml", theirs_text.as_bytes());
    let config = [
        Kind::AwsConfigConfigurationRecorder,
        Kind::AwsConfigDeliveryChannel,
        Kind::AwsConfigConfigurationRecorderStatus,
    ];
    for kind in config {
        assert_eq!(of(&ours, "dev", kind).len(), 1, "{kind:?}");
        assert!(of(&theirs, "dev", kind).is_empty(), "{kind:?}");
    }
    // Nothing is left that only the recorder needed: its role and bucket.
    let names = |p: &Plan| -> BTreeSet<String> {
        p.graph
            .iter()
            .filter(|r| r.address.env.as_str() == "dev")
            .map(|r| r.address.to_string())
            .collect()
    };
    let gone: Vec<String> = names(&ours).difference(&names(&theirs)).cloned().collect();
    assert!(
        gone.iter().all(|a| a.contains("config")),
        "only AWS Config's own resources go: {gone:?}"
    );
    assert!(
        gone.iter().any(|a| a.contains("aws_iam_role.config")),
        "{gone:?}"
    );
    assert!(
        gone.iter().any(|a| a.contains("aws_s3_bucket.config")),
        "{gone:?}"
    );
    assert!(names(&theirs).is_subset(&names(&ours)));
    // The frameworks' conformance packs still evaluate, on the existing recorder.
    let packs = of(&theirs, "dev", Kind::AwsConfigConformancePack);
    assert_eq!(
        packs.len(),
        of(&ours, "dev", Kind::AwsConfigConformancePack).len()
    );
    assert!(!packs.is_empty());
}

/// Per EKS cluster of `env`: duty role → (access policy, scope type,
/// namespaces), read from the access entries that name the cluster and the
/// policy associations that follow each entry.
fn cluster_access(plan: &Plan, env: &str) -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
    let clusters: BTreeSet<String> = plan
        .graph
        .iter()
        .filter(|r| r.kind == Kind::AwsEksCluster)
        .map(|r| r.address.to_string())
        .collect();
    for entry in of(plan, env, Kind::AwsEksAccessEntry) {
        let cluster = refs_to(entry, "cluster_name").pop().unwrap();
        assert!(clusters.contains(&cluster), "{cluster}");
        assert_eq!(s(entry, "type"), "STANDARD");
        let role = refs_to(entry, "principal_arn").pop().unwrap();
        let role = plan
            .graph
            .iter()
            .find(|r| r.address.to_string() == role)
            .unwrap();
        assert_eq!(role.kind, Kind::AwsIamRole);
        let assoc: Vec<_> = of(plan, env, Kind::AwsEksAccessPolicyAssociation)
            .into_iter()
            .filter(|a| refs_to(a, "principal_arn") == [entry.address.to_string()])
            .collect();
        assert_eq!(assoc.len(), 1, "{}: one policy per entry", entry.address);
        let policy = s(assoc[0], "policy_arn")
            .strip_prefix("arn:aws:eks::aws:cluster-access-policy/")
            .unwrap()
            .to_owned();
        let scope = match assoc[0].get("access_scope") {
            Some(Value::Map(m)) => match (m.get("type"), m.get("namespaces")) {
                (Some(Value::String(t)), None) if t == "cluster" => "cluster".to_owned(),
                (Some(Value::String(t)), Some(Value::List(ns))) if t == "namespace" => ns
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
                    .join(","),
                other => panic!("{}: access_scope {other:?}", assoc[0].address),
            },
            other => panic!("{}: access_scope {other:?}", assoc[0].address),
        };
        let duty = role
            .address
            .name
            .as_str()
            .trim_start_matches("duty_")
            .to_owned();
        let prev = out
            .entry(cluster)
            .or_default()
            .insert(duty, (policy, scope));
        assert!(
            prev.is_none(),
            "{}: a duty twice on one cluster",
            entry.address
        );
    }
    out
}

fn grants(rows: &[(&str, &str, &str)]) -> BTreeMap<String, (String, String)> {
    rows.iter()
        .map(|(d, p, s)| (d.to_string(), (p.to_string(), s.to_string())))
        .collect()
}

#[test]
fn every_eks_cluster_admits_each_duty_role_with_least_privilege() {
    let app = grants(&[
        ("admin", "AmazonEKSClusterAdminPolicy", "cluster"),
        ("break_glass", "AmazonEKSClusterAdminPolicy", "cluster"),
        ("auditor", "AmazonEKSViewPolicy", "cluster"),
        ("deployer", "AmazonEKSEditPolicy", "NS"),
        ("developer", "AmazonEKSViewPolicy", "NS"),
    ]);
    let with_ns = |ns: &str| -> BTreeMap<String, (String, String)> {
        app.iter()
            .map(|(d, (p, s))| (d.clone(), (p.clone(), s.replace("NS", ns))))
            .collect()
    };
    // Two regions: a cluster in each, the global roles on both.
    let three = plan_example("three-vpc-eks");
    for env in ["dev", "test", "prod"] {
        let access = cluster_access(&three, env);
        let keys: Vec<&String> = access.keys().collect();
        assert_eq!(
            keys,
            [
                &format!("{env}.workloads.aws_eks_cluster.main"),
                &format!("{env}.workloads_us_west_2.aws_eks_cluster.main"),
            ]
        );
        for grants in access.values() {
            assert_eq!(grants, &with_ns("orders"), "{env}");
        }
    }
    // The management cluster runs no application: no deployer, no developer.
    for name in ["eks-platform", "eks-openshift"] {
        let plan = plan_example(name);
        let mgmt = cluster_access(&plan, "mgmt");
        let mut want = app.clone();
        want.retain(|d, _| d != "deployer" && d != "developer");
        assert_eq!(
            mgmt.get("mgmt.workloads.aws_eks_cluster.monitoring"),
            Some(&want),
            "{name}: {mgmt:?}"
        );
    }
    // ROSA clusters get no EKS access entries.
    let rosa = plan_example("eks-openshift");
    assert!(cluster_access(&rosa, "prod").is_empty());
}

#[test]
fn on_a_shared_cluster_other_environments_reach_only_their_namespace() {
    let yaml = std::fs::read_to_string(format!(
        "{}/../../examples/three-vpc-eks/strata.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("runtime: eks\n", "runtime: eks\nisolation: soft\n");
    let plan = common::plan_text("soft.yaml", yaml.as_bytes());
    let owner = cluster_access(&plan, "dev");
    assert_eq!(
        owner["dev.workloads.aws_eks_cluster.main"]["admin"],
        ("AmazonEKSClusterAdminPolicy".into(), "cluster".into())
    );
    let guest = cluster_access(&plan, "prod");
    let on_dev = &guest["dev.workloads.aws_eks_cluster.main"];
    assert_eq!(on_dev.len(), 5, "{on_dev:?}");
    for (duty, (policy, scope)) in on_dev {
        assert_eq!(scope, "orders-prod", "{duty}");
        assert_ne!(policy, "AmazonEKSClusterAdminPolicy", "{duty}");
    }
    assert_eq!(on_dev["admin"].0, "AmazonEKSAdminPolicy");
}

/// ROSA clusters authenticate people through their identity provider: each
/// duty is a group bound with OpenShift's built-in cluster roles, least
/// privilege, nobody to `cluster-admin`, every binding after the cluster.
#[test]
fn every_rosa_cluster_binds_each_duty_group_with_least_privilege() {
    let plan = plan_example("eks-openshift");
    for env in ["preprod", "prod"] {
        let mut got = BTreeMap::new();
        for kind in [Kind::RoleBinding, Kind::ClusterRoleBinding] {
            for b in of(&plan, env, kind) {
                let subject = &b.get("subjects").unwrap().as_list().unwrap()[0];
                let field =
                    |v: &Value, k: &str| v.as_map().unwrap()[k].as_str().unwrap().to_owned();
                assert_eq!(field(subject, "kind"), "Group");
                let group = field(subject, "name");
                assert_eq!(s(b, "name"), group);
                let role = field(b.get("roleRef").unwrap(), "name");
                let scope = match kind {
                    Kind::RoleBinding => s(b, "namespace").to_owned(),
                    _ => "cluster".to_owned(),
                };
                assert!(
                    b.depends_on()
                        .iter()
                        .any(|d| d.kind == Kind::RhcsClusterRosaHcp),
                    "{} is not after the cluster",
                    b.address
                );
                got.insert(group, (role, scope));
            }
        }
        let want: BTreeMap<String, (String, String)> = [
            ("admin", "admin", "portal"),
            ("break-glass", "admin", "portal"),
            ("deployer", "edit", "portal"),
            ("developer", "view", "portal"),
            ("auditor", "cluster-reader", "cluster"),
        ]
        .into_iter()
        .map(|(d, r, sc)| (format!("portal-{env}-{d}"), (r.to_owned(), sc.to_owned())))
        .collect();
        assert_eq!(got, want, "{env}");
    }
}
