#!/usr/bin/env bash
# mlpc beside its peers, measured in one run on the same inputs:
#   - kubeconform (strict, the same ../shared/schemas + schemas/extra) vs
#     `mlpc check` schemas only, on N generated objects: objects/s per core;
#   - Gatekeeper's gator (`gator test`, the version mlpc installs) vs `mlpc check`
#     with policies, on the compiled example plus M generated objects, with the
#     example's ConstraintTemplates and Constraints: wall time ratio.
# Peers are built from their pinned modules (tests/e2e/peers/go.mod) by tests/e2e/build.
#   bench/peers.sh [N] [M] [--quick]   (N defaults to 50000, M to 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
m="${2:-5000}"
[ "${3:-}" = "--quick" ] && { n=2000; m=500; }
schemas="${MLPC_SCHEMAS:-../shared/schemas}"
tests/e2e/build
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/mlpc"
peers="${E2E_BIN:-target/e2e/bin}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

python3 bench/gen_manifests.py "$work/manifests" "$n"

timed() { # outfile cmd... -> seconds on stdout; the command's exit status is ignored
  local out="$1"; shift
  /usr/bin/time -f "%e" -o "$work/time" "$@" >"$out" 2>"$out.err" || true
  tail -1 "$work/time"
}

echo "machine: $cores cores"
echo "== kubeconform $(grep -m1 yannh/kubeconform tests/e2e/peers/go.mod | awk '{print $2}') -strict vs mlpc check (schemas only), $n objects"
kc_secs=$(timed "$work/kc.json" "$peers/kubeconform" -strict -summary -output json -n "$cores" \
  -kubernetes-version 1.34.0 \
  -schema-location "$schemas/k8s/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  -schema-location "$schemas/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
  -schema-location "$schemas/crds-supplement/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
  -schema-location "schemas/extra/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
  "$work/manifests")
mlpc_secs=$(timed "$work/mlpc.json" "$bin" check --manifests "$work/manifests" --schemas "$schemas" \
  --schemas schemas/extra --strict --skip-policy-tests --spec /nonexistent.toml --format json)
python3 - "$n" "$cores" "$kc_secs" "$mlpc_secs" "$work/kc.json" "$work/mlpc.json" <<'PY'
import json, sys
n, cores, kc, ml = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
kcs = json.load(open(sys.argv[5]))["summary"]
mls = json.load(open(sys.argv[6]))
kc_rate, ml_rate = n / kc / cores, n / ml / cores
print(f"kubeconform: {n} objects in {kc:.2f} s = {kc_rate:,.0f} obj/s/core "
      f"(valid {kcs['valid']}, invalid {kcs['invalid']}, errors {kcs['errors']}, skipped {kcs['skipped']})")
print(f"mlpc check:  {n} objects in {ml:.2f} s = {ml_rate:,.0f} obj/s/core "
      f"({mls['errors']} errors, {mls['warnings']} warnings)")
print(f"ratio (mlpc / kubeconform, obj/s/core): {ml_rate / kc_rate:.1f}x (goal >= 3x)")
if kcs["invalid"] or kcs["errors"] or kcs["skipped"] or mls["errors"]:
    sys.exit("the peers disagree or fail on valid objects: not a like-for-like run")
PY

echo "== gator $(grep -m1 gatekeeper/v3 tests/e2e/peers/go.mod | awk '{print $2}') vs mlpc check (schemas off, policies on)"
python3 tests/e2e/gator_inputs.py "$bin" ml-platform.toml "$work/gator" "$m"
gator_secs=$(timed "$work/gator.json" "$peers/gator" test -o json -f "$work/gator/policies" -f "$work/gator/objects")
mlpc_secs=$(timed "$work/mlpcp.json" "$bin" check --manifests "$work/gator/all" --skip-policy-tests \
  --spec /nonexistent.toml --format json)
objects=$(find "$work/gator/objects" -name '*.yaml' | wc -l)
python3 - "$objects" "$gator_secs" "$mlpc_secs" <<'PY'
import sys
n, g, m = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"gator test:  {n} objects in {g:.2f} s")
print(f"mlpc check:  {n} objects in {m:.2f} s")
print(f"ratio (gator time / mlpc time): {g / m:.1f}x (goal > 1: mlpc faster)")
PY
