#!/usr/bin/env bash
# Configures and builds build-asan/: everything with clang-19 under AddressSanitizer and
# UndefinedBehaviorSanitizer (no recovery: the first report fails), plus the libFuzzer targets
# of tests/fuzz. One instrumented build serves both scripts/test.sh's sanitizer stage and
# scripts/fuzz.sh. The Python package is left out: see "Sanitizers" in README.md.
# Arguments, if any, are the targets to build (default: all).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmake -S . -B build-asan -G Ninja -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DLUCID_SANITIZE=address,undefined -DLUCID_FUZZ=ON -DLUCID_BUILD_PYTHON=OFF \
  -DPython3_EXECUTABLE=/usr/bin/python3 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if (($# > 0)); then
  cmake --build build-asan -j2 --target "$@"
else
  cmake --build build-asan -j2
fi
