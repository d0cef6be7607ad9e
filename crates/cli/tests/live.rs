//! The live engine end to end: the real `strata` binary against a real moto
//! server (HTTP, SigV4-signed by the AWS SDK), checked with an independent
//! client (boto3) and the emulator's own state.

#[allow(dead_code)] // shared with the other test binaries
mod common;
#[path = "common/moto.rs"]
mod moto;

use std::path::Path;

use common::{root, text};
use moto::{FaultProxy, Moto, strata_live};

const ENV: &str = "dev";

fn spec() -> String {
    root()
        .join("examples/ecs-fargate-aurora")
        .display()
        .to_string()
}

/// The example with `from` replaced once by `to`, written to `dir/name`;
/// returns that folder, as `spec()` does.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let yaml =
        std::fs::read_to_string(root().join("examples/ecs-fargate-aurora/strata.yaml")).unwrap();
    let changed = yaml.replacen(from, to, 1);
    assert_ne!(changed, yaml, "the example has `{from}`");
    let folder = dir.join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("strata.yaml"), changed).unwrap();
    folder.display().to_string()
}

fn run(args: &[&str], dir: &Path, endpoint: &str) -> std::process::Output {
    run_env(args, dir, endpoint, &[])
}

/// Runs `strata ARGS` against `endpoint` with its journal in `dir`.
fn run_env(
    args: &[&str],
    dir: &Path,
    endpoint: &str,
    env: &[(&str, String)],
) -> std::process::Output {
    let state = dir.join("state.db").display().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--endpoint-url", endpoint, "--state", &state]);
    strata_live(&all, dir, env)
}

fn apply(dir: &Path, endpoint: &str) -> std::process::Output {
    run(&["apply", &spec(), "--env", ENV, "--yes"], dir, endpoint)
}

/// `N mutating calls` from an apply's summary line.
fn mutating_calls(stdout: &str) -> u64 {
    let line = stdout.lines().last().unwrap_or_default();
    let before = line.split(" mutating calls").next().unwrap();
    before
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no count in {line:?}"))
}

fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn apply_verify_reapply_drift_fix_destroy() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());

    // A dry run reads only and says what an apply would do.
    let dry = run(
        &["apply", &spec(), "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&dry, "apply --dry-run");
    let said = text(&dry.stderr);
    assert!(said.contains("  + dev.network.aws_vpc.main\n"), "{said}");
    let planned: usize = said
        .lines()
        .find_map(|l| l.strip_prefix("plan: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no plan line in {said}"));
    assert_eq!(
        moto.inventory(),
        serde_json::json!([]),
        "a dry run makes nothing"
    );

    // Apply.
    let first = apply(dir.path(), &moto.url);
    assert_ok(&first, "apply");
    let made = mutating_calls(&text(&first.stdout));
    let created: usize = text(&first.stdout)
        .split(" created")
        .next()
        .and_then(|h| h.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert_eq!(
        created, planned,
        "the dry run announced what the apply created"
    );
    assert!(made > 100, "a first apply makes calls: {made}");

    // Read back with another client: what was made, and its security properties.
    let inventory = moto.inventory();
    let kinds: std::collections::BTreeSet<&str> = inventory
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    for k in [
        "vpc",
        "subnet",
        "nat",
        "route",
        "security_group",
        "sg_rule",
        "flow_log",
        "kms_key",
        "iam_role",
        "bucket",
        "secret",
        "ecr_repository",
        "metric_filter",
        "codebuild_project",
        "scalable_target",
        "scaling_policy",
        "config_recorder",
        "config_recording",
        "config_channel",
        "securityhub",
    ] {
        assert!(kinds.contains(k), "no {k} in {inventory:#}");
    }
    // Account and region baselines, as the spec's security section asks.
    let has = |row: serde_json::Value| inventory.as_array().unwrap().contains(&row);
    assert!(
        has(serde_json::json!(["password_policy", "14"])),
        "{inventory:#}"
    );
    assert!(has(serde_json::json!([
        "account_public_access_block",
        "True"
    ])));
    assert!(has(serde_json::json!([
        "ebs_encryption_by_default",
        "True"
    ])));
    assert!(has(serde_json::json!([
        "scalable_target",
        "service/shop-dev-cluster/web",
        "2",
        "8"
    ])));
    let filters = inventory
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[0] == "metric_filter")
        .count();
    assert_eq!(
        filters, 9,
        "the CIS metric filters on the trail's log group"
    );
    let props = moto.py(&moto.url, &["properties"]);
    for (key, on) in props["kms_rotation"].as_object().unwrap() {
        assert_eq!(on, true, "rotation off on {key}");
    }
    assert_eq!(props["kms_rotation"].as_object().unwrap().len(), 2);
    for (name, b) in props["buckets"].as_object().unwrap() {
        assert_eq!(b["public_access_blocked"], true, "{name}");
        assert_eq!(b["versioning"], "Enabled", "{name}");
        assert_eq!(b["policy_denies_insecure_transport"], true, "{name}");
    }
    assert_eq!(
        props["world_ingress_ports"],
        serde_json::json!([80, 443]),
        "only the load balancer is open to the world"
    );
    assert_eq!(
        props["default_group_rules"], 0,
        "the default group is emptied"
    );
    for (name, g) in props["log_groups"].as_object().unwrap() {
        assert_eq!(g["retention"], 365, "{name}");
        assert_eq!(g["kms"], true, "{name}");
    }
    assert_eq!(
        props["ecr"]["shop/web"],
        serde_json::json!({"immutable": true, "scan_on_push": true, "kms": true})
    );
    assert_eq!(props["vpcs_with_flow_logs"], 1);

    // Re-apply: nothing changed, so nothing is written.
    let again = apply(dir.path(), &moto.url);
    assert_ok(&again, "re-apply");
    assert_eq!(
        mutating_calls(&text(&again.stdout)),
        0,
        "{}",
        text(&again.stdout)
    );
    assert_eq!(moto.inventory(), inventory, "a re-apply creates nothing");

    // No drift yet.
    let clean = run(&["drift", &spec(), "--env", ENV], dir.path(), &moto.url);
    assert_ok(&clean, "drift on a fresh apply");

    // Out-of-band changes: SSH opened to the world, rotation off.
    moto.py(&moto.url, &["tamper", "shop", ENV]);
    let drift = run(
        &["drift", &spec(), "--env", ENV, "-o", "json"],
        dir.path(),
        &moto.url,
    );
    assert_eq!(
        drift.status.code(),
        Some(4),
        "drift exits 4: {}",
        text(&drift.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&drift.stdout).unwrap();
    let drifted: Vec<(String, Vec<String>)> = report["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap().to_owned(),
                d["differences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["attribute"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        drifted,
        vec![
            (
                "dev.network.aws_security_group.svc_web".to_owned(),
                vec!["unmanaged_rules".to_owned()]
            ),
            (
                "dev.security.aws_kms_key.data".to_owned(),
                vec!["enable_key_rotation".to_owned()]
            ),
        ],
        "{report:#}"
    );
    // Each points at the spec line that owns it.
    for d in report["drifted"].as_array().unwrap() {
        assert!(
            d["source"].as_str().unwrap().contains("strata.yaml:"),
            "{d}"
        );
    }
    let dry = run(
        &["apply", &spec(), "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    let said = text(&dry.stderr);
    assert!(
        said.contains("  ~ dev.security.aws_kms_key.data (enable_key_rotation)"),
        "{said}"
    );
    assert!(said.contains("plan: 0 to create, 2 to update"), "{said}");
    let text_report = run(&["drift", &spec(), "--env", ENV], dir.path(), &moto.url);
    let shown = text(&text_report.stdout);
    assert!(
        shown.contains("enable_key_rotation: spec true ≠ live false"),
        "{shown}"
    );
    assert!(shown.contains("\"peer\":\"0.0.0.0/0\""), "{shown}");

    // The audit sees the live weakness the plan did not have.
    let audit = run(&["audit", &spec(), "--env", ENV], dir.path(), &moto.url);
    let audited = text(&audit.stdout);
    assert_eq!(
        audit.status.code(),
        Some(1),
        "{audited}\n{}",
        text(&audit.stderr)
    );
    assert!(audited.contains("aws_kms_key.data"), "{audited}");
    assert!(audited.contains("unmanaged_sgr"), "{audited}");

    // Repair, reported as one JSON document: what drifted, then the run
    // that repaired it.
    let fix = run(
        &[
            "drift",
            &spec(),
            "--env",
            ENV,
            "--fix",
            "--yes",
            "-o",
            "json",
        ],
        dir.path(),
        &moto.url,
    );
    assert_ok(&fix, "drift --fix");
    let fixed: serde_json::Value = serde_json::from_slice(&fix.stdout).unwrap();
    assert_eq!(fixed["drifted"].as_array().unwrap().len(), 2, "{fixed:#}");
    assert_eq!(fixed["repaired"]["failed"], false, "{fixed:#}");
    let updated: Vec<&str> = fixed["repaired"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "updated")
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert!(
        updated.contains(&"dev.security.aws_kms_key.data"),
        "{fixed:#}"
    );
    let after = run(&["drift", &spec(), "--env", ENV], dir.path(), &moto.url);
    assert_ok(&after, "drift after --fix");
    let props = moto.py(&moto.url, &["properties"]);
    assert_eq!(props["world_ingress_ports"], serde_json::json!([80, 443]));
    assert!(
        props["kms_rotation"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == true)
    );

    // A rule widened out of band is narrowed again in place: the same rule
    // (ModifySecurityGroupRules), never a moment without it.
    let widened = moto.py(&moto.url, &["widen", "shop", ENV]);
    let dry = run(
        &["apply", &spec(), "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    let said = text(&dry.stderr);
    assert!(
        said.contains("~ dev.network.aws_vpc_security_group_ingress_rule.endpoints_https"),
        "{said}"
    );
    assert!(said.contains("1 to update, 0 to replace"), "{said}");
    let fix = run(
        &["drift", &spec(), "--env", ENV, "--fix", "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&fix, "drift --fix narrowing a rule");
    assert!(
        text(&fix.stdout).contains("1 updated"),
        "{}",
        text(&fix.stdout)
    );
    assert_ok(
        &run(&["drift", &spec(), "--env", ENV], dir.path(), &moto.url),
        "drift after the rule was narrowed",
    );
    assert_eq!(moto.inventory(), inventory, "one rule, as before");
    let rule = moto.py(&moto.url, &["rule", widened["rule"].as_str().unwrap()]);
    assert_ne!(
        rule["CidrIpv4"], "0.0.0.0/0",
        "the same rule, narrowed: {rule}"
    );

    // What the spec drops, apply deletes: the STS endpoint left out of the
    // endpoint list is previewed as `-`, deleted, and no longer drift; put
    // back, it is made again.
    let narrower = variant(
        dir.path(),
        "narrower",
        "\nsecurity:\n",
        "\nnetwork:\n  endpoints: [s3, ecr-api, ecr-dkr, logs, secrets-manager]\n\nsecurity:\n",
    );
    let sts = "dev.network.aws_vpc_endpoint.sts";
    let drift = run(&["drift", &narrower, "--env", ENV], dir.path(), &moto.url);
    assert_eq!(
        drift.status.code(),
        Some(4),
        "an owned resource the spec dropped is drift"
    );
    assert!(
        text(&drift.stdout)
            .lines()
            .any(|l| l.starts_with(&format!("! {sts} "))
                && l.ends_with("is owned but no longer in the spec (`apply` deletes it)")),
        "{}",
        text(&drift.stdout)
    );
    let dry = run(
        &["apply", &narrower, "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    let said = text(&dry.stderr);
    assert!(said.contains(&format!("  - {sts} (vpce-")), "{said}");
    assert!(said.contains("0 to replace, 1 to delete"), "{said}");
    let pruned = run(
        &["apply", &narrower, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&pruned, "apply without the STS endpoint");
    assert!(
        text(&pruned.stdout).contains("1 deleted"),
        "{}",
        text(&pruned.stdout)
    );
    assert_ok(
        &run(&["drift", &narrower, "--env", ENV], dir.path(), &moto.url),
        "drift after the endpoint was deleted",
    );
    let endpoints = |inv: &serde_json::Value| {
        inv.as_array()
            .unwrap()
            .iter()
            .filter(|r| r[0] == "vpc_endpoint")
            .count()
    };
    assert_eq!(endpoints(&moto.inventory()), endpoints(&inventory) - 1);
    let back = apply(dir.path(), &moto.url);
    assert_ok(&back, "apply with the STS endpoint again");
    assert!(
        text(&back.stdout).contains("1 created"),
        "{}",
        text(&back.stdout)
    );
    assert_eq!(moto.inventory(), inventory, "as before");

    // A trail deleted out of band is absent: audit never judges it on its
    // planned attributes, and the controls that need it fail; drift says
    // the same of it.
    let trail = "dev.security.aws_cloudtrail.main";
    let deleted = moto.py(&moto.url, &["delete_trail", ENV]);
    assert!(deleted.is_string(), "no trail tagged {trail}: {deleted}");
    let audit = run(&["audit", &spec(), "--env", ENV], dir.path(), &moto.url);
    let audited = text(&audit.stdout);
    assert_eq!(
        audit.status.code(),
        Some(1),
        "{audited}\n{}",
        text(&audit.stderr)
    );
    assert!(
        audited.contains(&format!("FAIL STRATA-AWS-100 [high] {trail}"))
            && audited.contains("absent: deleted out of band"),
        "{audited}"
    );
    let json = run(
        &["audit", &spec(), "--env", ENV, "-o", "json"],
        dir.path(),
        &moto.url,
    );
    assert_eq!(json.status.code(), Some(1), "{}", text(&json.stderr));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        report["absent"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["address"] == trail
                && a["why"]
                    .as_str()
                    .unwrap()
                    .starts_with("deleted out of band")),
        "{report:#}"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["address"] == trail
                && f["control"] == "STRATA-AWS-100"
                && f["status"] == "fail"),
        "{report:#}"
    );
    assert!(report["blocking"].as_u64().unwrap() >= 1, "{report:#}");
    let drift = run(&["drift", &spec(), "--env", ENV], dir.path(), &moto.url);
    assert_eq!(drift.status.code(), Some(4), "{}", text(&drift.stderr));
    assert!(
        text(&drift.stdout).contains(trail),
        "{}",
        text(&drift.stdout)
    );
    let back = run(
        &["apply", &spec(), "--env", ENV, "--yes", "-o", "json"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&back, "apply with the trail again");
    let applied: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    assert!(
        applied["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["address"] == trail && r["action"] == "created"),
        "{applied:#}"
    );
    assert_eq!(applied["counts"]["created"], 1, "{applied:#}");
    let audit = run(&["audit", &spec(), "--env", ENV], dir.path(), &moto.url);
    assert!(
        !text(&audit.stdout).contains(trail),
        "the trail is live again: {}",
        text(&audit.stdout)
    );

    // Destroy: nothing tagged remains.
    let destroy = run(
        &["destroy", &spec(), "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&destroy, "destroy");
    assert!(
        text(&destroy.stdout).contains("nothing tagged strata:app=shop strata:env=dev remains")
    );
    let left = moto.inventory();
    assert_eq!(left, serde_json::json!([]), "left after destroy");
    // What the tagging API still lists is exactly what strata explained as
    // kept by AWS by design (keys and secrets pending deletion, deleted NAT
    // gateways, inactive ECS objects, automated backups).
    let destroyed = text(&destroy.stdout);
    for arn in moto
        .py(&moto.url, &["tagged", "shop", ENV])
        .as_array()
        .unwrap()
    {
        let arn = arn.as_str().unwrap();
        assert!(
            destroyed.contains(&format!("  {arn} (")),
            "{arn} is left and unexplained:\n{destroyed}"
        );
    }
}

#[test]
fn a_killed_apply_converges_without_duplicates_or_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let clean_moto = Moto::start(dir.path());
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir_all(&clean_dir).unwrap();
    assert_ok(&apply(&clean_dir, &clean_moto.url), "clean apply");
    let clean = clean_moto.inventory();
    drop(clean_moto);

    let moto = Moto::start(dir.path());
    let work = dir.path().join("killed");
    std::fs::create_dir_all(&work).unwrap();
    // Killed after the 1st, 9th, 40th and 90th mutating call of successive
    // runs: each run dies right after a call returns and before its outcome
    // is journalled.
    for n in [1, 9, 40, 90] {
        let kill = [("STRATA_TEST_KILL_AFTER_CALLS", n.to_string())];
        let out = run_env(
            &["apply", &spec(), "--env", ENV, "--yes"],
            &work,
            &moto.url,
            &kill,
        );
        assert!(
            !out.status.success(),
            "the run was to be killed after {n} calls: {}",
            text(&out.stdout)
        );
    }
    let last = apply(&work, &moto.url);
    assert_ok(&last, "the run after the kills");
    assert!(
        text(&last.stderr).contains("interrupted"),
        "{}",
        text(&last.stderr)
    );
    assert_eq!(
        moto.inventory(),
        clean,
        "same resources as a clean apply, none twice"
    );
    let again = apply(&work, &moto.url);
    assert_ok(&again, "re-apply");
    assert_eq!(mutating_calls(&text(&again.stdout)), 0);
}

#[test]
fn apply_completes_through_throttling_and_server_errors() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    let proxy = FaultProxy::start(&moto.url, 7);
    let out = apply(dir.path(), &proxy.url);
    assert_ok(&out, "apply through the faulty proxy");
    let injected = proxy.injected.load(std::sync::atomic::Ordering::SeqCst);
    let forwarded = proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst);
    assert!(injected >= 20, "faults injected: {injected}");
    assert!(forwarded > 300, "calls that reached moto: {forwarded}");
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir_all(&clean_dir).unwrap();
    let reference = Moto::start(dir.path());
    assert_ok(&apply(&clean_dir, &reference.url), "clean apply");
    assert_eq!(moto.inventory(), reference.inventory());
}

#[test]
fn apply_refuses_without_a_terminal_or_yes_and_on_the_wrong_account() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    let out = run(&["apply", &spec(), "--env", ENV], dir.path(), &moto.url);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pass --yes"),
        "{}",
        text(&out.stderr)
    );
    // `test` is account 222222222222; the credentials are for 111111111111.
    let out = run(
        &["apply", &spec(), "--env", "test", "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("environment `test` is account 222222222222"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(moto.inventory(), serde_json::json!([]), "nothing was made");

    // The state file's `dev` is `shop`'s: another application's `dev` given
    // the same file is refused before anything is read or made, since its
    // apply would delete what `shop` owns and `blog` does not plan.
    let blog = variant(dir.path(), "blog", "app: shop", "app: blog");
    for cmd in ["apply", "drift", "destroy"] {
        let out = run(&[cmd, &blog, "--env", ENV, "--yes"], dir.path(), &moto.url);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out.stderr));
        let why = text(&out.stderr);
        assert!(
            why.contains("holds environment `dev` of application `shop`, not `blog`"),
            "{why}"
        );
    }
    assert_eq!(moto.inventory(), serde_json::json!([]), "nothing was made");

    // Another run holds the environment: apply and destroy refuse, saying who.
    let held =
        strata_aws::journal::RunLock::acquire(&dir.path().join("state.db"), ENV, "apply").unwrap();
    for cmd in ["apply", "destroy"] {
        let out = run(
            &[cmd, &spec(), "--env", ENV, "--yes"],
            dir.path(),
            &moto.url,
        );
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out.stderr));
        let why = text(&out.stderr);
        assert!(
            why.contains("another run is changing environment `dev` (`apply` by process"),
            "{why}"
        );
    }
    assert_eq!(moto.inventory(), serde_json::json!([]), "nothing was made");
    // Reading needs no lock.
    let dry = run(
        &["apply", &spec(), "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&dry, "a dry run beside a running apply");
    drop(held);
    let out = run(
        &["destroy", &spec(), "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&out, "destroy once the lock is free");
}

#[test]
fn account_settings_that_existed_before_strata_are_managed_then_left_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    moto.py(&moto.url, &["preset"]);
    let first = apply(dir.path(), &moto.url);
    assert_ok(&first, "apply over existing account settings");
    let has =
        |inv: &serde_json::Value, row: serde_json::Value| inv.as_array().unwrap().contains(&row);
    let inv = moto.inventory();
    assert!(
        has(&inv, serde_json::json!(["password_policy", "14"])),
        "the spec's policy replaces the weaker one while the environment lives: {inv:#}"
    );
    let destroy = run(
        &["destroy", &spec(), "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&destroy, "destroy");
    let said = text(&destroy.stdout);
    assert!(
        said.contains("2 left in place (existed before Strata)"),
        "{said}"
    );
    assert!(
        said.contains(
            "dev.security.aws_securityhub_account.main (existed before Strata: left in place)"
        ),
        "{said}"
    );
    assert!(
        said.contains("nothing tagged strata:app=shop strata:env=dev remains"),
        "{said}"
    );
    assert_eq!(
        moto.inventory(),
        serde_json::json!([["password_policy", "14"], ["securityhub", "enabled"]]),
        "what the account had before is still there; everything Strata made is gone"
    );

    // The environment comes back: the secrets an hour-old destroy scheduled
    // for deletion are restored (their names are held until then), and the
    // account settings are recognised as the account's again. moto names a
    // cluster's automated snapshot by the minute, so a cluster re-made in
    // the minute its namesake was deleted collides there (not on AWS): start
    // in the next minute.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::thread::sleep(std::time::Duration::from_secs(61 - now % 60));
    let back = apply(dir.path(), &moto.url);
    assert_ok(&back, "apply after destroy");
    let inv = moto.inventory();
    assert!(
        has(
            &inv,
            serde_json::json!(["secret", "shop/dev/payments/api-key"])
        ),
        "the secret scheduled for deletion is live again: {inv:#}"
    );
    assert!(
        text(&back.stdout).contains("2 adopted"),
        "{}",
        text(&back.stdout)
    );
    let again = run(
        &["destroy", &spec(), "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&again, "second destroy");
    assert!(
        text(&again.stdout).contains("2 left in place"),
        "{}",
        text(&again.stdout)
    );
}

/// A region already recorded by the organisation's AWS Config recorder
/// (Control Tower's) cannot take a second one: apply says so, naming the
/// holder and the spec setting; with `config_recorder: existing` the
/// environment records with it (apply and audit fail while it is stopped),
/// `forget` hands over what the first apply made, and destroy leaves the
/// organisation's recorder alone.
#[test]
fn a_region_recorded_by_the_organisation_is_recorded_with_not_taken_over() {
    const ORG: &str = "aws-controltower-BaselineConfigRecorder";
    const ORG_CHANNEL: &str = "aws-controltower-BaselineConfigDeliveryChannel";
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    moto.py(&moto.url, &["org_recorder"]);
    let first = apply(dir.path(), &moto.url);
    assert_eq!(
        first.status.code(),
        Some(5),
        "some resources failed, the rest applied"
    );
    let said = text(&first.stderr) + &text(&first.stdout);
    assert!(
        said.contains("MaxNumberOfConfigurationRecordersExceededException")
            && said.contains(&format!("already recorded by recorder `{ORG}`"))
            && said.contains("set `security.config_recorder: existing`"),
        "{said}"
    );

    let existing = variant(
        dir.path(),
        "existing",
        "\nsecurity:\n",
        "\nsecurity:\n  config_recorder: existing\n",
    );
    let second = run(
        &["apply", &existing, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    // The organisation's recorder is there but stopped: everything is
    // applied, and apply says that nothing records (exit 5).
    assert_eq!(second.status.code(), Some(5), "{}", text(&second.stderr));
    let said = text(&second.stderr);
    assert!(
        said.contains(&format!(
            "! AWS Config: `security.config_recorder: existing` relies on the account's recorder, but in eu-west-1 recorder {ORG} is stopped"
        )),
        "{said}"
    );
    // The first apply's bucket for a delivery channel of ours, and the role
    // for a recorder of ours, are no longer planned: the bucket holds data,
    // so it stays with what is named alike until `--prune-data`.
    let said = text(&second.stdout);
    assert!(
        said.contains("8 kept with data (no longer in the spec)"),
        "{said}"
    );
    let status = "dev.security.aws_config_configuration_recorder_status.existing";
    let audit = run(&["audit", &existing, "--env", ENV], dir.path(), &moto.url);
    assert!(
        text(&audit.stdout).contains(&format!("FAIL STRATA-AWS-108 [medium] {status}")),
        "the catalog judges the recording relied on: {}",
        text(&audit.stdout)
    );
    moto.py(&moto.url, &["start_org_recorder"]);
    let audit = run(&["audit", &existing, "--env", ENV], dir.path(), &moto.url);
    assert!(
        !text(&audit.stdout).contains("STRATA-AWS-108")
            && !text(&audit.stdout).contains("STRATA-AWS-107"),
        "{}",
        text(&audit.stdout)
    );
    // Recording, but buckets only: the catalog judges the recorder relied
    // on as it judges one of Strata's, and a dry run says what it leaves out.
    moto.py(&moto.url, &["narrow_org_recorder"]);
    let audit = run(&["audit", &existing, "--env", ENV], dir.path(), &moto.url);
    assert!(
        text(&audit.stdout).contains(
            "FAIL STRATA-AWS-107 [medium] dev.security.aws_config_configuration_recorder.existing"
        ) && !text(&audit.stdout).contains("STRATA-AWS-108"),
        "{}",
        text(&audit.stdout)
    );
    let dry = run(
        &["apply", &existing, "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    assert!(
        text(&dry.stderr).contains(&format!(
            "! AWS Config: recorder {ORG} in eu-west-1 records only the resource types it lists"
        )),
        "{}",
        text(&dry.stderr)
    );
    moto.py(&moto.url, &["org_recorder"]);
    let drift = run(&["drift", &existing, "--env", ENV], dir.path(), &moto.url);
    assert_eq!(drift.status.code(), Some(4), "{}", text(&drift.stdout));
    assert!(
        text(&drift.stdout)
            .lines()
            .any(|l| l.starts_with("! dev.security.aws_s3_bucket.config ")
                && l.ends_with(
                    "(kept with data: `apply --prune-data` deletes it, `strata forget` lets it go)"
                )),
        "{}",
        text(&drift.stdout)
    );
    let dry = run(
        &["apply", &existing, "--env", ENV, "--dry-run"],
        dir.path(),
        &moto.url,
    );
    let said = text(&dry.stderr);
    assert!(
        said.contains("  = dev.security.aws_s3_bucket.config (no longer in the spec; holds data")
            && said.contains("  = dev.security.aws_iam_role.config (")
            && said.contains(", 0 to delete"),
        "{said}"
    );
    // Handing over instead of deleting: `forget` refuses what is still
    // planned or not owned, then lets the role and its attachment go,
    // untagged, still in AWS.
    let refused = run(
        &[
            "forget",
            &existing,
            "--env",
            ENV,
            "-a",
            "dev.network.aws_vpc.main",
            "-a",
            "dev.network.aws_vpc.elsewhere",
        ],
        dir.path(),
        &moto.url,
    );
    assert_eq!(refused.status.code(), Some(2));
    let said = text(&refused.stderr);
    assert!(
        said.contains("`dev.network.aws_vpc.main` is still in the spec")
            && said.contains("`dev.network.aws_vpc.elsewhere` is not owned by environment `dev`")
            && said.contains("nothing was forgotten"),
        "{said}"
    );
    const ROLE: &str = "shop-dev-config";
    let role_tags = |moto: &Moto| moto.py(&moto.url, &["role_tags"])[ROLE].clone();
    assert!(
        role_tags(&moto)
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("strata:address")),
        "{}",
        role_tags(&moto)
    );
    let forgot = run(
        &[
            "forget",
            &existing,
            "--env",
            ENV,
            "-a",
            "dev.security.aws_iam_role.config",
            "-a",
            "dev.security.aws_iam_role_policy_attachment.config",
        ],
        dir.path(),
        &moto.url,
    );
    assert_ok(&forgot, "forget");
    let said = text(&forgot.stdout);
    assert!(
        said.contains("2 forgotten and left in AWS; strata: tags removed from 1 resources"),
        "{said}"
    );
    assert_eq!(
        role_tags(&moto),
        serde_json::json!(["Name", "owner"]),
        "no strata: or managed-by tag left, the others kept"
    );
    let pruned = run(
        &["apply", &existing, "--env", ENV, "--yes", "--prune-data"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&pruned, "apply --prune-data");
    let said = text(&pruned.stdout);
    assert!(said.contains("6 deleted"), "{said}");
    let none = run(
        &["forget", &existing, "--env", ENV, "--kept"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&none, "forget --kept with nothing kept");
    assert!(
        text(&none.stdout).contains("nothing is kept with data in dev"),
        "{}",
        text(&none.stdout)
    );
    assert_ok(
        &run(&["drift", &existing, "--env", ENV], dir.path(), &moto.url),
        "drift once the strays are gone",
    );
    let recorders = |inv: &serde_json::Value| -> Vec<serde_json::Value> {
        inv.as_array()
            .unwrap()
            .iter()
            .filter(|r| r[0].as_str().is_some_and(|k| k.starts_with("config_")))
            .cloned()
            .collect()
    };
    assert_eq!(
        recorders(&moto.inventory()),
        vec![
            serde_json::json!(["config_channel", ORG_CHANNEL]),
            serde_json::json!(["config_recorder", ORG]),
            serde_json::json!(["config_recording", ORG]),
        ],
        "one recorder, the organisation's, recording, and no channel of ours"
    );
    let again = run(
        &["apply", &existing, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&again, "re-apply");
    assert_eq!(mutating_calls(&text(&again.stdout)), 0);

    let destroy = run(
        &["destroy", &existing, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&destroy, "destroy");
    assert_eq!(
        moto.inventory(),
        serde_json::json!([
            ["config_channel", ORG_CHANNEL],
            ["config_recorder", ORG],
            ["config_recording", ORG],
            ["iam_attachment", ROLE, "policy/service-role/AWS_ConfigRole"],
            ["iam_role", ROLE],
        ]),
        "everything Strata made is gone but what it was told to forget; the organisation's recorder stays"
    );
}

#[test]
fn destroy_honours_deletion_protection_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    // `prod` is account 444444444444 and protects its database and load balancer.
    let moto = Moto::start_as(dir.path(), "444444444444");
    assert_ok(
        &run(
            &["apply", &spec(), "--env", "prod", "--yes"],
            dir.path(),
            &moto.url,
        ),
        "apply prod",
    );
    assert_eq!(
        moto.py(&moto.url, &["protection"]),
        serde_json::json!({"shop-prod-db": true, "shop-prod-public": true})
    );
    let before = moto.inventory();
    let refused = run(
        &["destroy", &spec(), "--env", "prod", "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let why = text(&refused.stderr);
    assert!(why.contains("deletion protection is on for prod.data.aws_rds_cluster.db, prod.workloads.aws_lb.public"), "{why}");
    assert!(why.contains("nothing was deleted"), "{why}");
    assert_eq!(
        moto.inventory(),
        before,
        "a refused destroy deletes nothing"
    );
    let forced = run(
        &["destroy", &spec(), "--env", "prod", "--yes", "--force"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&forced, "destroy --force");
    assert_eq!(moto.inventory(), serde_json::json!([]));
}

#[test]
fn the_aws_side_of_a_two_region_eks_platform() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    let spec = root().join("examples/three-vpc-eks").display().to_string();
    let out = run(
        &["apply", &spec, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&out, "apply three-vpc-eks");
    // The duty roles' access entries (five duties, a cluster in each of two
    // regions) are planned but not provisioned: the emulator has no EKS
    // access-entry API, so the engine skips them and says so.
    let said = text(&out.stderr);
    assert!(
        said.contains("aws_eks_access_entry ×10")
            && said.contains("aws_eks_access_policy_association ×10"),
        "{said}"
    );
    let eks = moto.py(&moto.url, &["eks"]);
    for region in ["us-east-1", "us-west-2"] {
        let r = &eks[region];
        assert_eq!(r["transit_gateways"], 1, "{eks:#}");
        assert_eq!(
            r["tgw_attachments"], 3,
            "security, edge and app VPCs: {eks:#}"
        );
        let clusters = r["clusters"].as_object().unwrap();
        assert_eq!(clusters.len(), 1, "{eks:#}");
        for c in clusters.values() {
            assert_eq!(c["private_endpoint"], true);
            assert_eq!(c["public_endpoint"], false);
            assert_eq!(c["secrets_encrypted"], true);
            assert_eq!(c["log_types"], 5);
            assert_eq!(c["node_groups"], 3, "one per AZ: {eks:#}");
            assert_eq!(
                c["oidc_provider"], true,
                "IRSA: IAM trusts the issuer: {eks:#}"
            );
            assert!(
                c["irsa_roles"].as_u64().unwrap() >= 2,
                "service accounts' roles trust the issuer, subject and audience: {eks:#}"
            );
        }
    }
    // (A re-apply is not asserted here: the emulator drops the set identifier
    // of latency records, so its two regional records overwrite each other.)
    let destroy = run(
        &["destroy", &spec, "--env", ENV, "--yes"],
        dir.path(),
        &moto.url,
    );
    assert_ok(&destroy, "destroy three-vpc-eks");
    let gone = moto.py(&moto.url, &["eks"]);
    assert_eq!(gone["us-east-1"]["clusters"], serde_json::json!({}));
    assert_eq!(gone["us-west-2"]["transit_gateways"], 0);
    assert_eq!(moto.inventory(), serde_json::json!([]));
}

#[test]
fn the_eks_platform_example_round_trips_with_irsa_queues_subscriptions_and_its_log_store() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start(dir.path());
    let spec = root().join("examples/eks-platform").display().to_string();
    let strata = |args: &[&str]| {
        let mut all = vec![args[0], spec.as_str(), "--env", "prod"];
        all.extend(&args[1..]);
        run(&all, dir.path(), &moto.url)
    };
    assert_ok(&strata(&["apply", "--yes"]), "apply eks-platform prod");
    let inventory = moto.py(&moto.url, &["inventory", "eu-central-1"]);
    let rows = inventory.as_array().unwrap();
    assert!(
        rows.contains(&serde_json::json!([
            "sns_subscription",
            "portal-prod-alerts",
            "email",
            "platform@example.com"
        ])),
        "{inventory:#}"
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "oidc_provider" && r[1] == "oidc.eks.eu-central-1.amazonaws.com"),
        "{inventory:#}"
    );
    // The event queue: encrypted, and failing messages go to its dead-letter queue.
    for row in [
        serde_json::json!(["sqs_queue", "portal-prod-events", "True", "True"]),
        serde_json::json!(["sqs_queue", "portal-prod-events-dlq", "True", "False"]),
    ] {
        assert!(rows.contains(&row), "{row} in {inventory:#}");
    }
    let again = strata(&["apply", "--yes"]);
    assert_ok(&again, "re-apply");
    assert_eq!(
        mutating_calls(&text(&again.stdout)),
        0,
        "{}",
        text(&again.stdout)
    );
    assert_ok(&strata(&["drift"]), "drift after apply");

    // Another alert address is another subscription (AWS cannot change a
    // subscription's endpoint): previewed as a replacement, then made,
    // leaving the new address subscribed and the old one gone.
    let moved = dir.path().join("moved");
    std::fs::create_dir(&moved).unwrap();
    let yaml = std::fs::read_to_string(root().join("examples/eks-platform/strata.yaml")).unwrap();
    assert!(yaml.contains("platform@example.com"));
    std::fs::write(
        moved.join("strata.yaml"),
        yaml.replace("platform@example.com", "oncall@example.com"),
    )
    .unwrap();
    let moved = moved.display().to_string();
    let on_moved = |args: &[&str]| {
        let mut all = vec![args[0], moved.as_str(), "--env", "prod"];
        all.extend(&args[1..]);
        run(&all, dir.path(), &moto.url)
    };
    let dry = on_moved(&["apply", "--dry-run"]);
    let said = text(&dry.stderr);
    assert!(
        said.contains("-/+ prod.observability.aws_sns_topic_subscription.")
            && said.contains("(endpoint cannot change in place)"),
        "{said}"
    );
    assert!(said.contains("0 to update, 1 to replace"), "{said}");
    let replaced = on_moved(&["apply", "--yes"]);
    assert_ok(&replaced, "apply replacing the subscription");
    assert!(
        text(&replaced.stdout).contains("1 replaced"),
        "{}",
        text(&replaced.stdout)
    );
    let subscriptions: Vec<_> = moto
        .py(&moto.url, &["inventory", "eu-central-1"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[0] == "sns_subscription")
        .cloned()
        .collect();
    assert_eq!(
        subscriptions,
        vec![serde_json::json!([
            "sns_subscription",
            "portal-prod-alerts",
            "email",
            "oncall@example.com"
        ])]
    );
    assert_ok(&on_moved(&["drift"]), "drift after the replacement");
    assert_ok(&on_moved(&["destroy", "--yes", "--force"]), "destroy");
    assert_eq!(
        moto.py(&moto.url, &["inventory", "eu-central-1"]),
        serde_json::json!([])
    );

    // The management environment's log store: an OpenSearch domain in the
    // VPC, encrypted with its key and node to node, HTTPS only.
    let mgmt = |args: &[&str]| {
        let mut all = vec![args[0], spec.as_str(), "--env", "mgmt"];
        all.extend(&args[1..]);
        run(&all, dir.path(), &moto.url)
    };
    assert_ok(&mgmt(&["apply", "--yes"]), "apply eks-platform mgmt");
    let inventory = moto.py(&moto.url, &["inventory", "eu-central-1"]);
    let row = serde_json::json!([
        "opensearch_domain",
        "portal-mgmt-logs",
        "True",
        "True",
        "True",
        "True",
        // Reachable by the shipping environments' account (the caller's:
        // the spec names none, and `${account_id}` is resolved before AWS
        // sees it), fine-grained access control deciding the rest.
        format!("arn:aws:iam::{}:root", moto::ACCOUNT)
    ]);
    assert!(
        inventory.as_array().unwrap().contains(&row),
        "{inventory:#}"
    );
    let again = mgmt(&["apply", "--yes"]);
    assert_eq!(
        mutating_calls(&text(&again.stdout)),
        0,
        "{}",
        text(&again.stdout)
    );
    // The access policy opened to anyone out of band is drift, closed again
    // in place.
    moto.py(&moto.url, &["open_logs", "portal", "mgmt", "eu-central-1"]);
    let drift = mgmt(&["drift"]);
    assert_eq!(drift.status.code(), Some(4), "{}", text(&drift.stdout));
    assert!(
        text(&drift.stdout).contains("access_policies"),
        "{}",
        text(&drift.stdout)
    );
    let fix = mgmt(&["drift", "--fix", "--yes"]);
    assert_ok(&fix, "drift --fix on the log store");
    assert!(
        text(&fix.stdout).contains("1 updated"),
        "{}",
        text(&fix.stdout)
    );
    assert_ok(&mgmt(&["drift"]), "drift after closing the log store");
    assert!(
        moto.py(&moto.url, &["inventory", "eu-central-1"])
            .as_array()
            .unwrap()
            .contains(&row)
    );
    assert_ok(&mgmt(&["destroy", "--yes", "--force"]), "destroy mgmt");
    assert_eq!(
        moto.py(&moto.url, &["inventory", "eu-central-1"]),
        serde_json::json!([])
    );
}

#[test]
#[ignore = "needs a real AWS account: see README, 'The live engine on a real account'"]
fn real_account_apply_drift_destroy() {
    let env =
        std::env::var("STRATA_REAL_AWS_ENV").expect("STRATA_REAL_AWS_ENV names the environment");
    let spec = std::env::var("STRATA_REAL_AWS_SPEC").expect("STRATA_REAL_AWS_SPEC names the spec");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db").display().to_string();
    let strata = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .args(["--state", &state])
            .output()
            .unwrap()
    };
    assert_ok(&strata(&["apply", &spec, "--env", &env, "--yes"]), "apply");
    let again = strata(&["apply", &spec, "--env", &env, "--yes"]);
    assert_ok(&again, "re-apply");
    assert_eq!(mutating_calls(&text(&again.stdout)), 0);
    assert_ok(&strata(&["drift", &spec, "--env", &env]), "drift");
    assert_ok(
        &strata(&["destroy", &spec, "--env", &env, "--yes", "--force"]),
        "destroy",
    );
}
