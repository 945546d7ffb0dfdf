//! Cluster API machine templates are immutable: the providers' webhooks refuse
//! any change to an `AWSMachineTemplate` (`GCP...`, `Azure...`, `Docker...`)
//! spec, so a pool edit synced in place would fail Argo CD's sync. Cluster API's
//! way is a new template and a new reference, which rolls the pool's machines.
//! So each template is named by its content: `<name>-<8 hex of sha256(spec)>`,
//! and every reference to it (a MachineDeployment's `infrastructureRef` and
//! bootstrap `configRef`, a control plane's `machineTemplate`) follows. The
//! bootstrap `KubeadmConfigTemplate` is named the same way, so a change of the
//! kubelet's labels or taints reaches new machines instead of none. The old
//! template is pruned last, after the references have moved.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::lock::sha256_hex;
use crate::yaml;

/// Whether Cluster API treats objects of this kind as immutable templates.
pub fn is_machine_template(kind: &str) -> bool {
    kind.ends_with("MachineTemplate") || kind == "KubeadmConfigTemplate"
}

/// Rename the machine templates among `objects` by content and point their
/// references at the new names. Returns the renames (kind, old, new).
pub fn name_by_content(objects: &mut [&mut Value]) -> Vec<(String, String, String)> {
    let mut renames: BTreeMap<(String, String), String> = BTreeMap::new();
    for o in objects.iter_mut() {
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        if !is_machine_template(&kind) {
            continue;
        }
        let Some(name) = o.pointer("/metadata/name").and_then(Value::as_str) else {
            continue;
        };
        let digest = sha256_hex(yaml::to_yaml(&o["spec"]).as_bytes());
        let new = format!("{name}-{}", &digest[..8]);
        renames.insert((kind, name.to_string()), new.clone());
        o["metadata"]["name"] = json!(new);
        // After the references moved (the rest of the sync), not before.
        o["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] = json!("PruneLast=true");
    }
    if !renames.is_empty() {
        for o in objects.iter_mut() {
            repoint(o, &renames, true);
        }
    }
    renames
        .into_iter()
        .map(|((kind, old), new)| (kind, old, new))
        .collect()
}

/// Rewrite every reference `{apiGroup|apiVersion, kind, name}` to a renamed
/// template (not the object's own metadata: `top` skips it).
fn repoint(v: &mut Value, renames: &BTreeMap<(String, String), String>, top: bool) {
    match v {
        Value::Object(m) => {
            let is_ref = !top
                && !m.contains_key("metadata")
                && (m.contains_key("apiGroup") || m.contains_key("apiVersion"));
            if is_ref
                && let (Some(kind), Some(name)) = (
                    m.get("kind").and_then(Value::as_str),
                    m.get("name").and_then(Value::as_str),
                )
                && let Some(new) = renames.get(&(kind.to_string(), name.to_string()))
            {
                m.insert("name".into(), json!(new));
            }
            for (k, x) in m.iter_mut() {
                if top && k == "metadata" {
                    continue;
                }
                repoint(x, renames, false);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| repoint(x, renames, false)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, instance: &str) -> Value {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "AWSMachineTemplate",
               "metadata": {"name": name, "namespace": "c1"},
               "spec": {"template": {"spec": {"instanceType": instance}}}})
    }

    fn deployment(infra: &str) -> Value {
        json!({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "MachineDeployment",
               "metadata": {"name": "c1-gpu", "namespace": "c1"},
               "spec": {"template": {"spec": {
                   "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AWSMachineTemplate", "name": infra},
                   "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io", "kind": "KubeadmConfigTemplate", "name": "c1-gpu"}}}}}})
    }

    #[test]
    fn a_changed_spec_is_a_new_template_and_the_references_follow() {
        let (mut t, mut d) = (template("c1-gpu", "p4d.24xlarge"), deployment("c1-gpu"));
        let renames = name_by_content(&mut [&mut t, &mut d]);
        assert_eq!(renames.len(), 1);
        let name = t["metadata"]["name"].as_str().unwrap().to_string();
        assert!(
            name.starts_with("c1-gpu-") && name.len() == "c1-gpu-".len() + 8,
            "{name}"
        );
        assert_eq!(
            d["spec"]["template"]["spec"]["infrastructureRef"]["name"],
            json!(name)
        );
        // A reference to a template not among the objects is left alone.
        assert_eq!(
            d["spec"]["template"]["spec"]["bootstrap"]["configRef"]["name"],
            "c1-gpu"
        );
        // The MachineDeployment's own name is not a reference.
        assert_eq!(d["metadata"]["name"], "c1-gpu");
        assert_eq!(
            t["metadata"]["annotations"]["argocd.argoproj.io/sync-options"],
            "PruneLast=true"
        );

        // Same spec, same name (deterministic); another spec, another name.
        let mut again = template("c1-gpu", "p4d.24xlarge");
        name_by_content(&mut [&mut again]);
        assert_eq!(again["metadata"]["name"], json!(name));
        let mut other = template("c1-gpu", "p5.48xlarge");
        name_by_content(&mut [&mut other]);
        assert_ne!(other["metadata"]["name"], json!(name));
    }
}
