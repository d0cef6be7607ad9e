//! CI/CD pipelines from the graph: GitHub Actions or GitLab CI, whichever the
//! delivery layer planned. Unit tests, SAST (Semgrep), dependency and image
//! scans (Trivy) and the IaC scan (`strata check`) gate a build that pushes
//! each image once, through OIDC (no long-lived keys), to the first
//! environment's registry; then each environment in promotion order copies
//! the same image into its own account and deploys it — CodeDeploy blue/green
//! or an ECS rolling update, or a GitOps commit Argo CD syncs — behind the
//! environment's protection rules. Third-party actions are pinned by commit.

use serde_json::{Value as J, json};
use strata_model::{Ident, Kind, Plan, Resource, Value};

use crate::tools::{STRATA_CHECK, STRATA_VERSION, TRIVY_VERSION, install_strata};
use crate::{RenderError, Renderer, Tree, yaml};

/// The CI renderer.
pub struct Ci;

/// Actions, pinned by commit: (name, commit, release).
const CHECKOUT: (&str, &str, &str) = (
    "actions/checkout",
    "3d3c42e5aac5ba805825da76410c181273ba90b1",
    "v7.0.1",
);
const AWS_CREDENTIALS: (&str, &str, &str) = (
    "aws-actions/configure-aws-credentials",
    "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    "v6.2.3",
);
const ECR_LOGIN: (&str, &str, &str) = (
    "aws-actions/amazon-ecr-login",
    "03f1aad4c6c7ffd436567f42f9384779290529bd",
    "v2.1.7",
);
const TRIVY: (&str, &str, &str) = (
    "aquasecurity/trivy-action",
    "ed142fd0673e97e23eac54620cfb913e5ce36c25",
    "v0.36.0",
);
/// Docker's CLI image (Alpine), for GitLab jobs that build or reach AWS.
const DOCKER_CLI_IMAGE: &str = "docker:27.5-cli";
const SEMGREP_IMAGE: &str = "semgrep/semgrep:1.95.0";
/// SonarSource's scanner image (its release tag: image version_scanner version).
const SONAR_IMAGE: &str = "sonarsource/sonar-scanner-cli:10.0.2.1398_5.0.1";

fn uses(a: (&str, &str, &str)) -> String {
    format!("{}@{}", a.0, a.1)
}

/// What the pipeline needs to know about one environment.
struct Stage {
    env: Ident,
    region: String,
    role: String,
    approval: bool,
    ecs_cluster: Option<String>,
    ecs_services: Vec<EcsDeploy>,
    gitops: bool,
    /// The environment's public URL, when it has one.
    url: Option<String>,
}

/// How one ECS service is deployed.
struct EcsDeploy {
    service: String,
    ecs_name: String,
    /// CodeDeploy application and deployment group, for blue/green.
    codedeploy: Option<(String, String)>,
    family: String,
}

struct Image {
    service: String,
    repository: String,
    context: String,
}

fn s<'a>(r: &'a Resource, k: &str) -> &'a str {
    r.get(k).and_then(Value::as_str).unwrap_or("")
}

fn stages(plan: &Plan) -> Vec<Stage> {
    let mut out = Vec::new();
    for env in &plan.environments {
        let rs: Vec<&Resource> = plan.graph.in_env(env).collect();
        let Some(role) = rs
            .iter()
            .find(|r| r.kind == Kind::AwsIamRole && r.address.name.as_str() == "ci")
        else {
            continue;
        };
        let approval = rs.iter().any(|r| {
            (r.kind == Kind::GithubRepositoryEnvironment && r.get("reviewers").is_some())
                || r.kind == Kind::GitlabProjectProtectedEnvironment
        });
        let region = rs
            .iter()
            .find(|r| r.kind == Kind::AwsSubnet && r.address.module.region.is_none())
            .map(|r| s(r, "availability_zone"))
            .map(|z| z[..z.len() - 1].to_owned())
            .unwrap_or_else(|| "us-east-1".into());
        let cluster = rs
            .iter()
            .find(|r| r.kind == Kind::AwsEcsCluster && r.address.module.region.is_none())
            .map(|r| s(r, "name").to_owned());
        let groups: Vec<&&Resource> = rs
            .iter()
            .filter(|r| r.kind == Kind::AwsCodedeployDeploymentGroup)
            .collect();
        let app = rs
            .iter()
            .find(|r| r.kind == Kind::AwsCodedeployApp)
            .map(|r| s(r, "name").to_owned());
        let ecs_services = rs
            .iter()
            .filter(|r| r.kind == Kind::AwsEcsService && r.address.module.region.is_none())
            .map(|r| {
                let svc = r.address.name.to_string();
                let group = groups
                    .iter()
                    .find(|g| g.address.name == r.address.name)
                    .map(|g| {
                        (
                            app.clone().unwrap_or_default(),
                            s(g, "deployment_group_name").to_owned(),
                        )
                    });
                let family = rs
                    .iter()
                    .find(|t| {
                        t.kind == Kind::AwsEcsTaskDefinition && t.address.name == r.address.name
                    })
                    .map(|t| s(t, "family").to_owned())
                    .unwrap_or_default();
                EcsDeploy {
                    service: svc,
                    ecs_name: s(r, "name").to_owned(),
                    codedeploy: group,
                    family,
                }
            })
            .collect();
        let gitops = rs
            .iter()
            .any(|r| r.kind == Kind::Application && r.address.name.as_str() == "app");
        let url = rs
            .iter()
            .find(|r| {
                r.kind == Kind::AwsAcmCertificate
                    && r.address.name.as_str() == "public"
                    && r.address.module.region.is_none()
            })
            .map(|r| format!("https://{}", s(r, "domain_name")));
        out.push(Stage {
            env: env.clone(),
            region,
            role: s(role, "name").to_owned(),
            approval,
            ecs_cluster: cluster,
            ecs_services,
            gitops,
            url,
        });
    }
    out
}

fn images(plan: &Plan, env: &Ident) -> Vec<Image> {
    plan.graph
        .in_env(env)
        .filter(|r| r.kind == Kind::AwsEcrRepository && r.address.module.region.is_none())
        .map(|r| Image {
            service: r.address.name.to_string(),
            repository: s(r, "name").to_owned(),
            context: r
                .get("tags")
                .and_then(Value::as_map)
                .and_then(|t| t.get("strata:build-context"))
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_owned(),
        })
        .collect()
}

/// The unit-test job the plan decided: (command, image).
pub(crate) fn unit_tests(plan: &Plan, env: &Ident) -> Option<(String, String)> {
    plan.graph
        .in_env(env)
        .find(|r| r.kind == Kind::UnitTests)
        .map(|r| (s(r, "command").to_owned(), s(r, "image").to_owned()))
}

fn role_arn(stage: &Stage, github: bool) -> String {
    let account = if github {
        "${{ secrets.AWS_ACCOUNT_ID }}"
    } else {
        "${AWS_ACCOUNT_ID}"
    };
    format!("arn:aws:iam::{account}:role/{}", stage.role)
}

/// The shell that deploys one environment once its registry has the images.
fn deploy_script(stage: &Stage, images: &[Image], app: &str) -> String {
    let mut sh = String::from("set -euo pipefail\n");
    for EcsDeploy {
        service: svc,
        ecs_name,
        codedeploy: group,
        family,
    } in &stage.ecs_services
    {
        let Some(img) = images.iter().find(|i| &i.service == svc) else {
            continue;
        };
        let cluster = stage.ecs_cluster.clone().unwrap_or_default();
        sh.push_str(&format!(
            "image=\"$REGISTRY/{repo}:$GITHUB_SHA\"\n\
             aws ecs describe-task-definition --task-definition {family} --query taskDefinition > taskdef.json\n\
             jq --arg image \"$image\" '.containerDefinitions[0].image = $image | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)' taskdef.json > taskdef-new.json\n\
             arn=$(aws ecs register-task-definition --cli-input-json file://taskdef-new.json --query taskDefinition.taskDefinitionArn --output text)\n",
            repo = img.repository
        ));
        match group {
            Some((application, group)) => sh.push_str(&format!(
                "appspec=$(jq -cn --arg arn \"$arn\" '{{version: 0.0, Resources: [{{TargetService: {{Type: \"AWS::ECS::Service\", Properties: {{TaskDefinition: $arn, LoadBalancerInfo: {{ContainerName: \"{svc}\", ContainerPort: 0}}}}}}}}]}}')\n\
                 aws deploy create-deployment --application-name {application} --deployment-group-name {group} --revision \"$(jq -cn --arg c \"$appspec\" '{{revisionType: \"AppSpecContent\", appSpecContent: {{content: $c}}}}')\" --query deploymentId --output text > deployment-id\n\
                 aws deploy wait deployment-successful --deployment-id \"$(cat deployment-id)\"\n"
            )),
            None => sh.push_str(&format!(
                "aws ecs update-service --cluster {cluster} --service {ecs_name} --task-definition \"$arn\" > /dev/null\n\
                 aws ecs wait services-stable --cluster {cluster} --services {ecs_name}\n"
            )),
        }
    }
    if stage.gitops {
        let values = format!("deploy/charts/{app}/values-{}.yaml", stage.env);
        for img in images {
            sh.push_str(&format!(
                "yq -i '.images.{svc} = \"'\"$REGISTRY/{repo}:$GITHUB_SHA\"'\"' {values}\n",
                svc = img.service.replace('-', "_"),
                repo = img.repository
            ));
        }
        sh.push_str(&format!(
            "git config user.name \"strata-pipeline\"\ngit config user.email \"pipeline@users.noreply.github.com\"\ngit commit -am \"Deploy $GITHUB_SHA to {env}\"\ngit push\n",
            env = stage.env
        ));
    }
    sh
}

fn github(plan: &Plan, stages: &[Stage], images: &[Image], sonar: bool) -> J {
    let checkout = json!({"uses": uses(CHECKOUT), "with": {"persist-credentials": false}});
    let aws = |stage: &Stage| json!({"name": "AWS credentials (OIDC)", "uses": uses(AWS_CREDENTIALS), "with": {"role-to-assume": role_arn(stage, true), "aws-region": stage.region}});
    let ecr = json!({"name": "Log in to ECR", "id": "ecr", "uses": uses(ECR_LOGIN)});
    let mut jobs = serde_json::Map::new();
    let mut gates = vec!["sast", "dependencies", "iac"];
    if let Some((command, image)) = stages.first().and_then(|f| unit_tests(plan, &f.env)) {
        jobs.insert(
            "test".into(),
            json!({
                "name": "Unit tests", "runs-on": "ubuntu-latest", "timeout-minutes": 30,
                "container": {"image": image},
                "steps": [checkout, {"name": "Run the tests", "run": command}]
            }),
        );
        gates.insert(0, "test");
    }
    let sast_steps = vec![
        checkout.clone(),
        json!({"name": "Semgrep", "run": "semgrep scan --config auto --error --metrics off"}),
    ];
    jobs.insert(
        "sast".into(),
        json!({
            "name": "Static analysis", "runs-on": "ubuntu-latest", "timeout-minutes": 30,
            "container": {"image": SEMGREP_IMAGE}, "steps": sast_steps
        }),
    );
    if sonar {
        // The scanner runs in SonarSource's own image, which has it.
        jobs.insert(
            "sonarqube".into(),
            json!({
                "name": "SonarQube", "runs-on": "ubuntu-latest", "timeout-minutes": 30,
                "container": {"image": SONAR_IMAGE},
                "steps": [checkout.clone(), {"name": "SonarQube quality gate", "run": "sonar-scanner -Dsonar.projectKey=\"$PROJECT\" -Dsonar.qualitygate.wait=true", "env": {"SONAR_TOKEN": "${{ secrets.SONAR_TOKEN }}", "SONAR_HOST_URL": "${{ secrets.SONAR_HOST_URL }}", "PROJECT": plan.app}}]
            }),
        );
        gates.push("sonarqube");
    }
    jobs.insert("dependencies".into(), json!({
        "name": "Dependency scan", "runs-on": "ubuntu-latest", "timeout-minutes": 30,
        "steps": [checkout, {"name": "Trivy (dependencies)", "uses": uses(TRIVY), "with": {"scan-type": "fs", "scan-ref": ".", "severity": "HIGH,CRITICAL", "ignore-unfixed": true, "exit-code": "1"}}]
    }));
    jobs.insert("iac".into(), json!({
        "name": "IaC scan", "runs-on": "ubuntu-latest", "timeout-minutes": 30,
        "steps": [
            checkout,
            {"name": format!("Install strata {STRATA_VERSION}"), "run": format!("cd \"$RUNNER_TEMP\"\n{}", install_strata("$RUNNER_TEMP/bin")).replace("strata --version\n", "echo \"$RUNNER_TEMP/bin\" >> \"$GITHUB_PATH\"\n")},
            {"name": "strata check", "run": STRATA_CHECK}
        ]
    }));
    let Some(first) = stages.first() else {
        return json!({"name": "delivery", "on": {"push": {"branches": ["main"]}}, "permissions": {"contents": "read"}, "jobs": jobs});
    };
    let matrix: Vec<J> = images
        .iter()
        .map(|i| json!({"service": i.service, "repository": i.repository, "context": i.context}))
        .collect();
    if !images.is_empty() {
        jobs.insert("build".into(), json!({
            "name": "Build ${{ matrix.service }}",
            "needs": gates,
            "if": "github.event_name == 'push'",
            "runs-on": "ubuntu-latest", "timeout-minutes": 45,
            "environment": first.env.as_str(),
            "permissions": {"contents": "read", "id-token": "write"},
            "strategy": {"matrix": {"include": matrix}},
            "steps": [
                checkout, aws(first), ecr,
                {"name": "Build", "run": "docker build --pull -t \"$REGISTRY/${{ matrix.repository }}:$GITHUB_SHA\" \"${{ matrix.context }}\"", "env": {"REGISTRY": "${{ steps.ecr.outputs.registry }}"}},
                {"name": "Trivy (image)", "uses": uses(TRIVY), "with": {"image-ref": "${{ steps.ecr.outputs.registry }}/${{ matrix.repository }}:${{ github.sha }}", "severity": "HIGH,CRITICAL", "ignore-unfixed": true, "exit-code": "1"}},
                {"name": "Push", "run": "docker push \"$REGISTRY/${{ matrix.repository }}:$GITHUB_SHA\"", "env": {"REGISTRY": "${{ steps.ecr.outputs.registry }}"}}
            ]
        }));
    }
    let mut previous = if images.is_empty() {
        "iac".to_owned()
    } else {
        "build".to_owned()
    };
    for (i, stage) in stages.iter().enumerate() {
        let id = format!("deploy-{}", stage.env.as_str().replace('_', "-"));
        let mut steps =
            vec![json!({"uses": uses(CHECKOUT), "with": {"persist-credentials": stage.gitops}})];
        if i > 0 && !images.is_empty() {
            // Copy the images from the previous environment's account.
            let prev = &stages[i - 1];
            steps.push(aws(prev));
            steps.push(json!({"name": "Log in to the previous registry", "id": "source", "uses": uses(ECR_LOGIN)}));
            let pulls: String = images
                .iter()
                .map(|im| {
                    format!(
                        "docker pull \"$SOURCE/{r}:$GITHUB_SHA\"\n",
                        r = im.repository
                    )
                })
                .collect();
            steps.push(json!({"name": format!("Pull from {}", prev.env), "run": pulls, "env": {"SOURCE": "${{ steps.source.outputs.registry }}"}}));
        }
        steps.push(aws(stage));
        steps.push(json!({"name": "Log in to ECR", "id": "ecr", "uses": uses(ECR_LOGIN)}));
        if i > 0 && !images.is_empty() {
            let pushes: String = images
                .iter()
                .map(|im| format!("docker tag \"$SOURCE/{r}:$GITHUB_SHA\" \"$REGISTRY/{r}:$GITHUB_SHA\"\ndocker push \"$REGISTRY/{r}:$GITHUB_SHA\"\n", r = im.repository))
                .collect();
            steps.push(json!({"name": format!("Promote to {}", stage.env), "run": pushes, "env": {"SOURCE": "${{ steps.source.outputs.registry }}", "REGISTRY": "${{ steps.ecr.outputs.registry }}"}}));
        }
        steps.push(json!({"name": format!("Deploy to {}", stage.env), "run": deploy_script(stage, images, &plan.app), "env": {"REGISTRY": "${{ steps.ecr.outputs.registry }}"}}));
        let env_block = match &stage.url {
            Some(url) => json!({"name": stage.env.as_str(), "url": url}),
            None => json!(stage.env.as_str()),
        };
        jobs.insert(id.clone(), json!({
            "name": format!("Deploy {}", stage.env),
            "needs": [previous],
            "if": "github.event_name == 'push'",
            "runs-on": "ubuntu-latest", "timeout-minutes": 60,
            "environment": env_block,
            "concurrency": {"group": format!("deploy-{}", stage.env), "cancel-in-progress": false},
            "permissions": {"contents": if stage.gitops { "write" } else { "read" }, "id-token": "write"},
            "steps": steps
        }));
        previous = id;
    }
    json!({
        "name": "delivery",
        "on": {"push": {"branches": ["main"]}, "pull_request": {"branches": ["main"]}},
        "permissions": {"contents": "read"},
        "concurrency": {"group": "delivery-${{ github.ref }}", "cancel-in-progress": false},
        "jobs": jobs
    })
}

fn gitlab(plan: &Plan, stages: &[Stage], images: &[Image]) -> J {
    let mut doc = serde_json::Map::new();
    let mut stage_names = vec!["test".to_owned(), "scan".to_owned(), "build".to_owned()];
    stage_names.extend(stages.iter().map(|s| format!("deploy-{}", s.env)));
    doc.insert("stages".into(), json!(stage_names));
    doc.insert("default".into(), json!({"interruptible": true}));
    // Jobs that reach AWS run in Docker's CLI image (Alpine), with the AWS
    // CLI, jq, yq and git from the Alpine release the image pins.
    doc.insert(".aws-oidc".into(), json!({
        "image": DOCKER_CLI_IMAGE,
        "id_tokens": {"AWS_ID_TOKEN": {"aud": "https://gitlab.com"}},
        "before_script": [
            "apk add --no-cache aws-cli jq yq-go git > /dev/null",
            "creds=$(aws sts assume-role-with-web-identity --role-arn \"$ROLE_ARN\" --role-session-name \"gitlab-$CI_PIPELINE_ID\" --web-identity-token \"$AWS_ID_TOKEN\" --duration-seconds 3600 --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)",
            "export AWS_ACCESS_KEY_ID=$(echo \"$creds\" | cut -f1) AWS_SECRET_ACCESS_KEY=$(echo \"$creds\" | cut -f2) AWS_SESSION_TOKEN=$(echo \"$creds\" | cut -f3)"
        ]
    }));
    if let Some((command, image)) = stages.first().and_then(|f| unit_tests(plan, &f.env)) {
        doc.insert(
            "unit-tests".into(),
            json!({"stage": "test", "image": image, "script": [command]}),
        );
    }
    doc.insert("sast".into(), json!({"stage": "scan", "image": SEMGREP_IMAGE, "script": ["semgrep scan --config auto --error --metrics off"]}));
    doc.insert("dependencies".into(), json!({"stage": "scan", "image": {"name": format!("aquasec/trivy:{TRIVY_VERSION}"), "entrypoint": [""]}, "script": ["trivy fs --exit-code 1 --severity HIGH,CRITICAL --ignore-unfixed ."]}));
    doc.insert("iac".into(), json!({"stage": "scan", "image": "debian:bookworm-slim", "script": [
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates curl > /dev/null",
        install_strata("/usr/local/bin"),
        STRATA_CHECK
    ]}));
    let only_main = json!([{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]);
    if let Some(first) = stages.first() {
        // The Docker daemon is the job's dind service, reached over the
        // job's private network without TLS (no certificate volume needed).
        for im in images {
            doc.insert(format!("build-{}", im.service), json!({
                "stage": "build", "extends": ".aws-oidc", "rules": only_main,
                "services": ["docker:27.5-dind"],
                "variables": {"ROLE_ARN": role_arn(first, false), "AWS_REGION": first.region, "DOCKER_HOST": "tcp://docker:2375", "DOCKER_TLS_CERTDIR": ""},
                "script": [
                    "registry=\"$AWS_ACCOUNT_ID.dkr.ecr.$AWS_REGION.amazonaws.com\"",
                    "aws ecr get-login-password | docker login --username AWS --password-stdin \"$registry\"",
                    format!("docker build --pull -t \"$registry/{}:$CI_COMMIT_SHA\" \"{}\"", im.repository, im.context),
                    format!("docker push \"$registry/{}:$CI_COMMIT_SHA\"", im.repository)
                ]
            }));
        }
    }
    for stage in stages {
        let mut job = json!({
            "stage": format!("deploy-{}", stage.env),
            "extends": ".aws-oidc",
            "rules": only_main,
            "resource_group": format!("deploy-{}", stage.env),
            "environment": {"name": stage.env.as_str()},
            "variables": {"ROLE_ARN": role_arn(stage, false), "AWS_REGION": stage.region},
            "script": deploy_script(stage, images, &plan.app).replace("$GITHUB_SHA", "$CI_COMMIT_SHA").lines().filter(|l| !l.is_empty()).map(|l| J::String(l.to_owned())).collect::<Vec<_>>()
        });
        if stage.approval {
            job["rules"] =
                json!([{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "when": "manual"}]);
            job["allow_failure"] = json!(false);
        }
        doc.insert(format!("deploy-{}", stage.env), job);
    }
    J::Object(doc)
}

impl Renderer for Ci {
    fn name(&self) -> &'static str {
        "ci"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let stages = stages(plan);
        let Some(first) = stages.first() else {
            return Ok(());
        };
        let imgs = images(plan, &first.env);
        let is_github = plan
            .graph
            .iter()
            .any(|r| r.kind == Kind::GithubRepositoryEnvironment);
        let is_gitlab = plan
            .graph
            .iter()
            .any(|r| r.kind == Kind::GitlabProjectEnvironment);
        let sonar = plan.graph.iter().any(|r| r.kind == Kind::SonarqubeProject);
        if is_github {
            let path = ".github/workflows/delivery.yml".to_owned();
            out.insert(
                path.clone(),
                yaml("ci", &path, &github(plan, &stages, &imgs, sonar))?,
            );
        }
        if is_gitlab {
            let path = ".gitlab-ci.yml".to_owned();
            out.insert(
                path.clone(),
                yaml("ci", &path, &gitlab(plan, &stages, &imgs))?,
            );
        }
        Ok(())
    }
}
