//! The edge: argument definitions, dispatch to `commands`, and the one place
//! that turns how a command went into output and an exit code (0 ok, 1
//! findings, 2 usage or I/O). `main.rs` only calls [`main`].

use clap::{Parser, Subcommand};

use mlpc::error::{Error, Invalid};
use mlpc::report::{self, Style};

use crate::commands::check::CheckFormat;
use crate::commands::{
    self, CommandError, CommandResult, Format, Outcome, ReportFormat, catalog, check, compile,
    cost, diff, drift, graph, init, render, rollout, schema, synth, validate,
};

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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the spec and its environment overlays; report every finding.
    Validate(validate::ValidateArgs),
    /// Compile the spec into the Git-ready output tree that Argo CD syncs.
    Compile(compile::CompileArgs),
    /// Validate every object against upstream schemas and the platform's Gatekeeper policies, offline.
    Check(check::CheckArgs),
    /// Compare the compiled platform of two Git revisions, object by object.
    Diff(diff::DiffArgs),
    /// Estimate the monthly cost per cluster, node pool and team.
    Cost(cost::CostArgs),
    /// Compare the compiled platform with the live clusters.
    Drift(drift::DriftArgs),
    /// Fleet rollouts: the waves, their clusters and what each wave changes.
    #[command(
        subcommand,
        after_help = "Examples:\n  mlpc rollout plan\n  mlpc rollout plan --base origin/main --format markdown"
    )]
    Rollout(rollout::RolloutCommand),
    /// Write one cluster's manifests to stdout as a YAML stream (Argo CD plugin mode).
    Render(render::RenderArgs),
    /// Draw the platform: clusters by wave, pools, teams, models, layers.
    Graph(graph::GraphArgs),
    /// List the component catalog: default versions, release lines, install sources, incompatibilities.
    Catalog(catalog::CatalogArgs),
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
    Synth(synth::SynthArgs),
    /// Print the JSON Schema of ml-platform.toml (for editors and CI).
    Schema(schema::SchemaArgs),
    /// Write a starter ml-platform.toml (and environment overlays) to a directory.
    Init(init::InitArgs),
}

/// Parse arguments and run; returns the process exit code.
pub fn main() -> i32 {
    mlpc::output::install_panic_hook();
    let code = parse_and_run();
    mlpc::output::finish(code)
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

fn run(cli: Cli) -> i32 {
    mlpc::trace::set_level(cli.verbose);
    let style = Style::detect();
    let shown = spec_report(&cli.command);
    let result = dispatch(&cli.command, style);
    exit_code(result, shown, style)
}

fn dispatch(command: &Command, style: Style) -> CommandResult {
    match command {
        Command::Validate(a) => validate::run(a, style),
        Command::Compile(a) => compile::run(a, style),
        Command::Check(a) => check::run(a, style),
        Command::Diff(a) => diff::run(a, style),
        Command::Cost(a) => cost::run(a, style),
        Command::Drift(a) => drift::run(a, style),
        Command::Rollout(a) => rollout::run(a, style),
        Command::Render(a) => render::run(a, style),
        Command::Graph(a) => graph::run(a, style),
        Command::Catalog(a) => catalog::run(a, style),
        Command::Init(a) => init::run(a, style),
        // The one command without a module: it prints the clap definition
        // above, which no command may import.
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "mlpc", &mut buf);
            mlpc::output::write(&buf);
            Ok(Outcome::Clean)
        }
        Command::Synth(a) => synth::run(a, style),
        Command::Schema(a) => schema::run(a, style),
    }
}

/// How a command shows a spec with errors: in the format of its own report,
/// so a tool that parses that report still can.
#[derive(Clone, Copy, Debug)]
enum SpecReport {
    /// Findings on stdout, for people or as JSON (`validate`, `compile`, `check --format human`).
    Findings(Format),
    /// Findings on stderr: stdout is a manifest stream or a picture (`render`, `graph`, `rollout plan`).
    Stderr,
    /// `check`'s own JSON or JUnit report, the findings as `input` findings.
    Check(CheckFormat),
    /// Every revision's findings in the comparison's format (`diff`, `cost`, `rollout plan --base`).
    Revisions(ReportFormat),
    /// Findings on stderr and "nothing checked", exit 2 (`drift`).
    NothingChecked,
}

fn spec_report(command: &Command) -> SpecReport {
    match command {
        Command::Validate(a) => SpecReport::Findings(a.format),
        Command::Check(a) if a.format != CheckFormat::Human => SpecReport::Check(a.format),
        Command::Diff(diff::DiffArgs { format, .. })
        | Command::Cost(cost::CostArgs { format, .. }) => SpecReport::Revisions(*format),
        Command::Rollout(rollout::RolloutCommand::Plan(a)) if a.base.is_some() => {
            SpecReport::Revisions(a.format)
        }
        Command::Rollout(_) | Command::Render(_) | Command::Graph(_) => SpecReport::Stderr,
        Command::Drift(_) => SpecReport::NothingChecked,
        _ => SpecReport::Findings(Format::Human),
    }
}

/// The exit code of a command's result, after printing what it did not:
/// the invalid spec in the command's format, or the error on one line.
fn exit_code(result: CommandResult, shown: SpecReport, style: Style) -> i32 {
    match result {
        Ok(Outcome::Clean) => 0,
        Ok(Outcome::Findings) => 1,
        Ok(Outcome::Unchecked) => 2,
        Err(CommandError::InvalidSpec(specs)) => show_invalid(&specs, shown, style),
        Err(CommandError::Usage(message)) => {
            print_error(&message, style);
            2
        }
        Err(CommandError::Failed(e)) => {
            print_error(&e.to_string(), style);
            match e {
                // A blueprint that does not render is a finding about the input.
                Error::Blueprint { .. } => 1,
                _ => 2,
            }
        }
    }
}

/// Errors can quote inputs (a rendered line, a path, a server's answer):
/// redacted and on one line like every finding.
fn print_error(message: &str, style: Style) {
    eprintln!(
        "{} {}",
        style.red("error:"),
        mlpc::redact::safe_line(message)
    );
}

/// Print the findings of every invalid spec as `shown`; the exit code.
fn show_invalid(specs: &[Invalid], shown: SpecReport, style: Style) -> i32 {
    let human = |i: &Invalid| report::human(&i.diagnostics, Some(&i.sources), style);
    match shown {
        SpecReport::Findings(Format::Human) => {
            specs.iter().for_each(|i| commands::print(&human(i)))
        }
        SpecReport::Findings(Format::Json) => {
            let diags: Vec<_> = specs.iter().flat_map(|i| i.diagnostics.clone()).collect();
            commands::print(&report::json(&diags));
        }
        SpecReport::Stderr | SpecReport::NothingChecked => {
            specs.iter().for_each(|i| eprint!("{}", human(i)))
        }
        SpecReport::Check(format) => {
            let diags: Vec<_> = specs.iter().flat_map(|i| i.diagnostics.clone()).collect();
            let findings = mlpc::check::Report::of_invalid_spec(&diags);
            commands::print(&match format {
                CheckFormat::Junit => mlpc::check::output::junit(&findings),
                _ => mlpc::check::output::json(&findings),
            });
        }
        SpecReport::Revisions(format) => commands::print(&match format {
            ReportFormat::Human => report::invalid_revisions_human(specs, style),
            ReportFormat::Markdown => report::invalid_revisions_markdown(specs),
            ReportFormat::Json => report::invalid_revisions_json(specs),
        }),
    }
    if let SpecReport::NothingChecked = shown {
        eprintln!(
            "{} the spec does not compile; nothing checked",
            style.red("error:")
        );
        return 2;
    }
    1
}
