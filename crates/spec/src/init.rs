//! The starter spec `strata init` writes.

/// A commented starter spec for `app`, with the schema line editors use.
pub fn starter(app: &str, schema_url: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema={schema_url}
# Strata spec: one short description of the application; Strata plans all six
# layers of its stack from it. Every setting left out has a secure default:
# `strata plan` shows what they come to, `strata schema` lists every field.

app: {app}
owner: platform-team
region: eu-west-1            # primary region; add `additional_regions` for more
runtime: ecs-fargate         # eks | ecs-fargate | openshift

environments:                # in promotion order
  dev: {{}}
  staging: {{}}
  prod: {{}}                   # production: deletion protection and approvals

services:
  web:
    build: ./web             # or `image: registry/name:tag`
    port: 8080
    expose: public           # public | internal | none
    depends_on: [db]
    deploy:
      strategy: blue-green   # rolling | blue-green | canary

data:
  db:
    engine: aurora-postgresql

edge:
  domain: {app}.example.com

security:
  frameworks: [cis-aws]      # cis-aws | pci-dss-4.0 | hipaa | soc2 | cis-k8s
"#
    )
}
