//! `mlpc diff` (being implemented; see the issue).

use crate::error::{Error, Result};
use crate::report::Style;

#[derive(clap::Args, Debug, Clone)]
pub struct DiffArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: std::path::PathBuf,
}

pub fn run(_args: &DiffArgs, _style: Style) -> Result<i32> {
    Err(Error::Usage("mlpc diff is not implemented yet".into()))
}
