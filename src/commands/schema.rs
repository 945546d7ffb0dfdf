//! `mlpc schema`: the JSON Schema of `ml-platform.toml`.

use mlpc::report::Style;

use super::{CommandResult, Outcome, print};

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Example:\n  mlpc schema > schemas/ml-platform.schema.json")]
pub struct SchemaArgs {}

pub fn run(_args: &SchemaArgs, _style: Style) -> CommandResult {
    print(&mlpc::spec::schema::schema_json());
    Ok(Outcome::Clean)
}
