//! Reading `mlpc drift --format json` reports, shared by the fake-server and
//! the real-server drift tests.
#![allow(dead_code)]

use serde_json::Value;

/// `(cluster, kind, namespace, name, status)` of every object not in sync.
pub fn not_in_sync(report: &Value) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    for c in report["clusters"].as_array().unwrap() {
        for o in c["objects"].as_array().unwrap() {
            if o["status"] != "in_sync" {
                out.push((
                    c["cluster"].as_str().unwrap().to_string(),
                    o["kind"].as_str().unwrap().to_string(),
                    o["namespace"].as_str().unwrap_or("").to_string(),
                    o["name"].as_str().unwrap().to_string(),
                    o["status"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}
