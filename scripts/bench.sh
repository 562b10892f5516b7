#!/usr/bin/env bash
# scripts/bench.sh: builds the benchmarks and runs the full suite on this machine, writing
#   $OUT/bench.json      lucid-bench (every pass x config x implementation x threads)
#   $OUT/bench-jit.json  lucid-bench-jit (compile, disk load, memory hit, call overhead)
#   $OUT/perf_table.md   the markdown tables (scripts/perf_table.py), also printed
#   $OUT/perf_targets.md issue 12's kernel targets, from each row's median and best repetition
#                        (scripts/perf_targets.py)
#   $PLOTS/roofline.png, $PLOTS/speedup.png  the README's pictures (default docs/perf/), with
#                        a copy of bench.json beside them, the numbers they were drawn from
# Usage: scripts/bench.sh [extra lucid-bench flags, e.g. --benchmark_filter=hifigan]
# Environment: BUILD_DIR (default build-bench), OUT (default $BUILD_DIR/bench-results),
#   JOBS (ninja -j, default 1), LUCID_SUITE, LUCID_TUNING_DB (lucid_tuned rows come from it),
#   TUNE=SECONDS to run lucid-tune over the suite first (that budget per layer, 1 thread) into
#   that database, SKIP_JIT_BENCH=1 to leave out lucid-bench-jit, PLOTS (where the PNGs go),
#   PYTHON (default Debian's /usr/bin/python3, which has python3-matplotlib from setup.sh).
# Timings are only as quiet as the machine: run it when nothing else is compiling.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
out=${OUT:-$build/bench-results}
mkdir -p "$out"

# 1. Build the two benchmark binaries (and lucid-tune, so a tuning run is one command away).
cmake -S "$root" -B "$build" -G Ninja >/dev/null
ninja -C "$build" -j"${JOBS:-1}" lucid-bench lucid-bench-jit lucid-tune

# 2. Optionally tune every suite layer first (lucid-tune merges into the database the
#    benchmark then reads: $LUCID_TUNING_DB, else tuning.json beside the kernel cache).
if [[ -n "${TUNE:-}" ]]; then
  "$build/tools/lucid-tune/lucid-tune" --suite "${LUCID_SUITE:-$root/../shared/suite.json}" \
    --budget "$TUNE"
fi

# 3. The suite benchmark; console output for the eye, JSON for the table. Five repetitions
#    in random order, reported as median, min and max: on a shared VM a burst of a neighbour's
#    load slowed every row it overlapped by up to 50% (2026-12-04, Zen 5: backward-weight
#    encodec_s5 3.25 ms in a one-pass run, 2.17 ms alone minutes later), a single pass in suite
#    order puts such a burst on the consecutive rows of one layer, and the same kernel ran
#    15-20% apart minutes apart as the host allowed. The tables show medians; the targets
#    also each row's best repetition. Flags given to this script come after these and override them.
"$build/bench/suite/lucid-bench" --benchmark_out="$out/bench.json" \
  --benchmark_out_format=json --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true "$@"

# 4. JIT latency.
inputs=("$out/bench.json")
if [[ "${SKIP_JIT_BENCH:-0}" != 1 ]]; then
  "$build/bench/jit_latency/lucid-bench-jit" --benchmark_out="$out/bench-jit.json" \
    --benchmark_out_format=json
  inputs+=("$out/bench-jit.json")
fi

# 5. The tables and the pictures.
plots=${PLOTS:-$root/docs/perf}
"${PYTHON:-/usr/bin/python3}" "$root/scripts/perf_table.py" "${inputs[@]}" -o "$out/perf_table.md" \
  --plots "$plots"
cp "$out/bench.json" "$plots/bench.json"
"${PYTHON:-/usr/bin/python3}" "$root/scripts/perf_targets.py" "$out/bench.json" -o "$out/perf_targets.md"
cat "$out/perf_table.md"
echo "results: $out; pictures: $plots"
