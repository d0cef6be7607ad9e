//! The programs the rendered pipelines run that no runner image ships, and
//! how each is installed: pinned versions, verified downloads. One place, so
//! GitHub Actions, GitLab CI and CodeBuild install the same versions.

/// The Strata release the pipelines install: the version that rendered
/// them, so `strata check` in CI judges with the same catalog as the
/// `strata check` a developer ran.
pub(crate) const STRATA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where Strata's releases are published.
const STRATA_RELEASES: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/releases/download");

/// The IaC scan every pipeline runs, from the repository root (the rendered
/// tree's root: CI files must sit there for their CI system to find them).
pub(crate) const STRATA_CHECK: &str = "strata check . --severity high";

/// Semgrep, pinned (the container image and the PyPI package agree).
pub(crate) const SEMGREP_VERSION: &str = "1.95.0";

/// Trivy, pinned (the container image and the install script agree).
pub(crate) const TRIVY_VERSION: &str = "0.58.1";

/// Shell that installs the pinned Strata release into `dir`, refusing an
/// archive whose SHA-256 is not the one the release lists. Needs `curl`,
/// `sha256sum` and `tar`.
pub(crate) fn install_strata(dir: &str) -> String {
    let v = STRATA_VERSION;
    format!(
        "set -eu\n\
         base={STRATA_RELEASES}/v{v}\n\
         archive=strata-{v}-x86_64-unknown-linux-gnu.tar.gz\n\
         curl -fsSL --proto '=https' -o \"$archive\" \"$base/$archive\"\n\
         curl -fsSL --proto '=https' -o SHA256SUMS \"$base/SHA256SUMS\"\n\
         grep \" $archive\\$\" SHA256SUMS | sha256sum --check --strict\n\
         mkdir -p \"{dir}\"\n\
         tar -xzf \"$archive\" -C \"{dir}\" strata\n\
         strata --version\n"
    )
}

/// Shell that installs the pinned Trivy with its own installer, at the
/// release's tag (never `main`).
pub(crate) fn install_trivy() -> String {
    let v = TRIVY_VERSION;
    format!(
        "curl -fsSL --proto '=https' https://raw.githubusercontent.com/aquasecurity/trivy/v{v}/contrib/install.sh | sh -s -- -b /usr/local/bin v{v}"
    )
}
