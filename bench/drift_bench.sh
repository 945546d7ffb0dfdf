#!/usr/bin/env bash
# Benchmark `mlpc drift` against ~10,000 live objects on loopback.
#
# Builds mlpc and the fake API server example in release mode, generates a
# spec with the example platform plus enough extra teams for ~10,000
# compiled objects across its two clusters, serves them (plus injected
# drift, orphans and unlabelled noise) from fake API servers on 127.0.0.1,
# runs `mlpc drift --format json` once under /usr/bin/time and prints the
# wall time, the peak RSS and the report's counts.
#
#   bench/drift_bench.sh                # defaults
#   TEAMS=250 NOISE=2000 bench/drift_bench.sh
#
# Environment: TEAMS (extra teams, default 495), DRIFT (quotas changed per
# cluster, 5), ORPHANS (per cluster, 5), NOISE (unlabelled objects per
# cluster, 0), CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
TEAMS=${TEAMS:-495}
DRIFT=${DRIFT:-5}
ORPHANS=${ORPHANS:-5}
NOISE=${NOISE:-0}
target=${CARGO_TARGET_DIR:-$repo/target}

echo "== building (release)" >&2
nice -n 5 cargo build --release --quiet --bin mlpc --example drift_fake_apiserver
mlpc="$target/release/mlpc"
fake="$target/release/examples/drift_fake_apiserver"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cp -r "$repo/environments" "$repo/policies" "$work/"
{
    cat "$repo/ml-platform.toml"
    for i in $(seq -w 1 "$TEAMS"); do
        cat <<EOF

[[teams]]
name = "bench-$i"
owners = ["owner-$i@acme.example"]
members = ["member-$i@acme.example"]
gpu_pools = ["gpu-l4"]
quota = { gpu = 1, cpu = "8", memory = "32Gi", pods = 50 }
EOF
    done
} > "$work/ml-platform.toml"

echo "== compiling the spec alone (reference)" >&2
/usr/bin/time -f "%e %M" -o "$work/compile.time" \
    "$mlpc" compile --spec "$work/ml-platform.toml" --out "$work/out" > "$work/compile.out" 2> "$work/compile.err"
compiled=$(grep -o '([0-9]* objects' "$work/compile.out" | tr -dc 0-9)
rm -rf "$work/out" # drift must not find a previous tree; it would list nothing more

echo "== starting fake API servers" >&2
"$fake" --spec "$work/ml-platform.toml" --kubeconfig "$work/kubeconfig" \
    --drift "$DRIFT" --orphans "$ORPHANS" --noise "$NOISE" > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
for _ in $(seq 1 600); do
    grep -q '^ready' "$work/server.out" 2>/dev/null && break
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.err" >&2; exit 1; fi
    sleep 0.1
done
grep -q '^ready' "$work/server.out" || { echo "fake API servers did not start" >&2; exit 1; }
live=$(awk '/^ready/ {print $2}' "$work/server.out")

echo "== mlpc drift" >&2
code=0
/usr/bin/time -v "$mlpc" drift --spec "$work/ml-platform.toml" --kubeconfig "$work/kubeconfig" \
    --out "$work/out" --format json > "$work/report.json" 2> "$work/drift.time" || code=$?

wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/drift.time")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/drift.time")
user=$(awk -F': ' '/User time/ {print $2}' "$work/drift.time")
sys=$(awk -F': ' '/System time/ {print $2}' "$work/drift.time")
count() { grep -c "\"status\": \"$1\"" "$work/report.json" || true; }
read -r c_wall c_rss < "$work/compile.time"
labelled=$(grep -c '"path"' "$work/report.json" || true)

cat <<EOF
mlpc drift benchmark ($(nproc) CPUs, loopback)
  live objects served:      $live (incl. $NOISE unlabelled noise objects per cluster)
  compiled objects checked: $(( $(count in_sync) + $(count drifted) + $(count missing) ))  (compile writes $compiled objects incl. management)
  report:                   $(count in_sync) in sync, $(count drifted) drifted, $(count missing) missing, $(count orphaned) orphaned, $labelled field diff(s); exit $code
  drift wall time:          $wall  (user ${user}s, sys ${sys}s)
  drift peak RSS:           $(( rss_kb / 1024 )) MiB
  compile alone:            ${c_wall}s, $(( c_rss / 1024 )) MiB peak RSS
EOF
