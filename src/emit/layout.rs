//! Where each object goes: stable, lowercase file names derived from kind,
//! namespace and name, and the directory of its cluster, layer or the
//! management cluster.

use serde_json::Value;

/// `<kind>-<namespace>-<name>.yaml`, or `<kind>-<name>.yaml` for cluster-scoped objects.
pub fn file_name(obj: &Value) -> Result<String, String> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
    let mut parts = vec![segment(kind)?];
    if let Some(ns) = ns {
        parts.push(segment(ns)?);
    }
    parts.push(segment(name)?);
    Ok(format!("{}.yaml", parts.join("-")))
}

/// One part of a file name: must not be able to escape its directory or
/// collide by case, whatever the (already validated) spec said.
pub fn segment(s: &str) -> Result<String, String> {
    let lower = s.to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.len() <= 200
        && lower != "."
        && lower != ".."
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok && !lower.starts_with('.') {
        Ok(lower)
    } else {
        Err(format!("\"{s}\" cannot be used in a file name"))
    }
}

pub fn api_group(obj: &Value) -> &str {
    let api = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match api.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// Argo CD objects are reconciled by the Argo CD of the management cluster,
/// whatever layer declares them.
pub fn is_argocd_object(obj: &Value) -> bool {
    api_group(obj) == "argoproj.io"
        && matches!(
            obj.get("kind").and_then(Value::as_str),
            Some("Application" | "ApplicationSet" | "AppProject")
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        let o =
            json!({"kind": "ResourceQuota", "metadata": {"name": "team-a", "namespace": "team-a"}});
        assert_eq!(
            file_name(&o).as_deref(),
            Ok("resourcequota-team-a-team-a.yaml")
        );
        let c = json!({"kind": "Namespace", "metadata": {"name": "team-a"}});
        assert_eq!(file_name(&c).as_deref(), Ok("namespace-team-a.yaml"));
        for bad in ["..", "../x", "a/b", "/abs", "", ".hidden", "ｔｅａｍ"] {
            assert!(segment(bad).is_err(), "{bad}");
        }
    }
}
