//! The `strata` binary: argument parsing, IO and exit codes around the
//! library crates. **Invariant:** all file and terminal IO of the core path
//! happens here; the libraries get bytes and return values.

mod check;
mod cli;
mod live;
mod live_json;
mod render;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};

use cli::{Cli, Command, DiagFormat, GraphFormat, PlanFormat};
use strata_spec::Loaded;

/// Exit codes, as documented in `strata --help`: every code the CLI can
/// end with is named here, and nowhere else.
pub(crate) mod exit {
    /// The spec has errors.
    pub const SPEC_ERRORS: u8 = 1;
    /// Findings at or above the threshold (`check`, `audit`), or a plan that
    /// violates a high/critical control of its frameworks.
    pub const FINDINGS: u8 = 1;
    /// Bad usage, a refusal, or a file that could not be read.
    pub const USAGE: u8 = 2;
    /// A bug in Strata.
    pub const INTERNAL: u8 = 3;
    /// `drift` found drift.
    pub const DRIFT: u8 = 4;
    /// Some resources failed; the rest was done.
    pub const PARTIAL: u8 = 5;
}

/// An error that maps to an exit code of its own.
#[derive(Debug)]
pub(crate) struct Exit(pub(crate) u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            // A closed pipe (`strata plan | head`) is not a failure.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "error: {e:#}");
            if e.downcast_ref::<strata_planner::PlanError>().is_some() {
                ExitCode::from(exit::INTERNAL)
            } else {
                ExitCode::from(exit::USAGE)
            }
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = run_with(cli, &mut out);
    out.flush()?;
    result
}

fn run_with(cli: Cli, out: &mut io::BufWriter<io::StdoutLock<'static>>) -> Result<()> {
    let mut out = out;
    match cli.command {
        Command::Validate { spec, output } => {
            let loaded = load(&spec)?;
            report(&loaded, output)?;
            if loaded.has_errors() {
                return Err(Exit(exit::SPEC_ERRORS).into());
            }
            if output == DiagFormat::Human {
                let s = loaded
                    .spec
                    .as_ref()
                    .map(|s| s.environments.len())
                    .unwrap_or(0);
                eprintln!("{}: valid ({s} environments)", loaded.source.name);
            }
        }
        Command::Plan { spec, env, output } => {
            let (loaded, plan) = plan(&spec, output == PlanFormat::Text)?;
            let only = select_env(&plan, env.as_deref())?;
            match output {
                PlanFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &plan.to_json(only.as_ref()))?;
                    writeln!(out)?;
                }
                PlanFormat::Text => out.write_all(
                    render::plan_text(&plan, only.as_ref(), loaded.spec.as_ref()).as_bytes(),
                )?,
            }
        }
        Command::Graph { spec, env, format } => {
            let (_, plan) = plan(&spec, false)?;
            let only = select_env(&plan, env.as_deref())?;
            match format {
                GraphFormat::Dot => out.write_all(render::dot(&plan, only.as_ref()).as_bytes())?,
            }
        }
        Command::Apply {
            live,
            yes,
            dry_run,
            prune_data,
            output,
        } => live::apply(&live, yes, dry_run, prune_data, output)?,
        Command::Drift {
            live,
            fix,
            yes,
            output,
        } => live::drift(&live, fix, yes, output)?,
        Command::Audit { live, output } => live::audit(&live, output)?,
        Command::Destroy {
            live,
            force,
            yes,
            output,
        } => live::destroy(&live, force, yes, output)?,
        Command::Forget {
            live,
            addresses,
            kept,
            output,
        } => live::forget(&live, &addresses, kept, output)?,
        Command::Render { spec, output, env } => {
            let (_, plan) = plan(&spec, false)?;
            let plan = match select_env(&plan, env.as_deref())? {
                Some(e) => plan.only(&e),
                None => plan,
            };
            let tree = strata_render::render(&plan)?;
            write_tree(&output, &tree)?;
            eprintln!("rendered {} files into {}", tree.len(), output.display());
        }
        Command::Diagram { spec, env, output } => {
            let (_, plan) = plan(&spec, false)?;
            let env = match select_env(&plan, env.as_deref())? {
                Some(e) => e,
                None => plan
                    .environments
                    .last()
                    .cloned()
                    .context("the plan has no environment")?,
            };
            let dot = strata_render::architecture_dot(&plan, &env);
            match output {
                None => out.write_all(dot.as_bytes())?,
                Some(path) if path.extension().is_some_and(|e| e == "svg") => {
                    let dot_path = path.with_extension("dot");
                    std::fs::write(&dot_path, &dot)
                        .with_context(|| format!("cannot write {}", dot_path.display()))?;
                    let status = std::process::Command::new("dot")
                        .arg("-Tsvg")
                        .arg(&dot_path)
                        .arg("-o")
                        .arg(&path)
                        .status()
                        .context("cannot run Graphviz `dot` (apt-get install graphviz)")?;
                    if !status.success() {
                        bail!("dot failed on {}", dot_path.display());
                    }
                }
                Some(path) => std::fs::write(&path, &dot)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            }
        }
        Command::Check {
            paths,
            framework,
            severity,
            output,
            baseline,
            write_baseline,
            list,
        } => {
            if list {
                for c in check::select(&framework)? {
                    let reqs: Vec<String> = strata_policy::frameworks::requirements_of(c.id)
                        .into_iter()
                        .map(|(f, r)| format!("{} {}", f.id, r.id))
                        .collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        c.id,
                        c.severity.as_str(),
                        c.title,
                        reqs.join(", ")
                    )?;
                }
                return Ok(());
            }
            let code = check::check(
                &paths,
                &framework,
                severity,
                output,
                baseline.as_deref(),
                write_baseline.as_deref(),
                &mut out,
            )?;
            if code != 0 {
                return Err(Exit(code).into());
            }
        }
        Command::Report {
            paths,
            framework,
            output,
        } => {
            let Some(fw) = strata_policy::frameworks::get(&framework) else {
                bail!("unknown framework `{framework}`");
            };
            let controls = check::select(std::slice::from_ref(&framework))?;
            let checked = check::scan(&paths, &controls);
            let items = check::locate(&checked, &[]);
            let text = match output {
                cli::ReportFormat::Markdown => strata_policy::output::report_markdown(fw, &items),
                cli::ReportFormat::Html => strata_policy::output::report_html(fw, &items),
            };
            out.write_all(text.as_bytes())?;
        }
        Command::Schema => {
            serde_json::to_writer_pretty(&mut out, strata_spec::structural::schema())?;
            writeln!(out)?;
        }
        Command::Init {
            from,
            app,
            output,
            force,
        } => init(from.as_deref(), app, &output, force)?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "strata", &mut out);
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes the rendered files, then turns every `.dot` into `.svg` with
/// Graphviz when it is installed.
fn write_tree(dir: &Path, tree: &strata_render::Tree) -> Result<()> {
    for (rel, text) in tree {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let dots: Vec<&String> = tree.keys().filter(|p| p.ends_with(".dot")).collect();
    if dots.is_empty() {
        return Ok(());
    }
    if std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!(
            "note: Graphviz `dot` is not installed, so no SVG diagrams (apt-get install graphviz)"
        );
        return Ok(());
    }
    for rel in dots {
        let src = dir.join(rel);
        let svg = src.with_extension("svg");
        let status = std::process::Command::new("dot")
            .arg("-Tsvg")
            .arg(&src)
            .arg("-o")
            .arg(&svg)
            .status()
            .with_context(|| format!("cannot run dot on {}", src.display()))?;
        if !status.success() {
            bail!("dot failed on {}", src.display());
        }
    }
    Ok(())
}

/// `SPEC` as given: a file, or a directory holding `strata.yaml`.
fn spec_path(spec: &Path) -> PathBuf {
    if spec.is_dir() {
        spec.join("strata.yaml")
    } else {
        spec.to_path_buf()
    }
}

fn load(spec: &Path) -> Result<Loaded> {
    let path = spec_path(spec);
    let bytes = std::fs::read(&path).with_context(|| {
        if path.file_name().is_some_and(|n| n == "strata.yaml") && !path.exists() {
            format!(
                "cannot read {} (run `strata init` to write one)",
                path.display()
            )
        } else {
            format!("cannot read {}", path.display())
        }
    })?;
    let mut loaded = strata_spec::load(&path.display().to_string(), &bytes);
    // The repository is the spec's directory: its build files decide the
    // test command a spec leaves out.
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    strata_spec::detect::apply(&mut loaded, &|name| repository_file(&root, name));
    Ok(loaded)
}

/// A build file at the repository's root, when it is a readable text file
/// of reasonable size.
fn repository_file(root: &Path, name: &str) -> Option<String> {
    let path = root.join(name);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

fn report(loaded: &Loaded, format: DiagFormat) -> Result<()> {
    let mut err = io::stderr().lock();
    match format {
        DiagFormat::Human => {
            let handler = miette::GraphicalReportHandler::new();
            for d in &loaded.diagnostics {
                let mut s = String::new();
                let _ = handler.render_report(&mut s, &loaded.source.located(d));
                write!(err, "{s}")?;
            }
            let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = loaded.diagnostics.len() - errors;
            if errors + warnings > 0 {
                writeln!(
                    err,
                    "{}: {errors} error(s), {warnings} warning(s)",
                    loaded.source.name
                )?;
            }
        }
        DiagFormat::Short => {
            for d in &loaded.diagnostics {
                writeln!(err, "{}", loaded.source.short(d))?;
            }
        }
        DiagFormat::Json => {
            let list: Vec<serde_json::Value> = loaded
                .diagnostics
                .iter()
                .map(|d| {
                    let (line, column) = loaded.source.line_col(d.span.start);
                    serde_json::json!({
                        "file": loaded.source.name,
                        "line": line,
                        "column": column,
                        "severity": if d.is_error() { "error" } else { "warning" },
                        "code": d.code,
                        "message": d.message,
                        "help": d.help,
                    })
                })
                .collect();
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Loads and plans `spec`, refusing plans that fail high/critical controls
/// of their frameworks; `notes` also lists lower-severity findings.
fn plan(spec: &Path, notes: bool) -> Result<(Loaded, strata_model::Plan)> {
    let loaded = load(spec)?;
    if loaded.has_errors() {
        report(&loaded, DiagFormat::Human)?;
        return Err(Exit(exit::SPEC_ERRORS).into());
    }
    if !loaded.diagnostics.is_empty() {
        report(&loaded, DiagFormat::Human)?;
    }
    let Some(spec) = loaded.spec.as_ref() else {
        bail!("the spec could not be read");
    };
    let plan = strata_planner::plan(spec, &loaded)?;
    check::gate_plan(spec, &plan, notes)?;
    Ok((loaded, plan))
}

fn select_env(plan: &strata_model::Plan, env: Option<&str>) -> Result<Option<strata_model::Ident>> {
    let Some(name) = env else { return Ok(None) };
    let found = plan
        .environments
        .iter()
        .find(|e| e.as_str() == name.replace('-', "_"));
    match found {
        Some(e) => Ok(Some(e.clone())),
        None => {
            let names: Vec<&str> = plan.environments.iter().map(|e| e.as_str()).collect();
            bail!(
                "no environment `{name}` in the spec (environments: {})",
                names.join(", ")
            )
        }
    }
}

fn init(from: Option<&Path>, app: Option<String>, output: &Path, force: bool) -> Result<()> {
    let app = app.unwrap_or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| {
                d.file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
            })
            .map(|n| {
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect::<String>()
            })
            .filter(|n| n.starts_with(|c: char| c.is_ascii_lowercase()))
            .unwrap_or_else(|| "app".to_owned())
    });
    let schema = "https://strata.dev/schema/strata.schema.json";
    let text = match from {
        None => strata_spec::init::starter(&app, schema),
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let mapped = strata_spec::compose::from_compose(
                &path.display().to_string(),
                &bytes,
                &app,
                schema,
            );
            match mapped {
                Ok(m) => {
                    for note in &m.unmapped {
                        eprintln!("not mapped: {note}");
                    }
                    m.spec
                }
                Err(loaded) => {
                    report(&loaded, DiagFormat::Human)?;
                    return Err(Exit(exit::SPEC_ERRORS).into());
                }
            }
        }
    };
    if output == Path::new("-") {
        io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(());
    }
    if output.exists() && !force {
        bail!("{} exists; pass --force to overwrite it", output.display());
    }
    std::fs::write(output, &text).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "wrote {}; next: `strata validate {}`",
        output.display(),
        output.display()
    );
    Ok(())
}
