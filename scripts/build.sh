#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh), then configures and builds everything into build/.
# LUCID_BUILD_TYPE overrides the CMake build type (default RelWithDebInfo: -O2 with line info).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${LUCID_BUILD_TYPE:-RelWithDebInfo}"
cmake --build build -j2
