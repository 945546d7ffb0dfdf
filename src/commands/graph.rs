//! `mlpc graph`: a picture of the platform (the library's `graph`).

use std::path::PathBuf;

use mlpc::compile::{CompileOptions, compile};
use mlpc::graph;
use mlpc::report::Style;

use super::{CommandResult, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc graph > platform.mmd\n  mlpc graph --format dot | dot -Tsvg > platform.svg"
)]
pub struct GraphArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
}

pub fn run(a: &GraphArgs, _style: Style) -> CommandResult {
    let compiled = compile(&CompileOptions {
        spec: a.spec.clone(),
        ..Default::default()
    })?;
    let present = graph::present_layers(&compiled);
    let text = match a.format {
        GraphFormat::Mermaid => graph::mermaid(&compiled.plan, &present),
        GraphFormat::Dot => graph::dot(&compiled.plan, &present),
    };
    print!("{text}");
    Ok(Outcome::Clean)
}
