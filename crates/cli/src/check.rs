//! `strata check` and `strata report`: scan files into the graph, run the
//! control catalog, apply suppressions and baselines, print findings.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use strata_policy::output::{self, Located};
use strata_policy::{Control, Evaluation, Finding, Severity, Status};
use strata_scan::Inventory;

/// Annotation prefix of a per-resource waiver: `strata.dev/waive.<ID>: reason`.
pub const WAIVE_PREFIX: &str = strata_scan::WAIVE_ANNOTATION;

/// The meta-control for suppressions without a reason.
pub const UNREASONED: &str = "STRATA-SUP-001";

/// Controls selected by framework (all when none is given).
pub fn select(frameworks: &[String]) -> Result<Vec<&'static Control>> {
    if frameworks.is_empty() {
        return Ok(strata_policy::catalog().to_vec());
    }
    let mut ids = BTreeSet::new();
    for f in frameworks {
        let Some(fw) = strata_policy::frameworks::get(f) else {
            let known: Vec<&str> = strata_policy::frameworks::all()
                .iter()
                .map(|f| f.id.as_str())
                .collect();
            bail!("unknown framework `{f}` (known: {})", known.join(", "));
        };
        ids.extend(strata_policy::frameworks::controls_of(fw));
    }
    Ok(strata_policy::catalog()
        .iter()
        .copied()
        .filter(|c| ids.contains(c.id))
        .collect())
}

/// A baseline entry: a known failure accepted for now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct BaselineEntry {
    /// Control id.
    pub control: String,
    /// Resource label.
    pub resource: String,
    /// File.
    pub file: String,
}

/// Scans, evaluates and locates; returns the inventory, the findings (with
/// synthetic ones for unreasoned suppressions) and their locations.
pub struct Checked {
    /// What was read.
    pub inventory: Inventory,
    /// Verdicts, including meta findings.
    pub evaluation: Evaluation,
}

pub fn scan(paths: &[PathBuf], controls: &[&'static Control]) -> Checked {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let inventory = strata_scan::scan_paths(&refs);
    let mut evaluation = strata_policy::evaluate(&inventory.graph, controls);
    // A suppression without a reason is itself a finding.
    for s in &inventory.suppressions {
        if s.reason.is_none()
            && let Some(t) = &s.target
        {
            evaluation.findings.push(Finding {
                control: UNREASONED,
                address: t.clone(),
                status: Status::Fail,
                at: None,
                message: format!(
                    "the suppression of {} on line {} gives no reason",
                    s.control, s.line
                ),
            });
        }
    }
    Checked {
        inventory,
        evaluation,
    }
}

/// Locates every finding and marks the suppressed ones.
pub fn locate<'a>(checked: &'a Checked, baseline: &[BaselineEntry]) -> Vec<Located<'a>> {
    let inv = &checked.inventory;
    let mut sup: HashMap<(&strata_model::Address, &str), String> = HashMap::new();
    for s in &inv.suppressions {
        let (Some(t), Some(reason)) = (&s.target, &s.reason) else {
            continue;
        };
        let mut ids = vec![s.control.as_str()];
        ids.extend(strata_policy::peers::strata_for(&s.control));
        for id in ids {
            sup.insert((t, id), reason.clone());
        }
    }
    let base: BTreeSet<(&str, &str, &str)> = baseline
        .iter()
        .map(|b| (b.control.as_str(), b.resource.as_str(), b.file.as_str()))
        .collect();
    checked
        .evaluation
        .findings
        .iter()
        .map(|f| {
            let origin = inv.origins.get(&f.address);
            let (file, line, label) = match origin {
                Some(o) => (
                    Cow::Borrowed(o.file.as_str()),
                    o.line_of(f.at.as_deref()),
                    Cow::Borrowed(o.label.as_str()),
                ),
                None => (Cow::Borrowed(""), 0, Cow::Owned(f.address.to_string())),
            };
            let mut suppressed = sup.get(&(&f.address, f.control)).cloned();
            if suppressed.is_none()
                && f.status == Status::Fail
                && base.contains(&(f.control, label.as_ref(), file.as_ref()))
            {
                suppressed = Some("in the baseline".to_owned());
            }
            Located {
                finding: f,
                file,
                line,
                label,
                suppressed,
            }
        })
        .collect()
}

/// Output formats of `strata check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Findings grouped by file, with the offending line.
    Text,
    /// Every verdict as JSON.
    Json,
    /// SARIF 2.1.0 (code-scanning upload).
    Sarif,
    /// JUnit XML (CI test reports).
    Junit,
}

/// Runs `strata check`; returns the exit code.
#[allow(clippy::too_many_arguments)]
pub fn check(
    paths: &[PathBuf],
    frameworks: &[String],
    severity: Severity,
    format: CheckFormat,
    baseline: Option<&Path>,
    write_baseline: Option<&Path>,
    out: &mut dyn Write,
) -> Result<u8> {
    let controls: Vec<&'static Control> = select(frameworks)?
        .into_iter()
        .filter(|c| c.severity >= severity)
        .collect();
    let checked = scan(paths, &controls);
    let base: Vec<BaselineEntry> = match baseline {
        Some(p) => serde_json::from_slice(
            &std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| format!("{} is not a baseline file", p.display()))?,
        None => Vec::new(),
    };
    let items = locate(&checked, &base);
    if let Some(p) = write_baseline {
        let mut entries: Vec<BaselineEntry> = items
            .iter()
            .filter(|i| i.finding.status == Status::Fail && i.suppressed.is_none())
            .map(|i| BaselineEntry {
                control: i.finding.control.to_owned(),
                resource: i.label.to_string(),
                file: i.file.to_string(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        std::fs::write(p, serde_json::to_string_pretty(&entries)? + "\n")
            .with_context(|| format!("cannot write {}", p.display()))?;
        eprintln!(
            "wrote {} baseline entries to {}",
            entries.len(),
            p.display()
        );
    }
    // Each file read once, however many findings it has.
    let cache: std::cell::RefCell<HashMap<String, Option<Vec<String>>>> = Default::default();
    let source_line = |file: &str, line: u32| -> Option<String> {
        let mut c = cache.borrow_mut();
        let lines = c.entry(file.to_owned()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .ok()
                .map(|t| t.lines().map(str::to_owned).collect())
        });
        lines.as_ref()?.get(line.checked_sub(1)? as usize).cloned()
    };
    match format {
        CheckFormat::Text => {
            out.write_all(output::text(&items, &source_line).as_bytes())?;
            for p in &checked.inventory.problems {
                writeln!(
                    out,
                    "{}:{}:{}: error: {}",
                    p.file, p.line, p.column, p.message
                )?;
            }
            let (pass, fail, unknown, sup) = output::summary(&items);
            let uncovered: usize = checked.inventory.uncovered.values().sum();
            writeln!(
                out,
                "{} resources in {} files: {pass} passed, {fail} failed, {unknown} unknown, {sup} suppressed; {} unreadable; {uncovered} resources of kinds no control covers",
                checked.inventory.graph.len(),
                checked.inventory.files.len(),
                checked.inventory.problems.len(),
            )?;
        }
        CheckFormat::Json => {
            let problems: Vec<serde_json::Value> = checked
                .inventory
                .problems
                .iter()
                .map(|p| serde_json::json!({"file": p.file, "line": p.line, "column": p.column, "message": p.message}))
                .collect();
            output::write_json(&items, &problems, &mut *out)?;
            writeln!(out)?;
        }
        CheckFormat::Sarif => {
            output::write_sarif(&items, env!("CARGO_PKG_VERSION"), &mut *out)?;
            writeln!(out)?;
        }
        CheckFormat::Junit => out.write_all(output::junit(&items).as_bytes())?,
    }
    let failing = items.iter().any(|i| {
        i.finding.status == Status::Fail
            && i.suppressed.is_none()
            && strata_policy::control(i.finding.control).is_none_or(|c| c.severity >= severity)
    });
    let code = if !checked.inventory.problems.is_empty() {
        crate::exit::USAGE
    } else if failing {
        crate::exit::FINDINGS
    } else {
        0
    };
    // The process ends next: freeing a large scan's many small allocations
    // one by one would cost a tenth of its CPU time.
    std::mem::forget(items);
    std::mem::forget(checked);
    Ok(code)
}

/// Runs the controls of the frameworks each environment declares over the
/// plan; refuses (exit 1) when a high or critical control fails and the spec
/// does not waive it for that environment. Lower severities are printed as
/// warnings.
/// The ids of the controls the named frameworks map to (unknown names
/// contribute none).
pub(crate) fn controls_of_frameworks<'a>(
    names: impl Iterator<Item = &'a str>,
) -> BTreeSet<&'static str> {
    names
        .filter_map(strata_policy::frameworks::get)
        .flat_map(|fw| strata_policy::frameworks::controls_of(fw))
        .filter_map(|id| strata_policy::control(id).map(|c| c.id))
        .collect()
}

pub fn gate_plan(spec: &strata_spec::Spec, plan: &strata_model::Plan, notes: bool) -> Result<()> {
    // A waiver for a control that does not exist waives nothing: say so.
    for w in &spec.security.waivers {
        if strata_policy::control(&w.control).is_none() {
            let known: Vec<&str> = strata_policy::catalog().iter().map(|c| c.id).collect();
            let near = known
                .iter()
                .min_by_key(|k| {
                    let shared = k
                        .chars()
                        .zip(w.control.chars())
                        .take_while(|(a, b)| a == b)
                        .count();
                    (strsim::levenshtein(k, &w.control), usize::MAX - shared)
                })
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            eprintln!(
                "warning: security.waivers names `{}`, which is not a control{near}; `strata check --list` shows them",
                w.control
            );
        }
    }
    let resolved = strata_spec::resolve::resolve(spec);
    let mut wanted: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
    let mut all: BTreeSet<&'static str> = BTreeSet::new();
    for env in &resolved.envs {
        let ids = controls_of_frameworks(env.frameworks.iter().map(|f| f.as_str()));
        all.extend(ids.iter().copied());
        wanted.insert(
            strata_model::Ident::new(&env.name)
                .map(|i| i.to_string())
                .unwrap_or_default(),
            ids,
        );
    }
    let controls: Vec<&'static Control> = all
        .iter()
        .filter_map(|id| strata_policy::control(id))
        .collect();
    let eval = strata_policy::evaluate(&plan.graph, &controls);
    let mut blocking = 0;
    let mut lower: std::collections::BTreeMap<&'static str, usize> =
        std::collections::BTreeMap::new();
    let mut err = std::io::stderr().lock();
    for f in eval.failures() {
        let env = f.address.env.as_str();
        if !wanted.get(env).is_some_and(|ids| ids.contains(f.control)) {
            continue;
        }
        let waived = spec.security.waivers.iter().any(|w| {
            w.control == f.control
                && (w.environments.is_empty()
                    || w.environments.iter().any(|e| e.replace('-', "_") == env))
        });
        // A resource may carry its own waiver, with the reason, as an
        // annotation the rendered manifest keeps (`strata.dev/waive.<ID>`).
        let annotated = plan
            .graph
            .get(&f.address)
            .and_then(|r| r.get("annotations"))
            .and_then(strata_model::Value::as_map)
            .is_some_and(|m| m.contains_key(&format!("{WAIVE_PREFIX}{}", f.control)));
        let Some(c) = strata_policy::control(f.control) else {
            continue;
        };
        if waived || annotated {
            continue;
        }
        if c.severity < Severity::High {
            *lower.entry(c.id).or_default() += 1;
            continue;
        }
        blocking += 1;
        let at = match plan.graph.get(&f.address).map(|r| &r.source) {
            Some(strata_model::Provenance::Spec { file, line, column }) => {
                format!("{file}:{line}:{column}")
            }
            _ => String::new(),
        };
        writeln!(
            err,
            "{at}: error[{}]: {} ({}): {}",
            c.id, c.title, f.address, f.message
        )?;
    }
    for (id, n) in lower.iter().filter(|_| notes) {
        if let Some(c) = strata_policy::control(id) {
            writeln!(
                err,
                "note[{id}] ({}): {} — {n} resource(s); waive it or see `strata check`",
                c.severity.as_str(),
                c.title
            )?;
        }
    }
    if blocking > 0 {
        writeln!(
            err,
            "the plan violates {blocking} high/critical control(s) of its frameworks; fix the spec or waive them under security.waivers with a reason"
        )?;
        return Err(crate::Exit(crate::exit::FINDINGS).into());
    }
    Ok(())
}
