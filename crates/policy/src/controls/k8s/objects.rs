//! Namespaces, services, ingresses, secrets, service accounts, Argo CD.

use strata_model::{Kind, Kind::*};

use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

const NAMESPACED: &[Kind] = &[
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Rollout,
    Service,
    ConfigMap,
    Secret,
    Ingress,
    ServiceAccount,
    Role,
    RoleBinding,
    NetworkPolicy,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
];

pub(crate) static NOT_DEFAULT_NAMESPACE: Control = Control {
    id: "STRATA-K8S-030",
    title: "Objects live in their own namespace, not `default`",
    severity: Low,
    kinds: NAMESPACED,
    rationale: "Namespaces are the boundary for RBAC, quotas, network and pod security policy; `default` has none of them set up.",
    remediation: "Set metadata.namespace to the application's namespace.",
    check: Check::Custom(|_, r| match lookup::get(r, "namespace") {
        Got::Value(v) => match lookup::as_text(v) {
            Some(ns) if !ns.is_empty() && ns != "default" => Outcome::Pass,
            _ => Outcome::fail("metadata", "the object is in the default namespace"),
        },
        Got::Unknown(e) => Outcome::Unknown(format!("the namespace is `{e}`")),
        Got::Missing => Outcome::fail(
            "metadata",
            "no namespace: the object lands in `default` (or wherever kubectl points)",
        ),
    }),
};

pub(crate) static NAMESPACE_NETWORK_POLICY: Control = Control {
    id: "STRATA-K8S-031",
    title: "Every namespace has a network policy",
    severity: Medium,
    kinds: &[Namespace],
    rationale: "Without a policy every pod can reach every other pod in the cluster.",
    remediation: "Add a default-deny NetworkPolicy to the namespace and allow the flows needed.",
    check: Check::Custom(|cx, r| {
        let name = lookup::get(r, "name").value().and_then(lookup::as_text);
        if matches!(
            name.as_deref(),
            Some("kube-system" | "kube-public" | "kube-node-lease")
        ) {
            return Outcome::Skip;
        }
        let has = cx.of_kind(NetworkPolicy).iter().any(|p| {
            lookup::get(p, "namespace")
                .value()
                .and_then(lookup::as_text)
                == name
        });
        Outcome::pass_if(has, "", "no NetworkPolicy in this namespace")
    }),
};

pub(crate) static NAMESPACE_PSS: Control = Control {
    id: "STRATA-K8S-032",
    title: "Namespaces enforce the restricted Pod Security Standard",
    severity: Medium,
    kinds: &[Namespace],
    rationale: "Admission enforcement stops non-compliant pods whoever creates them.",
    remediation: "Label the namespace pod-security.kubernetes.io/enforce: restricted.",
    check: Check::Custom(|_, r| {
        let name = lookup::get(r, "name").value().and_then(lookup::as_text);
        if matches!(
            name.as_deref(),
            Some("kube-system" | "kube-public" | "kube-node-lease")
        ) {
            return Outcome::Skip;
        }
        Want::Is("restricted").judge(
            lookup::get(r, "pod_security.enforce"),
            "pod_security.enforce",
        )
    }),
};

pub(crate) static NO_NODE_PORT: Control = Control {
    id: "STRATA-K8S-033",
    title: "Services are not exposed on node ports",
    severity: Low,
    kinds: &[Service],
    rationale: "NodePort opens the port on every node, around the load balancer and its TLS and WAF.",
    remediation: "Use ClusterIP behind an Ingress (or type LoadBalancer).",
    check: Check::Attr("spec.type", Want::NoneOf(&["NodePort"])),
};

pub(crate) static INGRESS_TLS: Control = Control {
    id: "STRATA-K8S-034",
    title: "Ingresses terminate TLS",
    severity: Medium,
    kinds: &[Ingress],
    rationale: "Plain HTTP exposes sessions and credentials on the network.",
    remediation: "Add spec.tls, or (AWS Load Balancer Controller) a certificate-arn annotation with an HTTPS listener.",
    check: Check::Custom(|_, r| {
        if !lookup::get(r, "spec.tls").is_missing() {
            return Outcome::Pass;
        }
        let annotated = ["alb.ingress.kubernetes.io/certificate-arn"]
            .iter()
            .any(|a| {
                lookup::get(r, "annotations")
                    .value()
                    .and_then(|m| m.as_map())
                    .is_some_and(|m| m.contains_key(*a))
            });
        Outcome::pass_if(
            annotated,
            "spec",
            "no TLS: neither spec.tls nor a certificate annotation",
        )
    }),
};

pub(crate) static REPLICAS: Control = Control {
    id: "STRATA-K8S-035",
    title: "Deployments run at least two replicas",
    severity: Low,
    kinds: &[Deployment, StatefulSet, Rollout],
    rationale: "One replica is an outage on every node drain and rollout.",
    remediation: "Set spec.replicas to 2 or more (or let an HPA with minReplicas ≥ 2 manage it).",
    check: Check::Custom(|cx, r| {
        let name = lookup::get(r, "name").value().and_then(lookup::as_text);
        let ns = lookup::get(r, "namespace")
            .value()
            .and_then(lookup::as_text);
        let hpa = cx.of_kind(HorizontalPodAutoscaler).iter().any(|h| {
            lookup::get(h, "spec.scaleTargetRef.name")
                .value()
                .and_then(lookup::as_text)
                == name
                && lookup::get(h, "namespace")
                    .value()
                    .and_then(lookup::as_text)
                    == ns
                && lookup::get(h, "spec.minReplicas")
                    .value()
                    .and_then(lookup::as_int)
                    .is_some_and(|n| n >= 2)
        });
        if hpa {
            return Outcome::Pass;
        }
        Want::AtLeast(2).judge(lookup::get(r, "spec.replicas"), "spec.replicas")
    }),
};

pub(crate) static NO_SECRET_MANIFESTS: Control = Control {
    id: "STRATA-K8S-036",
    title: "Secret values are not committed as Secret manifests",
    severity: High,
    kinds: &[Secret],
    rationale: "base64 is not encryption: a Secret manifest in Git is the secret in Git.",
    remediation: "Use External Secrets, Sealed Secrets or a CSI secrets driver.",
    check: Check::Custom(|_, r| {
        let has = |k: &str| {
            lookup::get(r, k)
                .value()
                .and_then(|v| v.as_map())
                .is_some_and(|m| !m.is_empty())
        };
        if has("data") {
            Outcome::fail("data", "the manifest carries secret data")
        } else if has("stringData") {
            Outcome::fail("stringData", "the manifest carries secret data")
        } else {
            Outcome::Pass
        }
    }),
};

pub(crate) static SA_AUTOMOUNT: Control = Control {
    id: "STRATA-K8S-037",
    title: "Service accounts do not automount their token by default",
    severity: Low,
    kinds: &[ServiceAccount],
    rationale: "Opting in per pod keeps API credentials out of pods that do not need them.",
    remediation: "Set automountServiceAccountToken: false on the service account.",
    check: Check::Attr("automount_service_account_token", Want::False),
};

pub(crate) static ARGO_PROJECT: Control = Control {
    id: "STRATA-K8S-038",
    title: "Argo CD applications belong to a project other than `default`",
    severity: Low,
    kinds: &[Application],
    rationale: "The default project allows any source repository and any destination.",
    remediation: "Create an AppProject that limits sources and destinations and set spec.project.",
    check: Check::Attr("spec.project", Want::NoneOf(&["default", ""])),
};
