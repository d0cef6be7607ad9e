//! The command line, defined once: help, shell completions and the man page
//! are all generated from these definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Strata: one short spec of an application, all six layers of its stack.
///
/// Exit codes: 0 success; 1 the spec has errors (or findings); 2 usage,
/// input or output error; 3 internal error (a bug in Strata); 4 drift found;
/// 5 some resources could not be applied or deleted.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a spec and report every problem at once.
    Validate {
        /// Spec file, or a directory holding `strata.yaml`.
        #[arg(default_value = "strata.yaml")]
        spec: PathBuf,
        /// How to print diagnostics.
        #[arg(long, short, value_enum, default_value_t = DiagFormat::Human)]
        output: DiagFormat,
    },
    /// Plan the resource graph of every environment, across all six layers.
    Plan {
        /// Spec file, or a directory holding `strata.yaml`.
        #[arg(default_value = "strata.yaml")]
        spec: PathBuf,
        /// Only this environment.
        #[arg(long, short)]
        env: Option<String>,
        /// Text for people, JSON for tools (see docs/plan-json.md).
        #[arg(long, short, value_enum, default_value_t = PlanFormat::Text)]
        output: PlanFormat,
    },
    /// Print the resource graph with its dependencies.
    Graph {
        /// Spec file, or a directory holding `strata.yaml`.
        #[arg(default_value = "strata.yaml")]
        spec: PathBuf,
        /// Only this environment.
        #[arg(long, short)]
        env: Option<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Render the plan as files: architecture diagrams, Prometheus rules and
    /// their unit tests, and a README of the layout.
    Render {
        /// Spec file, or a directory holding `strata.yaml`.
        #[arg(default_value = "strata.yaml")]
        spec: PathBuf,
        /// Directory to write into (created when missing).
        #[arg(long, short, default_value = "infra")]
        output: PathBuf,
        /// Only this environment.
        #[arg(long, short)]
        env: Option<String>,
    },
    /// Draw the architecture of an environment: DOT on standard output, or
    /// SVG with Graphviz when `--output` names an `.svg` file.
    Diagram {
        /// Spec file, or a directory holding `strata.yaml`.
        #[arg(default_value = "strata.yaml")]
        spec: PathBuf,
        /// Environment to draw (default: the last in promotion order).
        #[arg(long, short)]
        env: Option<String>,
        /// Write here instead of standard output (`.dot` or `.svg`).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Run the control catalog over Terraform, Kubernetes, CloudFormation,
    /// Dockerfiles and CI workflow files. Exit 0: clean; 1: findings at or
    /// above `--severity`; 2: a file could not be read (the rest is still
    /// scanned and reported).
    Check {
        /// Files or directories (default: the current directory).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Only controls mapped to this framework (repeatable): cis-aws,
        /// pci-dss-4.0, hipaa, soc2, cis-k8s, owasp-top10.
        #[arg(long, short)]
        framework: Vec<String>,
        /// Lowest severity to report and fail on.
        #[arg(long, short, default_value = "low", value_parser = parse_severity)]
        severity: strata_policy::Severity,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = crate::check::CheckFormat::Text)]
        output: crate::check::CheckFormat,
        /// Accept the failures listed in this baseline file.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Write the current failures to this baseline file.
        #[arg(long)]
        write_baseline: Option<PathBuf>,
        /// List the controls instead of scanning.
        #[arg(long)]
        list: bool,
    },
    /// A compliance report for one framework: requirement → controls →
    /// pass/fail, over files or over a spec's plan.
    Report {
        /// Files or directories to scan, or a Strata spec (`strata.yaml`).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// The framework.
        #[arg(long, short)]
        framework: String,
        /// Markdown or HTML.
        #[arg(long, short, value_enum, default_value_t = ReportFormat::Markdown)]
        output: ReportFormat,
    },
    /// Provision an environment through the AWS API: shows the plan, asks
    /// for confirmation on a terminal (`--yes` skips it; with no terminal and
    /// no `--yes` it refuses), applies in dependency order with bounded
    /// parallelism, and journals every call so an interrupted run converges
    /// when run again; then deletes what the environment owns and the spec
    /// no longer has. Exit 5: some resources failed (the rest is applied).
    Apply {
        #[command(flatten)]
        live: LiveArgs,
        /// Apply without asking.
        #[arg(long, short)]
        yes: bool,
        /// Show what would be created, updated, replaced and deleted (reads
        /// only), change nothing.
        #[arg(long, conflicts_with = "yes")]
        dry_run: bool,
        /// Also delete databases, buckets, keys, secrets, repositories and
        /// log groups the spec no longer has (kept and listed otherwise).
        #[arg(long)]
        prune_data: bool,
        /// Output format (`json`: see docs/live-json.md).
        #[arg(long, short, value_enum, default_value_t = DriftFormat::Text)]
        output: DriftFormat,
    },
    /// Compare the live environment with the spec, attribute by attribute.
    /// Exit 0: no drift; 4: drift found (`--fix` repairs it and exits 0 when
    /// the repair succeeded).
    Drift {
        #[command(flatten)]
        live: LiveArgs,
        /// Restore the desired state.
        #[arg(long)]
        fix: bool,
        /// With `--fix`, repair without asking.
        #[arg(long, short)]
        yes: bool,
        /// Output format (`json`: see docs/live-json.md; with `--fix`, the
        /// repair's report too).
        #[arg(long, short, value_enum, default_value_t = DriftFormat::Text)]
        output: DriftFormat,
    },
    /// Run the control catalog over the live environment (post-provisioning
    /// controls): the planned graph with every attribute Strata observes
    /// replaced by its live value, and rules added out of band as rules of
    /// their own. Exit 1: a high or critical control of the environment's
    /// frameworks fails (every failure is listed).
    Audit {
        #[command(flatten)]
        live: LiveArgs,
        /// Output format (`json`: see docs/audit-json.md).
        #[arg(long, short, value_enum, default_value_t = DriftFormat::Text)]
        output: DriftFormat,
    },
    /// Delete everything Strata owns in an environment, dependents first, and
    /// show that nothing tagged for it remains. Deletion protection makes it
    /// refuse unless `--force`. Exit 5: something could not be deleted.
    Destroy {
        #[command(flatten)]
        live: LiveArgs,
        /// Switch deletion protection off and delete anyway.
        #[arg(long)]
        force: bool,
        /// Destroy without asking.
        #[arg(long, short)]
        yes: bool,
        /// Output format (`json`: see docs/live-json.md).
        #[arg(long, short, value_enum, default_value_t = DriftFormat::Text)]
        output: DriftFormat,
    },
    /// Let resources the spec no longer has go without deleting them: they
    /// leave the journal and lose their `strata:` tags, so `apply` no longer
    /// deletes or lists them, `drift` no longer reports them and `destroy`
    /// leaves them. For a store `apply` keeps because it holds data, when
    /// it is handed over rather than deleted. Exit 2: an address still in
    /// the spec or not owned (nothing forgotten).
    Forget {
        #[command(flatten)]
        live: LiveArgs,
        /// An address to forget, as `drift` and `apply` print it (repeat
        /// for more).
        #[arg(long = "address", short = 'a', required_unless_present = "kept")]
        addresses: Vec<String>,
        /// Forget everything `apply` keeps because it holds data (the
        /// stores and what they stand on).
        #[arg(long)]
        kept: bool,
        /// Output format (`json`: see docs/live-json.md).
        #[arg(long, short, value_enum, default_value_t = DriftFormat::Text)]
        output: DriftFormat,
    },
    /// Print the JSON Schema of the spec.
    Schema,
    /// Write a commented starter spec, or one mapped from a Compose file.
    Init {
        /// Map this docker-compose file into the spec.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Application name (default: the current directory's name).
        #[arg(long)]
        app: Option<String>,
        /// Where to write the spec; `-` for standard output.
        #[arg(long, short, default_value = "strata.yaml")]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Diagnostic formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagFormat {
    /// The offending text underlined, with a hint.
    Human,
    /// One line per problem: `file:line:col: severity[code]: message`.
    Short,
    /// A JSON array of diagnostics.
    Json,
}

/// Plan formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Per environment and layer: counts and key resources.
    Text,
    /// The documented JSON contract.
    Json,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A Markdown table.
    Markdown,
    /// A standalone HTML page.
    Html,
}

fn parse_severity(s: &str) -> Result<strata_policy::Severity, String> {
    s.parse()
}

/// Graph formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
}

/// Arguments of every command that talks to AWS.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// Spec file, or a directory holding `strata.yaml`.
    #[arg(default_value = "strata.yaml")]
    pub spec: PathBuf,
    /// The environment.
    #[arg(long, short)]
    pub env: String,
    /// Send every AWS call to this endpoint (an emulator); otherwise the
    /// standard chain decides (`AWS_ENDPOINT_URL`, profiles).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// The journal (SQLite). Default: `.strata/state.db` beside the spec.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Resources worked on at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// Output of the live commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
}
