//! Compliance frameworks as data: requirement → controls, from
//! `frameworks/*.yaml` (embedded at build time).

use std::sync::OnceLock;

use serde::Deserialize;

/// A framework and its requirements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Name used in specs and on the command line (`pci-dss-4.0`).
    pub id: String,
    /// Full title with version.
    pub title: String,
    /// Requirements in document order.
    pub requirements: Vec<Requirement>,
}

/// One requirement and the controls that give evidence for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The framework's own number (`3.5.1`, `164.312(a)(2)(iv)`, `CC6.1`).
    pub id: String,
    /// Its title, abridged.
    pub title: String,
    /// Control ids.
    pub controls: Vec<String>,
}

const SOURCES: &[(&str, &str)] = &[
    ("cis-aws.yaml", include_str!("../frameworks/cis-aws.yaml")),
    (
        "pci-dss-4.0.yaml",
        include_str!("../frameworks/pci-dss-4.0.yaml"),
    ),
    ("hipaa.yaml", include_str!("../frameworks/hipaa.yaml")),
    ("soc2.yaml", include_str!("../frameworks/soc2.yaml")),
    ("cis-k8s.yaml", include_str!("../frameworks/cis-k8s.yaml")),
    (
        "owasp-top10.yaml",
        include_str!("../frameworks/owasp-top10.yaml"),
    ),
];

/// Every framework. The files are part of the build; a broken one is a bug
/// caught by this crate's tests.
pub fn all() -> &'static [Framework] {
    static ALL: OnceLock<Vec<Framework>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .filter_map(
                |(name, text)| match serde_saphyr::from_str::<Framework>(text) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        debug_assert!(false, "frameworks/{name}: {e}");
                        None
                    }
                },
            )
            .collect()
    })
}

/// The framework with this id.
pub fn get(id: &str) -> Option<&'static Framework> {
    all().iter().find(|f| f.id == id)
}

/// The `(framework, requirement)` pairs a control gives evidence for.
pub fn requirements_of(control: &str) -> Vec<(&'static Framework, &'static Requirement)> {
    let mut out = Vec::new();
    for f in all() {
        for r in &f.requirements {
            if r.controls.iter().any(|c| c == control) {
                out.push((f, r));
            }
        }
    }
    out
}

/// The ids of every control a framework maps.
pub fn controls_of(f: &Framework) -> std::collections::BTreeSet<&str> {
    f.requirements
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect()
}
