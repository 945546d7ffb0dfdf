//! YAML in and out. Parsing uses serde-saphyr (YAML 1.2 booleans only, so
//! `n` stays a string); emitting is our own canonical writer: sorted keys,
//! two-space indentation, lists not indented under their key (kubectl style),
//! literal blocks for multi-line strings, quotes only where YAML needs them.
//! The same value always gives the same bytes.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// 1-based line in the parsed text, when the parser knows it.
    pub line: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_documents: 10_000_000,
            max_nodes: 200_000_000,
            max_events: 1_000_000_000,
            max_total_scalar_bytes: 2 * 1024 * 1024 * 1024,
        },
    }
}

/// Every document of a YAML stream; empty and null documents are skipped.
pub fn parse_stream(text: &str) -> Result<Vec<Value>, YamlError> {
    serde_saphyr::from_multiple_with_options::<Value>(text, options())
        .map(|docs| docs.into_iter().filter(|d| !d.is_null()).collect())
        .map_err(|e| YamlError {
            line: e.location().map(|l| l.line()),
            message: first_line(&e.to_string()),
        })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// One document as canonical YAML (no leading `---`), ending in a newline.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => write_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// YAML limits an implicit (`key: value`) key to 1024 characters; counted in
/// bytes, with a margin, so any parser's count stays under it.
const MAX_IMPLICIT_KEY: usize = 1000;

fn write_map(m: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (k, v)) in sorted(m).into_iter().enumerate() {
        // The first key of a map inside a list item sits on the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            pad(out, indent);
        }
        let k = key(k);
        if k.len() > MAX_IMPLICIT_KEY {
            // Too long for an implicit key: an explicit `? key` / `: value` pair.
            out.push_str("? ");
            out.push_str(&k);
            out.push('\n');
            pad(out, indent);
        } else {
            out.push_str(&k);
        }
        out.push(':');
        write_value_after_key(v, indent, out);
    }
}

fn write_value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent + 2));
            out.push('\n');
        }
    }
}

fn write_seq(a: &[Value], indent: usize, out: &mut String) {
    for item in a {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(m, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(inner, indent + 2, out);
            }
            other => {
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn key(k: &str) -> String {
    if is_plain_safe(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, indent),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

fn string(s: &str, indent: usize) -> String {
    // Only under a key or list item: a literal block at indent 0 (a document
    // that is one string, or the `yaml` filter's inline scalar) would leave its
    // lines unindented, where `---` / `...` end the document.
    if indent > 0 && s.contains('\n') && literal_ok(s) {
        return literal(s, indent);
    }
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// A JSON string is a YAML double-quoted scalar, except that JSON leaves DEL,
/// the C1 controls and U+FFFE/U+FFFF raw, which YAML does not allow in a
/// stream; those (and the YAML 1.1 line breaks and BOM) are `\uXXXX`-escaped.
fn quote(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that must not appear raw in output (all in the BMP).
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'
    )
}

/// Literal blocks keep text (Rego, scripts, config files) readable in reviews.
fn literal_ok(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || needs_escape(c))
        && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'))
        && !s.starts_with('\n')
}

fn literal(s: &str, indent: usize) -> String {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let indicator = if s.starts_with(' ') { "2" } else { "" };
    let mut out = format!("|{indicator}{chomp}");
    let body = if trailing == 0 { s } else { &s[..s.len() - 1] };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            for _ in 0..indent {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out
}

/// Whether `s` reads back as the same string when written without quotes, in
/// YAML 1.1 and 1.2 alike (kubectl, Argo CD and Helm use different parsers).
fn is_plain_safe(s: &str) -> bool {
    if s.is_empty() || s.len() > 1024 {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_ascii_alphanumeric() || first == '/' || first == '_' || first == '.') {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    // `...` at the start of a line (a top-level key or document) ends the document.
    if s.starts_with("...") {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains('\t') {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || !(c.is_ascii_graphic() || c == ' '))
    {
        return false;
    }
    if is_reserved_word(s) || looks_numeric(s) || looks_like_timestamp(s) {
        return false;
    }
    true
}

fn is_reserved_word(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    )
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim_start_matches(['+', '-']);
    if t.is_empty() {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return true;
    }
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        return true;
    }
    // Digits with at most the characters YAML 1.1 numbers use (also sexagesimal 1:30).
    let first = t.chars().next().unwrap_or(' ');
    if !(first.is_ascii_digit() || first == '.') {
        return false;
    }
    t.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '_' | ':' | 'e' | 'E' | '+' | '-'))
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_shape() {
        let v = json!({"b": [1, {"y": "2", "x": true}], "a": {"k": "yes", "e": {}, "l": []}});
        assert_eq!(
            to_yaml(&v),
            "a:\n  e: {}\n  k: \"yes\"\n  l: []\nb:\n- 1\n- x: true\n  \"y\": \"2\"\n"
        );
    }

    #[test]
    fn round_trips_tricky_strings() {
        for s in [
            "yes",
            "No",
            "1.0",
            "0x1F",
            "1e3",
            "08",
            "2026-01-01",
            "a: b",
            "x #y",
            "- a",
            "*",
            "",
            " lead",
            "trail ",
            "multi\nline\n",
            "multi\nline",
            "two\n\n",
            "  indented\nfirst",
            "tab\there",
            "quote\"s",
            "ünïcode",
            "=",
            "<<",
            "~",
            "null",
            ".inf",
            "v1.34.1",
            "10%",
            "[0-1]",
            "{a}",
            "@x",
            "`x`",
            "%x",
            "!x",
            "&x",
            "|x",
            ">x",
            "?x",
            "rule {\n\tx := 1\n}\n",
            "\tlead\nx\n",
            "a\t\nb\n",
            "# c\n---\n...\n",
            "a\r\nb",
        ] {
            let v = json!({ "k": s, "list": [s] });
            let text = to_yaml(&v);
            let back = parse_stream(&text).unwrap_or_else(|e| panic!("{s:?}: {e}\n{text}"));
            assert_eq!(back, vec![v], "{s:?} gave\n{text}");
        }
    }
}
