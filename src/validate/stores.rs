//! Secret rules (E181–E184): every `external = { store = "..." }` names a
//! declared `[[secret_stores]]` entry (otherwise its ExternalSecret waits
//! forever for a store nothing creates), each store has what its provider
//! needs, and a Secret the platform reads is produced by something.

use serde_json::Value;

use crate::diag::{Diagnostic, suggest};
use crate::spec::model::{SecretStoreProvider, Spec};
use crate::spec::tree::Seg;

use super::names::is_dns1123_label;
use super::rules::Finding;

pub fn check(spec: &Spec) -> Vec<Finding> {
    let mut out = Vec::new();
    let names: Vec<&str> = spec.secret_stores.iter().map(|s| s.name.as_str()).collect();
    let tree = serde_json::to_value(spec).unwrap_or(Value::Null);
    let mut refs = Vec::new();
    walk(&tree, &mut Vec::new(), &mut refs);
    for (path, store) in refs {
        if names.contains(&store.as_str()) {
            continue;
        }
        let hint = match suggest(&store, names.iter().copied()) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None if names.is_empty() => format!(
                "declare it: [[secret_stores]] name = \"{store}\", provider = \"aws\", region = \"...\""
            ),
            None => format!("declared stores: {}", names.join(", ")),
        };
        out.push(Finding {
            diag: Diagnostic::error(
                "E181",
                format!(
                    "secret store \"{store}\" is not declared: its ExternalSecret would wait for a store nothing creates"
                ),
            )
            .with_hint(hint),
            path,
        });
    }
    if let Some(tls) = &spec.mesh.tls
        && tls.external.is_none()
    {
        out.push(Finding {
            diag: Diagnostic::error(
                "E184",
                format!(
                    "mesh.tls names Secret \"{}\" but nothing produces it: the serving Gateway would have no certificate",
                    tls.secret_name
                ),
            )
            .with_hint("fill it from a store: `tls = { secret_name = \"...\", external = { store = \"...\", key = \"...\" } }` (the remote secret holds `tls.crt` and `tls.key`), or remove `tls` to serve plain HTTP"),
            path: vec![Seg::from("mesh"), Seg::from("tls")],
        });
    }
    for (i, st) in spec.secret_stores.iter().enumerate() {
        if !is_dns1123_label(&st.name) {
            out.push(Finding {
                diag: Diagnostic::error(
                    "E183",
                    format!("secret store name \"{}\" is not a DNS-1123 label", st.name),
                )
                .with_hint("lowercase letters, digits and '-', at most 63 characters"),
                path: vec![Seg::from("secret_stores"), Seg::from(i), Seg::from("name")],
            });
        }
        let need: &[(&str, &Option<String>)] = match st.provider {
            SecretStoreProvider::Aws => &[("region", &st.region)],
            SecretStoreProvider::Gcp => &[("project", &st.project)],
            SecretStoreProvider::Azure => &[("vault_url", &st.vault_url)],
            SecretStoreProvider::Vault => &[("server", &st.server), ("role", &st.role)],
        };
        for (field, value) in need {
            if value.as_deref().is_none_or(str::is_empty) {
                out.push(Finding {
                    diag: Diagnostic::error(
                        "E182",
                        format!(
                            "secret store \"{}\" ({}) has no `{field}`",
                            st.name,
                            provider_name(st.provider)
                        ),
                    )
                    .with_hint(format!("add `{field} = \"...\"` to the store")),
                    path: vec![
                        Seg::from("secret_stores"),
                        Seg::from(i),
                        Seg::from("provider"),
                    ],
                });
            }
        }
    }
    out
}

fn provider_name(p: SecretStoreProvider) -> &'static str {
    match p {
        SecretStoreProvider::Aws => "aws",
        SecretStoreProvider::Gcp => "gcp",
        SecretStoreProvider::Azure => "azure",
        SecretStoreProvider::Vault => "vault",
    }
}

/// Every `external.store` in the spec, with the path of the `store` value.
fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(store) = m
                .get("external")
                .and_then(|e| e.get("store"))
                .and_then(Value::as_str)
            {
                let mut p = path.clone();
                p.push(Seg::from("external"));
                p.push(Seg::from("store"));
                out.push((p, store.to_string()));
            }
            for (k, child) in m {
                if k == "external" {
                    continue;
                }
                path.push(Seg::from(k.as_str()));
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Seg::from(i));
                walk(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}
