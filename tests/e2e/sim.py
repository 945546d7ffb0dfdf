#!/usr/bin/env python3
"""Inputs of the simulated cluster (`tests/e2e/cluster sim`), derived, never hand-written.

  sim.py nodes OUT_DIR CLUSTER
      The kwok Nodes of CLUSTER's node pools, as a JSON v1 List, from the compiled
      management objects Cluster API reads: per MachineDeployment, the labels and
      taints its KubeadmConfigTemplate gives the kubelet (`node-labels`,
      `nodeRegistration.taints`), the capacity the cluster-autoscaler is told
      (`capacity.cluster-autoscaler.kubernetes.io/*`), one Node per node the pool
      may grow to (`...-node-group-max-size`), and the instance type of its
      infrastructure template. The autoscaler's labels and taints must be the
      kubelet's: a difference exits non-zero (scale-up would not help a pod).

  sim.py kueue-config CHART_DIR OUT_DIR CLUSTER PORTS_JSON CERT_DIR
      Kueue's Configuration as the Helm chart mlpc installs on CLUSTER renders it:
      the value `managerConfig.controllerManagerConfigYaml` of the compiled Kueue
      Application (the chart's own default when mlpc passes none), with only what
      running out of cluster needs changed: loopback ports, the webhook's
      certificate directory, no leader election, no in-cluster certificate
      management, and the visibility API server off (it binds a fixed port and
      plays no part in admission).

  sim.py webhooks KUSTOMIZED_JSON CA_FILE PORT CHART_DIR CONFIG_YAML
      Kueue's webhook configurations (from its module's config/components/webhook,
      built with kustomize, as JSON) pointed at the manager on 127.0.0.1:PORT,
      with what the chart's template derives from the configuration: the
      `managedJobsNamespaceSelector` on the webhooks the chart gives it, and
      `failurePolicy: Ignore` on those it relaxes for frameworks not enabled.

  sim.py manager-config CONFIG_YAML OVERRIDES_JSON
      A controller manager's Configuration file from its module's config (Trainer's
      manifests/base/manager, JobSet's config/components/manager), the second-level
      keys OVERRIDES_JSON names ({"webhook": {"port": 9443}, ...}) set, the rest
      kept: what running out of cluster needs (loopback ports, no leader election,
      no in-cluster certificate management), nothing else.

  sim.py url-webhooks KUSTOMIZED_JSON CA_FILE PORT NAME_PREFIX
      The webhook configurations of a module's kustomized webhook config (objects
      of other kinds dropped), each webhook pointed at 127.0.0.1:PORT with the
      control plane's CA, named as its install names them (NAME_PREFIX + name).

Stdlib only, like crd_sources.py: the compiled YAML is mlpc's canonical writer's,
whose scalar annotation lines are read with regular expressions.
"""

import base64
import glob
import json
import os
import re
import sys


def read(path):
    return open(path, encoding="utf-8").read()


def scalar(text, key):
    """The value of `key: value` on one line (quotes removed), or None."""
    m = re.search(rf"^\s*{re.escape(key)}: (.*)$", text, re.M)
    if not m:
        return None
    v = m.group(1).strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = json.loads(v) if v[0] == '"' else v[1:-1]
    return v


def parse_labels(s):
    out = {}
    for kv in filter(None, (s or "").split(",")):
        k, _, v = kv.partition("=")
        out[k] = v
    return out


def parse_taints(s):
    """`key=value:Effect,...` (the autoscaler's annotation form)."""
    out = []
    for t in filter(None, (s or "").split(",")):
        kv, _, effect = t.rpartition(":")
        k, _, v = kv.partition("=")
        out.append({"key": k, "value": v, "effect": effect})
    return out


def kubeadm_taints(text):
    """nodeRegistration.taints of a KubeadmConfigTemplate, in canonical YAML."""
    m = re.search(r"^(\s*)taints:\n((?:\1[- ] .*\n?)+)", text, re.M)
    if not m:
        return []
    out, cur = [], None
    for line in m.group(2).splitlines():
        item = re.match(r"^\s*(- )?\s*(key|value|effect): (.*)$", line)
        if not item:
            continue
        if item.group(1):
            cur = {}
            out.append(cur)
        cur[item.group(2)] = json.loads(item.group(3)) if item.group(3).startswith('"') else item.group(3)
    return out


def norm_taints(ts):
    return sorted((t["key"], t.get("value", ""), t["effect"]) for t in ts)


def ref(text, field):
    """The `name` of the `field:` reference block (apiGroup, kind, name) in a
    compiled object."""
    m = re.search(rf"^(\s*){field}:\n((?:\1\s+\S.*\n)+)", text, re.M)
    name = m and re.search(r"^\s*name: (\S+)$", m.group(2), re.M)
    if not name:
        sys.exit(f"sim.py: no {field} name in:\n{text}")
    return name.group(1).strip('"')


def nodes(out_dir, cluster):
    mgmt = os.path.join(out_dir, "management", cluster)
    mds = sorted(glob.glob(os.path.join(mgmt, "machinedeployment-*.yaml")))
    if not mds:
        sys.exit(f"sim.py: no MachineDeployment under {mgmt} (only self-managed Cluster API pools are simulated)")
    items = []
    for md_path in mds:
        md = read(md_path)
        name = scalar(md, "name")
        pool = scalar(md, "mlpc.io/pool")
        # The bootstrap and infrastructure templates the MachineDeployment names
        # (by content: `<pool>-<hash>`, see mlpc's emit/templates.rs).
        kct = read(os.path.join(mgmt, f"kubeadmconfigtemplate-{cluster}-{ref(md, 'configRef')}.yaml"))
        infra = glob.glob(os.path.join(mgmt, f"*machinetemplate-{cluster}-{ref(md, 'infrastructureRef')}.yaml"))
        instance_type = scalar(read(infra[0]), "instanceType") if infra else None
        m = re.search(r"- name: node-labels\n\s*value: (.*)$", kct, re.M)
        labels = parse_labels(m.group(1).strip().strip('"') if m else "")
        taints = kubeadm_taints(kct)
        ann = lambda k: scalar(md, f"capacity.cluster-autoscaler.kubernetes.io/{k}")  # noqa: E731
        if parse_labels(ann("labels")) != labels:
            sys.exit(f"sim.py: {name}: autoscaler labels {ann('labels')} differ from the kubelet's {labels}")
        if norm_taints(parse_taints(ann("taints"))) != norm_taints(taints):
            sys.exit(f"sim.py: {name}: autoscaler taints {ann('taints')} differ from the kubelet's {taints}")
        capacity = {"cpu": ann("cpu"), "memory": ann("memory"), "pods": ann("maxPods") or "110"}
        if ann("gpu-count"):
            capacity[ann("gpu-type") or "nvidia.com/gpu"] = ann("gpu-count")
        if None in capacity.values():
            sys.exit(f"sim.py: {name}: capacity annotations incomplete: {capacity}")
        count = int(scalar(md, "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size") or scalar(md, "replicas") or 1)
        for i in range(count):
            node = f"{name}-{i}"
            node_labels = {
                # What the kubelet and the cloud provider add to every node.
                "kubernetes.io/hostname": node,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                **({"node.kubernetes.io/instance-type": instance_type} if instance_type else {}),
                **labels,
            }
            items.append({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": node,
                    "labels": node_labels,
                    "annotations": {"kwok.x-k8s.io/node": "fake", "mlpc-e2e/pool": pool or name},
                },
                "spec": {"taints": [{"key": t["key"], "value": t.get("value", ""), "effect": t["effect"]} for t in taints]},
                "status": {"capacity": capacity, "allocatable": capacity},
            })
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout, indent=1, sort_keys=True)


def top_level_blocks(text):
    """[(key or None, lines)] of a YAML mapping: comments stay with the block above."""
    blocks = []
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z][A-Za-z0-9]*):", line)
        if m:
            blocks.append([m.group(1), [line]])
        elif blocks:
            blocks[-1][1].append(line)
        else:
            blocks.append([None, [line]])
    return blocks


def literal_block(text, key):
    """The text of the first `key: |` literal block scalar in a YAML text
    (canonical: the block's lines indented two more than the key), or None."""
    m = re.search(rf"^( *){re.escape(key)}: \|[-+]?\n", text, re.M)
    if not m:
        return None
    indent = " " * (len(m.group(1)) + 2)
    lines = []
    for line in text[m.end():].splitlines():
        if line.startswith(indent):
            lines.append(line[len(indent):])
        elif not line.strip():
            lines.append("")
        else:
            break
    return "\n".join(lines).rstrip("\n") + "\n"


def compiled_kueue_config(chart_dir, out_dir, cluster):
    """The manager configuration mlpc gives CLUSTER's Kueue chart, else the chart's."""
    apps = [
        read(p)
        for p in sorted(glob.glob(os.path.join(out_dir, "management", "argocd", cluster, "*.yaml")))
        if re.search(r"^\s*chart: \"?kueue\"?$", read(p), re.M)
    ]
    if len(apps) != 1:
        sys.exit(f"sim.py: expected one Kueue Application for {cluster}, found {len(apps)}")
    return literal_block(apps[0], "controllerManagerConfigYaml") or chart_default_config(chart_dir)


def chart_default_config(chart_dir):
    values = os.path.join(chart_dir, "values.yaml")
    config = literal_block(read(values), "controllerManagerConfigYaml")
    if config is None:
        sys.exit(f"sim.py: no managerConfig.controllerManagerConfigYaml in {values}")
    return config


def kueue_config(chart_dir, out_dir, cluster, ports_json, cert_dir):
    chart = compiled_kueue_config(chart_dir, out_dir, cluster)
    ports = json.loads(ports_json)
    override = {
        "health": [f"health:\n  healthProbeBindAddress: 127.0.0.1:{ports['health']}"],
        "metrics": [f"metrics:\n  bindAddress: 127.0.0.1:{ports['metrics']}"],
        "webhook": [f"webhook:\n  host: 127.0.0.1\n  port: {ports['webhook']}\n  certDir: {json.dumps(cert_dir)}"],
        "leaderElection": ["leaderElection:\n  leaderElect: false"],
    }
    out, seen = [], set()
    for key, lines in top_level_blocks(chart):
        if key in override:
            seen.add(key)
            out.extend(override[key])
        else:
            out.extend(lines)
    missing = set(override) - seen
    if missing:
        sys.exit(f"sim.py: the chart's configuration has no {sorted(missing)}")
    if any(k in ("internalCertManagement", "featureGates", "namespace") for k, _ in top_level_blocks(chart)):
        sys.exit("sim.py: the chart's configuration sets internalCertManagement, featureGates or namespace; review the overrides")
    out += [
        "namespace: kueue-system",
        "internalCertManagement:\n  enable: false",
        "featureGates:\n  VisibilityOnDemand: false",
    ]
    print("\n".join(out))


def config_selector_and_frameworks(config_yaml):
    """`managedJobsNamespaceSelector` (as the JSON the webhooks take) and the
    enabled frameworks of a Kueue configuration in mlpc's canonical YAML (or the
    chart's default, which sets no selector)."""
    text = read(config_yaml)
    m = re.search(r"^(\s*)frameworks:\n((?:\1- .*\n?)+)", text, re.M)
    frameworks = [f.strip().strip('"') for f in re.findall(r"- (.*)", m.group(2))] if m else []
    m = re.search(r"^managedJobsNamespaceSelector:\n((?:  .*\n?)+)", text, re.M)
    if not m:
        return None, frameworks
    # mlpc writes the selector as one `In` expression on the namespace name.
    block = m.group(1)
    key = scalar(block.replace("- key:", "  key:"), "key")
    op = scalar(block, "operator")
    values = re.findall(r"^\s*- (\S+)\s*$", block.split("values:", 1)[1], re.M) if "values:" in block else []
    if (key, op) != ("kubernetes.io/metadata.name", "In") or not values or "matchLabels" in block:
        sys.exit(f"sim.py: unexpected managedJobsNamespaceSelector:\n{block}")
    values = [json.loads(v) if v.startswith('"') else v for v in values]
    return {"matchExpressions": [{"key": key, "operator": op, "values": values}]}, frameworks


def chart_webhook_rules(chart_dir):
    """Per webhook name in the chart's template: whether it takes the configured
    `managedJobsNamespaceSelector`, and the framework whose absence makes its
    failurePolicy Ignore (or None)."""
    text = read(os.path.join(chart_dir, "templates", "webhook", "manifests.yaml"))
    rules = {}
    for chunk in re.split(r"^  - admissionReviewVersions:$", text, flags=re.M)[1:]:
        name = re.search(r"^    name: (\S+)$", chunk, re.M)
        if not name:
            continue
        takes = 'hasKey $managerConfig "managedJobsNamespaceSelector"' in chunk
        relax = re.search(r'if has "([^"]+)" \$integrationsConfig\.frameworks', chunk)
        rules[name.group(1)] = (takes, relax.group(1) if relax else None)
    if not rules:
        sys.exit("sim.py: no webhooks in the chart's template")
    return rules


def webhooks(kustomized_json, ca_file, port, chart_dir, config_yaml):
    selector, frameworks = config_selector_and_frameworks(config_yaml)
    chart = chart_webhook_rules(chart_dir)
    docs = json_documents(kustomized_json)
    ca = base64.b64encode(open(ca_file, "rb").read()).decode()
    items = []
    for o in docs:
        if o["kind"] not in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            continue
        kind = "mutating" if o["kind"].startswith("Mutating") else "validating"
        # The chart's names (kueue-<type>-webhook-configuration).
        o["metadata"] = {"name": f"kueue-{kind}-webhook-configuration"}
        for w in o["webhooks"]:
            path = w["clientConfig"]["service"]["path"]
            w["clientConfig"] = {"url": f"https://127.0.0.1:{port}{path}", "caBundle": ca}
            takes, relax = chart.get(w["name"], (False, None))
            if selector is not None and takes:
                w["namespaceSelector"] = selector
            if relax is not None and relax not in frameworks:
                w["failurePolicy"] = "Ignore"
        items.append(o)
    if len(items) != 2:
        sys.exit(f"sim.py: expected Kueue's two webhook configurations, found {len(items)}")
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout, indent=1, sort_keys=True)


def yaml_scalar(v):
    return json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)


def manager_config(config_yaml, overrides_json):
    """CONFIG_YAML with the second-level keys of OVERRIDES_JSON set (a block or
    key it lacks is added); comments and every other line kept."""
    overrides = json.loads(overrides_json)
    blocks = top_level_blocks(read(config_yaml))
    for key, values in overrides.items():
        block = next((b for b in blocks if b[0] == key), None)
        if block is None:
            block = [key, [f"{key}:"]]
            blocks.append(block)
        elif not re.match(rf"^{key}:\s*(#.*)?$", block[1][0]):
            sys.exit(f"sim.py: {config_yaml}: {key} is not a mapping block")
        for sub, v in values.items():
            line = f"  {sub}: {yaml_scalar(v)}"
            at = [i for i, l in enumerate(block[1]) if re.match(rf"^  {re.escape(sub)}:", l)]
            if at:
                block[1][at[0]] = line
            else:
                block[1].insert(1, line)
    print("\n".join(line for _, lines in blocks for line in lines))


def url_webhooks(kustomized_json, ca_file, port, prefix):
    ca = base64.b64encode(open(ca_file, "rb").read()).decode()
    items = []
    for o in json_documents(kustomized_json):
        if o["kind"] not in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            continue
        o["metadata"] = {"name": prefix + o["metadata"]["name"]}
        for w in o["webhooks"]:
            path = w["clientConfig"]["service"]["path"]
            w["clientConfig"] = {"url": f"https://127.0.0.1:{port}{path}", "caBundle": ca}
        items.append(o)
    if not items:
        sys.exit(f"sim.py: no webhook configuration in {kustomized_json}")
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout, indent=1, sort_keys=True)


def json_documents(path):
    """The objects of kubectl's JSON output: one document per object, one after
    the other (a List's items flattened)."""
    text, docs, pos = read(path), [], 0
    dec = json.JSONDecoder()
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        doc, pos = dec.raw_decode(text, pos)
        docs.extend(doc.get("items", [doc]))
    return docs


def main():
    cmd, *args = sys.argv[1:] or [""]
    if cmd == "nodes" and len(args) == 2:
        nodes(*args)
    elif cmd == "kueue-config" and len(args) == 5:
        kueue_config(*args)
    elif cmd == "webhooks" and len(args) == 5:
        webhooks(*args)
    elif cmd == "manager-config" and len(args) == 2:
        manager_config(*args)
    elif cmd == "url-webhooks" and len(args) == 4:
        url_webhooks(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
