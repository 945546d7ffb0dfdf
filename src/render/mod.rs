//! Render: blueprints (minijinja) shape YAML from the plan; the text is parsed
//! back into values at once, so a template mistake is a compile error naming
//! the template and line, never a broken file in Git.

pub mod blueprints;

use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;

pub use blueprints::Blueprints;

use crate::error::{Error, Result};
use crate::yaml;

/// An object produced by a template, with where it came from.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub object: Value,
    pub template: String,
}

/// A minijinja environment over a blueprint set. Build once, render many.
pub struct Renderer {
    env: Environment<'static>,
    pub blueprints: Arc<Blueprints>,
}

impl Renderer {
    pub fn new(blueprints: Blueprints) -> Renderer {
        let blueprints = Arc::new(blueprints);
        let mut env = Environment::new();
        // A misspelt variable must fail the compile, not render as an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A runaway loop in a user blueprint must end with an error, not hang:
        // fuel bounds the instructions of one render (the 200-cluster fleet
        // uses a small fraction of it per template).
        env.set_fuel(Some(200_000_000));
        // Block tags on their own lines leave no blank lines or indentation behind.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        let source = Arc::clone(&blueprints);
        env.set_loader(move |name| Ok(source.files.get(name).cloned()));
        // Every `{{ ... }}` in a blueprint (and in its macros) is written as a
        // YAML-safe JSON scalar by the renderer itself, so no spec value can
        // add a document, key or object, and no template can forget to quote:
        // an unescaped interpolation cannot exist. Text that is already YAML
        // (`| json`, `| yaml(N)`, macro output) is a safe string and passes as is.
        env.set_auto_escape_callback(|_| AutoEscape::Custom(std::borrow::Cow::Borrowed(YAML)));
        env.set_formatter(|out, state, value| {
            if value.is_safe() || !matches!(state.auto_escape(), AutoEscape::Custom(n) if n == YAML)
            {
                return minijinja::escape_formatter(out, state, value);
            }
            let text = yaml_scalar(value)?;
            out.write_str(&text).map_err(minijinja::Error::from)
        });
        env.add_filter(
            "json",
            |v: minijinja::Value| -> std::result::Result<minijinja::Value, minijinja::Error> {
                Ok(minijinja::Value::from_safe_string(yaml_scalar(&v)?))
            },
        );
        // `patch: {{ value | to_yaml | json }}`: YAML text as a string value.
        env.add_filter(
            "to_yaml",
            |v: minijinja::Value| -> std::result::Result<String, minijinja::Error> {
                let j: Value = serde_json::to_value(&v).map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                })?;
                Ok(yaml::to_yaml(&j))
            },
        );
        // `key: {{ value | yaml(N) }}` writes a nested block indented by N
        // spaces (or an inline scalar / `{}` / `[]`), in canonical form.
        env.add_filter(
            "yaml",
            |v: minijinja::Value,
             indent: Option<usize>|
             -> std::result::Result<minijinja::Value, minijinja::Error> {
                let j: Value = serde_json::to_value(&v).map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                })?;
                let nested = match &j {
                    Value::Object(m) => !m.is_empty(),
                    Value::Array(a) => !a.is_empty(),
                    _ => false,
                };
                let text = yaml::to_yaml(&j);
                if !nested {
                    return Ok(minijinja::Value::from_safe_string(
                        text.trim_end_matches('\n').to_string(),
                    ));
                }
                let pad = " ".repeat(indent.unwrap_or(0));
                let mut out = String::new();
                for line in text.trim_end_matches('\n').lines() {
                    out.push('\n');
                    if !line.is_empty() {
                        out.push_str(&pad);
                        out.push_str(line);
                    }
                }
                Ok(minijinja::Value::from_safe_string(out))
            },
        );
        Renderer { env, blueprints }
    }

    /// Render every template of `group` with `ctx`; return the parsed objects.
    pub fn render_group<C: Serialize>(&self, group: &str, ctx: &C) -> Result<Vec<Rendered>> {
        let mut out = Vec::new();
        let ctx = minijinja::Value::from(minijinja::value::Serde(ctx));
        for name in self.blueprints.templates_of(group) {
            out.extend(self.render_one(name, &ctx)?);
        }
        Ok(out)
    }

    fn render_one(&self, name: &str, ctx: &minijinja::Value) -> Result<Vec<Rendered>> {
        // Blueprints can be user files (`--blueprints`), and minijinja is not
        // panic-free on every template text (3.1 reaches `unreachable!()` in
        // its code generator for `{% import "x" as a|f %}`): a panic while
        // compiling or rendering is this template's error, not a crash.
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let tmpl = self
                .env
                .get_template(name)
                .map_err(|e| template_error(name, &e))?;
            tmpl.render(ctx).map_err(|e| template_error(name, &e))
        }));
        let text = rendered.unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::Blueprint {
                template: name.to_string(),
                message: format!("the template engine failed on this template ({why})"),
            })
        })?;
        let docs = yaml::parse_stream(&text).map_err(|e| {
            let line = e
                .line
                .and_then(|l| text.lines().nth(l.saturating_sub(1) as usize))
                .map(|l| format!(" (rendered line: `{}`)", l.trim()))
                .unwrap_or_default();
            Error::Blueprint {
                template: name.to_string(),
                message: format!("rendered text is not valid YAML: {e}{line}"),
            }
        })?;
        let mut out = Vec::new();
        for (i, object) in docs.into_iter().enumerate() {
            check_object(&object).map_err(|message| Error::Blueprint {
                template: name.to_string(),
                message: format!("document {}: {message}", i + 1),
            })?;
            out.push(Rendered {
                object,
                template: name.to_string(),
            });
        }
        Ok(out)
    }
}

/// The auto-escape mode of blueprints.
const YAML: &str = "yaml";

/// A value as one JSON scalar or flow collection, which YAML reads back as
/// exactly that value. JSON leaves a few characters raw that a YAML reader may
/// take as a line break, a BOM or a non-printable (NEL, U+2028/9, DEL, C1,
/// U+FEFF): those are written as `\uXXXX` escapes so the value arrives byte-exact.
pub fn yaml_scalar(v: &minijinja::Value) -> std::result::Result<String, minijinja::Error> {
    let j: Value = serde_json::to_value(v).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    let text = serde_json::to_string(&j).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    if text.chars().all(|c| !needs_unicode_escape(c)) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_unicode_escape(c) {
            // JSON already escaped quotes and backslashes, so a raw character
            // here is never inside an escape sequence.
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn needs_unicode_escape(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let at = match (e.name(), e.line()) {
        (Some(n), Some(l)) => format!("{n}:{l}: "),
        (None, Some(l)) => format!("{name}:{l}: "),
        _ => String::new(),
    };
    let detail = e.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    Error::Blueprint {
        template: name.to_string(),
        message: format!("{at}{}{detail}", e.kind()),
    }
}

/// Every rendered document must be a Kubernetes object.
fn check_object(v: &Value) -> std::result::Result<(), String> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    if !v.is_object() {
        return Err("is not a mapping".into());
    }
    if s("apiVersion").is_none() {
        return Err("has no apiVersion".into());
    }
    if s("kind").is_none() {
        return Err("has no kind".into());
    }
    if v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(format!(
            "{} has no metadata.name",
            s("kind").unwrap_or("object")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_byte_exact() {
        for s in [
            "plain",
            "x #c",
            ": x",
            "a\n---\nb: c",
            "\u{2028}\u{2029}\u{85}\u{7f}\u{feff}",
            "\"'\\",
        ] {
            let text = yaml_scalar(&minijinja::Value::from(s)).unwrap();
            assert!(!text.contains(['\n', '\u{2028}', '\u{85}']), "{text}");
            let back = yaml::parse_stream(&format!("k: {text}\n")).unwrap();
            assert_eq!(back, vec![serde_json::json!({ "k": s })], "{text}");
        }
    }

    #[test]
    fn interpolations_are_escaped_and_json_is_not_escaped_twice() {
        let mut bp = Blueprints::default();
        bp.files.insert(
            "mesh/objects.yaml.j2".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ n ~ \"-x\" }}\ndata:\n  a: {{ v }}\n  b: {{ v | json }}\n".into(),
        );
        let r = Renderer::new(bp);
        let v = "1\n---\nkind: Secret";
        let out = r
            .render_group("mesh", &serde_json::json!({"n": "cm", "v": v}))
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].object["metadata"]["name"], "cm-x");
        assert_eq!(out[0].object["data"]["a"], v);
        assert_eq!(out[0].object["data"]["b"], v);
    }
}
