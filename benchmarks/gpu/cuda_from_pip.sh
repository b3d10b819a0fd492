# shellcheck shell=bash
# Source this to build `--features cuda` on a machine with no CUDA toolkit and no GPU:
#
#   source benchmarks/gpu/cuda_from_pip.sh [DIR]     (default DIR: /tmp/cuda-pip)
#
# It puts NVIDIA's CUDA 13.0 compiler wheels from PyPI (nvcc, nvvm, crt, cudart, cccl) in a
# Python venv under DIR, makes DIR/root a CUDA root (bin, include, nvvm, lib), and exports
# CUDA_ROOT, PATH and CUDA_COMPUTE_CAP (default 90, Hopper; set it before sourcing for another
# GPU). candle links its CUDA libraries at build time (cudarc's `dynamic-linking`), so DIR/root
# /lib/stubs gets link-only stand-ins for libcuda, libcublas, libcublasLt, libcurand and
# libnvrtc: empty functions under the real names and sonames, generated from cudarc's bindings.
# They are never loaded at run time; the GPU machine's driver and CUDA 13 libraries are (its
# LD_LIBRARY_PATH must reach them; device.sh finds them).
dir=${1:-/tmp/cuda-pip}
cuda_pip_version=13.0
if [[ ! -x $dir/venv/bin/python ]]; then
  python3 -m venv "$dir/venv" &&
    "$dir/venv/bin/pip" install -q "nvidia-cuda-nvcc==$cuda_pip_version.*" \
      "nvidia-nvvm==$cuda_pip_version.*" "nvidia-cuda-crt==$cuda_pip_version.*" \
      "nvidia-cuda-runtime==$cuda_pip_version.*" "nvidia-cuda-cccl==$cuda_pip_version.*"
fi
cu=$("$dir/venv/bin/python" -c 'import nvidia, os; print(os.path.join(nvidia.__path__[0], "cu13"))')
root=$dir/root
mkdir -p "$root/lib/stubs"
for d in bin include nvvm; do ln -sfn "$cu/$d" "$root/$d"; done
ln -sf "$cu/lib/libcudart.so.13" "$root/lib/libcudart.so"
cudarc_src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.10/src | head -1)
for spec in cuda:libcuda.so.1:driver nvrtc:libnvrtc.so.13:nvrtc curand:libcurand.so.10:curand \
  cublas:libcublas.so.13:cublas cublasLt:libcublasLt.so.13:cublaslt; do
  IFS=: read -r name soname module <<< "$spec"
  grep -oP '^pub unsafe fn \K\w+' "$cudarc_src/$module/sys/mod.rs" | sort -u |
    sed 's/.*/void &(void) {}/' > "$root/lib/stubs/$name.c"
  cc -shared -fPIC -Wl,-soname,"$soname" -o "$root/lib/stubs/lib$name.so" "$root/lib/stubs/$name.c"
done
export CUDA_ROOT=$root PATH=$root/bin:$PATH CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
nvcc --version | tail -1
