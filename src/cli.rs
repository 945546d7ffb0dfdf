//! Command-line interface: argument definitions and dispatch. `main.rs` only
//! calls [`main`]; everything here returns exit codes instead of exiting, so
//! integration tests can drive it in-process too.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::report::{self, Style};

#[derive(Parser, Debug)]
#[command(
    name = "mlpc",
    version,
    about = "ML platform compiler: one spec, the whole Kubeflow platform, checked, priced and compared",
    long_about = None,
)]
pub struct Cli {
    /// Trace the pipeline on stderr (stage timings, inputs read).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the spec and its environment overlays; report every finding.
    #[command(after_help = "Example:\n  mlpc validate --spec ml-platform.toml --format json")]
    Validate {
        #[arg(long, default_value = "ml-platform.toml")]
        spec: PathBuf,
        /// Validate only this environment's merged view.
        #[arg(long)]
        env: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Compile the spec into the Git-ready output tree that Argo CD syncs.
    #[command(
        after_help = "Examples:\n  mlpc compile\n  mlpc compile --check            # CI: exit 1 when out/ is stale\n  mlpc compile --cluster stg-use1 --out out"
    )]
    Compile {
        #[arg(long, default_value = "ml-platform.toml")]
        spec: PathBuf,
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Only these clusters (repeatable); the others' files are kept as they are.
        #[arg(long = "cluster")]
        clusters: Vec<String>,
        /// Write nothing; exit 1 listing stale, missing and extra files.
        #[arg(long)]
        check: bool,
        /// A directory of blueprint templates that override the embedded ones.
        #[arg(long)]
        blueprints: Option<PathBuf>,
        /// Write into an --out that holds files but no mlpc.lock (they are kept).
        #[arg(long)]
        force: bool,
        /// Refuse a spec that compiles to more objects than this.
        #[arg(long, default_value_t = crate::compile::DEFAULT_MAX_OBJECTS)]
        max_objects: usize,
    },
    /// Validate every object against upstream schemas and the platform's Gatekeeper policies, offline.
    #[command(
        after_help = "Examples:\n  mlpc check --schemas ../shared/schemas\n  mlpc check --manifests k8s/ --schemas schemas/ --strict --format junit > check.xml"
    )]
    Check {
        #[arg(long, default_value = "ml-platform.toml")]
        spec: PathBuf,
        /// Check this directory of YAML files instead of the compiled spec.
        #[arg(long)]
        manifests: Option<PathBuf>,
        /// Schema directories (repeatable): <group>/<kind>_<version>.json and <kind>-<group>-<version>.json layouts.
        #[arg(long = "schemas")]
        schemas: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: crate::commands::check::CheckFormat,
        /// Objects without a schema are errors; open schemas reject unknown fields.
        #[arg(long)]
        strict: bool,
        /// Only these clusters of the spec (repeatable).
        #[arg(long = "cluster")]
        clusters: Vec<String>,
        #[arg(long)]
        blueprints: Option<PathBuf>,
        /// Do not run the policies' allowed/denied example tests.
        #[arg(long)]
        skip_policy_tests: bool,
    },
    /// Compare the compiled platform of two Git revisions, object by object.
    Diff(crate::commands::diff::DiffArgs),
    /// Estimate the monthly cost per cluster, node pool and team.
    Cost(crate::commands::cost::CostArgs),
    /// Compare the compiled platform with the live clusters.
    Drift(crate::commands::drift::DriftArgs),
    /// Fleet rollouts: the waves, their clusters and what each wave changes.
    #[command(
        subcommand,
        after_help = "Examples:\n  mlpc rollout plan\n  mlpc rollout plan --base origin/main --format markdown"
    )]
    Rollout(crate::commands::rollout::RolloutCommand),
    /// Write one cluster's manifests to stdout as a YAML stream (Argo CD plugin mode).
    Render(crate::commands::render::RenderArgs),
    /// Draw the platform: clusters by wave, pools, teams, models, layers.
    Graph(crate::commands::graph::GraphArgs),
    /// List the component catalog: default versions, release lines, install sources, incompatibilities.
    Catalog(crate::commands::catalog::CatalogArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  mlpc completions bash > /etc/bash_completion.d/mlpc\n  mlpc completions zsh > \"${fpath[1]}/_mlpc\"\n  mlpc completions fish > ~/.config/fish/completions/mlpc.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write a synthetic spec of a chosen size (benchmarks and scale tests).
    #[command(hide = true)]
    Synth {
        #[arg(long, default_value_t = 25)]
        clusters: usize,
        #[arg(long, default_value_t = 125)]
        teams: usize,
    },
    /// Print the JSON Schema of ml-platform.toml (for editors and CI).
    #[command(after_help = "Example:\n  mlpc schema > schemas/ml-platform.schema.json")]
    Schema,
    /// Write a starter ml-platform.toml (and environment overlays) to a directory.
    #[command(
        after_help = "Example:\n  mlpc init --dir my-platform && cd my-platform && mlpc validate"
    )]
    Init {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
}

/// Parse arguments and run; returns the process exit code.
pub fn main() -> i32 {
    crate::output::install_panic_hook();
    let code = parse_and_run();
    crate::output::finish(code)
}

fn parse_and_run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    run(cli)
}

pub fn run(cli: Cli) -> i32 {
    crate::trace::set_level(cli.verbose);
    let style = Style::detect();
    let result = match cli.command {
        Command::Validate { spec, env, format } => validate(&spec, env.as_deref(), format, style),
        Command::Compile {
            spec,
            out,
            clusters,
            check,
            blueprints,
            force,
            max_objects,
        } => {
            crate::compile::set_max_objects(max_objects);
            crate::commands::compile::run_guarded(
                &crate::compile::CompileOptions {
                    spec,
                    blueprints,
                    clusters,
                },
                &out,
                check,
                force,
                style,
            )
        }
        Command::Check {
            spec,
            manifests,
            schemas,
            format,
            strict,
            clusters,
            blueprints,
            skip_policy_tests,
        } => crate::commands::check::run(
            &crate::commands::check::CheckArgs {
                spec,
                manifests,
                schemas,
                format,
                strict,
                clusters,
                blueprints,
                skip_policy_tests,
            },
            style,
        ),
        Command::Diff(args) => crate::commands::diff::run(&args, style),
        Command::Cost(args) => crate::commands::cost::run(&args, style),
        Command::Drift(args) => crate::commands::drift::run(&args, style),
        Command::Rollout(cmd) => crate::commands::rollout::run(&cmd, style),
        Command::Render(args) => crate::commands::render::run(&args, style),
        Command::Graph(args) => crate::commands::graph::run(&args, style),
        Command::Catalog(args) => crate::commands::catalog::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mlpc", &mut buf);
            crate::output::write(&buf);
            Ok(0)
        }
        Command::Synth { clusters, teams } => {
            print!(
                "{}",
                crate::synth::spec(crate::synth::Size { clusters, teams })
            );
            Ok(0)
        }
        Command::Schema => {
            print!("{}", crate::spec::schema::schema_json());
            Ok(0)
        }
        Command::Init { dir, force } => crate::init::write(&dir, force).map(|written| {
            for w in written {
                println!("wrote {}", w.display());
            }
            println!(
                "next: mlpc validate --spec {}",
                dir.join("ml-platform.toml").display()
            );
            0
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = e.exit_code();
            // Errors can quote inputs (a rendered line, a path, a server's
            // answer): redacted and on one line like every finding.
            eprintln!(
                "{} {}",
                style.red("error:"),
                crate::redact::safe_line(&e.to_string())
            );
            code
        }
    }
}

pub fn print_findings(
    diags: &[crate::diag::Diagnostic],
    sources: Option<&crate::spec::source::SourceMap>,
    format: Format,
    style: Style,
) {
    let text = match format {
        Format::Human => report::human(diags, sources, style),
        Format::Json => report::json(diags),
    };
    crate::output::write(text.as_bytes());
}

/// `--env` must name an environment of the spec (a cluster's or an overlay
/// file's): validating no view at all would print `0 error(s)` for a typo.
fn check_env<'a>(
    loaded: &crate::spec::load::Loaded,
    env: Option<&'a str>,
) -> Result<Option<&'a str>, Error> {
    let Some(env) = env else {
        return Ok(None);
    };
    let known = crate::validate::environment_names(loaded);
    if known.contains(env) {
        return Ok(Some(env));
    }
    Err(Error::Usage(crate::diag::unknown_name(
        "--env",
        env,
        "environment",
        known.iter().map(String::as_str),
    )))
}

fn validate(spec: &Path, env: Option<&str>, format: Format, style: Style) -> Result<i32, Error> {
    match crate::spec::load::load(spec)? {
        Err((sources, diags)) => {
            print_findings(&diags, Some(&sources), format, style);
            Ok(1)
        }
        Ok(loaded) => {
            let env = check_env(&loaded, env)?;
            validated_report(crate::validate::validate(loaded, env), format, style)
        }
    }
}

fn validated_report(
    result: Result<
        crate::validate::Validated,
        Box<(crate::spec::load::Loaded, Vec<crate::diag::Diagnostic>)>,
    >,
    format: Format,
    style: Style,
) -> Result<i32, Error> {
    match result {
        Ok(v) => {
            print_findings(&v.diagnostics, Some(&v.loaded.sources), format, style);
            if format == Format::Human {
                println!("next: mlpc compile (writes out/), then mlpc check --schemas DIR");
            }
            Ok(0)
        }
        Err(rejected) => {
            let (loaded, diags) = *rejected;
            print_findings(&diags, Some(&loaded.sources), format, style);
            Ok(1)
        }
    }
}
