//! One module per subcommand, all of one shape: an args struct (clap) and
//!
//! ```text
//! pub fn run(args: &XArgs, style: Style) -> Result<Outcome, CommandError>
//! ```
//!
//! that calls the library, prints the command's report and says how it went.
//! No command imports another: what they share is here. A spec with errors
//! is never handled by a command; it returns [`CommandError::InvalidSpec`]
//! and `cli.rs` prints it in the command's format and decides every exit code.

pub mod catalog;
pub mod check;
pub mod compile;
pub mod cost;
pub mod diff;
pub mod drift;
pub mod graph;
pub mod init;
pub mod render;
pub mod rollout;
pub mod schema;
pub mod synth;
pub mod validate;

use mlpc::compile::CompiledAt;
use mlpc::error::{Error, Invalid};

/// How a command went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// The report holds findings (errors, drift, changes with `--exit-code`): exit 1.
    Findings,
    /// Nothing could be checked (every cluster unreachable): exit 2.
    Unchecked,
}

impl Outcome {
    /// [`Outcome::Findings`] when `found`, else [`Outcome::Clean`].
    pub fn findings_if(found: bool) -> Outcome {
        if found {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// Why a command stopped.
#[derive(Debug)]
pub enum CommandError {
    /// Arguments mlpc cannot use: exit 2.
    Usage(String),
    /// The spec (one or both revisions of it) has errors: shown in the
    /// command's format, exit 1.
    InvalidSpec(Vec<Invalid>),
    /// The library stopped (I/O, a blueprint that does not render, ...).
    Failed(Error),
}

impl From<Error> for CommandError {
    fn from(e: Error) -> CommandError {
        match e {
            Error::InvalidSpec(specs) => CommandError::InvalidSpec(specs),
            Error::Usage(m) => CommandError::Usage(m),
            other => CommandError::Failed(other),
        }
    }
}

pub type CommandResult = Result<Outcome, CommandError>;

/// Findings for people or for tools (`validate`, `catalog`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Output formats of `mlpc diff`, `mlpc cost` and `mlpc rollout plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Colored text for a terminal.
    Human,
    /// A pull-request comment.
    Markdown,
    /// Stable JSON for tools.
    Json,
}

/// Write to stdout; a failed write (a full disk, a closed pipe) exits 2.
pub fn print(text: &str) {
    mlpc::output::write(text.as_bytes());
}

/// Revisions `base` and `head` compiled side by side
/// ([`mlpc::compile::compile_both`]), its notes on stderr.
pub fn compile_both(
    base: &str,
    head: Option<&str>,
    spec: &std::path::Path,
    blueprints: Option<&std::path::Path>,
) -> Result<(CompiledAt, CompiledAt), CommandError> {
    let mut notes = Vec::new();
    let both = mlpc::compile::compile_both(base, head, spec, blueprints, &mut notes);
    for n in &notes {
        eprintln!("note: {n}");
    }
    Ok(both?)
}

/// `v` as pretty JSON with a final newline.
pub fn json_text(v: &impl serde::Serialize) -> Result<String, CommandError> {
    let mut s = serde_json::to_string_pretty(v).map_err(Error::Json)?;
    s.push('\n');
    Ok(s)
}
