//! `mlpc cost` (being implemented; see the issue).

use crate::error::{Error, Result};
use crate::report::Style;

#[derive(clap::Args, Debug, Clone)]
pub struct CostArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: std::path::PathBuf,
}

pub fn run(_args: &CostArgs, _style: Style) -> Result<i32> {
    Err(Error::Usage("mlpc cost is not implemented yet".into()))
}
