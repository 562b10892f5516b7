#!/usr/bin/env bash
# Builds (scripts/build.sh), then runs every test suite with CTest; fails if any test fails.
# Then the sanitizer stages, each failing the run on any report:
#   - AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/, clang-19): every C++ suite,
#     the random-layer and 2,000-layer suites with fewer layers (LUCID_RANDOM_LAYERS,
#     LUCID_MEMORY_TEST_LAYERS); then each libFuzzer target for LUCID_FUZZ_SECONDS (45 s);
#   - ThreadSanitizer (build-tsan/): the suites with threads (thread pool, compile-once, tier
#     swap, the background compiler's queue, background compiles at exit and with eviction,
#     multi-threaded layer calls, backward-weight batch slices); the
#     eviction suite with 80 layers (past its 32-set capacity).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2
# Install build/ into a temporary prefix and use it as another project would (find_package,
# pkg-config, README's C++ example).
bash scripts/check_install.sh build

# The sanitizers stop at the first report (and UBSan's build does not recover either).
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"

bash scripts/build_asan.sh
LUCID_RANDOM_LAYERS=40 LUCID_MEMORY_TEST_LAYERS=300 \
  ctest --test-dir build-asan --output-on-failure -j2
bash scripts/fuzz.sh "${LUCID_FUZZ_SECONDS:-45}"

tsan_tests=(test_thread_pool test_jit_tiers test_jit_cache test_jit_exit test_jit_concurrency
            test_jit_memory_bound test_nn_conv_transpose1d test_packed_weights test_background_compiler
            test_backward_weight_split)
cmake -S . -B build-tsan -G Ninja -DLUCID_SANITIZE=thread -DLUCID_BUILD_BENCH=OFF \
  -DLUCID_BUILD_PYTHON=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan -j2 --target "${tsan_tests[@]}"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" LUCID_MEMORY_TEST_LAYERS=80 \
  ctest --test-dir build-tsan --output-on-failure -j2 -R "^($(IFS='|'; echo "${tsan_tests[*]}"))\$"
