//! One module per subcommand that does more than dispatch: each prints its
//! own report and returns the exit code.

pub mod catalog;
pub mod check;
pub mod compile;
pub mod cost;
pub mod diff;
pub mod drift;
pub mod graph;
pub mod render;
pub mod rollout;
