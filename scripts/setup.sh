#!/usr/bin/env bash
# Installs the Debian 12 packages lucid-jit needs to build, test and benchmark.
# Idempotent: when every package is already installed it touches nothing (not even apt).
# Runs as root, or through sudo when it exists.
set -euo pipefail

packages=(llvm-19-dev libfmt-dev libcli11-dev doctest-dev libbenchmark-dev libdnnl-dev
          cmake ninja-build g++ gcc make pkg-config python3
          pybind11-dev python3-pybind11 python3-dev python3-numpy python3-torch python3-pytest
          python3-matplotlib
          linux-perf  # tools/profile/lucid_profile.py: software-clock samples, no counters needed
          clang-19 libclang-rt-19-dev)  # clang-19: the ASan/UBSan build and its fuzzers

# 1. Find what is missing, asking dpkg (no network, no root needed).
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"

# 2. Become root for apt if we are not already.
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

# 3. Refresh the package lists (a fresh machine has none), then install.
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
