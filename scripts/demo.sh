#!/usr/bin/env bash
# Builds (scripts/build.sh), then runs the demo: build/tools/demo/lucid-demo when the runtime's
# demo exists, otherwise the small spec-and-reference program build/tools/hello/lucid-hello.
# Arguments are passed on to the demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
if [[ -x build/tools/demo/lucid-demo ]]; then
  exec build/tools/demo/lucid-demo "$@"
fi
exec build/tools/hello/lucid-hello "$@"
