//! Render time for generated specs: `cargo bench -p strata-render --bench render`.
//! Prints files and bytes rendered and the median render time per size.

use std::time::{Duration, Instant};

#[path = "../../planner/benches/synthetic.rs"]
mod synthetic;

fn main() {
    let filter: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    println!(
        "{:>9} {:>10} {:>7} {:>10} {:>12}",
        "services", "resources", "files", "MiB", "render (med)"
    );
    for n in [10usize, 100, 1000] {
        if filter.is_some_and(|f| f != n) {
            continue;
        }
        let text = synthetic::spec(n);
        let loaded = strata_spec::load("bench.yaml", text.as_bytes());
        let plan = strata_planner::plan(loaded.spec.as_ref().unwrap(), &loaded).unwrap();
        let runs = if n >= 1000 { 3 } else { 9 };
        let mut times: Vec<Duration> = Vec::new();
        let mut files = 0;
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let tree = strata_render::render(&plan).unwrap();
            times.push(t.elapsed());
            files = tree.len();
            bytes = tree.values().map(String::len).sum::<usize>();
        }
        times.sort();
        println!(
            "{n:>9} {:>10} {files:>7} {:>10.1} {:>10.1}ms",
            plan.graph.len(),
            bytes as f64 / 1_048_576.0,
            times[runs / 2].as_secs_f64() * 1e3
        );
    }
}
