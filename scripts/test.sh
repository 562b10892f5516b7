#!/usr/bin/env bash
# Builds (scripts/build.sh), then runs every test suite with CTest; fails if any test fails.
# Then builds the concurrency tests (the tier swap and background compiler, the thread pool)
# under ThreadSanitizer into build-tsan/ and runs them; any report fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2
# Install build/ into a temporary prefix and use it as another project would (find_package,
# pkg-config, README's C++ example).
bash scripts/check_install.sh build

tsan_tests=(test_jit_tiers test_thread_pool)
cmake -S . -B build-tsan -G Ninja -DLUCID_SANITIZE=thread -DLUCID_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan -j2 --target "${tsan_tests[@]}"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -R "^($(IFS='|'; echo "${tsan_tests[*]}"))\$"
