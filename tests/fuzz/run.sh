#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) in their own
# build folder and fuzzes each one in turn; fails on the first crash, hang, leak or sanitizer report.
#   tests/fuzz/run.sh [--seconds N] [--build-dir DIR] [TARGET...]    (default: 60 s each, every target)
# Findings are written to DIR/artifacts/; new interesting inputs to DIR/corpus/TARGET (not the source tree).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=60
build="$src/build/fuzz-clang"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(lint netpol rbac kubeconfig admission_review http_request image_reference)

if ! command -v clang++ >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: clang++ is not installed (scripts/install-deps.sh --test installs clang)" >&2
    exit 1
  fi
  echo "SKIP: clang++ is not installed; the fuzz targets' corpora are still replayed by fuzz_replay_*" >&2
  exit 77
fi

# -O1 and line tables only: the usual fuzzing build, and much quicker to compile than -O2 -g.
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DKGUARD_FUZZ=ON -DKGUARD_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >"$build.cmake.log" 2>&1 ||
  { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "== fuzz_$t: $seconds s"
  # Limits as the hostile-input tests use them: 10 s per input, 2 GB of memory.
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
      "$build/corpus/$t" "$src/tests/fuzz/corpus/$t" 2>"$build/fuzz_$t.log"; then
    tail -60 "$build/fuzz_$t.log" >&2
    echo "FAIL: fuzz_$t found a problem; the input is in $build/artifacts/" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz_$t.log" | tr '\n' ' '
    echo
  fi
done
exit $status
