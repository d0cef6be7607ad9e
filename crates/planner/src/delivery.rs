//! Pass 7 (and registries before workloads): ECR repositories with immutable
//! tags, scanning and KMS; then the CI/CD system the spec selects — GitHub
//! Actions or GitLab CI through OIDC with protected environments, or
//! CodePipeline + CodeBuild — plus CodeDeploy blue/green and canary for ECS,
//! Argo CD applications for Kubernetes, and SonarQube when chosen.

use std::collections::BTreeMap;

use strata_model::{Address, Kind, Layer, ModuleKind, Value};
use strata_spec::resolve::{self, Region};
use strata_spec::{Ci, CodeAnalysis, Expose, Runtime, Strategy};

use crate::builder::{Cx, allow, attach, list, map, policy, r, trust_service};
use crate::data::bucket;
use crate::keys::{Keys, account};
use crate::workloads::Workloads;

/// ECR repositories by service.
pub struct Registries {
    /// Repository per service that is built (not given as an image).
    pub repos: BTreeMap<String, Address>,
}

pub fn registries(cx: &mut Cx, region: &Region, keys: &Keys) -> Registries {
    let m = cx.module(ModuleKind::Delivery, region);
    let mut repos = BTreeMap::new();
    for (name, s) in cx.spec.services.clone() {
        if s.image.is_some() {
            continue;
        }
        let src = ["services", name.as_str(), "build"];
        // The build context travels as a tag, so the pipeline renderers can
        // build the image from the graph alone.
        let context = s.build.clone().unwrap_or_else(|| format!("./{name}"));
        let mut tags = cx.tags(&name);
        tags.insert("strata:build-context".into(), context.into());
        let repo = cx.put(
            cx.res(
                &m,
                Kind::AwsEcrRepository,
                &name,
                Layer::AppInfrastructure,
                &src,
            )
            .with("tags", strata_model::Value::Map(tags))
            .with("name", format!("{}/{}", cx.spec.app, name))
            .with("image_tag_mutability", "IMMUTABLE")
            .with(
                "image_scanning_configuration",
                map([("scan_on_push", true.into())]),
            )
            .with(
                "encryption_configuration",
                map([
                    ("encryption_type", "KMS".into()),
                    ("kms_key", r(&keys.data, "arn")),
                ]),
            )
            .with("force_delete", !cx.env.production),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsEcrLifecyclePolicy,
                &name,
                Layer::AppInfrastructure,
                &src,
            )
            .with("repository", r(&repo, "name"))
            .with(
                "policy",
                map([(
                    "rules",
                    list([map([
                        ("rulePriority", 1u32.into()),
                        ("description", "keep the last 50 images".into()),
                        (
                            "selection",
                            map([
                                ("tagStatus", "any".into()),
                                ("countType", "imageCountMoreThan".into()),
                                ("countNumber", 50u32.into()),
                            ]),
                        ),
                        ("action", map([("type", "expire".into())])),
                    ])]),
                )]),
            ),
        );
        repos.insert(name, repo);
    }
    Registries { repos }
}

/// The pipeline's unit-test job, when the spec names a test command or the
/// front-end detected one from the repository's build files: the command,
/// the image it runs in, and where the command came from.
fn unit_tests(cx: &mut Cx, m: &strata_model::Module) {
    let d = &cx.spec.delivery;
    let Some(command) = d.test_command.clone() else {
        return;
    };
    let image = test_image(d).unwrap_or_default();
    let (source, src) = match &d.tests_detected_from {
        Some(file) => (format!("detected from {file}"), ["delivery"].as_slice()),
        None => (
            "delivery.test_command".into(),
            ["delivery", "test_command"].as_slice(),
        ),
    };
    cx.put(
        cx.res(m, Kind::UnitTests, "app", Layer::Delivery, src)
            .with("command", command)
            .with("image", image)
            .with("source", source),
    );
}

/// The image the unit tests run in: the spec's, or the official image of
/// the tool the test command runs.
fn test_image(d: &strata_spec::Delivery) -> Option<String> {
    let command = d.test_command.as_deref()?;
    Some(
        d.test_image
            .clone()
            .unwrap_or_else(|| strata_spec::detect::image_for(command).to_owned()),
    )
}

pub fn plan(cx: &mut Cx, region: &Region, keys: &Keys, wl: &Workloads, registries: &Registries) {
    let m = cx.module(ModuleKind::Delivery, region);
    let src = ["delivery"];
    let d = cx.spec.delivery.clone();
    let repo_arns: Vec<Value> = registries.repos.values().map(|a| r(a, "arn")).collect();

    // CodeDeploy for ECS blue/green and canary, whatever the CI system.
    let codedeploy_services: Vec<(String, strata_spec::Service)> = cx
        .spec
        .services
        .keys()
        .filter_map(|n| resolve::service(cx.spec, &cx.env.name, n).map(|s| (n.clone(), s)))
        .filter(|(n, s)| {
            cx.env.runtime == Runtime::EcsFargate
                && s.deploy.strategy != Strategy::Rolling
                && s.expose == Expose::Public
                && wl
                    .services
                    .get(n)
                    .is_some_and(|w| w.target_groups.len() == 2)
        })
        .collect();
    let mut deployment_groups = Vec::new();
    if !codedeploy_services.is_empty() && region.primary {
        let role = cx.put(
            cx.res(&m, Kind::AwsIamRole, "codedeploy", Layer::Delivery, &src)
                .with("name", cx.name("codedeploy"))
                .with(
                    "assume_role_policy",
                    trust_service("codedeploy.amazonaws.com"),
                ),
        );
        attach(
            cx,
            &m,
            &role,
            "codedeploy",
            "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
            Layer::Delivery,
            &src,
        );
        let app = cx.put(
            cx.res(&m, Kind::AwsCodedeployApp, "main", Layer::Delivery, &src)
                .with("name", cx.name("app"))
                .with("compute_platform", "ECS"),
        );
        for (name, s) in &codedeploy_services {
            let svc_src = ["services", name.as_str(), "deploy"];
            let config = if s.deploy.strategy == Strategy::Canary {
                let first = s.deploy.steps.first().copied().unwrap_or(10);
                let minutes = (s.deploy.pause_seconds / 60).max(1);
                let c = cx.put(
                    cx.res(
                        &m,
                        Kind::AwsCodedeployDeploymentConfig,
                        name,
                        Layer::Delivery,
                        &svc_src,
                    )
                    .with("deployment_config_name", cx.name(&format!("{name}-canary")))
                    .with("compute_platform", "ECS")
                    .with(
                        "traffic_routing_config",
                        map([
                            ("type", "TimeBasedCanary".into()),
                            (
                                "time_based_canary",
                                map([
                                    ("percentage", u32::from(first).into()),
                                    ("interval", minutes.into()),
                                ]),
                            ),
                        ]),
                    ),
                );
                r(&c, "id")
            } else {
                Value::from("CodeDeployDefault.ECSAllAtOnce")
            };
            let w = &wl.services[name];
            let om = cx.module(ModuleKind::Observability, region);
            let gates = crate::gates::codedeploy_alarms(cx, &om, name);
            let mut prod_listeners = Vec::new();
            if let Some(h) = &wl.https {
                prod_listeners.push(r(h, "arn"));
            }
            let mut test_route = Vec::new();
            if let Some(t) = &wl.test {
                test_route.push(r(t, "arn"));
            }
            let cluster = wl.cluster.as_ref().map_or(Value::Null, |c| r(c, "name"));
            deployment_groups.push(
                cx.put(
                    cx.res(
                        &m,
                        Kind::AwsCodedeployDeploymentGroup,
                        name,
                        Layer::Delivery,
                        &svc_src,
                    )
                    .with("app_name", r(&app, "name"))
                    .with("deployment_group_name", name.clone())
                    .with("service_role_arn", r(&role, "arn"))
                    .with("deployment_config_name", config)
                    .with(
                        "deployment_style",
                        map([
                            ("deployment_option", "WITH_TRAFFIC_CONTROL".into()),
                            ("deployment_type", "BLUE_GREEN".into()),
                        ]),
                    )
                    .with(
                        "blue_green_deployment_config",
                        map([
                            (
                                "deployment_ready_option",
                                map([
                                    (
                                        "action_on_timeout",
                                        if cx.env.approval {
                                            "STOP_DEPLOYMENT"
                                        } else {
                                            "CONTINUE_DEPLOYMENT"
                                        }
                                        .into(),
                                    ),
                                    (
                                        "wait_time_in_minutes",
                                        if cx.env.approval {
                                            60u32.into()
                                        } else {
                                            Value::Int(0)
                                        },
                                    ),
                                ]),
                            ),
                            (
                                "terminate_blue_instances_on_deployment_success",
                                map([
                                    ("action", "TERMINATE".into()),
                                    ("termination_wait_time_in_minutes", 5u32.into()),
                                ]),
                            ),
                        ]),
                    )
                    .with(
                        "ecs_service",
                        map([
                            ("cluster_name", cluster),
                            ("service_name", r(&w.main, "name")),
                        ]),
                    )
                    .with(
                        "load_balancer_info",
                        map([(
                            "target_group_pair_info",
                            map([
                                (
                                    "prod_traffic_route",
                                    map([("listener_arns", Value::List(prod_listeners))]),
                                ),
                                (
                                    "test_traffic_route",
                                    map([("listener_arns", Value::List(test_route))]),
                                ),
                                (
                                    "target_group",
                                    list(
                                        w.target_groups
                                            .iter()
                                            .map(|t| map([("name", r(t, "name"))])),
                                    ),
                                ),
                            ]),
                        )]),
                    )
                    .with(
                        "auto_rollback_configuration",
                        map([
                            ("enabled", true.into()),
                            (
                                "events",
                                list([
                                    "DEPLOYMENT_FAILURE".into(),
                                    "DEPLOYMENT_STOP_ON_ALARM".into(),
                                ]),
                            ),
                        ]),
                    )
                    .with(
                        "alarm_configuration",
                        map([
                            ("enabled", true.into()),
                            ("alarms", list(gates.iter().map(|a| r(a, "alarm_name")))),
                        ]),
                    )
                    .after(&gates[0])
                    .after(&gates[1]),
                ),
            );
        }
    }

    if !region.primary {
        return;
    }
    unit_tests(cx, &m);
    match d.ci {
        Ci::GithubActions | Ci::GitlabCi => {
            let github = d.ci == Ci::GithubActions;
            let (url, host, aud) = if github {
                (
                    "https://token.actions.githubusercontent.com",
                    "token.actions.githubusercontent.com",
                    "sts.amazonaws.com",
                )
            } else {
                ("https://gitlab.com", "gitlab.com", "https://gitlab.com")
            };
            let provider = cx.put(
                cx.res(
                    &m,
                    Kind::AwsIamOpenidConnectProvider,
                    if github { "github" } else { "gitlab" },
                    Layer::Delivery,
                    &["delivery", "ci"],
                )
                .with("url", url)
                .with("client_id_list", list([aud.into()])),
            );
            let repo = d.repository.clone().unwrap_or_else(|| {
                format!(
                    "{}/{}",
                    cx.spec.owner.clone().unwrap_or_else(|| "org".into()),
                    cx.spec.app
                )
            });
            let subject = if github {
                format!("repo:{repo}:environment:{}", cx.env.name)
            } else {
                format!("project_path:{repo}:ref_type:branch:ref:{}", d.branch)
            };
            let role = cx.put(
                cx.res(
                    &m,
                    Kind::AwsIamRole,
                    "ci",
                    Layer::Delivery,
                    &["delivery", "ci"],
                )
                .with("name", cx.name("ci"))
                .with("max_session_duration", 3600u32)
                .with(
                    "assume_role_web_identity",
                    map([
                        ("provider_arn", r(&provider, "arn")),
                        ("provider_url", host.into()),
                        ("subject", subject.into()),
                        ("audience", aud.into()),
                    ]),
                ),
            );
            ci_policy(cx, &m, &role, &repo_arns, wl, &deployment_groups);
            let env_name = cx.env.name.clone();
            if github {
                let mut e = cx
                    .res(
                        &m,
                        Kind::GithubRepositoryEnvironment,
                        "deploy",
                        Layer::Delivery,
                        &["delivery"],
                    )
                    .with(
                        "repository",
                        repo.split('/').next_back().unwrap_or("").to_owned(),
                    )
                    .with("environment", env_name)
                    .with("prevent_self_review", true)
                    .with(
                        "deployment_branch_policy",
                        map([
                            ("protected_branches", true.into()),
                            ("custom_branch_policies", false.into()),
                        ]),
                    );
                if cx.env.approval {
                    e = e
                        .with(
                            "reviewers",
                            map([(
                                "teams",
                                list([Value::from(format!("{}-approvers", cx.spec.app))]),
                            )]),
                        )
                        .with("wait_timer", 0u32);
                }
                cx.put(e);
            } else {
                let e = cx.put(
                    cx.res(
                        &m,
                        Kind::GitlabProjectEnvironment,
                        "deploy",
                        Layer::Delivery,
                        &["delivery"],
                    )
                    .with("project", repo.clone())
                    .with("name", env_name.clone())
                    .with(
                        "tier",
                        if cx.env.production {
                            "production"
                        } else if cx.env.index == 0 {
                            "development"
                        } else {
                            "staging"
                        },
                    ),
                );
                if cx.env.approval {
                    cx.put(
                        cx.res(
                            &m,
                            Kind::GitlabProjectProtectedEnvironment,
                            "deploy",
                            Layer::Delivery,
                            &["delivery"],
                        )
                        .with("project", repo)
                        .with("environment", r(&e, "name"))
                        .with("required_approval_count", 1u32)
                        .with(
                            "deploy_access_levels",
                            list([map([("access_level", "maintainer".into())])]),
                        ),
                    );
                }
            }
        }
        Ci::Codepipeline => codepipeline(cx, region, &m, keys, wl, &deployment_groups, &repo_arns),
    }

    if d.code_analysis == CodeAnalysis::Sonarqube {
        cx.put(
            cx.res(
                &m,
                Kind::SonarqubeProject,
                "app",
                Layer::Delivery,
                &["delivery", "code_analysis"],
            )
            .with("name", cx.spec.app.clone())
            .with("project", format!("{}-{}", cx.spec.app, cx.env.name))
            .with("visibility", "private")
            .with("quality_gate", "Sonar way"),
        );
    }

    // GitOps: one Argo CD application for the app per environment.
    if cx.env.runtime.is_kubernetes() && d.gitops.enabled {
        if let Some((ns, ns_name)) = &wl.namespace {
            let repo_url = crate::bootstrap::repo_url(cx);
            let mut sync = vec![(
                "syncOptions",
                list(["CreateNamespace=false".into(), "PruneLast=true".into()]),
            )];
            if d.gitops.auto_sync {
                sync.push((
                    "automated",
                    map([
                        ("prune", d.gitops.prune.into()),
                        ("selfHeal", d.gitops.self_heal.into()),
                    ]),
                ));
            }
            let spec = map([
                ("project", cx.spec.app.clone().into()),
                (
                    "source",
                    map([
                        ("repoURL", repo_url.clone().into()),
                        ("path", format!("deploy/charts/{}", cx.spec.app).into()),
                        ("targetRevision", d.branch.clone().into()),
                        (
                            "helm",
                            map([(
                                "valueFiles",
                                list([Value::from(format!("values-{}.yaml", cx.env.name))]),
                            )]),
                        ),
                    ]),
                ),
                (
                    "destination",
                    map([
                        ("server", "https://kubernetes.default.svc".into()),
                        ("namespace", ns_name.clone().into()),
                    ]),
                ),
                (
                    "syncPolicy",
                    Value::Map(sync.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
                ),
            ]);
            let project = cx.put(
                cx.res(
                    &m,
                    Kind::AppProject,
                    "app",
                    Layer::Delivery,
                    &["delivery", "gitops"],
                )
                .with("name", cx.spec.app.clone())
                .with("namespace", "argocd")
                .with(
                    "spec",
                    map([
                        ("sourceRepos", list([Value::from(repo_url.clone())])),
                        (
                            "destinations",
                            list([map([
                                ("server", "https://kubernetes.default.svc".into()),
                                ("namespace", ns_name.clone().into()),
                            ])]),
                        ),
                        ("clusterResourceWhitelist", list([])),
                    ]),
                )
                .after(ns),
            );
            cx.put(
                cx.res(
                    &m,
                    Kind::Application,
                    "app",
                    Layer::Delivery,
                    &["delivery", "gitops"],
                )
                .with("name", format!("{}-{}", cx.spec.app, cx.env.name))
                .with("namespace", "argocd")
                .with("spec", spec)
                .after(&project),
            );
        }
    }
}

fn ci_policy(
    cx: &mut Cx,
    m: &strata_model::Module,
    role: &Address,
    repo_arns: &[Value],
    wl: &Workloads,
    groups: &[Address],
) {
    let mut statements = vec![allow(
        "EcrLogin",
        &["ecr:GetAuthorizationToken"],
        vec!["*".into()],
    )];
    if !repo_arns.is_empty() {
        statements.push(allow(
            "PushImages",
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
                "ecr:DescribeImageScanFindings",
            ],
            repo_arns.to_vec(),
        ));
    }
    if let Some(c) = &wl.cluster {
        if cx.env.runtime == Runtime::Eks && c.env == cx.env_id {
            statements.push(allow(
                "DescribeCluster",
                &["eks:DescribeCluster"],
                vec![r(c, "arn")],
            ));
        }
        if cx.env.runtime == Runtime::EcsFargate {
            statements.push(allow(
                "RegisterTaskDefinitions",
                &[
                    "ecs:RegisterTaskDefinition",
                    "ecs:DescribeTaskDefinition",
                    "ecs:DescribeServices",
                    "ecs:UpdateService",
                ],
                vec!["*".into()],
            ));
            statements.push(allow(
                "PassTaskRoles",
                &["iam:PassRole"],
                vec![
                    format!(
                        "arn:aws:iam::{}:role/{}-{}-task-*",
                        account(cx),
                        cx.spec.app,
                        cx.env.name
                    )
                    .into(),
                ],
            ));
        }
    }
    if !groups.is_empty() {
        statements.push(allow(
            "Deploy",
            &[
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:GetDeploymentConfig",
                "codedeploy:RegisterApplicationRevision",
                "codedeploy:GetApplicationRevision",
            ],
            groups.iter().map(|g| r(g, "arn")).collect(),
        ));
    }
    let p = cx.put(
        cx.res(
            m,
            Kind::AwsIamPolicy,
            "ci",
            Layer::Delivery,
            &["delivery", "ci"],
        )
        .with("name", cx.name("ci"))
        .with("policy", policy(statements)),
    );
    attach(
        cx,
        m,
        role,
        "ci",
        r(&p, "arn"),
        Layer::Delivery,
        &["delivery", "ci"],
    );
}

fn codepipeline(
    cx: &mut Cx,
    region: &Region,
    m: &strata_model::Module,
    keys: &Keys,
    wl: &Workloads,
    groups: &[Address],
    repo_arns: &[Value],
) {
    let d = cx.spec.delivery.clone();
    let src = ["delivery", "ci"];
    let artifacts = bucket(
        cx,
        m,
        "artifacts",
        Layer::Delivery,
        &src,
        Some(&keys.data),
        true,
        vec![],
    );
    let artifacts_name = crate::data::bucket_name(cx, m, "artifacts");
    let (source_action, source_arn) = match &d.repository {
        Some(repo) if repo.contains('/') => {
            let conn = cx.put(
                cx.res(
                    m,
                    Kind::AwsCodestarconnectionsConnection,
                    "source",
                    Layer::Delivery,
                    &src,
                )
                .with(
                    "name",
                    cx.name("source").chars().take(32).collect::<String>(),
                )
                .with("provider_type", "GitHub"),
            );
            (
                map([
                    ("name", "Source".into()),
                    ("category", "Source".into()),
                    ("owner", "AWS".into()),
                    ("provider", "CodeStarSourceConnection".into()),
                    ("version", "1".into()),
                    ("output_artifacts", list(["source".into()])),
                    (
                        "configuration",
                        map([
                            ("ConnectionArn", r(&conn, "arn")),
                            ("FullRepositoryId", repo.clone().into()),
                            ("BranchName", d.branch.clone().into()),
                        ]),
                    ),
                ]),
                r(&conn, "arn"),
            )
        }
        other => {
            let name = other.clone().unwrap_or_else(|| cx.spec.app.clone());
            let repo = cx.put(
                cx.res(
                    m,
                    Kind::AwsCodecommitRepository,
                    "source",
                    Layer::Delivery,
                    &src,
                )
                .with("repository_name", name)
                .with("description", format!("{} source", cx.spec.app))
                .with("kms_key_id", r(&keys.data, "arn")),
            );
            (
                map([
                    ("name", "Source".into()),
                    ("category", "Source".into()),
                    ("owner", "AWS".into()),
                    ("provider", "CodeCommit".into()),
                    ("version", "1".into()),
                    ("output_artifacts", list(["source".into()])),
                    (
                        "configuration",
                        map([
                            ("RepositoryName", r(&repo, "repository_name")),
                            ("BranchName", d.branch.clone().into()),
                        ]),
                    ),
                ]),
                r(&repo, "arn"),
            )
        }
    };
    let build_role = cx.put(
        cx.res(m, Kind::AwsIamRole, "codebuild", Layer::Delivery, &src)
            .with("name", cx.name("codebuild"))
            .with(
                "assume_role_policy",
                trust_service("codebuild.amazonaws.com"),
            ),
    );
    let om = cx.module(ModuleKind::Observability, region);
    let build_logs = cx.log_group(
        &om,
        "codebuild",
        "codebuild",
        Layer::Observability,
        &src,
        &keys.logs,
    );
    let mut statements = vec![
        allow(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![r(&build_logs, "arn")],
        ),
        allow(
            "Artifacts",
            &["s3:GetObject", "s3:PutObject", "s3:GetBucketLocation"],
            vec![
                r(&artifacts, "arn"),
                format!("arn:aws:s3:::{artifacts_name}/*").into(),
            ],
        ),
        allow(
            "Keys",
            &["kms:Decrypt", "kms:GenerateDataKey"],
            vec![r(&keys.data, "arn")],
        ),
        allow("EcrLogin", &["ecr:GetAuthorizationToken"], vec!["*".into()]),
    ];
    if !repo_arns.is_empty() {
        statements.push(allow(
            "PushImages",
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
            ],
            repo_arns.to_vec(),
        ));
    }
    let bp = cx.put(
        cx.res(m, Kind::AwsIamPolicy, "codebuild", Layer::Delivery, &src)
            .with("name", cx.name("codebuild"))
            .with("policy", policy(statements)),
    );
    attach(
        cx,
        m,
        &build_role,
        "codebuild",
        r(&bp, "arn"),
        Layer::Delivery,
        &src,
    );
    let mut projects = Vec::new();
    // The unit tests run in their own image (the build tool's), the build
    // and the scan in CodeBuild's standard image (Docker, Python, curl).
    let test_image = test_image(&cx.spec.delivery);
    let standard = "aws/codebuild/amazonlinux-x86_64-standard:5.0".to_owned();
    let mut kinds = vec![("build", "buildspec.yml", true, standard.clone())];
    if let Some(image) = &test_image {
        kinds.push(("test", "buildspec-test.yml", false, image.clone()));
    }
    kinds.push(("scan", "buildspec-scan.yml", false, standard));
    for (stage, spec_file, privileged, image) in kinds {
        projects.push(
            cx.put(
                cx.res(m, Kind::AwsCodebuildProject, stage, Layer::Delivery, &src)
                    .with("name", cx.name(stage))
                    .with("service_role", r(&build_role, "arn"))
                    .with("encryption_key", r(&keys.data, "arn"))
                    .with("build_timeout", 30u32)
                    .with(
                        "artifacts",
                        map([
                            ("type", "CODEPIPELINE".into()),
                            ("location", r(&artifacts, "bucket")),
                        ]),
                    )
                    .with(
                        "source",
                        map([
                            ("type", "CODEPIPELINE".into()),
                            ("buildspec", spec_file.into()),
                        ]),
                    )
                    .with(
                        "environment",
                        map([
                            ("compute_type", "BUILD_GENERAL1_MEDIUM".into()),
                            ("image", image.into()),
                            ("type", "LINUX_CONTAINER".into()),
                            ("privileged_mode", privileged.into()),
                            ("image_pull_credentials_type", "CODEBUILD".into()),
                        ]),
                    )
                    .with(
                        "logs_config",
                        map([(
                            "cloudwatch_logs",
                            map([
                                ("group_name", r(&build_logs, "name")),
                                ("status", "ENABLED".into()),
                            ]),
                        )]),
                    ),
            ),
        );
    }
    let pipe_role = cx.put(
        cx.res(m, Kind::AwsIamRole, "codepipeline", Layer::Delivery, &src)
            .with("name", cx.name("codepipeline"))
            .with(
                "assume_role_policy",
                trust_service("codepipeline.amazonaws.com"),
            ),
    );
    let mut pstatements = vec![
        allow(
            "Artifacts",
            &["s3:GetObject", "s3:PutObject", "s3:GetBucketVersioning"],
            vec![
                r(&artifacts, "arn"),
                format!("arn:aws:s3:::{artifacts_name}/*").into(),
            ],
        ),
        allow(
            "Builds",
            &["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            projects.iter().map(|p| r(p, "arn")).collect(),
        ),
        allow(
            "Source",
            &[
                "codestar-connections:UseConnection",
                "codecommit:GetBranch",
                "codecommit:GetCommit",
                "codecommit:UploadArchive",
                "codecommit:GetUploadArchiveStatus",
            ],
            vec![source_arn],
        ),
        allow(
            "Keys",
            &["kms:Decrypt", "kms:GenerateDataKey"],
            vec![r(&keys.data, "arn")],
        ),
    ];
    if !groups.is_empty() {
        pstatements.push(allow(
            "Deploy",
            &[
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:GetDeploymentConfig",
                "codedeploy:GetApplication",
                "codedeploy:RegisterApplicationRevision",
                "codedeploy:GetApplicationRevision",
                "ecs:RegisterTaskDefinition",
            ],
            vec!["*".into()],
        ));
        // CodeDeploy registers task definitions that name the task roles.
        let mut pass = allow(
            "PassTaskRoles",
            &["iam:PassRole"],
            vec![
                format!(
                    "arn:aws:iam::{}:role/{}-{}-task-*",
                    account(cx),
                    cx.spec.app,
                    cx.env.name
                )
                .into(),
            ],
        );
        if let Value::Map(m) = &mut pass {
            m.insert(
                "Condition".into(),
                map([(
                    "StringEquals",
                    map([("iam:PassedToService", "ecs-tasks.amazonaws.com".into())]),
                )]),
            );
        }
        pstatements.push(pass);
    }
    let pp = cx.put(
        cx.res(m, Kind::AwsIamPolicy, "codepipeline", Layer::Delivery, &src)
            .with("name", cx.name("codepipeline"))
            .with("policy", policy(pstatements)),
    );
    attach(
        cx,
        m,
        &pipe_role,
        "codepipeline",
        r(&pp, "arn"),
        Layer::Delivery,
        &src,
    );
    let action = |name: &str, project: &Address, input: &str, output: Option<&str>| {
        let mut a = vec![
            ("name", Value::from(name)),
            (
                "category",
                if name == "Build" || name == "Test" || name == "Scan" {
                    "Build".into()
                } else {
                    "Test".into()
                },
            ),
            ("owner", "AWS".into()),
            ("provider", "CodeBuild".into()),
            ("version", "1".into()),
            ("input_artifacts", list([input.into()])),
            ("configuration", map([("ProjectName", r(project, "name"))])),
        ];
        if let Some(o) = output {
            a.push(("output_artifacts", list([o.into()])));
        }
        Value::Map(a.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    };
    let mut stages = vec![
        map([("name", "Source".into()), ("action", list([source_action]))]),
        map([
            ("name", "Build".into()),
            (
                "action",
                list([action("Build", &projects[0], "source", Some("build"))]),
            ),
        ]),
        map([
            ("name", "Verify".into()),
            (
                "action",
                list(projects[1..].iter().map(|p| match p.name.as_str() {
                    "test" => action("Test", p, "source", None),
                    _ => action("Scan", p, "source", None),
                })),
            ),
        ]),
    ];
    if cx.env.approval {
        stages.push(map([
            ("name", "Approve".into()),
            (
                "action",
                list([map([
                    ("name", "Approve".into()),
                    ("category", "Approval".into()),
                    ("owner", "AWS".into()),
                    ("provider", "Manual".into()),
                    ("version", "1".into()),
                ])]),
            ),
        ]));
    }
    let deploy_actions: Vec<Value> = groups
        .iter()
        .map(|g| {
            map([
                (
                    "name",
                    format!("Deploy-{}", g.name.as_str().replace('_', "-")).into(),
                ),
                ("category", "Deploy".into()),
                ("owner", "AWS".into()),
                ("provider", "CodeDeployToECS".into()),
                ("version", "1".into()),
                ("input_artifacts", list(["build".into()])),
                (
                    "configuration",
                    map([
                        ("ApplicationName", r(g, "app_name")),
                        ("DeploymentGroupName", r(g, "deployment_group_name")),
                        ("TaskDefinitionTemplateArtifact", "build".into()),
                        (
                            "TaskDefinitionTemplatePath",
                            format!("taskdef-{}.json", g.name.as_str().replace('_', "-")).into(),
                        ),
                        ("AppSpecTemplateArtifact", "build".into()),
                        (
                            "AppSpecTemplatePath",
                            format!("appspec-{}.yaml", g.name.as_str().replace('_', "-")).into(),
                        ),
                    ]),
                ),
            ])
        })
        .collect();
    let rolling: Vec<Value> = wl
        .services
        .iter()
        .filter(|(_, w)| w.target_groups.len() < 2 && w.main.kind == Kind::AwsEcsService)
        .map(|(n, w)| {
            map([
                ("name", format!("Deploy-{}", n).into()),
                ("category", "Deploy".into()),
                ("owner", "AWS".into()),
                ("provider", "ECS".into()),
                ("version", "1".into()),
                ("input_artifacts", list(["build".into()])),
                (
                    "configuration",
                    map([
                        (
                            "ClusterName",
                            wl.cluster.as_ref().map_or(Value::Null, |c| r(c, "name")),
                        ),
                        ("ServiceName", r(&w.main, "name")),
                        ("FileName", format!("imagedefinitions-{n}.json").into()),
                    ]),
                ),
            ])
        })
        .collect();
    let mut all_deploys = deploy_actions;
    all_deploys.extend(rolling);
    if !all_deploys.is_empty() {
        stages.push(map([
            ("name", "Deploy".into()),
            ("action", Value::List(all_deploys)),
        ]));
    }
    cx.put(
        cx.res(m, Kind::AwsCodepipeline, "main", Layer::Delivery, &src)
            .with("name", cx.name("pipeline"))
            .with("pipeline_type", "V2")
            .with("role_arn", r(&pipe_role, "arn"))
            .with(
                "artifact_store",
                map([
                    ("location", r(&artifacts, "bucket")),
                    ("type", "S3".into()),
                    (
                        "encryption_key",
                        map([("id", r(&keys.data, "arn")), ("type", "KMS".into())]),
                    ),
                ]),
            )
            .with("stage", Value::List(stages)),
    );
}
