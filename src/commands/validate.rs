//! `mlpc validate`: every finding of the spec and its overlays.

use std::path::PathBuf;

use mlpc::report::{self, Style};
use mlpc::spec::load::Loaded;

use super::{CommandError, CommandResult, Format, Outcome, print};

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Example:\n  mlpc validate --spec ml-platform.toml --format json")]
pub struct ValidateArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// Validate only this environment's merged view.
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(a: &ValidateArgs, style: Style) -> CommandResult {
    let loaded = mlpc::spec::load::load(&a.spec)?;
    let env = check_env(&loaded, a.env.as_deref())?;
    let v = mlpc::validate::validate(loaded, env)?;
    print(&match a.format {
        Format::Human => report::human(&v.diagnostics, Some(&v.loaded.sources), style),
        Format::Json => report::json(&v.diagnostics),
    });
    if a.format == Format::Human {
        println!("next: mlpc compile (writes out/), then mlpc check --schemas DIR");
    }
    Ok(Outcome::Clean)
}

/// `--env` must name an environment of the spec (a cluster's or an overlay
/// file's): validating no view at all would print `0 error(s)` for a typo.
fn check_env<'a>(loaded: &Loaded, env: Option<&'a str>) -> Result<Option<&'a str>, CommandError> {
    let Some(env) = env else {
        return Ok(None);
    };
    let known = mlpc::validate::environment_names(loaded);
    if known.contains(env) {
        return Ok(Some(env));
    }
    Err(CommandError::Usage(mlpc::diag::unknown_name(
        "--env",
        env,
        "environment",
        known.iter().map(String::as_str),
    )))
}
