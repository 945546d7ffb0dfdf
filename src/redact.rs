//! Credential shapes, found anywhere inside a string, and their redaction.
//!
//! One scanner serves two purposes: E114 (a plaintext credential in the spec)
//! and every message or excerpt mlpc prints (findings, their source lines, PR
//! comments, drift reports), so a secret that reached an input is never echoed.

use std::ops::Range;

pub const REDACTED: &str = "<redacted>";

/// Key segments (split at `-`, `_`, `.`) that make a `key=value` (query
/// parameter, `--flag=value`) a credential. Whole segments, so
/// `--max-tokens=4096` and `--tokenizer=bert` are not.
const SECRET_SEGMENTS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "pass",
    "token",
    "secret",
    "apikey",
    "accesskey",
    "secretkey",
    "credential",
    "credentials",
    "auth",
    "signature",
];

/// Two-segment names of credentials (`api_key`, `access-key`, `private.key`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("client", "secret"),
];

/// Words that make such a key a reference to a credential, not the credential.
const REFERENCE_WORDS: &[&str] = &[
    "file", "path", "name", "ref", "dir", "env", "mount", "type", "method", "url", "endpoint",
];

/// What a credential found in a string is, and where its secret part is.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: &'static str,
    pub range: Range<usize>,
}

/// Every credential-looking part of `s`, in order, not overlapping.
pub fn find(s: &str) -> Vec<Found> {
    let mut found = Vec::new();
    if let Some(begin) = s.find("-----BEGIN")
        && s[begin..].contains("PRIVATE KEY")
    {
        found.push(Found {
            kind: "a private key",
            range: begin..s.len(),
        });
    }
    url_userinfo(s, &mut found);
    key_values(s, &mut found);
    token_words(s, &mut found);
    found.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    let mut out: Vec<Found> = Vec::new();
    for f in found {
        if out.last().is_some_and(|l| f.range.start < l.range.end) {
            continue;
        }
        out.push(f);
    }
    out
}

/// The first credential shape in `s`, for E114's message.
pub fn credential_kind(s: &str) -> Option<&'static str> {
    find(s).first().map(|f| f.kind)
}

/// `s` with every credential-looking part replaced by `<redacted>`.
pub fn redact(s: &str) -> String {
    let found = find(s);
    if found.is_empty() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for f in found {
        out.push_str(&s[at..f.range.start]);
        out.push_str(REDACTED);
        at = f.range.end;
    }
    out.push_str(&s[at..]);
    out
}

/// A value quoted for a message: redacted, with control and line-break
/// characters escaped, so it reads as one value on one line.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", escape_controls(&redact(s)).replace('"', "\\\""))
}

/// Control characters, line breaks and invisible formatting characters of
/// `s` written as escapes (`\n`, `\u{202e}`): text from a spec or a server
/// printed on one line of a terminal or a Markdown table cannot forge another
/// line, a color or a table cell.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// Both redaction and control escaping, for text printed on one line.
pub fn safe_line(s: &str) -> String {
    escape_controls(&redact(s))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'+' | b'/' | b'=')
}

/// Token shapes of well-known providers, as whole words.
fn token_words(s: &str, found: &mut Vec<Found>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        // A word may be `key=value`: look at the value on its own as well.
        let word = &s[start..i];
        let mut offset = 0;
        for part in word.split('=') {
            if let Some((kind, len)) = token_shape(part) {
                found.push(Found {
                    kind,
                    range: start + offset..start + offset + len,
                });
            }
            offset += part.len() + 1;
        }
    }
}

/// The kind and length of a token starting `w`, if `w` is one.
fn token_shape(w: &str) -> Option<(&'static str, usize)> {
    let run = |from: usize, ok: &dyn Fn(u8) -> bool| {
        w.as_bytes()[from..].iter().take_while(|b| ok(**b)).count()
    };
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let alnum_us = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let alnum_dash = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let upper_digit = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    for p in ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIPA"] {
        if w.starts_with(p) && run(p.len(), &upper_digit) >= 16 {
            return Some(("an AWS access key id", p.len() + run(p.len(), &upper_digit)));
        }
    }
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if w.starts_with(p) && run(p.len(), &alnum) >= 20 {
            return Some(("a GitHub token", p.len() + run(p.len(), &alnum)));
        }
    }
    if w.starts_with("github_pat_") && run(11, &alnum_us) >= 20 {
        return Some(("a GitHub token", 11 + run(11, &alnum_us)));
    }
    if w.starts_with("glpat-") && run(6, &alnum_dash) >= 20 {
        return Some(("a GitLab token", 6 + run(6, &alnum_dash)));
    }
    for p in [
        "xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-", "xapp-",
    ] {
        if w.starts_with(p) && run(p.len(), &alnum_dash) >= 10 {
            return Some(("a Slack token", p.len() + run(p.len(), &alnum_dash)));
        }
    }
    for p in ["sk-", "sk_live_", "rk_live_"] {
        if w.starts_with(p) && run(p.len(), &alnum_dash) >= 20 {
            return Some(("an API key", p.len() + run(p.len(), &alnum_dash)));
        }
    }
    if w.starts_with("AIza") && run(4, &alnum_dash) >= 30 {
        return Some(("a Google API key", 4 + run(4, &alnum_dash)));
    }
    if w.starts_with("eyJ") {
        // header.payload.signature, base64url; the payload is JSON too.
        let parts: Vec<&str> = w.splitn(4, '.').collect();
        if parts.len() >= 3
            && parts[1].starts_with("eyJ")
            && parts[..3]
                .iter()
                .all(|p| p.bytes().all(alnum_dash) && !p.is_empty())
        {
            let len = parts[0].len() + parts[1].len() + parts[2].len() + 2;
            return Some(("a JSON Web Token", len));
        }
    }
    None
}

/// `scheme://user:password@host` (the password) and
/// `scheme://<token>@host` (the user part, when it is a token or long).
fn url_userinfo(s: &str, found: &mut Vec<Found>) {
    let mut from = 0;
    while let Some(i) = s[from..].find("://") {
        let auth_start = from + i + 3;
        let auth_end = s[auth_start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .map(|e| auth_start + e)
            .unwrap_or(s.len());
        let authority = &s[auth_start..auth_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) if colon + 1 < userinfo.len() => found.push(Found {
                    kind: "a password inside a URL",
                    range: auth_start + colon + 1..auth_start + at,
                }),
                _ => {
                    let user = userinfo.trim_end_matches(':');
                    if token_shape(user).is_some() || user.len() >= 20 {
                        found.push(Found {
                            kind: "a token inside a URL",
                            range: auth_start..auth_start + user.len(),
                        });
                    }
                }
            }
        }
        from = auth_end.max(auth_start);
    }
}

/// `?password=…`, `&token=…`, `--db-password=…`, `password = "…"` (a TOML
/// excerpt), `"password":"…"` (a JSON rendering of a table).
fn key_values(s: &str, found: &mut Vec<Found>) {
    let bytes = s.as_bytes();
    let key_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    for (sep, c) in s.char_indices().filter(|(_, c)| *c == '=' || *c == ':') {
        let mut k = sep;
        while k > 0 && bytes[k - 1] == b' ' {
            k -= 1;
        }
        let quoted_key = k > 0 && bytes[k - 1] == b'"';
        if quoted_key {
            k -= 1;
        }
        if c == ':' && !quoted_key {
            continue;
        }
        let key_end = k;
        while k > 0 && key_byte(bytes[k - 1]) {
            k -= 1;
        }
        let key = &s[k..key_end];
        if key.is_empty() || !is_secret_key(key) {
            continue;
        }
        let mut v = sep + 1;
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        let (start, end) = if bytes.get(v) == Some(&b'"') {
            let mut e = v + 1;
            while e < bytes.len() && bytes[e] != b'"' {
                e += if bytes[e] == b'\\' { 2 } else { 1 };
            }
            (v + 1, e.min(bytes.len()))
        } else {
            let e = s[v..]
                .find(|c: char| {
                    matches!(c, '&' | '#' | ';' | ',' | '"' | '\'' | '}' | ']') || c.is_whitespace()
                })
                .map(|e| v + e)
                .unwrap_or(s.len());
            (v, e)
        };
        if start >= end || !s.is_char_boundary(start) || !s.is_char_boundary(end) {
            continue;
        }
        let value = &s[start..end];
        if is_reference(value) || value == "null" || value == "true" || value == "false" {
            continue;
        }
        found.push(Found {
            kind: "a credential in a `key=value`",
            range: start..end,
        });
    }
}

/// Whether a key (a flag or parameter name) names a credential.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.trim_start_matches('-').to_ascii_lowercase();
    let segs: Vec<&str> = key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    let named = segs.iter().any(|s| SECRET_SEGMENTS.contains(s))
        || segs
            .windows(2)
            .any(|w| SECRET_PAIRS.contains(&(w[0], w[1])));
    named && !segs.iter().any(|s| REFERENCE_WORDS.contains(s))
}

/// `$(VAR)`, `${VAR}`, `<placeholder>`: the value comes from elsewhere.
fn is_reference(v: &str) -> bool {
    v.starts_with("$(") || v.starts_with("${") || v.starts_with('<') || v.starts_with("$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_found_inside_text() {
        assert_eq!(
            redact("clone https://ghp_0123456789abcdefghij0123@github.com/x"),
            "clone https://<redacted>@github.com/x"
        );
        assert_eq!(
            redact("s3://b/m?password=hunter2&x=1"),
            "s3://b/m?password=<redacted>&x=1"
        );
        assert_eq!(redact("--db-password=hunter2"), "--db-password=<redacted>");
        assert_eq!(redact("https://u:p4ss@h/r"), "https://u:<redacted>@h/r");
        assert_eq!(
            redact("password = \"hunter2\""),
            "password = \"<redacted>\""
        );
        assert_eq!(
            redact("{\"password\":\"hunter2\",\"x\":1}"),
            "{\"password\":\"<redacted>\",\"x\":1}"
        );
        assert_eq!(redact("key AKIAIOSFODNN7EXAMPLE end"), "key <redacted> end");
        assert!(credential_kind("glpat-abcdefghij0123456789").is_some());
        assert!(credential_kind("xoxb-1234567890-abc").is_some());
        assert!(credential_kind("a eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature b").is_some());
        assert!(credential_kind("-----BEGIN RSA PRIVATE KEY-----\nabc").is_some());
        assert!(credential_kind("https://github.com/acme/repo.git").is_none());
        assert!(credential_kind("ssh://git@github.com/acme/repo.git").is_none());
        assert!(credential_kind("--lr=${trialParameters.lr}").is_none());
        assert!(credential_kind("--token-file=/var/run/token").is_none());
        assert!(credential_kind("nvidia-a100").is_none());
        assert!(credential_kind("--max-tokens=4096").is_none());
        assert!(credential_kind("--tokenizer=bert-base").is_none());
        assert!(credential_kind("--secret-name=kfp").is_none());
        assert!(credential_kind("--hf_token=hf_abc").is_some());
        assert!(credential_kind("--api-key=abc").is_some());
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_controls("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(quote("x\ny"), "\"x\\ny\"");
    }
}
