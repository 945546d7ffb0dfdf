//! Blueprint rendering: arbitrary minijinja template text as
//! `mesh/objects.yaml.j2`, rendered with a small context through the real
//! `Renderer` (strict undefined, custom filters, YAML parse-back and the
//! object checks) must return Ok or Err, never panic or hang.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mlpc::render::{Blueprints, Renderer};
use serde_json::{Value, json};

fn ctx() -> &'static Value {
    static CTX: OnceLock<Value> = OnceLock::new();
    CTX.get_or_init(|| {
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
    })
}

fuzz_target!(
    init: {
        // `Renderer` turns a panic inside minijinja into an `Err` (catch_unwind),
        // but libfuzzer-sys's hook aborts before any unwinding: replace it with a
        // silent one, and abort below on any panic that escapes `render_group`.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let escaped = std::panic::catch_unwind(|| render(text));
        if let Err(panic) = escaped {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("panic escaped the renderer: {why}");
            std::process::abort();
        }
    }
);

fn render(text: &str) {
    let mut bp = Blueprints::default();
    bp.files
        .insert("mesh/objects.yaml.j2".to_string(), text.to_string());
    let renderer = Renderer::new(bp);
    if let Ok(objects) = renderer.render_group("mesh", ctx()) {
        for o in objects {
            assert!(o.object.get("apiVersion").is_some(), "{:?}", o.object);
        }
    }
}
