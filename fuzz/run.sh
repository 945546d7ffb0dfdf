#!/usr/bin/env bash
# Run one fuzz target on the stable toolchain (RUSTC_BOOTSTRAP lets it take
# cargo-fuzz's -Z flags; no sanitizer: safe Rust, and ~2x the exec/s).
#   fuzz/run.sh spec|yaml|render|structure [seconds=600] [extra libFuzzer args...]
# New inputs go to target/wcorpus/<target> (not committed); seeds are corpus/<target>;
# crashers land in artifacts/<target>/ and belong in tests/fuzz-regressions/<target>/
# (replayed by tests/suite/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")"
t="${1:?target: spec, yaml, render or structure}"; secs="${2:-600}"; shift $(( $# > 1 ? 2 : 1 ))
case "$t" in
  spec) dict=toml; len=65536 ;;
  yaml) dict=yaml; len=16384 ;;
  render) dict=jinja; len=16384 ;;
  structure) dict=yaml; len=4096 ;;
  *) echo "unknown target $t" >&2; exit 2 ;;
esac
mkdir -p "target/wcorpus/$t"
RUSTC_BOOTSTRAP=1 exec nice -n 5 cargo fuzz run -s none "$t" "target/wcorpus/$t" "corpus/$t" -- \
  -jobs=1 -dict="dicts/$dict.dict" -max_len="$len" -timeout=10 -rss_limit_mb=4096 \
  -max_total_time="$secs" -print_final_stats=1 "$@"
