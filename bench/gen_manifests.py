#!/usr/bin/env python3
"""Generate a directory of N Kubernetes objects for `mlpc check --manifests`
benchmarks: a realistic mix of workloads and config in team namespaces,
10 objects per multi-document file. Deterministic for a given N."""
import os
import sys

def objects(i):
    ns = ["vision", "nlp", "recsys", "team-a", "team-b"][i % 5]
    name = f"app-{i:06d}"
    kind = i % 10
    if kind in (0, 1, 2):
        return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels: {{app: {name}, tier: backend}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      serviceAccountName: {ns}-runner
      containers:
      - name: app
        image: ghcr.io/acme/{name}:1.{i % 7}.0
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: LOG_LEVEL
          value: info
        resources:
          requests: {{cpu: 250m, memory: 256Mi}}
          limits: {{cpu: "1", memory: 1Gi}}
        readinessProbe:
          httpGet: {{path: /healthz, port: 8080}}
"""
    if kind in (3, 4):
        return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector: {{app: {name}}}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""
    if kind in (5, 6):
        return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {ns}
data:
  config.yaml: |
    replicas: 2
    feature: {i}
"""
    if kind == 7:
        return f"""apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  namespace: {ns}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {{mlpc.io/pool: gpu-a100}}
      tolerations:
      - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
      containers:
      - name: train
        image: ghcr.io/acme/train:2.{i % 5}.0
        resources:
          limits: {{cpu: "8", memory: 32Gi, nvidia.com/gpu: "1"}}
"""
    if kind == 8:
        return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
  podSelector:
    matchLabels: {{app: {name}}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {{}}
"""
    return f"""apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: m{name}
  namespace: {ns}
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 3
    model:
      modelFormat: {{name: sklearn}}
      storageUri: s3://models/{name}/v1
"""

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    os.makedirs(out, exist_ok=True)
    per_file = 10
    for f in range(0, n, per_file):
        sub = os.path.join(out, f"part-{f // 5000:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"objects-{f:06d}.yaml"), "w") as fh:
            fh.write("---\n".join(objects(i) for i in range(f, min(f + per_file, n))))

main()
