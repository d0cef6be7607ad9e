//! References across module boundaries, on small trees written to disk.

use std::path::Path;

use strata_model::{Resource, Value};

use crate::{Inventory, scan_paths};

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

fn find<'a>(inv: &'a Inventory, label: &str) -> &'a Resource {
    let a = inv
        .origins
        .iter()
        .find(|(_, o)| o.label == label)
        .map(|(a, _)| a)
        .unwrap_or_else(|| {
            panic!(
                "no {label} in {:?}",
                inv.origins.values().map(|o| &o.label).collect::<Vec<_>>()
            )
        });
    inv.graph.get(a).expect("in the graph")
}

fn label_of(inv: &Inventory, v: &Value) -> String {
    match v {
        Value::Ref(r) => format!("{}.{}", inv.origins[&r.address].label, r.attribute),
        other => format!("{other:?}"),
    }
}

const NETWORK: &str = r#"
resource "aws_security_group" "alb" {
  name = "alb"
}
output "alb_sg" {
  value = aws_security_group.alb.id
}
output "settings" {
  value = { port = 443, name = "edge" }
}
"#;

const WORKLOADS: &str = r#"
variable "sg" {}
variable "port" {}
variable "gate" {
  default = false
}
resource "aws_lb" "public" {
  security_groups = [var.sg]
  internal        = false
}
resource "aws_lb_listener" "https" {
  count             = var.port == 443 ? 1 : 0
  load_balancer_arn = aws_lb.public.arn
  port              = var.port
}
output "lb_arn" {
  value = aws_lb.public.arn
}
"#;

const EDGE: &str = r#"
variable "lb" {}
resource "aws_wafv2_web_acl_association" "public" {
  resource_arn = var.lb
  web_acl_arn  = "arn:aws:wafv2:acl"
}
"#;

#[test]
fn references_follow_module_outputs_into_other_modules_inputs() {
    // The root calls `edge` before `workloads` before `network` in the file:
    // the reader orders them by what their inputs read, as Terraform does.
    let root = r#"
module "edge" {
  source = "../modules/edge"
  lb     = module.workloads.lb_arn
}
module "workloads" {
  source = "../modules/workloads"
  sg     = module.network.alb_sg
  port   = module.network.settings.port
}
module "network" {
  source = "../modules/network"
}
"#;
    let dir = tree(&[
        ("prod/main.tf", root),
        ("dev/main.tf", root),
        ("modules/network/main.tf", NETWORK),
        ("modules/workloads/main.tf", WORKLOADS),
        ("modules/edge/main.tf", EDGE),
    ]);
    let inv = scan_paths(&[dir.path()]);
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    let lb = find(&inv, "module.workloads.aws_lb.public");
    let sgs = lb
        .get("security_groups")
        .and_then(Value::as_list)
        .expect("list");
    assert_eq!(
        label_of(&inv, &sgs[0]),
        "module.network.aws_security_group.alb.id"
    );
    // A literal output is a literal on the other side: it decides `count`.
    let listener = find(&inv, "module.workloads.aws_lb_listener.https[0]");
    assert_eq!(listener.get("port"), Some(&Value::Int(443)));
    let assoc = find(&inv, "module.edge.aws_wafv2_web_acl_association.public");
    assert_eq!(
        label_of(&inv, assoc.get("resource_arn").expect("set")),
        "module.workloads.aws_lb.public.arn"
    );
    // Each root's modules are their own instances: dev's edge refers to
    // dev's load balancer, not prod's.
    let refs: std::collections::BTreeSet<String> = inv
        .graph
        .iter()
        .filter(|r| r.kind == strata_model::Kind::AwsWafv2WebAclAssociation)
        .filter_map(|r| match r.get("resource_arn") {
            Some(Value::Ref(x)) => Some(x.address.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(refs.len(), 2, "{refs:?}");
}

#[test]
fn outputs_of_modules_not_read_stay_unknown_by_name() {
    let root = r#"
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
module "app" {
  source = "./app"
  subnet = module.vpc.private_subnets[0]
  name   = "${module.vpc.name}-app"
}
"#;
    let app = r#"
variable "subnet" {}
variable "name" {}
resource "aws_instance" "web" {
  subnet_id = var.subnet
  tags      = { Name = var.name }
}
"#;
    let dir = tree(&[("main.tf", root), ("app/main.tf", app)]);
    let inv = scan_paths(&[Path::new(dir.path())]);
    let web = find(&inv, "module.app.aws_instance.web");
    assert_eq!(
        web.get("subnet_id"),
        Some(&Value::Unknown("module.vpc.private_subnets[\"0\"]".into()))
    );
    let Some(Value::Map(tags)) = web.get("tags") else {
        panic!("tags: {:?}", web.get("tags"));
    };
    assert!(
        matches!(&tags["Name"], Value::Unknown(t) if !t.contains('\u{1}')),
        "{tags:?}"
    );
}

#[test]
fn an_output_of_a_gated_resource_through_try_stays_a_reference() {
    // Strata's rendered modules gate resources with `count` and export them
    // as `try(<resource>[0].<attr>, null)`.
    let root = r#"
module "workloads" {
  source = "../modules/workloads"
}
module "security" {
  source  = "../modules/security"
  cluster = module.workloads.cluster_name
}
"#;
    let workloads = r#"
resource "aws_eks_cluster" "main" {
  count = 1
  name  = "main"
}
output "cluster_name" {
  value = try(aws_eks_cluster.main[0].name, null)
}
"#;
    let security = r#"
variable "cluster" {}
resource "aws_eks_access_entry" "admin" {
  cluster_name  = var.cluster
  principal_arn = "arn:aws:iam::111122223333:role/admin"
}
"#;
    let dir = tree(&[
        ("prod/main.tf", root),
        ("modules/workloads/main.tf", workloads),
        ("modules/security/main.tf", security),
    ]);
    let inv = scan_paths(&[dir.path()]);
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    let entry = find(&inv, "module.security.aws_eks_access_entry.admin");
    assert_eq!(
        label_of(&inv, entry.get("cluster_name").expect("set")),
        "module.workloads.aws_eks_cluster.main[0].name"
    );
}
