//! Findings: what `validate` and `check` report, with a stable code, a
//! position and a hint. Rendering (human or JSON) lives at the edge, in `report`.

use serde::Serialize;

use crate::spec::source::Position;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E103`; documented in the README.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the offending value is (the overlay file when it came from one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// The spec path of the value, e.g. `teams[1].quota.gpu`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            position: None,
            path: None,
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn at(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }
}

/// Sort by file and position, then code, and drop exact duplicates (the same
/// finding seen in the base spec and in every environment's merged view).
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        let ka = a
            .position
            .as_ref()
            .map(|p| (p.file.clone(), p.line, p.column));
        let kb = b
            .position
            .as_ref()
            .map(|p| (p.file.clone(), p.line, p.column));
        ka.cmp(&kb)
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
    });
    diags.dedup();
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate within a distance that still reads as a typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The message of an unknown name given on the command line (`--env`,
/// `--cluster`): a "did you mean" when one is close, else the known names.
pub fn unknown_name<'a>(
    flag: &str,
    given: &str,
    what: &str,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match suggest(given, known.clone()) {
        Some(s) => format!("{flag} {given}: no such {what} in the spec (did you mean {s}?)"),
        None => {
            let list: Vec<&str> = known.into_iter().collect();
            if list.is_empty() {
                format!("{flag} {given}: the spec declares no {what}")
            } else {
                format!(
                    "{flag} {given}: no such {what} in the spec (known: {})",
                    list.join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("gpu_tpye", ["gpu", "gpu_type", "cpu"]),
            Some("gpu_type")
        );
        assert_eq!(suggest("zzzzzz", ["gpu", "cpu"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
