//! Errors that stop a command (as opposed to findings, see `diag`), one
//! typed kind each. What a kind means for the exit code is decided by the
//! binary (`src/cli.rs`), never here.

use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::spec::side::Side;
use crate::spec::source::SourceMap;

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
    /// The spec has errors: one entry per spec that was read (two when both
    /// revisions of a comparison have errors). The only shape of an invalid spec.
    #[error("the spec has {} error(s)", count_errors(.0))]
    InvalidSpec(Vec<Invalid>),
    #[error("blueprint {template}: {message}")]
    Blueprint { template: String, message: String },
    /// A leaf Application whose sync wave is in none of the fleet's
    /// RollingSync stages: it would never sync.
    #[error(
        "blueprint error: Application {application} in {dir} has no sync wave among the fleet's RollingSync stages ({stages:?}); it would never sync"
    )]
    NoStage {
        application: String,
        dir: String,
        stages: std::collections::BTreeSet<usize>,
    },
    /// An argument or input mlpc cannot use as given (an unknown cluster or
    /// revision, an `--out` that holds the spec, ...).
    #[error("{0}")]
    Usage(String),
    /// Input that must be UTF-8 text and is not.
    #[error("{} is not UTF-8", .path.display())]
    NotUtf8 { path: PathBuf },
    /// A policy's source or metadata (`policies/<name>.{rego,yaml}`) that cannot be used.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A path of the output tree that mlpc refuses to read or write.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Something failed while reading one revision of a comparison: the
    /// revision's label (`base revision main (0123abc)`) and what failed.
    #[error("{label}: {source}")]
    AtRevision { label: String, source: Box<Error> },
    /// A report could not be written as JSON.
    #[error("cannot write the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("embedded policy {0} has no {0}.yaml")]
    NoMetadata(String),
    #[error("bad policy file name {}", .0.display())]
    BadName(PathBuf),
    #[error("{path}: {message}")]
    Yaml { path: String, message: String },
    #[error("{0} is empty")]
    Empty(String),
    #[error("{0} has no `kind` (the constraint kind)")]
    NoKind(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{} is a symlink; mlpc never reads or writes through links in its output", .0.display())]
    Symlink(PathBuf),
    #[error("{} is not a regular file", .0.display())]
    NotRegular(PathBuf),
    #[error("refusing the output path {0:?}")]
    Escapes(String),
    #[error("cannot start writer threads: {0}")]
    Threads(String),
}

/// A spec that could not be validated: its findings, the sources to show
/// them against and, in a comparison, the revision it was read from.
#[derive(Debug)]
pub struct Invalid {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub revision: Option<(Side, String)>,
}

impl Invalid {
    pub fn new(sources: SourceMap, diagnostics: Vec<Diagnostic>) -> Invalid {
        Invalid {
            sources,
            diagnostics,
            revision: None,
        }
    }
}

impl From<Invalid> for Error {
    fn from(i: Invalid) -> Error {
        Error::InvalidSpec(vec![i])
    }
}

fn count_errors(specs: &[Invalid]) -> usize {
    specs
        .iter()
        .flat_map(|i| &i.diagnostics)
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .count()
}

impl Error {
    /// The findings of an invalid spec (every revision's); none for other errors.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        let specs: &[Invalid] = match self {
            Error::InvalidSpec(specs) => specs,
            _ => &[],
        };
        specs.iter().flat_map(|i| &i.diagnostics)
    }

    /// Name the revision this happened at: every message gets the label in
    /// front, an invalid spec carries the side for its report.
    pub fn at_revision(self, side: &Side, label: &str) -> Error {
        match self {
            Error::InvalidSpec(specs) => Error::InvalidSpec(
                specs
                    .into_iter()
                    .map(|mut i| {
                        i.revision = Some((side.clone(), label.to_string()));
                        i
                    })
                    .collect(),
            ),
            other => Error::AtRevision {
                label: label.to_string(),
                source: Box::new(other),
            },
        }
    }
}

/// Both sides of a comparison, or why not: the first side's error that is
/// not an invalid spec, else every invalid spec of both sides (so a report
/// shows them all at once).
pub fn both<A, B>(a: Result<A>, b: Result<B>) -> Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(Error::InvalidSpec(mut x)), Err(Error::InvalidSpec(y))) => {
            x.extend(y);
            Err(Error::InvalidSpec(x))
        }
        (Err(Error::InvalidSpec(_)), Err(other)) => Err(other),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
