#!/usr/bin/env python3
"""Which upstream Go modules (at which tags) hold the CRDs of a compiled platform.

Usage: crd_sources.py COMPILED_OUT_DIR SPEC_FILE REPO_ROOT

Prints one line per source: `MODULE@VERSION DIR [DIR...]` (DIRs relative to the
module root, whose *.yaml CustomResourceDefinitions are installed), or
`unavailable COMPONENT VERSION WHY` for components whose CRDs no published Go
module carries.

Versions come from the compile itself: the chart `targetRevision` (or Git tag)
of each component's Argo CD Application in `management/argocd/<cluster>/`, so
they cannot drift from what mlpc installs. Cluster API is not installed by an
Application: its version is the spec's `[components] cluster_api`, else the
catalog default in src/catalog.rs (the single table mlpc itself reads).

Components mlpc does not pin are pinned HERE, in NOT_PINNED_BY_MLPC, and only here.
Stdlib only: CI machines have Python 3.11 and nothing else.
"""

import glob
import os
import re
import sys
import tomllib

# Components whose version mlpc does not choose: the e2e suite pins them.
NOT_PINNED_BY_MLPC = {
    # Argo CD's CRDs on the management cluster (Application, ApplicationSet, AppProject).
    "argocd": ("github.com/argoproj/argo-cd/v3", "v3.1.9", ["manifests/crds"]),
    # External Secrets Operator (ExternalSecret external-secrets.io/v1).
    "external_secrets": (
        "github.com/external-secrets/external-secrets",
        "v0.20.4",
        ["config/crds/bases"],
    ),
    # Cluster API infrastructure providers. CAPA v2.10 is built against CAPI v1.11;
    # CAPG v1.13.1 and CAPZ v1.21.0 are the releases the module proxy serves
    # nearest to CAPI v1.11 (the v1.11-line releases are refused as unavailable).
    "capa": ("sigs.k8s.io/cluster-api-provider-aws/v2", "v2.10.0", ["config/crd/bases"]),
    "capg": ("sigs.k8s.io/cluster-api-provider-gcp", "v1.13.1", ["config/crd/bases"]),
    "capz": ("sigs.k8s.io/cluster-api-provider-azure", "v1.21.0", ["config/crd/bases"]),
}

# The module proxy refuses some exact tags ("This module version is not
# available"). The substitute is the nearest patch release of the same line,
# which carries the same API versions; the test output names every substitution.
PROXY_REFUSES = {
    ("sigs.k8s.io/kueue", "v0.16.0"): "v0.16.1",
}


def applications(out_dir):
    """(chart or path, repoURL, targetRevision) of every component Application."""
    apps = []
    for path in sorted(glob.glob(os.path.join(out_dir, "management/argocd/*/application-*.yaml"))):
        text = open(path, encoding="utf-8").read()
        fields = {}
        for key in ("chart", "path", "repoURL", "targetRevision"):
            m = re.search(rf"^\s+{key}: \"?([^\"\n]+)\"?$", text, re.M)
            if m:
                fields[key] = m.group(1)
        apps.append(fields)
    return apps


def catalog_default(repo_root, key):
    text = open(os.path.join(repo_root, "src/catalog.rs"), encoding="utf-8").read()
    m = re.search(rf'key: "{key}",\s*default: "([^"]+)"', text)
    if not m:
        sys.exit(f"crd_sources: no default for {key} in src/catalog.rs")
    return m.group(1)


def v(s):
    return s if s.startswith("v") else "v" + s


def main():
    out_dir, spec_file, repo_root = sys.argv[1:4]
    spec = tomllib.load(open(spec_file, "rb"))
    sources = {}  # module -> (version, dirs)
    unavailable = {}

    def add(module, version, dirs):
        version = PROXY_REFUSES.get((module, version), version)
        known = sources.setdefault(module, (version, []))
        if known[0] != version:
            # Two clusters pinning different versions would need two CRD sets; one
            # control plane per cluster is then required. Not the case in the specs tested.
            sys.exit(f"crd_sources: {module} pinned at both {known[0]} and {version}")
        for d in dirs:
            if d not in known[1]:
                known[1].append(d)

    for app in applications(out_dir):
        chart, path, rev = app.get("chart"), app.get("path", ""), app.get("targetRevision")
        repo = app.get("repoURL", "")
        if chart in ("base", "istiod") and "istio" in repo:
            add("istio.io/api", v(rev), ["kubernetes"])
        elif chart == "cert-manager":
            add("github.com/cert-manager/cert-manager", v(rev), ["deploy/crds"])
        elif chart == "gatekeeper":
            add("github.com/open-policy-agent/gatekeeper/v3", v(rev), ["config/crd/bases"])
        elif chart == "kserve-crd":
            add("github.com/kserve/kserve", v(rev), ["config/crd/full", "config/crd/full/llmisvc"])
        elif chart == "external-secrets":
            # The workload clusters' External Secrets, as mlpc installs it.
            add("github.com/external-secrets/external-secrets", v(rev), ["config/crds/bases"])
        elif chart == "kueue":
            add("sigs.k8s.io/kueue", v(rev), ["config/components/crd/bases"])
        elif repo.endswith("kubeflow/katib.git"):
            add("github.com/kubeflow/katib", v(rev), ["manifests/v1beta1/components/crd"])
        elif repo.endswith("kubeflow/trainer.git"):
            add("github.com/kubeflow/trainer/v2", v(rev), ["manifests/base/crds"])
        elif chart == "knative-operator":
            unavailable["knative-operator"] = (
                rev,
                "knative.dev/operator is published on the module proxy only up to v0.42.2; "
                "its knative-v1.19 release (v0.46.x) is refused",
            )
        elif repo.endswith("kubeflow/manifests.git"):
            unavailable["kubeflow-profiles"] = (
                rev,
                "the Profile CRD ships in kubeflow/manifests and kubeflow/dashboard, "
                "neither of which the module proxy serves",
            )
        elif chart == "gpu-operator":
            unavailable["gpu-operator"] = (rev, "github.com/NVIDIA/gpu-operator has no published module versions")
    # Gatekeeper's ConstraintTemplate CRD lives in its constraint framework, at the
    # version Gatekeeper's own go.mod requires (resolved by the caller).

    capi = spec.get("components", {}).get("cluster_api") or catalog_default(repo_root, "cluster_api")
    add("sigs.k8s.io/cluster-api", v(capi), [
        "config/crd/bases",
        "bootstrap/kubeadm/config/crd/bases",
        "controlplane/kubeadm/config/crd/bases",
    ])
    providers = {c.get("provider", "aws") for c in spec.get("clusters", [])}
    if "docker" in providers:
        # CAPD is released with Cluster API itself, in its test module.
        add("sigs.k8s.io/cluster-api/test", v(capi), ["infrastructure/docker/config/crd/bases"])
    # Managed clusters use the same infrastructure providers (EKS: CAPA, GKE:
    # CAPG, AKS: CAPZ), whose config/crd/bases hold the managed kinds too.
    for provider, key in (
        ("aws", "capa"), ("eks", "capa"),
        ("gcp", "capg"), ("gke", "capg"),
        ("azure", "capz"), ("aks", "capz"),
    ):
        if provider in providers:
            add(*NOT_PINNED_BY_MLPC[key])
    add(*NOT_PINNED_BY_MLPC["argocd"])
    add(*NOT_PINNED_BY_MLPC["external_secrets"])

    for module, (version, dirs) in sorted(sources.items()):
        print(f"{module}@{version} {' '.join(dirs)}")
    for comp, (rev, why) in sorted(unavailable.items()):
        print(f"unavailable {comp} {rev} {why}")


if __name__ == "__main__":
    main()
