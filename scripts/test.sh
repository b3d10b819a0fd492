#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls it).
# Needs: the Rust toolchain, and Debian's chromium for the report-rendering test (installed
# here when missing and apt-get is usable). No Python, no network beyond the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the report-rendering test" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
cargo test --release --workspace --locked
