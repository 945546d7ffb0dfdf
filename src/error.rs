//! Errors that stop a command (as opposed to findings, see `diag`).

use std::path::PathBuf;

use crate::diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the spec has {} error(s)", count_errors(.0))]
    InvalidSpec(Vec<Diagnostic>),
    #[error("blueprint {template}: {message}")]
    Blueprint { template: String, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

fn count_errors(d: &[Diagnostic]) -> usize {
    d.iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .count()
}

impl Error {
    /// Exit code contract: 1 for findings, 2 for usage and I/O.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidSpec(_) | Error::Blueprint { .. } => 1,
            _ => 2,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
