//! `mlpc init`: a starter spec to edit.

use std::path::PathBuf;

use mlpc::report::Style;

use super::{CommandResult, Outcome};

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  mlpc init --dir my-platform && cd my-platform && mlpc validate"
)]
pub struct InitArgs {
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: &InitArgs, _style: Style) -> CommandResult {
    for w in mlpc::init::write(&a.dir, a.force)? {
        println!("wrote {}", w.display());
    }
    println!(
        "next: mlpc validate --spec {}",
        a.dir.join("ml-platform.toml").display()
    );
    Ok(Outcome::Clean)
}
