//! `mlpc drift` (being implemented; see the issue).

use crate::error::{Error, Result};
use crate::report::Style;

#[derive(clap::Args, Debug, Clone)]
pub struct DriftArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: std::path::PathBuf,
}

pub fn run(_args: &DriftArgs, _style: Style) -> Result<i32> {
    Err(Error::Usage("mlpc drift is not implemented yet".into()))
}
