//! Pod and container settings.

use strata_model::Value;

use super::{WORKLOADS, each_container, effective, flag, pod_spec};
use crate::controls::aws::{looks_like_secret, secret_name};
use crate::controls::unpinned_image;
use crate::lookup;
use crate::{Check, Control, Outcome, Severity::*};

fn pod_flag(r: &strata_model::Resource, key: &str, what: &str) -> Outcome {
    match pod_spec(r) {
        Some((pod, base)) => Outcome::pass_if(
            flag(lookup::get_in(pod, key).value()) != Some(true),
            &format!("{base}.{key}"),
            format!("the pod {what}"),
        ),
        None => Outcome::Skip,
    }
}

pub(crate) static PRIVILEGED: Control = Control {
    id: "STRATA-K8S-001",
    title: "Containers are not privileged",
    severity: High,
    kinds: WORKLOADS,
    rationale: "A privileged container has every capability and all host devices: it is root on the node.",
    remediation: "Remove securityContext.privileged: true.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            (flag(lookup::get_in(c, "securityContext.privileged").value()) == Some(true))
                .then(|| ("securityContext.privileged".into(), "privileged".into()))
        })
    }),
};

pub(crate) static HOST_PID: Control = Control {
    id: "STRATA-K8S-002",
    title: "Pods do not share the host's process namespace",
    severity: High,
    kinds: WORKLOADS,
    rationale: "hostPID lets a container see and signal every process on the node.",
    remediation: "Remove hostPID: true.",
    check: Check::Custom(|_, r| pod_flag(r, "hostPID", "shares the host's process namespace")),
};

pub(crate) static HOST_IPC: Control = Control {
    id: "STRATA-K8S-003",
    title: "Pods do not share the host's IPC namespace",
    severity: High,
    kinds: WORKLOADS,
    rationale: "hostIPC exposes shared memory of every process on the node.",
    remediation: "Remove hostIPC: true.",
    check: Check::Custom(|_, r| pod_flag(r, "hostIPC", "shares the host's IPC namespace")),
};

pub(crate) static HOST_NETWORK: Control = Control {
    id: "STRATA-K8S-004",
    title: "Pods do not use the host's network",
    severity: High,
    kinds: WORKLOADS,
    rationale: "hostNetwork bypasses network policies and exposes node-local services and the metadata endpoint.",
    remediation: "Remove hostNetwork: true.",
    check: Check::Custom(|_, r| pod_flag(r, "hostNetwork", "uses the host's network")),
};

pub(crate) static NO_PRIVILEGE_ESCALATION: Control = Control {
    id: "STRATA-K8S-005",
    title: "Containers forbid privilege escalation",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "Without allowPrivilegeEscalation: false, setuid binaries can gain privileges (restricted profile).",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            (flag(lookup::get_in(c, "securityContext.allowPrivilegeEscalation").value())
                != Some(false))
            .then(|| {
                (
                    "securityContext".into(),
                    "allowPrivilegeEscalation is not false".into(),
                )
            })
        })
    }),
};

pub(crate) static RUN_AS_NON_ROOT: Control = Control {
    id: "STRATA-K8S-006",
    title: "Containers must run as a non-root user",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "Root in a container is one kernel bug away from root on the node (restricted profile).",
    remediation: "Set securityContext.runAsNonRoot: true on the pod or every container.",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            (flag(effective(pod, c, "runAsNonRoot")) != Some(true))
                .then(|| ("securityContext".into(), "runAsNonRoot is not true".into()))
        })
    }),
};

pub(crate) static NOT_UID_0: Control = Control {
    id: "STRATA-K8S-007",
    title: "Containers do not run as user 0",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "runAsUser: 0 is root whatever runAsNonRoot says.",
    remediation: "Set runAsUser to a non-zero id (or leave it to the image's non-root user).",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            (effective(pod, c, "runAsUser").and_then(lookup::as_int) == Some(0))
                .then(|| ("securityContext.runAsUser".into(), "runs as user 0".into()))
        })
    }),
};

fn caps(c: &Value, key: &str) -> Vec<String> {
    lookup::get_in(c, &format!("securityContext.capabilities.{key}"))
        .value()
        .map(|v| {
            lookup::items(v)
                .into_iter()
                .filter_map(lookup::as_text)
                .map(|s| s.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) static DROP_ALL: Control = Control {
    id: "STRATA-K8S-008",
    title: "Containers drop all Linux capabilities",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "The default capability set includes NET_RAW and others a service rarely needs (restricted profile).",
    remediation: "Set securityContext.capabilities.drop: [ALL] and add back only what is needed.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            (!caps(c, "drop").iter().any(|x| x == "ALL")).then(|| {
                (
                    "securityContext".into(),
                    "capabilities are not dropped (drop: [ALL])".into(),
                )
            })
        })
    }),
};

pub(crate) static NO_ADDED_CAPABILITIES: Control = Control {
    id: "STRATA-K8S-009",
    title: "Containers add no capability but NET_BIND_SERVICE",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "The restricted profile allows adding only NET_BIND_SERVICE.",
    remediation: "Remove the added capabilities.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            caps(c, "add")
                .into_iter()
                .find(|x| x != "NET_BIND_SERVICE")
                .map(|x| {
                    (
                        "securityContext.capabilities.add".into(),
                        format!("adds {x}"),
                    )
                })
        })
    }),
};

pub(crate) static NO_DANGEROUS_CAPABILITIES: Control = Control {
    id: "STRATA-K8S-010",
    title: "Containers add no dangerous capability (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, ALL)",
    severity: High,
    kinds: WORKLOADS,
    rationale: "These capabilities allow escaping the container or attacking the node's network.",
    remediation: "Remove them from capabilities.add.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            caps(c, "add")
                .into_iter()
                .find(|x| {
                    matches!(
                        x.as_str(),
                        "SYS_ADMIN" | "NET_ADMIN" | "NET_RAW" | "SYS_PTRACE" | "SYS_MODULE" | "ALL"
                    )
                })
                .map(|x| {
                    (
                        "securityContext.capabilities.add".into(),
                        format!("adds {x}"),
                    )
                })
        })
    }),
};

pub(crate) static NO_HOST_PATH: Control = Control {
    id: "STRATA-K8S-011",
    title: "Pods mount no host paths",
    severity: High,
    kinds: WORKLOADS,
    rationale: "A hostPath volume reads or writes the node's file system, often its container runtime socket.",
    remediation: "Use a persistent volume, a configMap or an emptyDir instead.",
    check: Check::Custom(|_, r| {
        let Some((pod, base)) = pod_spec(r) else {
            return Outcome::Skip;
        };
        let vols = lookup::get_in(pod, "volumes")
            .value()
            .map(lookup::items)
            .unwrap_or_default();
        match vols
            .iter()
            .position(|v| !lookup::get_in(v, "hostPath").is_missing())
        {
            Some(i) => Outcome::fail(&format!("{base}.volumes.{i}"), "mounts a host path"),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static NO_HOST_PORT: Control = Control {
    id: "STRATA-K8S-012",
    title: "Containers do not bind host ports",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "hostPort exposes the container on the node's address, around Services and network policies.",
    remediation: "Remove hostPort; expose the pod through a Service.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            let ports = lookup::get_in(c, "ports")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            ports
                .iter()
                .position(|p| {
                    lookup::get_in(p, "hostPort")
                        .value()
                        .and_then(lookup::as_int)
                        .is_some_and(|n| n > 0)
                })
                .map(|i| (format!("ports.{i}"), "binds a host port".into()))
        })
    }),
};

pub(crate) static SECCOMP: Control = Control {
    id: "STRATA-K8S-013",
    title: "Pods run under the RuntimeDefault (or a local) seccomp profile",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "Seccomp removes hundreds of rarely needed system calls from the attack surface (restricted profile).",
    remediation: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            let t = effective(pod, c, "seccompProfile.type").and_then(lookup::as_text);
            (!matches!(t.as_deref(), Some("RuntimeDefault" | "Localhost"))).then(|| {
                (
                    "securityContext".into(),
                    "no RuntimeDefault seccomp profile".into(),
                )
            })
        })
    }),
};

pub(crate) static READ_ONLY_ROOT: Control = Control {
    id: "STRATA-K8S-014",
    title: "Containers have read-only root file systems",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "A writable root lets an intruder replace binaries and persist.",
    remediation: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where writes are needed.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            (flag(lookup::get_in(c, "securityContext.readOnlyRootFilesystem").value())
                != Some(true))
            .then(|| {
                (
                    "securityContext".into(),
                    "root file system is writable".into(),
                )
            })
        })
    }),
};

pub(crate) static MEMORY_LIMIT: Control = Control {
    id: "STRATA-K8S-015",
    title: "Containers have a memory limit",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Without a limit one container can exhaust the node's memory and evict its neighbours.",
    remediation: "Set resources.limits.memory.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            lookup::get_in(c, "resources.limits.memory")
                .is_missing()
                .then(|| ("resources".into(), "no memory limit".into()))
        })
    }),
};

pub(crate) static REQUESTS: Control = Control {
    id: "STRATA-K8S-016",
    title: "Containers request CPU and memory",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Requests drive scheduling and autoscaling; without them pods land on full nodes.",
    remediation: "Set resources.requests.cpu and resources.requests.memory.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            (lookup::get_in(c, "resources.requests.cpu").is_missing()
                || lookup::get_in(c, "resources.requests.memory").is_missing())
            .then(|| ("resources".into(), "no CPU or memory request".into()))
        })
    }),
};

fn main_containers(
    r: &strata_model::Resource,
    f: impl Fn(&Value) -> Option<(String, String)>,
) -> Outcome {
    // Jobs run to completion; probes do not apply to them.
    if matches!(
        r.kind,
        strata_model::Kind::Job | strata_model::Kind::CronJob
    ) {
        return Outcome::Skip;
    }
    let Some((pod, base)) = pod_spec(r) else {
        return Outcome::Skip;
    };
    let list = lookup::get_in(pod, "containers")
        .value()
        .map(lookup::items)
        .unwrap_or_default();
    for (i, c) in list.iter().enumerate() {
        if let Some((sub, msg)) = f(c) {
            let at = format!(
                "{base}.containers.{i}{}",
                if sub.is_empty() {
                    String::new()
                } else {
                    format!(".{sub}")
                }
            );
            return Outcome::fail(&at, format!("container `{}`: {msg}", super::cname(c)));
        }
    }
    Outcome::Pass
}

pub(crate) static LIVENESS: Control = Control {
    id: "STRATA-K8S-017",
    title: "Long-running containers have a liveness probe",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Without one, a hung process keeps its pod Running and keeps receiving traffic.",
    remediation: "Add livenessProbe.",
    check: Check::Custom(|_, r| {
        main_containers(r, |c| {
            lookup::get_in(c, "livenessProbe")
                .is_missing()
                .then(|| (String::new(), "no liveness probe".into()))
        })
    }),
};

pub(crate) static READINESS: Control = Control {
    id: "STRATA-K8S-018",
    title: "Long-running containers have a readiness probe",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Without one, traffic arrives before the process can serve it, during every rollout.",
    remediation: "Add readinessProbe.",
    check: Check::Custom(|_, r| {
        main_containers(r, |c| {
            lookup::get_in(c, "readinessProbe")
                .is_missing()
                .then(|| (String::new(), "no readiness probe".into()))
        })
    }),
};

fn image_of(c: &Value) -> Option<String> {
    lookup::get_in(c, "image").value().and_then(lookup::as_text)
}

pub(crate) static IMAGE_TAG: Control = Control {
    id: "STRATA-K8S-019",
    title: "Images are pinned to a version, not `latest` or no tag",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "`latest` changes under you: what runs is not what was reviewed and scanned, and rollbacks do not roll back.",
    remediation: "Use an immutable version tag or a digest (image@sha256:...).",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            let image = image_of(c)?;
            unpinned_image(&image)
                .then(|| ("image".into(), format!("image `{image}` is not pinned")))
        })
    }),
};

pub(crate) static IMAGE_DIGEST: Control = Control {
    id: "STRATA-K8S-020",
    title: "Images are referenced by digest",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Only a digest guarantees the bytes that run are the bytes that were scanned and signed.",
    remediation: "Reference images as name@sha256:... (a CD tool can resolve tags to digests).",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            let image = image_of(c)?;
            (!image.contains("@sha256:"))
                .then(|| ("image".into(), format!("image `{image}` has no digest")))
        })
    }),
};

pub(crate) static SECRETS_AS_FILES: Control = Control {
    id: "STRATA-K8S-021",
    title: "Secrets are mounted as files, not passed as environment variables",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Environment variables leak into crash dumps, child processes and debug endpoints.",
    remediation: "Mount the secret as a volume and read it from the file.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            let env = lookup::get_in(c, "env")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            if let Some(i) = env
                .iter()
                .position(|e| !lookup::get_in(e, "valueFrom.secretKeyRef").is_missing())
            {
                return Some((
                    format!("env.{i}"),
                    "reads a secret into an environment variable".into(),
                ));
            }
            let from = lookup::get_in(c, "envFrom")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            from.iter()
                .position(|e| !lookup::get_in(e, "secretRef").is_missing())
                .map(|i| {
                    (
                        format!("envFrom.{i}"),
                        "loads a secret into the environment".into(),
                    )
                })
        })
    }),
};

pub(crate) static NO_LITERAL_SECRETS: Control = Control {
    id: "STRATA-K8S-022",
    title: "No secret values are written into pod specs",
    severity: Critical,
    kinds: WORKLOADS,
    rationale: "A password in a manifest is in Git, in the API server and in every `kubectl get -o yaml`.",
    remediation: "Put the value in a Secret managed by External Secrets (or a CSI driver) and reference it.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            let env = lookup::get_in(c, "env")
                .value()
                .map(lookup::items)
                .unwrap_or_default();
            env.iter().enumerate().find_map(|(i, e)| {
                let name = lookup::get_in(e, "name")
                    .value()
                    .and_then(lookup::as_text)?;
                let value = match lookup::get_in(e, "value").value() {
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    _ => return None,
                };
                (secret_name(&name) || looks_like_secret(&format!("{name}={value}"))).then(|| {
                    (
                        format!("env.{i}"),
                        format!("`{name}` holds a literal secret"),
                    )
                })
            })
        })
    }),
};

pub(crate) static AUTOMOUNT_TOKEN: Control = Control {
    id: "STRATA-K8S-023",
    title: "Pods do not mount a service account token unless they use the API",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "A mounted token is a credential an intruder can use against the API server.",
    remediation: "Set automountServiceAccountToken: false on the pod (or its service account) unless it calls the API.",
    check: Check::Custom(|cx, r| {
        let Some((pod, base)) = pod_spec(r) else {
            return Outcome::Skip;
        };
        if let Some(b) = flag(lookup::get_in(pod, "automountServiceAccountToken").value()) {
            return Outcome::pass_if(
                !b,
                &format!("{base}.automountServiceAccountToken"),
                "mounts the service account token",
            );
        }
        // Else the service account decides.
        let sa = lookup::get_in(pod, "serviceAccountName")
            .value()
            .and_then(lookup::as_text);
        let ns = lookup::get(r, "namespace")
            .value()
            .and_then(lookup::as_text);
        let off = cx
            .of_kind(strata_model::Kind::ServiceAccount)
            .iter()
            .any(|s| {
                lookup::get(s, "name").value().and_then(lookup::as_text) == sa
                    && lookup::get(s, "namespace")
                        .value()
                        .and_then(lookup::as_text)
                        == ns
                    && flag(lookup::get(s, "automount_service_account_token").value())
                        == Some(false)
            });
        Outcome::pass_if(
            sa.is_some() && off,
            base,
            "the service account token is mounted",
        )
    }),
};

pub(crate) static NOT_DEFAULT_SERVICE_ACCOUNT: Control = Control {
    id: "STRATA-K8S-024",
    title: "Pods run under their own service account, not `default`",
    severity: Low,
    kinds: WORKLOADS,
    rationale: "Permissions granted to `default` reach every pod of the namespace.",
    remediation: "Create a service account per workload and set serviceAccountName.",
    check: Check::Custom(|_, r| {
        let Some((pod, base)) = pod_spec(r) else {
            return Outcome::Skip;
        };
        let sa = lookup::get_in(pod, "serviceAccountName")
            .value()
            .and_then(lookup::as_text);
        Outcome::pass_if(
            sa.as_deref().is_some_and(|s| s != "default"),
            base,
            "runs as the default service account",
        )
    }),
};

const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

pub(crate) static UNSAFE_SYSCTLS: Control = Control {
    id: "STRATA-K8S-025",
    title: "Pods set only safe sysctls",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "Unsafe sysctls change kernel behaviour for every pod on the node (baseline profile).",
    remediation: "Remove the sysctl, or run the workload on dedicated nodes.",
    check: Check::Custom(|_, r| {
        let Some((pod, base)) = pod_spec(r) else {
            return Outcome::Skip;
        };
        let list = lookup::get_in(pod, "securityContext.sysctls")
            .value()
            .map(lookup::items)
            .unwrap_or_default();
        match list
            .iter()
            .filter_map(|s| lookup::get_in(s, "name").value().and_then(lookup::as_text))
            .find(|n| !SAFE_SYSCTLS.contains(&n.as_str()))
        {
            Some(n) => Outcome::fail(
                &format!("{base}.securityContext.sysctls"),
                format!("sets unsafe sysctl {n}"),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static SELINUX: Control = Control {
    id: "STRATA-K8S-026",
    title: "Pods do not set custom SELinux users, roles or types",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "A custom SELinux type such as spc_t disables confinement (baseline profile).",
    remediation: "Remove seLinuxOptions.user/role, and use only container_t, container_init_t or container_kvm_t.",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            let t = effective(pod, c, "seLinuxOptions.type").and_then(lookup::as_text);
            let custom = effective(pod, c, "seLinuxOptions.user").is_some()
                || effective(pod, c, "seLinuxOptions.role").is_some();
            (custom
                || t.is_some_and(|t| {
                    !matches!(
                        t.as_str(),
                        "container_t" | "container_init_t" | "container_kvm_t"
                    )
                }))
            .then(|| {
                (
                    "securityContext.seLinuxOptions".into(),
                    "sets a custom SELinux context".into(),
                )
            })
        })
    }),
};

pub(crate) static HOST_PROCESS: Control = Control {
    id: "STRATA-K8S-027",
    title: "Windows pods are not host processes",
    severity: High,
    kinds: WORKLOADS,
    rationale: "A HostProcess container runs directly on the Windows node with its privileges (baseline profile).",
    remediation: "Remove windowsOptions.hostProcess: true.",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            (flag(effective(pod, c, "windowsOptions.hostProcess")) == Some(true)).then(|| {
                (
                    "securityContext.windowsOptions".into(),
                    "runs as a host process".into(),
                )
            })
        })
    }),
};

pub(crate) static PROC_MOUNT: Control = Control {
    id: "STRATA-K8S-028",
    title: "Containers keep the default /proc mask",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "procMount: Unmasked exposes kernel interfaces that the default mask hides (baseline profile).",
    remediation: "Remove securityContext.procMount or set it to Default.",
    check: Check::Custom(|_, r| {
        each_container(r, |_, c| {
            lookup::get_in(c, "securityContext.procMount")
                .value()
                .and_then(lookup::as_text)
                .filter(|p| p != "Default")
                .map(|p| {
                    (
                        "securityContext.procMount".into(),
                        format!("procMount is {p}"),
                    )
                })
        })
    }),
};

pub(crate) static APPARMOR: Control = Control {
    id: "STRATA-K8S-029",
    title: "Containers do not disable AppArmor",
    severity: Medium,
    kinds: WORKLOADS,
    rationale: "An Unconfined AppArmor profile removes a layer of confinement (baseline profile).",
    remediation: "Use appArmorProfile.type RuntimeDefault or Localhost (or leave it unset).",
    check: Check::Custom(|_, r| {
        each_container(r, |pod, c| {
            (effective(pod, c, "appArmorProfile.type")
                .and_then(lookup::as_text)
                .as_deref()
                == Some("Unconfined"))
            .then(|| {
                (
                    "securityContext.appArmorProfile".into(),
                    "AppArmor is unconfined".into(),
                )
            })
        })
    }),
};
