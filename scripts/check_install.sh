#!/usr/bin/env bash
# Checks that an installed lucid-jit is usable by other projects, as issue 14 asks:
#   1. `cmake --install BUILD --prefix TMP` (BUILD defaults to build/);
#   2. the installed public headers include only each other and the standard library
#      (no private header of the source tree, no LLVM or fmt header);
#   3. README's C++ block is examples/cpp/main.cpp, byte for byte;
#   4. examples/cpp builds against TMP with find_package(lucidjit CONFIG REQUIRED) and prints
#      examples/cpp/expected_output.txt;
#   5. `pkg-config --cflags --libs lucidjit` compiles and links a small program;
#   6. the installed tools find every shared library they need.
# Called by scripts/test.sh; runs on its own too: bash scripts/check_install.sh [BUILD].
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}

work=$(mktemp -d "${TMPDIR:-/tmp}/lucid-install-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "check_install: $*" >&2; exit 1; }

# 1. Install.
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/lucid/lucid.h include/lucid/version.h lib/cmake/lucidjit/lucidjitConfig.cmake \
         lib/cmake/lucidjit/lucidjitConfigVersion.cmake lib/pkgconfig/lucidjit.pc bin/lucid-run; do
  [[ -e "$prefix/$f" ]] || fail "$f is not installed"
done

# 2. Public headers: every quoted include resolves inside the installed include/; no LLVM or fmt.
while IFS= read -r header; do
  while IFS= read -r included; do
    [[ -f "$prefix/include/$included" ]] ||
      fail "${header#"$prefix"/} includes \"$included\", which is not an installed public header"
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$header")
  if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(llvm|llvm-c|fmt)/' "$header"; then
    fail "${header#"$prefix"/} includes an LLVM or fmt header"
  fi
done < <(find "$prefix/include" -name '*.h')

# 3. README's C++ block (the one after the "examples/cpp/main.cpp" marker) is the example.
awk '/<!-- examples\/cpp\/main.cpp -->/ { armed = 1; next }
     armed && /^```cpp$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' README.md > "$work/readme_example.cpp"
diff -u examples/cpp/main.cpp "$work/readme_example.cpp" >&2 ||
  fail "README's C++ example differs from examples/cpp/main.cpp (copy the file into README)"

# 4. The consumer project, configured against the installed tree only. The example runs with
# its own kernel cache and no tuning database, like the tests.
cmake -S examples/cpp -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/example" >/dev/null
LUCID_JIT_CACHE_DIR="$work/cache" LUCID_TUNING_DB="$work/no-tuning.json" \
  "$work/example/lucid-example" > "$work/example_output.txt"
diff -u examples/cpp/expected_output.txt "$work/example_output.txt" >&2 ||
  fail "examples/cpp printed something else than examples/cpp/expected_output.txt"

# 5. pkg-config: compile and link a program with nothing but its flags.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists lucidjit || fail "pkg-config does not find lucidjit.pc"
cat > "$work/pkg_config_user.cpp" <<'CPP'
#include <cstdio>
#include "lucid/lucid.h"
int main() {
  std::printf("%s %s\n", LUCID_VERSION_STRING, lucid::ConvSpec::parse("ConvTranspose1d(4, 2, 3, stride=2)").key().c_str());
}
CPP
# shellcheck disable=SC2046  # pkg-config's output is a list of words
c++ -std=c++20 "$work/pkg_config_user.cpp" -o "$work/pkg_config_user" $(pkg-config --cflags --libs lucidjit)
expected="$(pkg-config --modversion lucidjit) ct1d.f32.ci4.co2.k3.s2.pl0.pr0.op0.d1.g1.b1"
[[ "$("$work/pkg_config_user")" == "$expected" ]] ||
  fail "the pkg-config program printed '$("$work/pkg_config_user")', not '$expected'"

# 6. The installed tools load (libLLVM through the system's library path).
if ldd "$prefix"/bin/* | grep -q 'not found'; then
  ldd "$prefix"/bin/* >&2
  fail "an installed tool misses a shared library"
fi
echo "check_install: install tree, headers, README example, find_package and pkg-config consumers OK"
