#!/usr/bin/env bash
# The GPU half of the GPU check; runs on the GPU machine, needs no Rust and no network.
#
#   bash device.sh CARRY_DIR OUT_DIR
#
# CARRY_DIR is what build.sh made: bin/clipprobe built with `--features cuda`,
# ref/ (make_models.py, reference.py, tokenizer.json), inputs/ (make_inputs.py's output) and
# this script with compare.py in gpu/. The machine needs an NVIDIA driver, CUDA 13 libraries
# (cuBLAS, cuRAND, NVRTC, cudart; e.g. PyTorch's nvidia-* wheels) and python3 with torch,
# transformers, numpy and pillow.
#
# Steps: make a random-weight ViT-B/32 checkpoint (make_models.py), embed the captions and the
# images with the clipprobe CLI on the CPU (f32, once) and on the GPU (f32, f16, bf16; each
# three times, best kept, and three times on a one-row input for the fixed cost of a run), run
# transformers on the same GPU (compare.py: same inputs and batch sizes, in-process, best of 3
# after a warm-up), compare every row's cosine, and write OUT_DIR/{log.txt,summary.txt,
# results.json,npys.tar.gz}. The table is printed last. A failing step is logged and the rest
# still run.
set -uo pipefail
c=$(cd "${1:?CARRY_DIR}" && pwd)
out=${2:?OUT_DIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
work=$(mktemp -d)
exec > >(tee -a "$out/log.txt") 2>&1
export PYTHONUNBUFFERED=1
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
# tokenisation / preprocessing may use every core on both sides
echo "== machine: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader ||
  echo "FAIL: nvidia-smi"

echo "== CUDA libraries"
roots=(/usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64)
mapfile -t pyroots < <(python3 -c 'import nvidia; print(*nvidia.__path__, sep="\n")' 2>/dev/null)
libdirs=$(find "${roots[@]}" "${pyroots[@]}" -maxdepth 4 \( -name libcuda.so.1 -o \
  -name libcublas.so.13 -o -name libcublasLt.so.13 -o -name libcurand.so.10 -o \
  -name libnvrtc.so.13 -o -name libcudart.so.13 \) -printf '%h\n' 2>/dev/null |
  awk '!seen[$0]++' | paste -sd:)
export LD_LIBRARY_PATH=$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
cli=$c/bin/clipprobe
ldd "$cli" | grep -E 'cuda|cublas|curand|nvrtc|not found'
"$cli" --version
in=$c/inputs

model=${MODEL_DIR:-$work/models/vit-b-32} # MODEL_DIR: use an existing checkpoint (dry runs)
if [[ ! -f $model/model.safetensors ]]; then
  echo "== model: random-weight ViT-B/32 (make_models.py)"
  t0=$(date +%s.%N)
  python3 - "$c/ref" "$work/models" <<'PY' || echo "FAIL: make_models"
import sys
ref, models = sys.argv[1], sys.argv[2]
sys.path.insert(0, ref)
import make_models as m
m.ARCHS = {"vit-b-32": m.ARCHS["vit-b-32"]}
sys.argv = ["make_models.py", models, f"{ref}/tokenizer.json"]
m.main()
PY
  echo "model made in $(since "$t0") s"
fi

tsv=$work/times.tsv
printf 'impl\tdevice\tdtype\tkind\trows\tseconds\tfirst_seconds\tstatus\n' > "$tsv"
batch() { [[ $1 == texts ]] && echo 64 || echo 32; }

cli_run() { # impl device dtype kind input repeat: the clipprobe CLI, whole process (load included)
  local rc t0 secs rows first="" best="" status=ok
  for ((i = 0; i < $6; i++)); do
    t0=$(date +%s.%N)
    timeout 240 "$cli" --quiet embed --model "$model" "--$4" "$5" \
      --out "$work/$1-$2-$3-$4.npy" --device "$2" --dtype "$3" --batch-size "$(batch "$4")"
    rc=$?
    secs=$(since "$t0")
    [[ $rc == 0 ]] || status="FAIL rc=$rc"
    first=${first:-$secs}
    best=$(awk -v a="${best:-$secs}" -v b="$secs" 'BEGIN { print (b < a ? b : a) }')
  done
  rows=$(grep -cv '^\s*$' "$5")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$rows" "$best" "$first" \
    "$status" >> "$tsv"
  echo "$1 $2 $3 $4: $status, best $best s of $6, first $first s"
}

# one-row inputs: the fixed cost of a run (process start, model load, GPU set-up), subtracted
# from the full runs' time to give the embedding rate (compare.py)
head -1 "$in/captions.txt" > "$work/captions1.txt"
sed -n 1p "$in/images.txt" | sed "s|^|$in/|" > "$work/images1.txt"
echo "== clipprobe CLI"
for kind in texts images; do
  full=$in/captions.txt one=$work/captions1.txt
  [[ $kind == images ]] && full=$in/images.txt one=$work/images1.txt
  cli_run cli cpu f32 $kind "$full" 1
  for dt in f32 f16 bf16; do
    cli_run cli cuda $dt $kind "$full" 3
    cli_run cli1 cuda $dt $kind "$one" 3
  done
done

echo "== transformers on the GPU, comparison"
(cd "$in" && PYTHONPATH=$c/ref timeout 300 python3 "$c/gpu/compare.py" "$model" "$in" "$work" \
  "$out") || echo "FAIL: compare.py"
tar -C "$work" -czf "$out/npys.tar.gz" $(cd "$work" && ls ./*.npy times.tsv 2>/dev/null)
cat "$out/summary.txt" 2>/dev/null
