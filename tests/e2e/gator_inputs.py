#!/usr/bin/env python3
"""The inputs mlpc check and Gatekeeper's gator both judge: one cluster's
compiled ConstraintTemplates and Constraints, that cluster's compiled objects,
and M generated workloads that pass or break each policy in turn.

Usage: gator_inputs.py MLPC SPEC OUT M [CLUSTER]

Writes OUT/policies/ (templates + constraints, for `gator test -f`),
OUT/objects/ (one object per file) and OUT/all/ (both, for `mlpc check
--manifests`). Deterministic for a given M. Stdlib only.
"""

import json
import os
import shutil
import subprocess
import sys

REGISTRIES = ["ghcr.io/acme/", "pytorch/", "evil.example/", "docker.io/library/"]
TAGS = ["1.4.2", "latest", "2.7.1-cuda12.8"]
NAMESPACES = ["vision", "nlp", "recsys", "kube-system", "default"]
POOLS = ["gpu-a100", "gpu-l4", "gpu-h100", "cpu-general"]


def workload(i):
    """A Pod or a Deployment; i selects which rules it follows or breaks."""
    ns = NAMESPACES[i % len(NAMESPACES)]
    image = f"{REGISTRIES[i % 4]}app-{i % 11}:{TAGS[i % 3]}"
    container = {"name": "main", "image": image}
    if i % 5 != 0:
        container["resources"] = {
            "limits": {"cpu": "2", "memory": "4Gi"},
            "requests": {"cpu": "1", "memory": "2Gi"},
        }
    if i % 7 == 0:
        container["securityContext"] = {"privileged": True}
    gpu = i % 6 == 0
    if gpu:
        container.setdefault("resources", {}).setdefault("limits", {})["nvidia.com/gpu"] = str(1 + i % 9)
    pod_spec = {"containers": [container]}
    if i % 13 == 0:
        pod_spec["initContainers"] = [{"name": "init", "image": f"busybox:{TAGS[i % 3]}"}]
    if gpu and (i // 30) % 5 != 1:
        # Pools a team may or may not use (k8sgpupools), or none.
        pod_spec["nodeSelector"] = {"mlpc.io/pool": POOLS[(i // 6) % 4]}
    if gpu and i % 4 != 0:
        pod_spec["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    labels = {"app": f"app-{i}"}
    if i % 3 != 0:
        labels["mlpc.io/team"] = ns
    meta = {"name": f"w-{i:06d}", "namespace": ns, "labels": labels}
    if i % 2 == 0:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": f"app-{i}"}},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def main():
    mlpc, spec, out, m = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    cluster = sys.argv[5] if len(sys.argv) > 5 else "prod-usw2"
    shutil.rmtree(out, ignore_errors=True)
    compiled = os.path.join(out, "compiled")
    subprocess.run([mlpc, "compile", "--spec", spec, "--out", compiled],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for d in ("policies", "objects", "all"):
        os.makedirs(os.path.join(out, d))
    root = os.path.join(compiled, "clusters", cluster)
    for layer in sorted(os.listdir(root)):
        ldir = os.path.join(root, layer)
        if not os.path.isdir(ldir):
            continue
        for f in sorted(os.listdir(ldir)):
            if f == "kustomization.yaml":
                continue
            src = os.path.join(ldir, f)
            policy = layer.endswith("-policy")
            dest = "policies" if policy else "objects"
            shutil.copy(src, os.path.join(out, dest, f))
            shutil.copy(src, os.path.join(out, "all", f))
    for i in range(m):
        name = f"generated-{i:06d}.yaml"
        # JSON is YAML: both tools read it as such.
        body = json.dumps(workload(i), indent=1) + "\n"
        for d in ("objects", "all"):
            with open(os.path.join(out, d, name), "w", encoding="utf-8") as fh:
                fh.write(body)
    shutil.rmtree(compiled)


if __name__ == "__main__":
    main()
