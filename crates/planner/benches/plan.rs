//! Plan time for generated specs of 10, 100 and 1,000 services across three
//! environments: `cargo bench -p strata-planner --bench plan`.
//!
//! Prints, per size: the spec size, resources planned, and the median of
//! several runs of load+validate and of planning, plus resources per second.
//! A benchmark, not a test: nothing here asserts a time.

use std::time::{Duration, Instant};

#[path = "synthetic.rs"]
mod synthetic;
use synthetic::spec;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks sizes.
    let filter: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    println!(
        "{:>9} {:>10} {:>10} {:>12} {:>12} {:>14}",
        "services", "spec KiB", "resources", "load (med)", "plan (med)", "resources/s"
    );
    for n in [10usize, 100, 1000] {
        if filter.is_some_and(|f| f != n) {
            continue;
        }
        let text = spec(n);
        let runs = if n >= 1000 { 5 } else { 15 };
        let mut loads = Vec::new();
        let mut plans = Vec::new();
        let mut resources = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let loaded = strata_spec::load("bench.yaml", text.as_bytes());
            loads.push(t.elapsed());
            assert!(
                !loaded.has_errors(),
                "{:#?}",
                &loaded.diagnostics[..loaded.diagnostics.len().min(3)]
            );
            let t = Instant::now();
            let plan = strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap();
            plans.push(t.elapsed());
            resources = plan.graph.len();
        }
        let (l, p) = (median(loads), median(plans));
        println!(
            "{n:>9} {:>10.1} {resources:>10} {:>10.1}ms {:>10.1}ms {:>14.0}",
            text.len() as f64 / 1024.0,
            l.as_secs_f64() * 1e3,
            p.as_secs_f64() * 1e3,
            resources as f64 / p.as_secs_f64()
        );
    }
}
