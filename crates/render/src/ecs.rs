//! ECS deployment artifacts, for the CodePipeline the delivery layer plans:
//! a task definition template and (for blue/green) an AppSpec per service and
//! environment under `deploy/ecs/<env>/`, and the CodeBuild buildspecs the
//! pipeline's projects name (`buildspec.yml`, `buildspec-test.yml`,
//! `buildspec-scan.yml`). The build fills in the image and the account.

use serde_json::{Value as J, json};
use strata_model::{Kind, Plan, Resource, Value};

use crate::kubernetes::placeholder;
use crate::{RenderError, Renderer, Tree, tools, yaml};

/// The ECS artifacts renderer.
pub struct Ecs;

/// The image placeholder the build replaces in task definitions.
pub const IMAGE: &str = "<IMAGE>";

fn resolve(plan: &Plan, v: &Value) -> J {
    crate::value_json(v, &|r| {
        let target = plan.graph.get(&r.address);
        let by = |k: &str| {
            target
                .and_then(|t| t.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let v = match (r.address.kind, r.attribute.as_str()) {
            // ECS takes a secret's name in place of its ARN, same region.
            (Kind::AwsSecretsmanagerSecret | Kind::AwsSsmParameter, "arn") => by("name"),
            (Kind::AwsIamRole, "arn") => {
                by("name").map(|n| format!("arn:aws:iam::${{account_id}}:role/{n}"))
            }
            (Kind::AwsCloudwatchLogGroup, "name") => by("name"),
            (Kind::AwsEcrRepository, "repository_url") => Some(IMAGE.to_owned()),
            _ => None,
        };
        J::String(v.unwrap_or_else(|| placeholder(&r.address, &r.attribute)))
    })
}

fn task_definition(plan: &Plan, td: &Resource) -> J {
    let get = |k: &str| td.get(k).map(|v| resolve(plan, v)).unwrap_or(J::Null);
    let mut containers = get("container_definitions");
    if let Some(list) = containers.as_array_mut() {
        for c in list {
            // Images from Strata's registries are filled in by the build.
            if c["image"]
                .as_str()
                .is_some_and(|i| i == IMAGE || i.ends_with(":latest"))
            {
                c["image"] = J::String(IMAGE.to_owned());
            }
        }
    }
    let platform = td.get("runtime_platform").and_then(Value::as_map);
    json!({
        "family": get("family"),
        "taskRoleArn": get("task_role_arn"),
        "executionRoleArn": get("execution_role_arn"),
        "networkMode": get("network_mode"),
        "requiresCompatibilities": get("requires_compatibilities"),
        "cpu": get("cpu"),
        "memory": get("memory"),
        "runtimePlatform": {
            "operatingSystemFamily": platform.and_then(|p| p.get("operating_system_family")).and_then(Value::as_str).unwrap_or("LINUX"),
            "cpuArchitecture": platform.and_then(|p| p.get("cpu_architecture")).and_then(Value::as_str).unwrap_or("X86_64"),
        },
        "containerDefinitions": containers,
    })
}

impl Renderer for Ecs {
    fn name(&self) -> &'static str {
        "ecs"
    }

    fn render(&self, plan: &Plan, out: &mut Tree) -> Result<(), RenderError> {
        let mut any = false;
        for env in &plan.environments {
            for td in plan.graph.in_env(env).filter(|r| {
                r.kind == Kind::AwsEcsTaskDefinition && r.address.module.region.is_none()
            }) {
                any = true;
                let svc = td.address.name.as_str().replace('_', "-");
                let path = format!("deploy/ecs/{env}/taskdef-{svc}.json");
                let text =
                    serde_json::to_string_pretty(&task_definition(plan, td)).map_err(|e| {
                        RenderError::Serialize {
                            renderer: "ecs",
                            path: path.clone(),
                            message: e.to_string(),
                        }
                    })?;
                out.insert(path, format!("{text}\n"));
                let blue_green = plan.graph.in_env(env).any(|g| {
                    g.kind == Kind::AwsCodedeployDeploymentGroup
                        && g.address.name == td.address.name
                });
                if blue_green {
                    let port = td
                        .get("container_definitions")
                        .and_then(Value::as_list)
                        .and_then(|l| l.first())
                        .and_then(Value::as_map)
                        .and_then(|c| c.get("portMappings"))
                        .and_then(Value::as_list)
                        .and_then(|p| p.first())
                        .and_then(Value::as_map)
                        .and_then(|p| p.get("containerPort"))
                        .and_then(Value::as_int)
                        .unwrap_or(8080);
                    let appspec = json!({
                        "version": 0.0,
                        "Resources": [{"TargetService": {
                            "Type": "AWS::ECS::Service",
                            "Properties": {
                                "TaskDefinition": "<TASK_DEFINITION>",
                                "LoadBalancerInfo": {"ContainerName": td.address.name.as_str(), "ContainerPort": port}
                            }
                        }}]
                    });
                    let path = format!("deploy/ecs/{env}/appspec-{svc}.yaml");
                    out.insert(path.clone(), yaml("ecs", &path, &appspec)?);
                }
            }
        }
        if !any
            || !plan
                .graph
                .iter()
                .any(|r| r.kind == Kind::AwsCodebuildProject)
        {
            return Ok(());
        }
        let first = plan
            .environments
            .first()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let repos: Vec<(String, String, String)> = plan
            .graph
            .iter()
            .filter(|r| {
                r.kind == Kind::AwsEcrRepository
                    && r.address.env.as_str() == first
                    && r.address.module.region.is_none()
            })
            .map(|r| {
                let name = r
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let ctx = r
                    .get("tags")
                    .and_then(Value::as_map)
                    .and_then(|t| t.get("strata:build-context"))
                    .and_then(Value::as_str)
                    .unwrap_or(".")
                    .to_owned();
                (r.address.name.as_str().replace('_', "-"), name, ctx)
            })
            .collect();
        let mut build = vec![
            "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)".to_owned(),
            "REGISTRY=$ACCOUNT_ID.dkr.ecr.$AWS_REGION.amazonaws.com".to_owned(),
            "aws ecr get-login-password | docker login --username AWS --password-stdin $REGISTRY"
                .to_owned(),
            "ENV=${STRATA_ENV:?set STRATA_ENV on the CodeBuild project}".to_owned(),
            "TAG=$CODEBUILD_RESOLVED_SOURCE_VERSION".to_owned(),
        ];
        for (svc, repo, ctx) in &repos {
            build.push(format!(
                "docker build --pull -t $REGISTRY/{repo}:$TAG {ctx}"
            ));
            build.push(format!("docker push $REGISTRY/{repo}:$TAG"));
            build.push(format!(
                "sed -e \"s|{IMAGE}|$REGISTRY/{repo}:$TAG|g\" -e \"s|\\${{account_id}}|$ACCOUNT_ID|g\" deploy/ecs/$ENV/taskdef-{svc}.json > taskdef-{svc}.json"
            ));
            build.push(format!("if [ -f deploy/ecs/$ENV/appspec-{svc}.yaml ]; then cp deploy/ecs/$ENV/appspec-{svc}.yaml appspec-{svc}.yaml; fi"));
            build.push(format!(
                "printf '[{{\"name\":\"%s\",\"imageUri\":\"%s\"}}]' {name} $REGISTRY/{repo}:$TAG > imagedefinitions-{svc}.json",
                name = svc.replace('-', "_")
            ));
        }
        let buildspec = json!({
            "version": 0.2,
            "phases": {"build": {"commands": build}},
            "artifacts": {"files": ["taskdef-*.json", "appspec-*.yaml", "imagedefinitions-*.json"]}
        });
        out.insert(
            "buildspec.yml".into(),
            yaml("ecs", "buildspec.yml", &buildspec)?,
        );
        // The test project runs in the test image the plan chose.
        if let Some((command, _)) = plan
            .environments
            .first()
            .and_then(|env| crate::ci::unit_tests(plan, env))
        {
            let test = json!({"version": 0.2, "phases": {"build": {"commands": [command]}}});
            out.insert(
                "buildspec-test.yml".into(),
                yaml("ecs", "buildspec-test.yml", &test)?,
            );
        }
        let scan = json!({"version": 0.2, "phases": {
            "install": {"commands": [
                format!("pip install --quiet semgrep=={}", tools::SEMGREP_VERSION),
                tools::install_trivy(),
                tools::install_strata("/usr/local/bin")
            ]},
            "build": {"commands": [
                "semgrep scan --config auto --error --metrics off",
                "trivy fs --exit-code 1 --severity HIGH,CRITICAL --ignore-unfixed .",
                tools::STRATA_CHECK
            ]}
        }});
        out.insert(
            "buildspec-scan.yml".into(),
            yaml("ecs", "buildspec-scan.yml", &scan)?,
        );
        Ok(())
    }
}
