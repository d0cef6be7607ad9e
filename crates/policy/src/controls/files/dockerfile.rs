//! Dockerfiles. The front-end gives `instructions` (`cmd`, `args`, `stage`)
//! and `stages` (`image`, `name`).

use strata_model::{Kind::Dockerfile, Resource};

use crate::controls::aws::{looks_like_secret, secret_name};
use crate::controls::unpinned_image;
use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*};

struct Ins {
    index: usize,
    cmd: String,
    args: String,
    stage: i64,
}

fn instructions(r: &Resource) -> Vec<Ins> {
    match lookup::get(r, "instructions") {
        Got::Value(v) => lookup::items(v)
            .into_iter()
            .enumerate()
            .map(|(index, i)| Ins {
                index,
                cmd: lookup::get_in(i, "cmd")
                    .value()
                    .and_then(lookup::as_text)
                    .unwrap_or_default(),
                args: lookup::get_in(i, "args")
                    .value()
                    .and_then(lookup::as_text)
                    .unwrap_or_default(),
                stage: lookup::get_in(i, "stage")
                    .value()
                    .and_then(lookup::as_int)
                    .unwrap_or(0),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn final_stage(all: &[Ins]) -> i64 {
    all.iter().map(|i| i.stage).max().unwrap_or(0)
}

fn at(i: &Ins) -> String {
    format!("instructions.{}", i.index)
}

/// Images of `FROM` lines that are not earlier stages or `scratch`.
fn base_images(r: &Resource) -> Vec<(usize, String)> {
    let stages: Vec<String> = lookup::get(r, "stages")
        .value()
        .map(lookup::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| lookup::get_in(s, "name").value().and_then(lookup::as_text))
        .map(|s| s.to_ascii_lowercase())
        .collect();
    instructions(r)
        .into_iter()
        .filter(|i| i.cmd == "FROM")
        .filter_map(|i| {
            let image = i
                .args
                .split_whitespace()
                .find(|p| !p.starts_with("--"))?
                .to_owned();
            let low = image.to_ascii_lowercase();
            (low != "scratch" && !stages.contains(&low) && !image.contains('$'))
                .then_some((i.index, image))
        })
        .collect()
}

fn first(r: &Resource, f: impl Fn(&Ins) -> Option<String>) -> Outcome {
    for i in instructions(r) {
        if let Some(msg) = f(&i) {
            return Outcome::fail(&at(&i), msg);
        }
    }
    Outcome::Pass
}

pub(crate) static NON_ROOT_USER: Control = Control {
    id: "STRATA-DKR-001",
    title: "The image runs as a non-root user",
    severity: High,
    kinds: &[Dockerfile],
    rationale: "Without USER the container runs as root; one exploit is then root in the container and near the host.",
    remediation: "Add `USER 10001` (a non-root id) to the final stage.",
    check: Check::Custom(|_, r| {
        let all = instructions(r);
        let last = final_stage(&all);
        match all.iter().rfind(|i| i.stage == last && i.cmd == "USER") {
            Some(u) => {
                let who = u
                    .args
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                Outcome::pass_if(
                    !matches!(who.as_str(), "root" | "0"),
                    &at(u),
                    "the final USER is root",
                )
            }
            None => Outcome::fail(
                "",
                "the final stage sets no USER: the container runs as root",
            ),
        }
    }),
};

pub(crate) static HEALTHCHECK: Control = Control {
    id: "STRATA-DKR-002",
    title: "The image declares a HEALTHCHECK",
    severity: Low,
    kinds: &[Dockerfile],
    rationale: "Runtimes without their own probes (Docker, ECS) rely on it to replace hung containers.",
    remediation: "Add HEALTHCHECK CMD ... (or NONE, deliberately, when the orchestrator probes).",
    check: Check::Custom(|_, r| {
        let all = instructions(r);
        Outcome::pass_if(
            all.iter().any(|i| i.cmd == "HEALTHCHECK"),
            "",
            "no HEALTHCHECK",
        )
    }),
};

pub(crate) static BASE_PINNED: Control = Control {
    id: "STRATA-DKR-003",
    title: "Base images are pinned to a version, not `latest` or no tag",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "An unpinned base changes under every build: what ships is not what was tested.",
    remediation: "Use a version tag (better: a digest) in FROM.",
    check: Check::Custom(|_, r| {
        match base_images(r)
            .into_iter()
            .find(|(_, image)| unpinned_image(image))
        {
            Some((i, image)) => Outcome::fail(
                &format!("instructions.{i}"),
                format!("`{image}` is not pinned"),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static BASE_DIGEST: Control = Control {
    id: "STRATA-DKR-004",
    title: "Base images are referenced by digest",
    severity: Low,
    kinds: &[Dockerfile],
    rationale: "Tags can be moved; only a digest fixes the bytes you build on.",
    remediation: "FROM image:tag@sha256:... (Renovate or Dependabot keep digests current).",
    check: Check::Custom(|_, r| {
        match base_images(r)
            .into_iter()
            .find(|(_, i)| !i.contains("@sha256:"))
        {
            Some((i, image)) => Outcome::fail(
                &format!("instructions.{i}"),
                format!("`{image}` has no digest"),
            ),
            None => Outcome::Pass,
        }
    }),
};

pub(crate) static NO_REMOTE_ADD: Control = Control {
    id: "STRATA-DKR-005",
    title: "ADD is not used to fetch URLs or unpack archives; COPY is",
    severity: Low,
    kinds: &[Dockerfile],
    rationale: "ADD downloads without verification and unpacks implicitly; COPY does only what it says.",
    remediation: "Use COPY for files; fetch with a checksum-verified RUN curl, or ADD --checksum.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            (i.cmd == "ADD" && !i.args.contains("--checksum="))
                .then(|| format!("ADD {}", i.args.chars().take(60).collect::<String>()))
        })
    }),
};

pub(crate) static NO_SECRETS: Control = Control {
    id: "STRATA-DKR-006",
    title: "No secrets in ENV or ARG",
    severity: Critical,
    kinds: &[Dockerfile],
    rationale: "ENV and ARG values are stored in the image's history for anyone who can pull it.",
    remediation: "Use build secrets (RUN --mount=type=secret) and runtime secrets.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            if !(i.cmd == "ENV" || i.cmd == "ARG") {
                return None;
            }
            // `ENV A=1 B=2` or `ENV A 1`.
            let pairs: Vec<(String, String)> = if i.args.contains('=') {
                i.args
                    .split_whitespace()
                    .filter_map(|p| {
                        p.split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
                    })
                    .collect()
            } else {
                let (k, v) = i
                    .args
                    .split_once(char::is_whitespace)
                    .unwrap_or((&i.args, ""));
                vec![(k.to_owned(), v.trim().to_owned())]
            };
            pairs
                .into_iter()
                .find(|(k, v)| {
                    !v.is_empty()
                        && !v.starts_with('$')
                        && (secret_name(k) || looks_like_secret(&format!("{k}={v}")))
                })
                .map(|(k, _)| format!("`{k}` holds a secret"))
        })
    }),
};

fn pipes_to_shell(cmd: &str) -> bool {
    let c = cmd.replace(['\n', '\t'], " ");
    (c.contains("curl ") || c.contains("wget "))
        && ["| sh", "|sh", "| bash", "|bash", "| sudo sh", "| sudo bash"]
            .iter()
            .any(|p| c.contains(p))
}

pub(crate) static NO_CURL_PIPE: Control = Control {
    id: "STRATA-DKR-007",
    title: "Builds do not pipe downloads into a shell",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "`curl | sh` runs whatever the server (or anyone in between) sends, unverified.",
    remediation: "Download, verify a checksum or signature, then run.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            (i.cmd == "RUN" && pipes_to_shell(&i.args))
                .then(|| "pipes a download into a shell".into())
        })
    }),
};

pub(crate) static APT_UPDATE_ALONE: Control = Control {
    id: "STRATA-DKR-008",
    title: "Package index updates are installed in the same layer",
    severity: Low,
    kinds: &[Dockerfile],
    rationale: "A cached `apt-get update` layer installs stale, unpatched packages in later builds.",
    remediation: "RUN apt-get update && apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            let a = &i.args;
            let updates = a.contains("apt-get update")
                || a.contains("apk update")
                || a.contains("yum makecache");
            let installs = a.contains(" install") || a.contains("apk add");
            (i.cmd == "RUN" && updates && !installs)
                .then(|| "updates the package index without installing".into())
        })
    }),
};

pub(crate) static NO_SUDO: Control = Control {
    id: "STRATA-DKR-009",
    title: "Builds do not use sudo",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "sudo in an image means a setuid path to root at run time.",
    remediation: "Run privileged steps before USER, as root, without sudo.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            (i.cmd == "RUN"
                && i.args
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == "sudo"))
            .then(|| "uses sudo".into())
        })
    }),
};

pub(crate) static NO_SSH_PORT: Control = Control {
    id: "STRATA-DKR-010",
    title: "The image does not expose SSH",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "An SSH daemon in a container is an unmanaged way in; use `kubectl exec` or ECS Exec.",
    remediation: "Remove EXPOSE 22 and the SSH server.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            (i.cmd == "EXPOSE"
                && i.args
                    .split_whitespace()
                    .any(|p| p.split('/').next() == Some("22")))
            .then(|| "exposes port 22".into())
        })
    }),
};

pub(crate) static NO_WORLD_WRITABLE: Control = Control {
    id: "STRATA-DKR-011",
    title: "Builds make nothing world-writable",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "chmod 777 lets any process in the container replace what runs.",
    remediation: "Grant the owner what it needs (chown + chmod 755/644).",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            (i.cmd == "RUN"
                && (i.args.contains("chmod 777")
                    || i.args.contains("chmod -R 777")
                    || i.args.contains("chmod a+w")))
            .then(|| "makes files world-writable".into())
        })
    }),
};

pub(crate) static NO_INSECURE_FETCH: Control = Control {
    id: "STRATA-DKR-012",
    title: "Downloads verify TLS certificates",
    severity: Medium,
    kinds: &[Dockerfile],
    rationale: "Disabling certificate checks lets anyone on the path replace what is downloaded.",
    remediation: "Remove -k/--insecure/--no-check-certificate; install the CA if it is private.",
    check: Check::Custom(|_, r| {
        first(r, |i| {
            let a = format!(" {} ", i.args);
            (i.cmd == "RUN"
                && (a.contains(" -k ")
                    || a.contains("--insecure")
                    || a.contains("--no-check-certificate")
                    || a.contains("--trusted-host")))
            .then(|| "turns off certificate verification".into())
        })
    }),
};
