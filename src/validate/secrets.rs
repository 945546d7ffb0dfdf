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

/// Value shapes of well-known credentials, whatever key they sit under.
fn looks_like_credential(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t.contains("-----BEGIN") && t.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    let is_aws_key = t.len() == 20
        && (t.starts_with("AKIA") || t.starts_with("ASIA"))
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if is_aws_key {
        return Some("an AWS access key id");
    }
    for prefix in [
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "sk-",
    ] {
        if t.starts_with(prefix) && t.len() >= prefix.len() + 16 && !t.contains(' ') {
            return Some("an API token");
        }
    }
    if t.starts_with("eyJ") && t.matches('.').count() == 2 && t.len() > 40 {
        return Some("a JSON Web Token");
    }
    // user:password@ in a URL.
    if let Some(rest) = t.split("://").nth(1)
        && let Some(userinfo) = rest
            .split('/')
            .next()
            .and_then(|h| h.rsplit_once('@'))
            .map(|(u, _)| u)
        && userinfo.contains(':')
    {
        return Some("a password inside a URL");
    }
    None
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
    }
}
