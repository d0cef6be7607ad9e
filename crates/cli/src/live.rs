//! `strata apply`, `drift`, `audit`, `destroy`, `forget`: the CLI around the live
//! engine (`strata-aws`). Terminal IO, confirmation and progress live here;
//! the engine gets a graph and returns reports.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use strata_aws::engine::{self, Action, Drift, Event};
use strata_aws::{Cx, Journal, Settings};
use strata_model::{Graph, Ident, Provenance};

use crate::cli::{DriftFormat, LiveArgs};
use crate::exit::{DRIFT, FINDINGS, PARTIAL};
use crate::{Exit, plan, select_env, spec_path};

struct Target {
    app: String,
    env: Ident,
    graph: Graph,
    account: Option<String>,
    region: String,
    frameworks: Vec<String>,
    journal: Arc<Journal>,
    state: PathBuf,
    /// `security.config_recorder: existing`: AWS Config records with a
    /// recorder that is not Strata's.
    recorder_existing: bool,
}

fn target(args: &LiveArgs) -> Result<Target> {
    let (loaded, plan) = plan(&args.spec, false)?;
    let spec = loaded.spec.as_ref().context("the spec could not be read")?;
    let env = select_env(&plan, Some(&args.env))?.context("an environment is required")?;
    let resolved = strata_spec::resolve::resolve(spec);
    let renv = resolved
        .envs
        .iter()
        .find(|e| Ident::new(&e.name).is_ok_and(|i| i == env))
        .context("the environment is not in the resolved spec")?;
    let graph = plan.only(&env).graph;
    let state = match &args.state {
        Some(p) => p.clone(),
        None => spec_path(&args.spec)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join(".strata")
            .join("state.db"),
    };
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let journal = Journal::open(&state)
        .with_context(|| format!("cannot open the journal {}", state.display()))?;
    journal
        .claim(env.as_str(), &plan.app)
        .with_context(|| format!("journal {}", state.display()))?;
    Ok(Target {
        app: plan.app.clone(),
        env,
        graph,
        account: renv.account.clone(),
        region: renv
            .regions
            .first()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        frameworks: renv
            .frameworks
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect(),
        journal: Arc::new(journal),
        state,
        recorder_existing: spec.security.config
            && spec.security.config_recorder == strata_spec::ConfigRecorder::Existing,
    })
}

/// The environment's run lock, for a command that changes it (exit 2 with
/// who holds it when another run does).
fn lock(t: &Target, command: &str) -> Result<strata_aws::journal::RunLock> {
    match strata_aws::journal::RunLock::acquire(&t.state, t.env.as_str(), command) {
        Ok(l) => Ok(l),
        Err(e @ strata_aws::Error::Locked { .. }) => {
            eprintln!("refusing: {e}");
            Err(Exit(crate::exit::USAGE).into())
        }
        Err(e) => Err(e.into()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()?)
}

async fn connect(t: &Target, args: &LiveArgs, command: &str) -> Result<Arc<Cx>> {
    let settings = Settings {
        endpoint_url: args.endpoint_url.clone(),
        region: Some(t.region.clone()),
        other_regions: t
            .graph
            .iter()
            .filter_map(|r| r.address.module.region.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        max_attempts: None,
        credentials: None,
    };
    let cx = Cx::new(&settings, t.journal.clone(), t.env.as_str(), command)
        .await
        .context("cannot reach AWS (credentials come from the standard chain; --endpoint-url for an emulator)")?;
    if let Some(want) = &t.account {
        if &cx.account != want {
            bail!(
                "the credentials are for account {}, but environment `{}` is account {want}: nothing was done",
                cx.account,
                t.env
            );
        }
    }
    Ok(Arc::new(cx))
}

fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !io::stdin().is_terminal() {
        eprintln!("refusing: no terminal to confirm on; pass --yes to proceed without asking");
        return Err(Exit(crate::exit::USAGE).into());
    }
    eprint!("{question} [y/N] ");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        eprintln!("nothing was done");
        Err(Exit(crate::exit::USAGE).into())
    }
}

/// Progress: a bar on a terminal, a line per resource otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(total: usize) -> Self {
        let bar = io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Self { bar }
    }

    fn line(&self, s: &str) {
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }

    fn event(&self, e: &Event) {
        match e {
            Event::Started(a) => {
                if let Some(b) = &self.bar {
                    b.set_message(a.to_string());
                }
            }
            Event::Finished(a, action, took) => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                let detail = match action {
                    Action::Updated(attrs) => format!(" ({})", attrs.join(", ")),
                    Action::Replaced(attrs) => {
                        format!(" ({} cannot change in place)", attrs.join(", "))
                    }
                    Action::Failed(e) => format!(": {e}"),
                    Action::Blocked(by) => format!(" (waits for {by})"),
                    Action::Skipped(_) | Action::Unchanged => return,
                    _ => String::new(),
                };
                self.line(&format!(
                    "{:>9} {a}{detail} [{:.2}s]",
                    action.word(),
                    took.as_secs_f64()
                ));
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn summary(report: &engine::Report) -> String {
    let counts: Vec<String> = report
        .counts()
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    let critical = if report.critical_path.is_zero() {
        String::new()
    } else {
        format!(
            ", critical path of call latencies {:.2}s",
            report.critical_path.as_secs_f64()
        )
    };
    format!(
        "{}; {} mutating calls, {} reads; {:.2}s wall{critical}",
        counts.join(", "),
        report.mutating_calls,
        report.read_calls,
        report.wall.as_secs_f64(),
    )
}

pub(crate) fn apply(
    args: &LiveArgs,
    yes: bool,
    dry_run: bool,
    prune_data: bool,
    output: DriftFormat,
) -> Result<()> {
    let t = target(args)?;
    let _lock = if dry_run {
        None
    } else {
        Some(lock(&t, "apply")?)
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cx = connect(&t, args, "apply").await?;
        let live: Vec<_> = t
            .graph
            .iter()
            .filter(|r| strata_aws::kinds::supported(r.kind))
            .collect();
        eprintln!(
            "{} / {}: {} resources through the AWS API in account {} ({}), journal {}",
            t.app,
            t.env,
            live.len(),
            cx.account,
            cx.c.region,
            t.state.display()
        );
        let skipped = strata_aws::preview::skipped(&t.graph);
        for (list, why) in [
            (&skipped.not_yet, "not provisioned by the live engine yet"),
            (
                &skipped.as_files,
                "delivered as files by `strata render`, not through the AWS API",
            ),
        ] {
            if !list.is_empty() {
                let n: usize = list.values().sum();
                let names: Vec<String> = list.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
                eprintln!(
                    "{why} ({n} resources, and what depends on them): {}",
                    names.join(", ")
                );
            }
        }
        let interrupted = t.journal.interrupted(t.env.as_str())?;
        if !interrupted.is_empty() {
            eprintln!(
                "an earlier run was interrupted during {} call(s); this run adopts what they made",
                interrupted.len()
            );
        }
        if dry_run || !yes {
            // What the run would do, from reads only.
            let changes = strata_aws::preview::preview(
                cx.clone(),
                &t.graph,
                args.concurrency.max(16),
                prune_data,
            )
            .await?;
            preview(&changes);
            recorded(&t, &cx).await?;
            if dry_run {
                return Ok(());
            }
        }
        confirm(
            &format!("Apply to {} in account {}?", t.env, cx.account),
            yes,
        )?;
        let progress = Progress::new(t.graph.len() + engine::strays(&cx, &t.graph)?.len());
        let report = engine::apply(cx.clone(), &t.graph, args.concurrency, prune_data, &|e| {
            progress.event(e)
        })
        .await?;
        progress.finish();
        let json = output == DriftFormat::Json;
        if json {
            crate::live_json::print(&crate::live_json::report(&report))?;
        } else {
            println!("{}", summary(&report));
        }
        let unrecorded = !recorded(&t, &cx).await?;
        if report.results.iter().any(|(_, a)| *a == Action::Held) {
            eprintln!(
                "kept with data: `apply --prune-data` deletes them; `strata forget --kept` leaves them in AWS and lets them go"
            );
        }
        if report.failed() || unrecorded {
            return Err(Exit(PARTIAL).into());
        }
        Ok(())
    })
}

/// With `security.config_recorder: existing`, whether a recorder in the
/// region records (printing why not when none does, and what it leaves out
/// when no recorder that records takes every resource type); true otherwise.
async fn recorded(t: &Target, cx: &Cx) -> Result<bool> {
    if !t.recorder_existing {
        return Ok(true);
    }
    let recording = engine::existing_recording(cx, &t.graph).await?;
    let names = |pick: fn(&engine::ExistingRecorder) -> bool| -> String {
        let picked: Vec<&str> = recording
            .recorders
            .iter()
            .filter(|r| pick(r))
            .map(|r| r.name.as_str())
            .collect();
        picked.join(", ")
    };
    let running = names(|r| r.recording);
    if !running.is_empty() {
        if !recording
            .recorders
            .iter()
            .any(|r| r.recording && r.all_supported)
        {
            eprintln!(
                "! AWS Config: recorder {running} in {} records only the resource types it lists (not every supported type): {}'s frameworks' rules see only those (`strata audit` reports it as STRATA-AWS-107)",
                t.region, t.env
            );
        }
        return Ok(true);
    }
    let found = if recording.recorders.is_empty() {
        "there is no recorder".to_owned()
    } else {
        format!("recorder {} is stopped", names(|_| true))
    };
    eprintln!(
        "! AWS Config: `security.config_recorder: existing` relies on the account's recorder, but in {} {found}: nothing records {}'s resources for its frameworks' rules (start it, or set `config_recorder: strata`)",
        t.region, t.env
    );
    Ok(false)
}

/// Prints what an apply would do (the engine's [`strata_aws::Changes`]):
/// `+` create, `~` update (with the attributes), `-/+` replace (attributes
/// that cannot change in place), `!` recreate (deleted out of band), `-`
/// delete (no longer in the spec), `=` kept, then the counts.
fn preview(changes: &strata_aws::Changes) {
    use strata_aws::Change;
    for (a, change) in &changes.resources {
        match change {
            Change::Create => eprintln!("  + {a}"),
            Change::Recreate => eprintln!("  ! {a} (deleted out of band: created again)"),
            Change::Update(attrs) => eprintln!("  ~ {a} ({})", attrs.join(", ")),
            Change::Replace {
                attributes,
                refused,
            } => {
                let refused = if *refused {
                    "; holds data: refused"
                } else {
                    ""
                };
                eprintln!(
                    "-/+ {a} ({} cannot change in place{refused})",
                    attributes.join(", ")
                );
            }
            Change::Unchanged | Change::Skipped => {}
        }
    }
    for (o, fate) in &changes.strays {
        match fate {
            engine::Fate::LeaveInPlace => eprintln!(
                "  = {} (no longer in the spec; existed before Strata: left in place)",
                o.address
            ),
            engine::Fate::KeepWithData => eprintln!(
                "  = {} (no longer in the spec; holds data or stands under what does: kept; `--prune-data` deletes it, `strata forget` lets it go)",
                o.address
            ),
            engine::Fate::Delete => {
                eprintln!("  - {} ({}; no longer in the spec)", o.address, o.id)
            }
        }
    }
    let c = changes.counts();
    eprintln!(
        "plan: {} to create, {} to update, {} to replace, {} to delete, {} unchanged",
        c.create, c.update, c.replace, c.delete, c.unchanged
    );
}

fn show(v: &strata_model::Value) -> String {
    let s = serde_json::to_string(&strata_aws::value::to_json(v)).unwrap_or_default();
    if s.chars().count() > 400 {
        format!("{}…", s.chars().take(399).collect::<String>())
    } else {
        s
    }
}

pub(crate) fn drift(args: &LiveArgs, fix: bool, yes: bool, format: DriftFormat) -> Result<()> {
    let t = target(args)?;
    let rt = runtime()?;
    rt.block_on(async {
        let cx = connect(&t, args, "drift").await?;
        let report = engine::drift(cx.clone(), &t.graph, args.concurrency.max(16)).await?;
        let kept = engine::held(&cx, &t.graph)?;
        let mut json_doc: Option<serde_json::Value> = None;
        let origin = |address: &str| -> String {
            address
                .parse()
                .ok()
                .and_then(|a| t.graph.get(&a))
                .map(|r| match &r.source {
                    Provenance::Spec { file, line, column } => format!("{file}:{line}:{column}"),
                    Provenance::Live { arn } => arn.clone(),
                })
                .unwrap_or_default()
        };
        match format {
            DriftFormat::Json => {
                let items: Vec<serde_json::Value> = report
                    .drifted
                    .iter()
                    .map(|(a, d)| {
                        let (state, diffs) = match d {
                            Drift::Changed(diffs) => (
                                "changed",
                                diffs
                                    .iter()
                                    .map(|x| {
                                        serde_json::json!({
                                            "attribute": x.attribute,
                                            "desired": strata_aws::value::to_json(&x.desired),
                                            "live": strata_aws::value::to_json(&x.live),
                                        })
                                    })
                                    .collect(),
                            ),
                            Drift::Deleted => ("deleted", vec![]),
                            Drift::NotCreated => ("not_created", vec![]),
                            Drift::Orphaned(_) => ("orphaned", vec![]),
                        };
                        serde_json::json!({"address": a, "state": state, "source": origin(a), "differences": diffs})
                    })
                    .collect();
                let doc = serde_json::json!({
                    "environment": t.env.as_str(),
                    "compared": report.compared,
                    "drifted": items,
                });
                if !fix || report.drifted.is_empty() {
                    crate::live_json::print(&doc)?;
                }
                json_doc = Some(doc);
            }
            DriftFormat::Text => {
                for (a, d) in &report.drifted {
                    match d {
                        Drift::Changed(diffs) => {
                            println!("~ {a}  ({})", origin(a));
                            for x in diffs {
                                println!("    {}: spec {} ≠ live {}", x.attribute, show(&x.desired), show(&x.live));
                            }
                        }
                        Drift::Deleted => println!("- {a}  deleted out of band ({})", origin(a)),
                        Drift::NotCreated => println!("+ {a}  not created yet ({})", origin(a)),
                        Drift::Orphaned(id) if kept.contains(a) => println!(
                            "! {a}  ({id}) is owned but no longer in the spec (kept with data: `apply --prune-data` deletes it, `strata forget` lets it go)"
                        ),
                        Drift::Orphaned(id) => println!(
                            "! {a}  ({id}) is owned but no longer in the spec (`apply` deletes it)"
                        ),
                    }
                }
                eprintln!(
                    "{} resources compared, {} drifted ({} not provisioned by the live engine); {} reads in {:.2}s",
                    report.compared,
                    report.drifted.len(),
                    report.skipped,
                    report.read_calls,
                    report.wall.as_secs_f64()
                );
            }
        }
        if report.drifted.is_empty() {
            return Ok(());
        }
        if !fix {
            return Err(Exit(DRIFT).into());
        }
        let _lock = lock(&t, "drift --fix")?;
        confirm(&format!("Restore the desired state of {}?", t.env), yes)?;
        let cx = connect(&t, args, "drift --fix").await?;
        let progress = Progress::new(t.graph.len());
        let repaired = engine::apply(cx, &t.graph, args.concurrency, false, &|e| {
            progress.event(e)
        })
        .await?;
        progress.finish();
        match json_doc {
            Some(mut doc) => {
                doc["repaired"] = crate::live_json::report(&repaired);
                crate::live_json::print(&doc)?;
            }
            None => println!("repaired: {}", summary(&repaired)),
        }
        if repaired.failed() {
            return Err(Exit(PARTIAL).into());
        }
        Ok(())
    })
}

pub(crate) fn audit(args: &LiveArgs, output: DriftFormat) -> Result<()> {
    let t = target(args)?;
    let rt = runtime()?;
    let live = rt.block_on(async {
        let cx = connect(&t, args, "audit").await?;
        let seen = engine::observe(cx.clone(), &t.graph, args.concurrency.max(16)).await?;
        let observed = seen
            .values()
            .filter(|s| matches!(s, engine::Seen::Live(..)))
            .count();
        eprintln!("{observed} live resources observed in {}", t.env);
        let mut live = engine::live_graph(&t.graph, &seen);
        if t.recorder_existing {
            // The recording the environment relies on, judged like ours.
            for r in engine::existing_recording(&cx, &t.graph).await?.resources {
                live.absent.remove(&r.address);
                live.graph.insert(r)?;
            }
        }
        anyhow::Ok(live)
    })?;
    let ids = crate::check::controls_of_frameworks(t.frameworks.iter().map(String::as_str));
    let controls: Vec<_> = strata_policy::catalog()
        .iter()
        .copied()
        .filter(|c| ids.is_empty() || ids.contains(c.id))
        .collect();
    let mut eval = strata_policy::evaluate(&live.graph, &controls);
    eval.findings.extend(strata_policy::judge_absent(
        live.absent.iter().map(|(a, why)| {
            let status = match why {
                engine::Absence::NotProvisioned => strata_policy::Status::Unknown,
                engine::Absence::NotCreated | engine::Absence::Deleted => {
                    strata_policy::Status::Fail
                }
            };
            (a, why.why(), status)
        }),
        &controls,
    ));
    let is_blocking = |id: &str| {
        strata_policy::control(id).is_some_and(|c| c.severity >= strata_policy::Severity::High)
    };
    let failed = eval.failures().count();
    let blocking = eval.failures().filter(|f| is_blocking(f.control)).count();
    if output == DriftFormat::Json {
        let items: Vec<serde_json::Value> = eval
            .findings
            .iter()
            .filter(|f| f.status != strata_policy::Status::Pass)
            .map(|f| {
                let c = strata_policy::control(f.control);
                serde_json::json!({
                    "control": f.control,
                    "severity": c.map(|c| c.severity.as_str()),
                    "title": c.map(|c| c.title),
                    "address": f.address.to_string(),
                    "status": f.status,
                    "absent": live.absent.get(&f.address).map(|a| a.why()),
                    "at": f.at,
                    "message": f.message,
                })
            })
            .collect();
        let absent: Vec<serde_json::Value> = live
            .absent
            .iter()
            .map(|(a, why)| serde_json::json!({"address": a.to_string(), "why": why.why()}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "environment": t.env.as_str(),
                "frameworks": t.frameworks,
                "controls": controls.len(),
                "live": live.graph.len(),
                "absent": absent,
                "passed": eval.findings.iter().filter(|f| f.status == strata_policy::Status::Pass).count(),
                "failed": failed,
                "blocking": blocking,
                "findings": items,
            }))?
        );
    } else {
        for f in eval.failures() {
            let c = strata_policy::control(f.control);
            println!(
                "FAIL {} [{}] {} — {}{}",
                f.control,
                c.map(|c| c.severity.as_str()).unwrap_or_default(),
                f.address,
                c.map(|c| c.title).unwrap_or_default(),
                if f.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", f.message)
                }
            );
        }
    }
    let frameworks = if t.frameworks.is_empty() {
        "all controls".to_owned()
    } else {
        t.frameworks.join(", ")
    };
    eprintln!(
        "{} controls ({frameworks}) over {} live resources and {} planned but absent: {failed} failed, {blocking} of them high or critical",
        controls.len(),
        live.graph.len(),
        live.absent.len(),
    );
    let not_provisioned = live
        .absent
        .values()
        .filter(|a| **a == engine::Absence::NotProvisioned)
        .count();
    if not_provisioned > 0 {
        eprintln!(
            "{not_provisioned} planned resources are absent because the live engine does not provision their kinds yet: their controls are unknown, never passed"
        );
    }
    if live.not_aws > 0 {
        eprintln!(
            "{} Kubernetes and Grafana objects are delivered as rendered files and not judged here: `strata check` judges them",
            live.not_aws
        );
    }
    if blocking > 0 {
        return Err(Exit(FINDINGS).into());
    }
    Ok(())
}

pub(crate) fn destroy(args: &LiveArgs, force: bool, yes: bool, output: DriftFormat) -> Result<()> {
    let t = target(args)?;
    let _lock = lock(&t, "destroy")?;
    let rt = runtime()?;
    rt.block_on(async {
        let cx = connect(&t, args, "destroy").await?;
        let owned = t.journal.all(t.env.as_str())?;
        eprintln!(
            "{} / {}: {} resources owned in account {}",
            t.app,
            t.env,
            owned.len(),
            cx.account
        );
        confirm(&format!("Delete every resource of {}?", t.env), yes)?;
        let progress = Progress::new(owned.len());
        let report = engine::destroy(cx.clone(), &t.graph, force, args.concurrency, &|e| {
            progress.event(e)
        })
        .await;
        progress.finish();
        let report = match report {
            Ok(r) => r,
            Err(strata_aws::Error::Refused(msg)) => {
                eprintln!("refusing: {msg}");
                return Err(Exit(crate::exit::USAGE).into());
            }
            Err(e) => return Err(e.into()),
        };
        let left = engine::remaining(cx.clone(), &t.graph, &t.app).await?;
        if output == DriftFormat::Json {
            let mut doc = crate::live_json::report(&report);
            doc["environment"] = serde_json::json!(t.env.as_str());
            doc["still_tagged"] = serde_json::json!(left.left);
            doc["retained_by_aws"] = serde_json::json!(left.retained);
            crate::live_json::print(&doc)?;
        } else {
            println!("{}", summary(&report));
            if left.left.is_empty() {
                println!(
                    "nothing tagged strata:app={} strata:env={} remains",
                    t.app, t.env
                );
            } else {
                println!("{} still tagged for {}:", left.left.len(), t.env);
                for l in &left.left {
                    println!("  {l}");
                }
            }
            if !left.retained.is_empty() {
                println!(
                    "{} deleted and still listed by AWS by design:",
                    left.retained.len()
                );
                for r in &left.retained {
                    println!("  {r}");
                }
            }
        }
        if report.failed() || !left.left.is_empty() {
            return Err(Exit(PARTIAL).into());
        }
        Ok(())
    })
}

pub(crate) fn forget(
    args: &LiveArgs,
    addresses: &[String],
    kept: bool,
    output: DriftFormat,
) -> Result<()> {
    let t = target(args)?;
    let _lock = lock(&t, "forget")?;
    let rt = runtime()?;
    rt.block_on(async {
        let cx = connect(&t, args, "forget").await?;
        let mut wanted: Vec<String> = addresses.to_vec();
        if kept {
            wanted.extend(engine::held(&cx, &t.graph)?);
        }
        wanted.sort();
        wanted.dedup();
        let json = output == DriftFormat::Json;
        if wanted.is_empty() {
            if json {
                crate::live_json::print(&serde_json::json!({"environment": t.env.as_str(), "forgotten": [], "untagged": [], "still_tagged": [], "mutating_calls": 0}))?;
            } else {
                println!("nothing is kept with data in {}; nothing to forget", t.env);
            }
            return Ok(());
        }
        let done = match strata_aws::forget::forget(&cx, &t.graph, &wanted).await {
            Ok(d) => d,
            Err(strata_aws::Error::Refused(msg)) => {
                eprintln!("refusing: {msg}");
                return Err(Exit(crate::exit::USAGE).into());
            }
            Err(e) => return Err(e.into()),
        };
        if json {
            let still: Vec<serde_json::Value> = done
                .still_tagged
                .iter()
                .map(|(arn, why)| serde_json::json!({"arn": arn, "why": why}))
                .collect();
            crate::live_json::print(&serde_json::json!({
                "environment": t.env.as_str(),
                "forgotten": done.addresses,
                "untagged": done.untagged,
                "still_tagged": still,
                "mutating_calls": done.mutating_calls,
            }))?;
            return Ok(());
        }
        for a in &done.addresses {
            println!("  forgot {a}");
        }
        for (arn, why) in &done.still_tagged {
            println!("  ! {arn} keeps its strata: tags ({why})");
        }
        println!(
            "{} forgotten and left in AWS; strata: tags removed from {} resources; {} mutating calls",
            done.addresses.len(),
            done.untagged.len(),
            done.mutating_calls
        );
        Ok(())
    })
}
