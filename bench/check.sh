#!/usr/bin/env bash
# `mlpc check --manifests` throughput on a generated directory of objects,
# against kubeconform's published figure (50,700 resources in 6.7 s on a
# 4-core laptop = 1,892 objects/s per core).
#   bench/check.sh [N] [--quick]     (N defaults to 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
[ "${2:-}" = "--quick" ] && n=2000
schemas="${MLPC_SCHEMAS:-../shared/schemas}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/mlpc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/gen_manifests.py "$work/manifests" "$n"
cores=$(nproc)

run() { # label, extra args...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" check --manifests "$work/manifests" --schemas "$schemas" \
    --skip-policy-tests --format json "$@" > "$work/out.json" || true
  read -r secs kb < "$work/time"
  python3 - "$label" "$n" "$secs" "$kb" "$cores" "$work/out.json" <<'PY'
import json, sys
label, n, secs, kb, cores, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
r = json.load(open(out))
per_core = n / secs / cores
print(f"{label:<34} {n} objects in {secs:.2f} s = {n/secs:,.0f} obj/s, {per_core:,.0f} obj/s/core "
      f"({per_core/1892:.1f}x kubeconform per core), peak RSS {kb/1024:.0f} MiB, "
      f"{r['errors']} errors, {r['warnings']} warnings")
PY
}

echo "machine: $cores cores; spec: mlpc's own example (its policies apply to the manifests)"
run "schemas + policies (default)"
run "schemas only (no spec)" --spec /nonexistent.toml
