//! Pass 8b, after security: who may reach the clusters. EKS clusters
//! authenticate through the EKS API only (`authentication_mode = "API"`, no
//! `aws-auth` ConfigMap), so nobody reaches one unless an access entry names
//! them. Each duty role gets an access entry on every EKS cluster the
//! environment runs on, in every region (the roles are global, planned once
//! in the primary region), and one AWS-managed access policy for its duty:
//!
//! | duty        | own cluster                    | a shared cluster of another environment |
//! |-------------|--------------------------------|------------------------------------------|
//! | admin       | ClusterAdmin, cluster          | Admin, the environment's namespace       |
//! | break-glass | ClusterAdmin, cluster          | Admin, the environment's namespace       |
//! | deployer    | Edit, the app's namespace      | Edit, the app's namespace                |
//! | developer   | View, the app's namespace      | View, the app's namespace                |
//! | auditor     | View, cluster                  | View, the environment's namespace        |
//!
//! Developers get View in every environment, production or not: their IAM
//! duty is read-only everywhere, and changes reach the cluster through git
//! and Argo CD, which an Edit grant would let them bypass. The management
//! cluster has no application namespace, so deployers and developers get no
//! entry there. The CI role gets none either: the rendered pipelines push
//! images and commit, and Argo CD, inside the cluster, applies.
//!
//! ROSA clusters do not authenticate IAM roles: people sign in through the
//! cluster's identity provider, which puts them in groups. Each duty is the
//! group `<app>-<env>-<duty>`, bound with OpenShift's built-in cluster roles
//! (RBAC objects under `kubernetes/<env>/`, synced like the rest):
//!
//! | duty                 | own cluster                         | a shared cluster            |
//! |----------------------|-------------------------------------|-----------------------------|
//! | admin, break-glass   | `admin`, the app's namespace        | `admin`, the app's namespace |
//! | deployer             | `edit`, the app's namespace         | the same                    |
//! | developer            | `view`, the app's namespace         | the same                    |
//! | auditor              | `cluster-reader`, cluster-wide      | `view`, the app's namespace |
//!
//! Nobody is bound to `cluster-admin` (STRATA-K8S-039): administering a ROSA
//! cluster itself is Red Hat's managed `dedicated-admins` / break-glass
//! credential flow, outside the application's objects.

use strata_model::{Address, Kind, Layer, Module, ModuleKind, Value};
use strata_spec::DutyRole;
use strata_spec::resolve::Region;

use crate::builder::{Cx, list, map, r};

const POLICY_PREFIX: &str = "arn:aws:eks::aws:cluster-access-policy/";

/// What a duty may do on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// `policy` over the whole cluster.
    Cluster(&'static str),
    /// `policy` in the environment's namespace.
    Namespace(&'static str),
    /// No entry.
    None,
}

/// The least privilege for `duty` on a cluster the environment owns
/// (`owner`), given whether it has an application namespace.
fn grant(duty: DutyRole, owner: bool, has_namespace: bool) -> Grant {
    let g = match (duty, owner) {
        (DutyRole::Admin | DutyRole::BreakGlass, true) => {
            Grant::Cluster("AmazonEKSClusterAdminPolicy")
        }
        (DutyRole::Admin | DutyRole::BreakGlass, false) => Grant::Namespace("AmazonEKSAdminPolicy"),
        (DutyRole::Auditor, true) => Grant::Cluster("AmazonEKSViewPolicy"),
        (DutyRole::Auditor, false) => Grant::Namespace("AmazonEKSViewPolicy"),
        (DutyRole::Deployer, _) => Grant::Namespace("AmazonEKSEditPolicy"),
        (DutyRole::Developer, _) => Grant::Namespace("AmazonEKSViewPolicy"),
    };
    match g {
        Grant::Namespace(_) if !has_namespace => Grant::None,
        g => g,
    }
}

/// Plans who reaches `cluster`, whose application namespace is
/// `namespace`: access entries and access policy associations of the duty
/// roles on an EKS cluster, group bindings on a ROSA cluster.
pub fn plan(cx: &mut Cx, region: &Region, cluster: Option<&Address>, namespace: Option<&str>) {
    match cluster {
        Some(c) if c.kind == Kind::AwsEksCluster => eks(cx, region, c, namespace),
        Some(c) if c.kind == Kind::RhcsClusterRosaHcp => openshift(cx, region, c, namespace),
        _ => {}
    }
}

/// The OpenShift cluster role a duty's group is bound to, and whether
/// cluster-wide.
fn openshift_grant(duty: DutyRole, owner: bool) -> (&'static str, bool) {
    match (duty, owner) {
        (DutyRole::Admin | DutyRole::BreakGlass, _) => ("admin", false),
        (DutyRole::Deployer, _) => ("edit", false),
        (DutyRole::Developer, _) | (DutyRole::Auditor, false) => ("view", false),
        (DutyRole::Auditor, true) => ("cluster-reader", true),
    }
}

fn openshift(cx: &mut Cx, region: &Region, cluster: &Address, namespace: Option<&str>) {
    let Some(namespace) = namespace else {
        return;
    };
    let m = cx.module(ModuleKind::Security, region);
    let owner = cluster.env == cx.env_id;
    let src = ["security", "roles"];
    let rbac = "rbac.authorization.k8s.io";
    for duty in cx.spec.security.roles.clone() {
        let (role, cluster_wide) = openshift_grant(duty, owner);
        let group = format!("{}-{}-{}", cx.spec.app, cx.env.name, duty.as_str());
        let (kind, ns) = if cluster_wide {
            (Kind::ClusterRoleBinding, "")
        } else {
            (Kind::RoleBinding, namespace)
        };
        let name = format!(
            "{}_{}",
            duty.as_str().replace('-', "_"),
            role.replace('-', "_")
        );
        let binding =
            crate::workloads::k8s(cx, &m, kind, &name, Layer::Security, &src, ns, Value::Null)
                .with("name", group.clone())
                .with(
                    "subjects",
                    list([map([
                        ("kind", "Group".into()),
                        ("apiGroup", rbac.into()),
                        ("name", group.into()),
                    ])]),
                )
                .with(
                    "roleRef",
                    map([
                        ("apiGroup", rbac.into()),
                        ("kind", "ClusterRole".into()),
                        ("name", role.into()),
                    ]),
                )
                .after(cluster);
        cx.put(binding);
    }
}

fn eks(cx: &mut Cx, region: &Region, cluster: &Address, namespace: Option<&str>) {
    let m = cx.module(ModuleKind::Security, region);
    // The duty roles are global and planned in the primary region's module.
    let roles = Module {
        kind: ModuleKind::Security,
        region: None,
    };
    let owner = cluster.env == cx.env_id;
    let src = ["security", "roles"];
    for duty in cx.spec.security.roles.clone() {
        let (scope, policy) = match grant(duty, owner, namespace.is_some()) {
            Grant::Cluster(p) => (map([("type", "cluster".into())]), p),
            Grant::Namespace(p) => (
                map([
                    ("type", "namespace".into()),
                    ("namespaces", list([namespace.unwrap_or_default().into()])),
                ]),
                p,
            ),
            Grant::None => continue,
        };
        let id = duty.as_str().replace('-', "_");
        let role = cx.addr(&roles, Kind::AwsIamRole, &format!("duty_{id}"));
        let name = format!("eks_{}_{id}", cluster.name.as_str());
        let entry = cx.put(
            cx.res(&m, Kind::AwsEksAccessEntry, &name, Layer::Security, &src)
                .with("cluster_name", r(cluster, "name"))
                .with("principal_arn", r(&role, "arn"))
                .with("type", "STANDARD"),
        );
        cx.put(
            cx.res(
                &m,
                Kind::AwsEksAccessPolicyAssociation,
                &name,
                Layer::Security,
                &src,
            )
            .with("cluster_name", r(&entry, "cluster_name"))
            .with("principal_arn", r(&entry, "principal_arn"))
            .with(
                "policy_arn",
                Value::from(format!("{POLICY_PREFIX}{policy}")),
            )
            .with("access_scope", scope),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_break_glass_administer_and_only_their_own_cluster() {
        for duty in DutyRole::ALL {
            let own = grant(duty, true, true);
            let shared = grant(duty, false, true);
            let admin = matches!(duty, DutyRole::Admin | DutyRole::BreakGlass);
            assert_eq!(
                own == Grant::Cluster("AmazonEKSClusterAdminPolicy"),
                admin,
                "{duty:?}"
            );
            assert!(
                matches!(shared, Grant::Namespace(_)),
                "{duty:?} on another environment's cluster: {shared:?}"
            );
        }
        assert_eq!(
            grant(DutyRole::Auditor, true, true),
            Grant::Cluster("AmazonEKSViewPolicy")
        );
        assert_eq!(
            grant(DutyRole::Deployer, true, true),
            Grant::Namespace("AmazonEKSEditPolicy")
        );
        assert_eq!(
            grant(DutyRole::Developer, true, true),
            Grant::Namespace("AmazonEKSViewPolicy")
        );
    }

    #[test]
    fn without_an_application_namespace_only_cluster_duties_get_entries() {
        assert_eq!(grant(DutyRole::Deployer, true, false), Grant::None);
        assert_eq!(grant(DutyRole::Developer, true, false), Grant::None);
        assert_eq!(
            grant(DutyRole::Auditor, true, false),
            Grant::Cluster("AmazonEKSViewPolicy")
        );
    }
}
