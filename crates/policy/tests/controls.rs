//! Every control has a fixture under `tests/fixtures/<ID>/` whose resources
//! are named for the verdict they must get: `pass_*`, `fail_*`, `unknown_*`;
//! any other resource of the control's kinds must not be judged at all. The
//! test asserts the exact sets, so a control that passes (or fails)
//! everything cannot hide.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use strata_policy::{Status, catalog, frameworks};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `aws_s3_bucket.pass_x[0]` → `pass_x`; `Deployment/shop/pass-x` → `pass-x`.
/// `crates/.../pass_x.Dockerfile` → `pass_x`.
fn name(label: &str) -> String {
    if label.ends_with("Dockerfile") || label.ends_with(".yml") || label.ends_with(".yaml") {
        let file = label.rsplit('/').next().unwrap_or(label);
        return file.split('.').next().unwrap_or(file).to_owned();
    }
    let base = label.split('[').next().unwrap_or(label);
    base.rsplit(['.', '/']).next().unwrap_or(base).to_owned()
}

/// Controls with no passing variant of their kinds (the kind itself is the finding).
const NO_PASS_VARIANT: &[&str] = &["STRATA-AWS-019", "STRATA-AWS-025"];

#[test]
fn every_control_gets_exactly_the_verdicts_its_fixture_names() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in catalog() {
        if c.kinds.is_empty() {
            continue;
        }
        let dir = fixtures().join(c.id);
        if !dir.is_dir() {
            failures.push(format!("{}: no fixture at {}", c.id, dir.display()));
            continue;
        }
        let inv = strata_scan::scan_paths(&[dir.as_path()]);
        if !inv.problems.is_empty() {
            failures.push(format!(
                "{}: fixture does not read cleanly: {:?}",
                c.id, inv.problems
            ));
            continue;
        }
        let eval = strata_policy::evaluate(&inv.graph, &[c]);
        let mut expected: [BTreeSet<String>; 3] = Default::default();
        for r in inv.graph.iter().filter(|r| c.kinds.contains(&r.kind)) {
            let label = &inv.origins[&r.address].label;
            let n = name(label);
            let slot = if n.starts_with("pass") {
                0
            } else if n.starts_with("fail") {
                1
            } else if n.starts_with("unknown") {
                2
            } else {
                continue;
            };
            expected[slot].insert(label.clone());
        }
        let mut actual: [BTreeSet<String>; 3] = Default::default();
        let mut judged = BTreeSet::new();
        for f in &eval.findings {
            let label = inv.origins[&f.address].label.clone();
            judged.insert(label.clone());
            let slot = match f.status {
                Status::Pass => 0,
                Status::Fail => 1,
                Status::Unknown => 2,
            };
            actual[slot].insert(label);
        }
        for r in inv.graph.iter().filter(|r| c.kinds.contains(&r.kind)) {
            let label = &inv.origins[&r.address].label;
            let n = name(label);
            if !(n.starts_with("pass") || n.starts_with("fail") || n.starts_with("unknown"))
                && judged.contains(label)
            {
                failures.push(format!(
                    "{}: `{label}` is named as out of scope but was judged",
                    c.id
                ));
            }
        }
        if expected[1].is_empty() {
            failures.push(format!("{}: the fixture has no failing resource", c.id));
        }
        if expected[0].is_empty() && !NO_PASS_VARIANT.contains(&c.id) {
            failures.push(format!("{}: the fixture has no passing resource", c.id));
        }
        for (i, what) in ["pass", "fail", "unknown"].iter().enumerate() {
            if expected[i] != actual[i] {
                failures.push(format!(
                    "{}: expected {what} {:?}, got {:?}\n   messages: {:?}",
                    c.id,
                    expected[i],
                    actual[i],
                    eval.findings
                        .iter()
                        .map(|f| (&inv.origins[&f.address].label, f.status, &f.message))
                        .collect::<Vec<_>>()
                ));
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} controls:\n{}",
        failures.len(),
        checked,
        failures.join("\n")
    );
    assert!(checked >= 100, "only {checked} controls have fixtures");
}

#[test]
fn the_catalog_meets_its_first_cut_sizes_and_ids_are_unique() {
    let mut ids = BTreeSet::new();
    for c in catalog() {
        assert!(ids.insert(c.id), "duplicate id {}", c.id);
        assert!(c.id.starts_with("STRATA-"), "{}", c.id);
        assert!(
            !c.title.is_empty() && !c.rationale.is_empty() && !c.remediation.is_empty(),
            "{}",
            c.id
        );
    }
    let count = |p: &str| catalog().iter().filter(|c| c.id.starts_with(p)).count();
    assert!(
        count("STRATA-AWS-") >= 100,
        "{} AWS controls",
        count("STRATA-AWS-")
    );
}

#[test]
fn every_control_maps_to_a_requirement_and_every_mapping_names_a_control() {
    assert_eq!(
        frameworks::all().len(),
        6,
        "a framework file failed to parse"
    );
    for c in catalog() {
        assert!(
            !frameworks::requirements_of(c.id).is_empty(),
            "{} maps to no requirement",
            c.id
        );
    }
    for f in frameworks::all() {
        let mut reqs = BTreeSet::new();
        for r in &f.requirements {
            assert!(
                reqs.insert(&r.id),
                "{}: requirement {} listed twice",
                f.id,
                r.id
            );
            assert!(!r.controls.is_empty(), "{} {} lists no control", f.id, r.id);
            for id in &r.controls {
                assert!(
                    strata_policy::control(id).is_some(),
                    "{} {} names unknown control {id}",
                    f.id,
                    r.id
                );
            }
        }
    }
}

#[test]
fn checkov_peers_name_known_controls_once() {
    let mut seen = BTreeSet::new();
    for (ours, theirs) in strata_policy::peers::CHECKOV {
        assert!(strata_policy::control(ours).is_some(), "{ours}");
        assert!(seen.insert(*ours), "{ours} listed twice");
        assert!(
            !theirs.is_empty() && theirs.iter().all(|t| t.starts_with("CKV")),
            "{ours}"
        );
    }
    assert_eq!(
        strata_policy::peers::strata_for("CKV_AWS_7"),
        vec!["STRATA-AWS-012"]
    );
}
