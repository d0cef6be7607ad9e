//! Findings as text, JSON, SARIF 2.1.0 and JUnit XML, and compliance reports
//! as Markdown and HTML. Pure functions of the results: the caller supplies
//! locations and source lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use crate::{Finding, Severity, Status, control};

/// A finding with where it is written.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The verdict.
    pub finding: &'a Finding,
    /// File (or spec) it points at.
    pub file: std::borrow::Cow<'a, str>,
    /// 1-based line.
    pub line: u32,
    /// The resource's own name (`aws_s3_bucket.logs`, or the graph address).
    pub label: std::borrow::Cow<'a, str>,
    /// The reason, when a suppression or waiver covers it.
    pub suppressed: Option<String>,
}

fn severity_of(id: &str) -> Severity {
    control(id).map_or(Severity::Low, |c| c.severity)
}

/// Human text: failures grouped by file, each with its offending line.
pub fn text(items: &[Located<'_>], source_line: &dyn Fn(&str, u32) -> Option<String>) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Located<'_>>> = BTreeMap::new();
    for i in items
        .iter()
        .filter(|i| i.finding.status != Status::Pass && i.suppressed.is_none())
    {
        by_file.entry(&i.file).or_default().push(i);
    }
    let mut out = String::new();
    for (file, mut list) in by_file {
        list.sort_by_key(|i| (i.line, i.finding.control));
        let _ = writeln!(out, "{file}");
        for i in list {
            let f = i.finding;
            let title = control(f.control).map_or("", |c| c.title);
            let sev = if f.status == Status::Unknown {
                "unknown".to_owned()
            } else {
                severity_of(f.control).as_str().to_owned()
            };
            let _ = writeln!(
                out,
                "  {}:{} {} [{}] {}",
                file, i.line, f.control, sev, title
            );
            let _ = writeln!(out, "    {}: {}", i.label, f.message);
            if let Some(src) = source_line(file, i.line) {
                let _ = writeln!(out, "    {:>5} | {}", i.line, src.trim_end());
            }
        }
        out.push('\n');
    }
    out
}

/// Counts by status, for the summary line.
pub fn summary(items: &[Located<'_>]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for i in items {
        if i.suppressed.is_some() {
            c.3 += 1;
            continue;
        }
        match i.finding.status {
            Status::Pass => c.0 += 1,
            Status::Fail => c.1 += 1,
            Status::Unknown => c.2 += 1,
        }
    }
    c
}

#[derive(serde::Serialize)]
struct Row<'a> {
    control: &'a str,
    title: Option<&'a str>,
    severity: Option<&'a str>,
    status: crate::Status,
    resource: &'a str,
    address: &'a strata_model::Address,
    file: &'a str,
    line: u32,
    attribute: &'a Option<String>,
    message: &'a str,
    suppressed: &'a Option<String>,
}

#[derive(serde::Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    unknown: usize,
    suppressed: usize,
}

#[derive(serde::Serialize)]
struct Doc<'a, P: serde::Serialize> {
    summary: Summary,
    results: Rows<'a>,
    problems: &'a [P],
}

/// The results, serialised one row at a time (never all rows at once).
struct Rows<'a>(&'a [Located<'a>]);

impl serde::Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|i| {
            let c = control(i.finding.control);
            Row {
                control: i.finding.control,
                title: c.map(|c| c.title),
                severity: c.map(|c| c.severity.as_str()),
                status: i.finding.status,
                resource: &i.label,
                address: &i.finding.address,
                file: &i.file,
                line: i.line,
                attribute: &i.finding.at,
                message: &i.finding.message,
                suppressed: &i.suppressed,
            }
        }))
    }
}

/// JSON: the summary, every verdict with its location, and the files that
/// could not be read — written as it is serialised (no intermediate tree:
/// large scans stay small in memory).
pub fn write_json<P: serde::Serialize>(
    items: &[Located<'_>],
    problems: &[P],
    w: &mut dyn std::io::Write,
) -> serde_json::Result<()> {
    let (passed, failed, unknown, suppressed) = summary(items);
    let results = Rows(items);
    let doc = Doc {
        summary: Summary {
            passed,
            failed,
            unknown,
            suppressed,
        },
        results,
        problems,
    };
    serde_json::to_writer_pretty(w, &doc)
}

/// SARIF 2.1.0, one run; failures and unknowns as results (suppressed ones
/// carry a `suppressions` entry, as the format intends).
/// SARIF 2.1.0 written as it is serialised (results one at a time).
pub fn write_sarif(
    items: &[Located<'_>],
    version: &str,
    w: &mut dyn std::io::Write,
) -> serde_json::Result<()> {
    let mut rule_ids: Vec<&str> = items
        .iter()
        .filter(|i| i.finding.status != Status::Pass)
        .map(|i| i.finding.control)
        .collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .filter_map(|id| control(id))
        .map(|c| {
            let reqs: Vec<String> = crate::frameworks::requirements_of(c.id).into_iter().map(|(f, r)| format!("{} {}", f.id, r.id)).collect();
            json!({
                "id": c.id,
                "name": c.id.replace('-', ""),
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": c.rationale },
                "help": { "text": c.remediation },
                "defaultConfiguration": { "level": level(c.severity) },
                "properties": {
                    "tags": reqs,
                    "security-severity": match c.severity { Severity::Critical => "9.5", Severity::High => "8.0", Severity::Medium => "5.5", Severity::Low => "3.0" },
                },
            })
        })
        .collect();
    let results = SarifResults {
        items,
        rule_ids: &rule_ids,
    };
    let doc = SarifDoc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: json!({ "driver": {
                "name": "strata",
                "version": version,
                "informationUri": "https://example.invalid/strata",
                "rules": rules,
            }}),
            results,
        }],
    };
    serde_json::to_writer_pretty(w, &doc)
}

#[derive(serde::Serialize)]
struct SarifDoc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(serde::Serialize)]
struct SarifRun<'a> {
    tool: serde_json::Value,
    results: SarifResults<'a>,
}

struct SarifResults<'a> {
    items: &'a [Located<'a>],
    rule_ids: &'a [&'a str],
}

impl serde::Serialize for SarifResults<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rule_ids = self.rule_ids;
        s.collect_seq(self.items.iter().filter(|i| i.finding.status != Status::Pass).map(|i| {
            let f = i.finding;
            let mut r = json!({
                "ruleId": f.control,
                "ruleIndex": rule_ids.iter().position(|x| *x == f.control).unwrap_or(0),
                "level": if f.status == Status::Unknown { "note" } else { level(severity_of(f.control)) },
                "message": { "text": format!("{}: {}", i.label, f.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&i.file),
                        "region": { "startLine": i.line.max(1) },
                    },
                    "logicalLocations": [{ "fullyQualifiedName": i.label }],
                }],
            });
            if let Some(reason) = &i.suppressed {
                r["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            r
        }))
    }
}

/// A SARIF artifact location: absolute paths as `file://` URIs, relative
/// ones relative to `%SRCROOT%` (where the scan ran).
fn artifact(file: &str) -> serde_json::Value {
    let encoded: String = file
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_owned(),
            '#' => "%23".to_owned(),
            '%' => "%25".to_owned(),
            '?' => "%3F".to_owned(),
            c => c.to_string(),
        })
        .collect();
    if file.starts_with('/') {
        json!({ "uri": format!("file://{encoded}") })
    } else {
        json!({ "uri": encoded.trim_start_matches("./"), "uriBaseId": "%SRCROOT%" })
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a test suite per control, a test case per resource checked.
pub fn junit(items: &[Located<'_>]) -> String {
    let mut by_control: BTreeMap<&str, Vec<&Located<'_>>> = BTreeMap::new();
    for i in items {
        by_control.entry(i.finding.control).or_default().push(i);
    }
    let (_, failed, unknown, _) = summary(items);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"strata check\" tests=\"{}\" failures=\"{failed}\" errors=\"{unknown}\">",
        items.len()
    );
    for (id, list) in by_control {
        let fails = list
            .iter()
            .filter(|i| i.finding.status == Status::Fail && i.suppressed.is_none())
            .count();
        let errs = list
            .iter()
            .filter(|i| i.finding.status == Status::Unknown && i.suppressed.is_none())
            .count();
        let skipped = list.iter().filter(|i| i.suppressed.is_some()).count();
        let title = control(id).map_or("", |c| c.title);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{id}\" tests=\"{}\" failures=\"{fails}\" errors=\"{errs}\" skipped=\"{skipped}\">",
            list.len()
        );
        for i in list {
            let _ = write!(
                out,
                "    <testcase classname=\"{id}\" name=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&i.label),
                xml(&i.file),
                i.line
            );
            match (&i.suppressed, i.finding.status) {
                (Some(r), _) => {
                    let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(r));
                }
                (None, Status::Pass) => out.push_str("/>\n"),
                (None, Status::Fail) => {
                    let _ = writeln!(
                        out,
                        "><failure message=\"{}\" type=\"{}\">{}:{}: {}</failure></testcase>",
                        xml(&i.finding.message),
                        xml(title),
                        xml(&i.file),
                        i.line,
                        xml(&i.finding.message)
                    );
                }
                (None, Status::Unknown) => {
                    let _ = writeln!(
                        out,
                        "><error message=\"{}\"/></testcase>",
                        xml(&i.finding.message)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A compliance report for one framework: requirement → controls → results.
pub fn report_markdown(framework: &crate::Framework, items: &[Located<'_>]) -> String {
    let mut out = format!("# {} — compliance report\n\n", framework.title);
    let (p, f, u, s) = summary(items);
    let _ = writeln!(
        out,
        "{p} checks passed, {f} failed, {u} unknown, {s} suppressed.\n"
    );
    out.push_str("| Requirement | Control | Severity | Passed | Failed | Status |\n|---|---|---|---:|---:|---|\n");
    for r in &framework.requirements {
        for id in &r.controls {
            let (pass, fail) = counts(items, id);
            let status = if fail > 0 {
                "FAIL"
            } else if pass > 0 {
                "pass"
            } else {
                "not evaluated"
            };
            let c = control(id);
            let _ = writeln!(
                out,
                "| {} {} | {} {} | {} | {pass} | {fail} | {status} |",
                r.id,
                r.title.replace('|', "/"),
                id,
                c.map_or("", |c| c.title).replace('|', "/"),
                c.map_or("", |c| c.severity.as_str()),
            );
        }
    }
    out
}

fn counts(items: &[Located<'_>], id: &str) -> (usize, usize) {
    items
        .iter()
        .filter(|i| i.finding.control == id && i.suppressed.is_none())
        .fold((0, 0), |(p, f), i| match i.finding.status {
            Status::Pass => (p + 1, f),
            Status::Fail => (p, f + 1),
            Status::Unknown => (p, f),
        })
}

/// The same report as a standalone HTML page.
pub fn report_html(framework: &crate::Framework, items: &[Located<'_>]) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}.FAIL{{color:#b00;font-weight:bold}}.pass{{color:#070}}</style></head><body>\n<h1>{t} — compliance report</h1>\n<table><thead><tr><th>Requirement</th><th>Control</th><th>Severity</th><th>Passed</th><th>Failed</th><th>Status</th></tr></thead><tbody>\n",
        t = xml(&framework.title)
    );
    for r in &framework.requirements {
        for id in &r.controls {
            let (pass, fail) = counts(items, id);
            let status = if fail > 0 {
                "FAIL"
            } else if pass > 0 {
                "pass"
            } else {
                "not evaluated"
            };
            let c = control(id);
            let _ = writeln!(
                out,
                "<tr><td>{} {}</td><td>{} {}</td><td>{}</td><td>{pass}</td><td>{fail}</td><td class=\"{status}\">{status}</td></tr>",
                xml(&r.id),
                xml(&r.title),
                xml(id),
                xml(c.map_or("", |c| c.title)),
                c.map_or("", |c| c.severity.as_str()),
            );
        }
    }
    out.push_str("</tbody></table>\n</body></html>\n");
    out
}
