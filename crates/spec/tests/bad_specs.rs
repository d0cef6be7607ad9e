//! The corpus of bad specs under `tests/fixtures/bad/`: every file must fail
//! validation, never panic, and report exactly the diagnostics in its
//! snapshot (location, code, message, hint, and the underlined rendering).

use std::path::Path;
use std::time::Instant;

use miette::{GraphicalReportHandler, GraphicalTheme};
use strata_spec::load;

fn render(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let name = format!("bad/{}", path.file_name().unwrap().to_string_lossy());
    let loaded = load(&name, &bytes);
    assert!(
        loaded.has_errors(),
        "{name} must fail validation, got {:?}",
        loaded.diagnostics
    );
    let mut out = String::new();
    for d in &loaded.diagnostics {
        out.push_str(&loaded.source.short(d));
        out.push('\n');
    }
    out.push_str("\n----- rendered -----\n");
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    for d in &loaded.diagnostics {
        handler
            .render_report(&mut out, &loaded.source.located(d))
            .unwrap();
    }
    out
}

#[test]
fn every_bad_spec_reports_its_exact_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bad");
    let count = std::fs::read_dir(&dir).unwrap().count();
    assert!(
        count >= 30,
        "the corpus has {count} files; keep at least 30"
    );
    insta::glob!("../../../tests/fixtures/bad", "*.yaml", |path| {
        insta::assert_snapshot!(render(path));
    });
}

/// Inputs built to exhaust a naive parser all end in a located error, fast.
#[test]
fn hostile_inputs_are_bounded_in_time_and_memory() {
    let deep_flow = format!(
        "app: x\ntags: {}{}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let deep_block: String = std::iter::once("app: x\ntags:\n".to_owned())
        .chain((1..500).map(|i| format!("{}k{i}:\n", "  ".repeat(i))))
        .collect();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let huge = format!(
        "app: x\ntags:\n{}",
        (0..400_000)
            .map(|i| format!("  k{i}: v\n"))
            .collect::<String>()
    );
    let wide: String = format!(
        "app: x\nservices:\n{}",
        (0..5_000)
            .map(|i| format!("  s{i}: {{depends_on: [s{}]}}\n", (i + 1) % 5_000))
            .collect::<String>()
    );
    for (what, input) in [
        ("deep flow", deep_flow),
        ("deep block", deep_block),
        ("alias bomb", bomb),
        ("huge", huge),
        ("5000 services in a cycle", wide),
    ] {
        let start = Instant::now();
        let loaded = load(what, input.as_bytes());
        assert!(loaded.has_errors(), "{what}: expected an error");
        for d in &loaded.diagnostics {
            assert!(d.span.end <= input.len(), "{what}: span out of bounds");
        }
        // Generous: this guards against exponential blow-ups, not speed.
        assert!(
            start.elapsed().as_secs() < 60,
            "{what} took {:?}",
            start.elapsed()
        );
    }
}

/// Arbitrary bytes never panic and always give a located answer.
#[test]
fn arbitrary_bytes_never_panic() {
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cases = AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..400), |bytes| {
            cases.fetch_add(1, Ordering::Relaxed);
            let loaded = load("fuzz.yaml", &bytes);
            for d in &loaded.diagnostics {
                prop_assert!(d.span.start <= loaded.source.text.len());
            }
            Ok(())
        })
        .unwrap();
    // Mutations of a valid spec, which reach deeper than random bytes.
    let base = include_str!("../../../examples/ecs-fargate-aurora/strata.yaml");
    runner
        .run(
            &(0..base.len(), any::<u8>(), 0..4usize),
            |(at, byte, op)| {
                let mut b = base.as_bytes().to_vec();
                match op {
                    0 => b[at] = byte,
                    1 => {
                        b.remove(at);
                    }
                    2 => b.insert(at, byte),
                    _ => b.truncate(at),
                }
                let loaded = load("mutated.yaml", &b);
                for d in &loaded.diagnostics {
                    prop_assert!(d.span.start <= loaded.source.text.len());
                }
                Ok(())
            },
        )
        .unwrap();
}
