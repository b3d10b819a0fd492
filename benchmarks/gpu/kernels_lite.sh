#!/usr/bin/env bash
# What the 2026-11-30 test build used instead of candle-kernels' own build step, because nvcc
# needed about 5.5 minutes per GGUF/MoE kernel file (15 files, compiled into libmoe.a and
# unused by clipprobe) on the loaded 2-core build machine (docs/performance.md):
#
#   bash benchmarks/gpu/kernels_lite.sh KERNELS_OUT_DIR [DEST]     (default DEST: /tmp/candle-kernels-lite)
#   CARGO_ARGS='--config patch.crates-io.candle-kernels.path="/tmp/candle-kernels-lite"' \
#     bash benchmarks/gpu/build.sh CARRY_DIR       (then `git checkout Cargo.lock`)
#
# KERNELS_OUT_DIR is target/release/build/candle-kernels-*/out of an ordinary `--features cuda`
# build stopped after it wrote its PTX (*.ptx, ptx.rs: the kernels clipprobe runs). DEST gets a
# copy of candle-kernels 0.11.1 whose build.rs (candle-kernels-lite.build.rs beside this
# script) copies those PTX files and makes libmoe.a from stubs that abort with a message.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ptx=${1:?KERNELS_OUT_DIR}
dest=${2:-/tmp/candle-kernels-lite}
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/candle-kernels-0.11.1 | head -1)
rm -rf "$dest"
cp -r "$src" "$dest"
mkdir -p "$dest/prebuilt"
cp "$ptx"/*.ptx "$dest/prebuilt/"
{
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  grep -oP '^\s*pub fn \K\w+' "$src/src/ffi.rs" | sort -u | while read -r s; do
    echo "void $s(void) { fprintf(stderr, \"candle-kernels-lite: $s is not built in\\n\"); abort(); }"
  done
} > "$dest/prebuilt/moe_stub.c"
cp "$here/candle-kernels-lite.build.rs" "$dest/build.rs"
