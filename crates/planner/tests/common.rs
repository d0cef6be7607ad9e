//! Shared helpers for the planner's tests.
#![allow(dead_code)]

use std::path::Path;

use strata_model::{Kind, Plan, Resource};

/// Loads and plans an example by directory name.
pub fn plan_example(name: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("strata.yaml");
    let bytes = std::fs::read(&path).unwrap();
    plan_text(&format!("examples/{name}/strata.yaml"), &bytes)
}

/// Loads and plans spec text, failing the test on any spec error.
pub fn plan_text(file: &str, bytes: &[u8]) -> Plan {
    let loaded = strata_spec::load(file, bytes);
    assert!(!loaded.has_errors(), "{file}: {:#?}", loaded.diagnostics);
    strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap()
}

/// Resources of one environment and kind.
pub fn of<'a>(plan: &'a Plan, env: &str, kind: Kind) -> Vec<&'a Resource> {
    plan.graph
        .iter()
        .filter(|r| r.address.env.as_str() == env && r.kind == kind)
        .collect()
}

/// A string attribute.
pub fn s<'a>(r: &'a Resource, key: &str) -> &'a str {
    r.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{} has no string `{key}`", r.address))
}
