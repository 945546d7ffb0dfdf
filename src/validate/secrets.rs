//! E114: plaintext credentials in the spec. Only references (a Secret name,
//! an external store key) are allowed; this scan runs on the raw tree, so it
//! also catches credentials under keys the model does not know.

use crate::diag::Diagnostic;
use crate::spec::tree::{Node, Seg, Value, path_to_string};

/// Keys whose string values are credentials, unless they are references.
const SECRET_KEY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "client_secret",
    "credential",
];

/// Keys that hold references to secrets, never the secret itself.
const REFERENCE_KEYS: &[&str] = &["secret_name", "store", "key", "credentials"];

pub fn scan(tree: &Node) -> Vec<(Diagnostic, Vec<Seg>)> {
    let mut out = Vec::new();
    tree.walk(&mut Vec::new(), &mut |path, node| {
        if let Value::Array(items) = &node.value {
            for i in split_flag_value(items) {
                let mut p = path.to_vec();
                p.push(Seg::Index(i));
                out.push((
                    Diagnostic::error(
                        "E114",
                        format!("`{}` looks like a plaintext credential (the value of the flag before it)", path_to_string(&p)),
                    )
                    .with_hint("pass the credential from a Secret (an environment variable, `$(VAR)`), never in the spec"),
                    p,
                ));
            }
        }
        let Value::String(s) = &node.value else { return };
        let key = path.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.to_ascii_lowercase()),
            Seg::Index(_) => None,
        });
        let in_reference = path.iter().any(|s| matches!(s, Seg::Key(k) if k == "credentials" || k == "tls" || k == "external"));
        let key_says_secret = key.as_deref().is_some_and(|k| {
            !REFERENCE_KEYS.contains(&k) && SECRET_KEY_WORDS.iter().any(|w| k.contains(w))
        });
        let why = if key_says_secret && !in_reference && !s.is_empty() {
            Some(format!("`{}` looks like a plaintext credential", path_to_string(path)))
        } else {
            looks_like_credential(s).map(|kind| format!("`{}` contains what looks like {kind}", path_to_string(path)))
        };
        if let Some(message) = why {
            out.push((
                Diagnostic::error("E114", message).with_hint(
                    "never put credentials in the spec; reference a Secret instead: { secret_name = \"...\" } (optionally with external = { store, key })",
                ),
                path.to_vec(),
            ));
        }
    });
    out
}

/// Value shapes of well-known credentials, whatever key they sit under and
/// wherever they sit inside the value (a token in a URL's user part, a JWT in
/// a command argument, `?password=` in a storage URI, `--db-password=...`).
fn looks_like_credential(s: &str) -> Option<&'static str> {
    crate::redact::credential_kind(s)
}

/// `["--db-password", "hunter2"]`: a flag naming a credential, its value in
/// the next element of the same list.
fn split_flag_value(items: &[Node]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, pair) in items.windows(2).enumerate() {
        let (Some(flag), Some(value)) = (pair[0].as_str(), pair[1].as_str()) else {
            continue;
        };
        if flag.starts_with('-')
            && !flag.contains('=')
            && crate::redact::is_secret_key(flag)
            && !value.is_empty()
            && !value.starts_with('-')
            && !value.starts_with('$')
        {
            out.push(i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(looks_like_credential("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(looks_like_credential("https://user:pw@host/repo.git").is_some());
        assert!(looks_like_credential("https://github.com/acme/repo.git").is_none());
        assert!(looks_like_credential("ghp_0123456789abcdef0123").is_some());
        assert!(looks_like_credential("nvidia-a100").is_none());
        assert!(
            looks_like_credential("https://ghp_0123456789abcdef0123456789@github.com/a/b")
                .is_some()
        );
        assert!(looks_like_credential("s3://b/m?password=x").is_some());
        assert!(looks_like_credential("--db-password=x").is_some());
    }
}
