//! Generated specs for benchmarks (shared by the plan and render benches).

/// A spec with `n` services (a mix of public, internal and workers with
/// dependencies) and `n / 10` data stores, in dev, staging and prod.
pub fn spec(n: usize) -> String {
    let mut y = String::from(
        "app: bench\nregion: us-east-1\nruntime: eks\nenvironments:\n  dev: {}\n  staging: {}\n  prod: {}\nedge: {domain: bench.example.com}\n",
    );
    let stores = (n / 10).max(1);
    let engines = ["aurora-postgresql", "redis", "sqs", "s3"];
    y.push_str("data:\n");
    for i in 0..stores {
        y.push_str(&format!(
            "  d{i}: {{engine: {}}}\n",
            engines[i % engines.len()]
        ));
    }
    y.push_str("services:\n");
    for i in 0..n {
        let expose = match i % 10 {
            0 => "public",
            9 => "none",
            _ => "internal",
        };
        let mut deps = vec![format!("d{}", i % stores)];
        if i > 0 && (i - 1) % 10 != 9 {
            deps.push(format!("s{}", i - 1));
        }
        y.push_str(&format!(
            "  s{i}:\n    expose: {expose}\n    path: /s{i}\n    depends_on: [{}]\n    secrets: {{TOKEN: bench/s{i}-token}}\n    deploy: {{strategy: {}}}\n",
            deps.join(", "),
            if i % 3 == 0 { "canary" } else { "rolling" }
        ));
    }
    y
}
