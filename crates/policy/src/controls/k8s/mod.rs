//! Controls on Kubernetes objects: the CIS Kubernetes Benchmark's policy
//! section and the restricted Pod Security Standard.

mod objects;
mod pods;
mod rbac;

use strata_model::{Kind, Kind::*, Resource, Value};

use crate::lookup::{self, Got};
use crate::{Control, Outcome};

/// Every Kubernetes control.
pub(crate) static ALL: &[&Control] = &[
    &pods::PRIVILEGED,
    &pods::HOST_PID,
    &pods::HOST_IPC,
    &pods::HOST_NETWORK,
    &pods::NO_PRIVILEGE_ESCALATION,
    &pods::RUN_AS_NON_ROOT,
    &pods::NOT_UID_0,
    &pods::DROP_ALL,
    &pods::NO_ADDED_CAPABILITIES,
    &pods::NO_DANGEROUS_CAPABILITIES,
    &pods::NO_HOST_PATH,
    &pods::NO_HOST_PORT,
    &pods::SECCOMP,
    &pods::READ_ONLY_ROOT,
    &pods::MEMORY_LIMIT,
    &pods::REQUESTS,
    &pods::LIVENESS,
    &pods::READINESS,
    &pods::IMAGE_TAG,
    &pods::IMAGE_DIGEST,
    &pods::SECRETS_AS_FILES,
    &pods::NO_LITERAL_SECRETS,
    &pods::AUTOMOUNT_TOKEN,
    &pods::NOT_DEFAULT_SERVICE_ACCOUNT,
    &pods::UNSAFE_SYSCTLS,
    &pods::SELINUX,
    &pods::HOST_PROCESS,
    &pods::PROC_MOUNT,
    &pods::APPARMOR,
    &objects::NOT_DEFAULT_NAMESPACE,
    &objects::NAMESPACE_NETWORK_POLICY,
    &objects::NAMESPACE_PSS,
    &objects::NO_NODE_PORT,
    &objects::INGRESS_TLS,
    &objects::REPLICAS,
    &objects::NO_SECRET_MANIFESTS,
    &objects::SA_AUTOMOUNT,
    &objects::ARGO_PROJECT,
    &rbac::CLUSTER_ADMIN,
    &rbac::WILDCARDS,
    &rbac::SECRETS_ACCESS,
    &rbac::ESCALATION_VERBS,
    &rbac::POD_EXEC,
];

/// Kinds that carry a pod template.
pub(crate) const WORKLOADS: &[Kind] = &[
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Rollout,
];

/// The pod spec of a workload and its path.
pub(crate) fn pod_spec(r: &Resource) -> Option<(&Value, &'static str)> {
    let path = match r.kind {
        Pod => "spec",
        CronJob => "spec.jobTemplate.spec.template.spec",
        _ => "spec.template.spec",
    };
    match lookup::get(r, path) {
        Got::Value(v) if v.as_map().is_some() => Some((v, path)),
        _ => None,
    }
}

/// Every container of a pod spec (init, regular, ephemeral) with its path.
pub(crate) fn containers<'a>(pod: &'a Value, base: &str) -> Vec<(&'a Value, String)> {
    let mut out = Vec::new();
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(Value::List(l)) = pod.as_map().and_then(|m| m.get(key)) {
            for (i, c) in l.iter().enumerate() {
                out.push((c, format!("{base}.{key}.{i}")));
            }
        }
    }
    out
}

/// The container's name, for messages.
pub(crate) fn cname(c: &Value) -> String {
    lookup::get_in(c, "name")
        .value()
        .and_then(lookup::as_text)
        .unwrap_or_else(|| "?".into())
}

/// Runs `f` on every container; the first failure wins. `f` returns the
/// sub-path and message of a failure.
pub(crate) fn each_container(
    r: &Resource,
    f: impl Fn(&Value, &Value) -> Option<(String, String)>,
) -> Outcome {
    let Some((pod, base)) = pod_spec(r) else {
        return Outcome::Skip;
    };
    for (c, path) in containers(pod, base) {
        if let Some((sub, msg)) = f(pod, c) {
            let at = if sub.is_empty() {
                path.clone()
            } else {
                format!("{path}.{sub}")
            };
            return Outcome::fail(&at, format!("container `{}`: {msg}", cname(c)));
        }
    }
    Outcome::Pass
}

/// A security-context setting: the container's, else the pod's.
pub(crate) fn effective<'a>(pod: &'a Value, c: &'a Value, key: &str) -> Option<&'a Value> {
    lookup::get_in(c, &format!("securityContext.{key}"))
        .value()
        .or_else(|| lookup::get_in(pod, &format!("securityContext.{key}")).value())
}

pub(crate) fn flag(v: Option<&Value>) -> Option<bool> {
    v.and_then(lookup::as_bool)
}
