#!/usr/bin/env python3
"""Generate a fleet-sized spec for `bench/diff_fleet.sh`.

Takes the example ml-platform.toml (and environments/) of this repository and
replaces its two clusters with N generated ones (half staging, half prod,
across regions). `--change` applies the pull request the benchmark measures:
vision's GPU quota is raised and a model is served on every cluster.
"""

import argparse
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]

NEW_MODEL = """
[[serving.models]]
name = "fraud-scorer"
team = "recsys"
format = "xgboost"
runtime = "kserve-xgbserver"
storage_uri = "s3://acme-ml-models/recsys/fraud-scorer/v1"
storage = { node_identity = true }
service_account = "recsys-models"
min_replicas = 1
max_replicas = 4
scale_metric = "cpu"
scale_target = 60
cpu = "1"
memory = "2Gi"
"""


def clusters(n):
    out, prod = [], []
    for i in range(n):
        env = "prod" if i % 2 else "staging"
        region = REGIONS[i % len(REGIONS)]
        short = "".join(p[0] for p in region.split("-")[:-1]) + region.split("-")[-1]
        name = f"{'prod' if env == 'prod' else 'stg'}-{short}-{i:03d}"
        if env == "prod":
            prod.append(name)
        out.append(
            f"""[[clusters]]
name = "{name}"
environment = "{env}"
provider = "aws"
region = "{region}"
wave = {0 if env == 'staging' else 1 + i % 3}
context = "{name}-admin"
server = "https://{name}.k8s.acme.example:6443"
labels = {{ tier = "{'production' if env == 'prod' else 'staging'}" }}
control_plane = {{ replicas = {3 if env == 'prod' else 1}, instance_type = "m6i.xlarge" }}
"""
        )
    return "\n".join(out), prod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--out", required=True)
    ap.add_argument("--change", action="store_true")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    (out / "environments").mkdir(parents=True, exist_ok=True)
    for f in (ROOT / "environments").glob("*.toml"):
        shutil.copy(f, out / "environments" / f.name)
    text = (ROOT / "ml-platform.toml").read_text()
    generated, prod = clusters(a.clusters)
    # Drop the example's clusters; put the generated ones where they were.
    first = text.index("[[clusters]]")
    end = text.index("[[node_pools]]")
    text = text[:first] + generated + "\n" + text[end:]
    text = text.replace('clusters = ["prod-usw2"]', "clusters = [" + ", ".join(f'"{c}"' for c in prod) + "]")
    if a.change:
        text = text.replace('quota = { gpu = 16, cpu = "128"', 'quota = { gpu = 24, cpu = "128"', 1)
        text = text.replace("[mesh]", NEW_MODEL.lstrip() + "\n[mesh]", 1)
    (out / "ml-platform.toml").write_text(text)


if __name__ == "__main__":
    main()
