//! mlpc, the ML platform compiler.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `spec` (load, merge) → `validate` → `plan` → `render` → `emit` → `check`.

pub mod catalog;
pub mod check;
pub mod cli;
pub mod commands;
pub mod compile;
pub mod cost;
pub mod diag;
pub mod diff;
pub mod drift;
pub mod emit;
pub mod error;
#[doc(hidden)]
pub mod hostile;
pub mod init;
pub mod output;
pub mod plan;
pub mod policies;
pub mod redact;
pub mod render;
pub mod report;
pub mod spec;
pub mod synth;
pub mod trace;
pub mod validate;
pub mod yaml;
