//! `mlpc synth` (hidden): a synthetic spec of a chosen size.

use mlpc::report::Style;

use super::{CommandResult, Outcome, print};

#[derive(clap::Args, Debug, Clone)]
pub struct SynthArgs {
    #[arg(long, default_value_t = 25)]
    pub clusters: usize,
    #[arg(long, default_value_t = 125)]
    pub teams: usize,
}

pub fn run(a: &SynthArgs, _style: Style) -> CommandResult {
    print(&mlpc::synth::spec(mlpc::synth::Size {
        clusters: a.clusters,
        teams: a.teams,
    }));
    Ok(Outcome::Clean)
}
