#!/usr/bin/env bash
# Whole-process figures of `mlpc compile`: the example, and synthetic fleets at
# 1x, 2x, 4x, 8x of a base of 25 clusters and 125 teams; wall time (median of
# runs) and peak RSS; the scaling exponent; `kubectl kustomize` over mlpc's own
# output as the peer; and a no-op recompile that must write nothing.
#   bench/run.sh            full run
#   bench/run.sh --quick    smoke mode for CI (sizes 1x only, one run)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0; [ "${1:-}" = "--quick" ] && quick=1
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"; case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
bin="$target/release/mlpc"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
runs=5; sizes="1 2 4 8"
if [ $quick = 1 ]; then runs=1; sizes="1"; fi

# median wall seconds and max RSS KiB of a shell snippet over $runs runs
# (one warm-up run first; the snippet runs under `bash -c`, ~2 ms of overhead)
measure() {
  local cmd="$1" n="${2:-$runs}" times=() rss=0
  bash -c "$cmd" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$work/t" bash -c "$cmd" >/dev/null 2>&1
    read -r s k < "$work/t"; times+=("$s"); [ "$k" -gt "$rss" ] && rss=$k
  done
  printf '%s\n' "${times[@]}" | sort -g | awk -v r="$rss" '{a[NR]=$1} END {print a[int((NR+1)/2)], r}'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); runs per figure: $runs"
echo
# The example: cold compile into an empty directory, and a no-op recompile.
# Each timed run compiles into a new directory: removing the previous tree is
# not part of a compile, and on this machine's disk it costs as much as writing.
read -r ex_s ex_kb < <(measure "'$bin' compile --out \"\$(mktemp -u -p '$work' ex.XXXXXX)\"")
"$bin" compile --out "$work/ex" >/dev/null
before=$(find "$work/ex" -type f -printf '%p %T@\n' | sort | md5sum)
noop=$("$bin" compile --out "$work/ex")
after=$(find "$work/ex" -type f -printf '%p %T@\n' | sort | md5sum)
[ "$before" = "$after" ] && noop_ok="writes nothing" || noop_ok="REWROTE FILES"
printf '| example (2 clusters) | %.0f ms | %.0f MiB | no-op recompile %s (%s) |\n' "$(echo "$ex_s*1000" | bc)" "$((ex_kb/1024))" "$noop_ok" "$noop"
echo
echo "| size | clusters | teams | objects | mlpc compile | of which in memory | peak RSS | kubectl kustomize (all clusters) | kustomize / mlpc |"
echo "|---|---|---|---|---|---|---|---|---|"
xs=(); ys=()
for s in $sizes; do
  c=$((25*s)); t=$((125*s)); d="$work/s$s"; mkdir -p "$d"
  "$bin" synth --clusters "$c" --teams "$t" > "$d/ml-platform.toml"
  read -r secs kb < <(measure "'$bin' compile --spec '$d/ml-platform.toml' --out \"\$(mktemp -u -p '$d' out.XXXXXX)\"")
  "$bin" compile --spec "$d/ml-platform.toml" --out "$d/out" >/dev/null
  read -r msecs _ < <(measure "'$bin' compile --spec '$d/ml-platform.toml' --out '$d/none' --check || true" 3)
  objects=$(find "$d/out" -name '*.yaml' ! -name kustomization.yaml | wc -l)
  read -r ksecs _ < <(measure "for cl in '$d'/out/clusters/*/; do kubectl kustomize \"\$cl\" >/dev/null; done" 1)
  printf '| %sx | %s | %s | %s | %.2f s | %.2f s | %.0f MiB | %.2f s | %.1fx |\n' "$s" "$c" "$t" "$objects" "$secs" "$msecs" "$((kb/1024))" "$ksecs" "$(echo "$ksecs/$secs" | bc -l)"
  xs+=("$s"); ys+=("$secs")
done
if [ "${#xs[@]}" -gt 1 ]; then
  python3 - "${xs[*]}" "${ys[*]}" <<'PY'
import math, sys
xs = [float(v) for v in sys.argv[1].split()]; ys = [float(v) for v in sys.argv[2].split()]
lx = [math.log(x) for x in xs]; ly = [math.log(y) for y in ys]
n = len(xs); mx = sum(lx)/n; my = sum(ly)/n
k = sum((a-mx)*(b-my) for a, b in zip(lx, ly)) / sum((a-mx)**2 for a in lx)
print(f"\nscaling exponent (log-log fit of wall time vs size): {k:.2f}")
PY
fi
