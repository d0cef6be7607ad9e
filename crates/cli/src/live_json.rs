//! `--output json` of the live commands that change things (`apply`,
//! `drift --fix`, `destroy`, `forget`): one JSON document on standard
//! output, documented in docs/live-json.md. Progress and prompts stay on
//! standard error.

use serde_json::{Value, json};
use strata_aws::engine::{Action, Report};

/// A run's outcome: every resource with what was done to it (in address
/// order), the counts, the calls made and the time taken.
pub(crate) fn report(r: &Report) -> Value {
    let mut results: Vec<(String, &Action)> =
        r.results.iter().map(|(a, x)| (a.to_string(), x)).collect();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let results: Vec<Value> = results
        .into_iter()
        .map(|(address, action)| {
            let mut item = json!({"address": address, "action": action.word()});
            match action {
                Action::Updated(attrs) | Action::Replaced(attrs) => {
                    item["attributes"] = json!(attrs);
                }
                Action::Skipped(why) | Action::Failed(why) => item["message"] = json!(why),
                Action::Blocked(by) => item["blocked_by"] = json!(by.to_string()),
                _ => {}
            }
            item
        })
        .collect();
    let recovered: Vec<Value> = r
        .recovered
        .iter()
        .map(|(address, call)| json!({"address": address, "call": call}))
        .collect();
    json!({
        "results": results,
        "counts": r.counts(),
        "failed": r.failed(),
        "mutating_calls": r.mutating_calls,
        "read_calls": r.read_calls,
        "wall_seconds": r.wall.as_secs_f64(),
        "critical_path_seconds": r.critical_path.as_secs_f64(),
        "recovered": recovered,
    })
}

/// Prints a document.
pub(crate) fn print(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
