//! Crashers found by the cargo-fuzz targets in `fuzz/` (spec, yaml, render),
//! replayed through the same harness as the target that found them. Each
//! case asserts that nothing panics and that the result has the expected
//! kind: Ok, or an error with a given diagnostic code.
//!
//! Raw crasher files live in `tests/fuzz-regressions/<target>/`; every file
//! there is replayed by the `*_crashers_replay` tests, so a new crasher is
//! kept by copying it there (and, if its expected outcome is specific, by a
//! named test below).

use std::io;
use std::path::{Path, PathBuf};

use mlpc::render::{Blueprints, Renderer};
use mlpc::spec::load::{Files, load_from};
use mlpc::yaml::{parse_stream, to_yaml};
use serde_json::{Value, json};

fn crashers(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no crashers in {}", dir.display());
    out
}

// ---------------------------------------------------------------- spec target

/// The spec target's input format: `ml-platform.toml`, then optionally
/// `\n%%\n` and `environments/staging.toml`.
const MARKER: &[u8] = b"\n%%\n";

struct Mem<'a> {
    base: &'a [u8],
    overlay: Option<&'a [u8]>,
}

impl Files for Mem<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if path == Path::new("ml-platform.toml") {
            return Ok(self.base.to_vec());
        }
        match self.overlay {
            Some(o) if path == Path::new("environments/staging.toml") => Ok(o.to_vec()),
            _ => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        if dir == Path::new("environments") && self.overlay.is_some() {
            Ok(vec![PathBuf::from("environments/staging.toml")])
        } else {
            Ok(Vec::new())
        }
    }
}

#[derive(Debug, PartialEq)]
enum SpecOutcome {
    /// Loading failed (syntax, size, depth): the error codes.
    LoadFailed(Vec<&'static str>),
    /// Validation failed: the error codes.
    Invalid(Vec<&'static str>),
    Valid,
}

fn error_codes(diags: &[mlpc::diag::Diagnostic]) -> Vec<&'static str> {
    let mut codes: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == mlpc::diag::Severity::Error)
        .map(|d| d.code)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn run_spec(data: &[u8]) -> SpecOutcome {
    let (base, overlay) = match data.windows(MARKER.len()).position(|w| w == MARKER) {
        Some(i) => (&data[..i], Some(&data[i + MARKER.len()..])),
        None => (data, None),
    };
    match load_from(&Mem { base, overlay }, Path::new("ml-platform.toml")) {
        Err(e @ mlpc::error::Error::InvalidSpec(_)) => {
            let diags: Vec<_> = e.diagnostics().cloned().collect();
            assert!(!diags.is_empty());
            SpecOutcome::LoadFailed(error_codes(&diags))
        }
        Err(e) => panic!("in-memory reads never fail: {e}"),
        Ok(loaded) => {
            if let Some(o) = loaded.overlays.get("staging") {
                let _ = mlpc::spec::tree::merge(o, &loaded.base);
            }
            match mlpc::validate::validate(loaded, None) {
                Ok(v) => {
                    let _ = v.cluster_names();
                    SpecOutcome::Valid
                }
                Err(e) => {
                    let diags: Vec<_> = e.diagnostics().cloned().collect();
                    let codes = error_codes(&diags);
                    assert!(!codes.is_empty(), "failed validation without errors");
                    SpecOutcome::Invalid(codes)
                }
            }
        }
    }
}

// ---------------------------------------------------------------- yaml target

/// The yaml target's property: parsing never panics, and every value parsed
/// is written by the canonical writer as YAML that parses back to itself.
fn yaml_round_trip(text: &str) -> Result<Vec<Value>, mlpc::yaml::YamlError> {
    let docs = parse_stream(text)?;
    for v in &docs {
        let out = to_yaml(v);
        let back = parse_stream(&out)
            .unwrap_or_else(|e| panic!("to_yaml wrote invalid YAML for {v:?}: {e}\n{out}"));
        assert_eq!(back, vec![v.clone()], "round trip via\n{out}");
        assert_eq!(to_yaml(v), out, "writer is deterministic");
    }
    Ok(docs)
}

#[test]
fn yaml_crashers_replay() {
    for (path, bytes) in crashers("yaml") {
        let text = String::from_utf8(bytes).expect("yaml crashers are UTF-8");
        let docs = yaml_round_trip(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!docs.is_empty(), "{}", path.display());
    }
}

/// Crash 1: a document that is one multi-line string was written as a literal
/// block at indent 0, whose `---` / `...` lines then ended the document.
#[test]
fn yaml_top_level_multiline_string_with_document_markers() {
    let docs = yaml_round_trip("|\n  top\n  ---\n  ...\n").unwrap();
    assert_eq!(docs, vec![json!("top\n---\n...\n")]);
    // Also fine when nested (literal blocks there are indented).
    yaml_round_trip("k: |\n  top\n  ---\n  ...\n").unwrap();
    yaml_round_trip("- |\n  top\n  ---\n").unwrap();
}

/// Crash 2: `... x` is plain-safe by the old rule, but a plain `...` at the
/// start of a line (a top-level key or scalar document) ends the document.
#[test]
fn yaml_plain_scalar_starting_with_dots() {
    for s in ["... {y", "...", "...x", "... "] {
        yaml_round_trip(&serde_json::to_string(s).unwrap()).unwrap();
        let as_key = json!({ s: 1, "k": [s] });
        let out = to_yaml(&as_key);
        assert_eq!(parse_stream(&out).unwrap(), vec![as_key], "{out}");
    }
}

// -------------------------------------------------------------- render target

fn render_ctx() -> Value {
    json!({
        "platform": {"name": "acme-ml", "domain": "ml.acme.example"},
        "cluster": {"name": "stg-use1", "environment": "staging", "labels": {"tier": "staging"}},
        "mesh": {"mtls": "STRICT", "tls": {"name": "wildcard"}, "allowed_namespaces": ["kubeflow", "istio-ingress"]},
        "teams": [
            {"name": "vision", "namespace": "team-vision", "quota": {"gpu": 8, "cpu": "64"}},
            {"name": "nlp", "namespace": "team-nlp", "quota": {"gpu": 0, "cpu": "8"}}
        ],
        "versions": {"kserve": "v0.16.0", "istio": "1.27.1"},
        "enabled": true,
        "price": 2.5,
        "text": "line one\nline: two\n",
        "nothing": null
    })
}

/// The render target: `text` as `mesh/objects.yaml.j2`, rendered with the
/// fuzz context.
fn run_render(text: &str) -> mlpc::error::Result<Vec<mlpc::render::Rendered>> {
    let mut bp = Blueprints::default();
    bp.files
        .insert("mesh/objects.yaml.j2".to_string(), text.to_string());
    Renderer::new(bp).render_group("mesh", &render_ctx())
}

/// The `yaml` filter on a multi-line string wrote a literal block whose lines
/// were not indented under the key (the writer's indent-0 case of crash 1):
/// the rendered text did not parse.
#[test]
fn render_yaml_filter_multiline_string() {
    let objects = run_render(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  text: {{ text | yaml(4) }}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(objects.len(), 1);
    assert_eq!(
        objects[0].object["data"]["text"],
        json!("line one\nline: two\n")
    );
}

#[test]
fn spec_seed_example_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut input = std::fs::read(root.join("ml-platform.toml")).unwrap();
    input.extend_from_slice(MARKER);
    input.extend(std::fs::read(root.join("environments/staging.toml")).unwrap());
    assert_eq!(run_spec(&input), SpecOutcome::Valid);
}

/// Crash 3: quoted strings were plain JSON, which leaves DEL, the C1 controls
/// (here U+008E) and U+FFFE/U+FFFF raw; YAML rejects them in a stream.
#[test]
fn yaml_quoted_strings_escape_non_printable_characters() {
    for s in [
        "\u{8e}",
        "a\u{7f}b",
        "\u{85}",
        "x\u{9f}",
        "\u{fffe}",
        "\u{ffff}",
        "\u{feff}x",
        "a\u{2028}b",
        "two\nlines \u{8e}\n",
    ] {
        let v = json!({ s: s, "list": [s] });
        let out = to_yaml(&v);
        assert!(
            !out.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)),
            "{out:?}"
        );
        assert_eq!(parse_stream(&out).unwrap(), vec![v.clone()], "{out}");
        yaml_round_trip(&out).unwrap();
    }
}

/// Crash 4: a key whose quoted form is over 1024 characters (tabs written as
/// `\t`) is not a valid implicit key; such keys are now written `? key`.
#[test]
fn yaml_keys_longer_than_the_implicit_key_limit() {
    let long = "k\t".repeat(600);
    let plain = "k".repeat(1100);
    for k in [long.as_str(), plain.as_str()] {
        let v = json!({
            "m": { k: "v", "a": 1 },
            k: { k: [1, { k: k }] },
            "l": [{ k: null, "b": "multi\nline\n" }]
        });
        let out = to_yaml(&v);
        assert!(out.contains("? "), "{out}");
        assert_eq!(parse_stream(&out).unwrap(), vec![v.clone()], "{out}");
    }
}

#[test]
fn render_crashers_replay() {
    for (path, bytes) in crashers("render") {
        let text = String::from_utf8(bytes).expect("render crashers are UTF-8");
        // Ok or Err, never a panic; these crashers are all broken templates.
        let r = run_render(&text);
        assert!(
            matches!(r, Err(mlpc::error::Error::Blueprint { .. })),
            "{}: {:?}",
            path.display(),
            r.map(|o| o.len())
        );
    }
}

/// Crash 5: minijinja 3.1 parses the alias of `{% import ... as NAME %}` as
/// any expression, and its code generator reaches `unreachable!()` for one
/// that is not assignable. The renderer now reports it as a blueprint error.
#[test]
fn render_import_alias_that_is_not_a_name() {
    for text in [
        "{%import\"\"as m|t%}",
        "{% import \"mesh/objects.yaml.j2\" as 1 %}",
        "{% import \"x\" as a + b %}\napiVersion: v1\n",
    ] {
        match run_render(text) {
            Err(mlpc::error::Error::Blueprint { template, message }) => {
                assert_eq!(template, "mesh/objects.yaml.j2");
                assert!(message.contains("template engine failed"), "{message}");
            }
            other => panic!("{text:?}: {:?}", other.map(|o| o.len())),
        }
    }
    // The renderer is still usable afterwards.
    let ok = run_render("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").unwrap();
    assert_eq!(ok.len(), 1);
}

/// A template whose loops run ~10^10 times ends with an error (minijinja
/// fuel, set in `Renderer::new`), instead of keeping the renderer busy: within
/// 30 s of the rendering thread's CPU time (wall time depends on what else the
/// machine runs; the suite runs this beside CPU-heavy tests).
#[test]
fn render_runaway_loops_end_with_an_error() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let text =
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
        let failed = run_render(text).is_err();
        let _ = tx.send((failed, thread_cpu_time()));
    });
    // Without fuel the loops would run for hours: the wall-clock bound only
    // keeps a regression from hanging the suite.
    let (failed, cpu) = rx
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("the render did not end in 300 s");
    assert!(failed, "the runaway render must end with an error");
    assert!(
        cpu < std::time::Duration::from_secs(30),
        "the render ended with an error only after {cpu:?} of CPU time"
    );
}

/// CPU time the calling thread has used.
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn example_with_overlay(overlay: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut input = std::fs::read(root.join("ml-platform.toml")).unwrap();
    input.extend_from_slice(MARKER);
    input.extend_from_slice(overlay.as_bytes());
    input
}

/// Shapes the spec target explores (it found no crash in its runs): a deep
/// dotted key is refused by the TOML parser (E001), an overlay that changes a
/// table's type fails the schema (E003), an overlay entry with a new name is
/// only a warning, a non-UTF-8 overlay is E006, an empty spec lacks keys (E004).
#[test]
fn spec_fuzz_shapes() {
    use SpecOutcome::*;
    let deep = format!("{} = 1\n", vec!["a"; 5000].join("."));
    assert_eq!(run_spec(deep.as_bytes()), LoadFailed(vec!["E001"]));
    assert_eq!(
        run_spec(&example_with_overlay("teams = 3\n")),
        Invalid(vec!["E003"])
    );
    assert_eq!(
        run_spec(&example_with_overlay("[[teams]]\nname = \"visoin\"\n")),
        Valid
    );
    let mut bad = example_with_overlay("x = \"");
    bad.extend_from_slice(&[0xff, b'"', b'\n']);
    assert_eq!(run_spec(&bad), LoadFailed(vec!["E006"]));
    assert_eq!(run_spec(b""), Invalid(vec!["E004"]));
}
