//! mlpc, the ML platform compiler.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `spec` (load, merge) → `validate` → `plan` → `render` → `emit` → `check`.
//! The command line (`cli`, `commands`) is the binary's, in `src/main.rs`.

pub mod catalog;
pub mod check;
pub mod compile;
pub mod cost;
pub mod diag;
pub mod diff;
pub mod drift;
pub mod emit;
pub mod error;
pub mod graph;
#[doc(hidden)]
pub mod hostile;
pub mod init;
pub mod outdir;
pub mod output;
pub mod plan;
pub mod policies;
pub mod redact;
pub mod render;
pub mod report;
pub mod rollout;
pub mod spec;
pub mod synth;
pub mod trace;
pub mod validate;
pub mod yaml;
