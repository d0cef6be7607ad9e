//! RBAC.

use strata_model::{Kind::*, Resource, Value};

use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*};

fn rules(r: &Resource) -> Vec<&Value> {
    match lookup::get(r, "rules") {
        Got::Value(v) => lookup::items(v),
        _ => Vec::new(),
    }
}

fn strings(rule: &Value, key: &str) -> Vec<String> {
    lookup::get_in(rule, key)
        .value()
        .map(|v| {
            lookup::items(v)
                .into_iter()
                .filter_map(lookup::as_text)
                .collect()
        })
        .unwrap_or_default()
}

fn find_rule(r: &Resource, bad: impl Fn(&[String], &[String]) -> Option<String>) -> Outcome {
    for (i, rule) in rules(r).into_iter().enumerate() {
        if let Some(msg) = bad(&strings(rule, "verbs"), &strings(rule, "resources")) {
            return Outcome::fail(&format!("rules.{i}"), msg);
        }
    }
    Outcome::Pass
}

pub(crate) static CLUSTER_ADMIN: Control = Control {
    id: "STRATA-K8S-039",
    title: "Nobody is bound to cluster-admin",
    severity: High,
    kinds: &[ClusterRoleBinding, RoleBinding],
    rationale: "cluster-admin can do anything to every object; binding it to a user or a workload is full compromise on one credential.",
    remediation: "Bind a role with the permissions needed instead.",
    check: Check::Custom(|_, r| {
        let role = lookup::get(r, "roleRef.name")
            .value()
            .and_then(lookup::as_text);
        Outcome::pass_if(
            role.as_deref() != Some("cluster-admin"),
            "roleRef.name",
            "binds cluster-admin",
        )
    }),
};

pub(crate) static WILDCARDS: Control = Control {
    id: "STRATA-K8S-040",
    title: "Roles grant no wildcard verbs or resources",
    severity: High,
    kinds: &[Role, ClusterRole],
    rationale: "`*` grants everything that exists now and every resource type added later.",
    remediation: "List the verbs and resources needed.",
    check: Check::Custom(|_, r| {
        find_rule(r, |verbs, res| {
            (verbs.iter().any(|v| v == "*") || res.iter().any(|x| x == "*"))
                .then(|| "a rule uses `*`".to_owned())
        })
    }),
};

pub(crate) static SECRETS_ACCESS: Control = Control {
    id: "STRATA-K8S-041",
    title: "Roles do not read secrets",
    severity: Medium,
    kinds: &[Role, ClusterRole],
    rationale: "get/list/watch on secrets reads every credential in scope.",
    remediation: "Mount the one secret the workload needs; do not grant API access to secrets.",
    check: Check::Custom(|_, r| {
        find_rule(r, |verbs, res| {
            (res.iter().any(|x| x == "secrets")
                && verbs
                    .iter()
                    .any(|v| matches!(v.as_str(), "get" | "list" | "watch")))
            .then(|| "a rule reads secrets".to_owned())
        })
    }),
};

pub(crate) static ESCALATION_VERBS: Control = Control {
    id: "STRATA-K8S-042",
    title: "Roles do not grant bind, escalate or impersonate",
    severity: High,
    kinds: &[Role, ClusterRole],
    rationale: "These verbs let the holder grant itself more than it has.",
    remediation: "Remove them; only cluster administrators need them.",
    check: Check::Custom(|_, r| {
        find_rule(r, |verbs, _| {
            verbs
                .iter()
                .find(|v| matches!(v.as_str(), "bind" | "escalate" | "impersonate"))
                .map(|v| format!("a rule grants `{v}`"))
        })
    }),
};

pub(crate) static POD_EXEC: Control = Control {
    id: "STRATA-K8S-043",
    title: "Roles do not allow exec into pods",
    severity: Medium,
    kinds: &[Role, ClusterRole],
    rationale: "pods/exec is a shell in every pod in scope, with its secrets.",
    remediation: "Grant pods/exec only to a break-glass role.",
    check: Check::Custom(|_, r| {
        find_rule(r, |verbs, res| {
            (res.iter().any(|x| x == "pods/exec" || x == "pods/attach")
                && verbs.iter().any(|v| v == "create" || v == "get"))
            .then(|| "a rule allows exec into pods".to_owned())
        })
    }),
};
