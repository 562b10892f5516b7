#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz for a given time, two at a time (CI has 2 cores).
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     (default 45 s; targets: all five)
# Builds them first (scripts/build_asan.sh: clang-19, ASan + UBSan). Each starts from its seed
# corpus tests/fuzz/corpus/<target>/; inputs that reach new code are kept in
# build-asan/fuzz-corpus/<target>/, never in the source tree. A crash, a leak, a sanitizer
# report or a timeout leaves build-asan/fuzz-crash-<target>-* (add it to the seed corpus: the
# fuzz_replay_<target> CTest test then replays it in every build) and fails the script.
# Prints each target's executions (libFuzzer's "#N DONE" line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-45}
shift || true
targets=("$@")
((${#targets[@]} > 0)) || targets=(spec_parser npy_reader tuning_database disk_cache run_options)

bash scripts/build_asan.sh "${targets[@]/#/fuzz_}"

run_one() {
  local target=$1 log=build-asan/fuzz-$1.log
  mkdir -p "build-asan/fuzz-corpus/$target"
  if ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
      "build-asan/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="build-asan/fuzz-crash-$target-" \
      "build-asan/fuzz-corpus/$target" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    echo "fuzz $target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
  else
    echo "fuzz $target: FAILED (see $log)"
    tail -40 "$log"
    return 1
  fi
}

failed=0
running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  if ((++running >= 2)); then
    wait -n || failed=1
    ((running--))
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  ((running--))
done
exit "$failed"
