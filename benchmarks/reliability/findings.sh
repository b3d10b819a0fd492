#!/usr/bin/env bash
# Issue 9's findings 6-12, black-box, against any clipprobe binary: each case prints
# "PRESENT" when the finding's failure shows (expected on c94bcf7) and "fixed" when it does not.
#   usage: benchmarks/reliability/findings.sh BIN [PYTHON]
# PYTHON (default: the reference venv's) needs Pillow, to make a 9600x9600 PNG. No network.
# Findings 1-5 (the hostile Hub) are in hub_findings.sh, beside this script.
set -uo pipefail
bin=$(realpath "$1")
py=${2:-/tmp/clip-reference/venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
fx=$(cd "$here/../../crates/clip/tests/fixtures" && pwd)
model=$fx/tiny-argmax
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
report() { printf '%-4s %-62s %s\n' "$1" "$2" "$3"; }
verdict() { if "$@"; then echo PRESENT; else echo fixed; fi; }
q() { "$bin" --quiet "$@" >out.log 2>err.log; }

# a small benchmark with images (as crates/cli/tests/it/eval.rs makes it)
mkdir -p images
i=0
for pair in "a red cube on top of a blue sphere:rgb_160x120.png" \
            "the dog is chasing the cat:rgb_97x41.png" \
            "a horse is eating grass near the barn:gray_40x33.png" \
            "a man holding a small umbrella:photo_160x120_q90_420.jpg"; do
  cap=${pair%%:*}; img=${pair##*:}
  cp "$fx/preprocess/images/$img" images/
  echo "{\"id\": \"c$i\", \"caption\": \"$cap\", \"image\": \"images/$img\"}"; i=$((i+1))
done > captions.jsonl
q negatives --captions captions.jsonl --out bench.jsonl || { echo "negatives failed"; cat err.log; exit 1; }
printf 'a red cube\nthe dog is chasing the cat\n' > caps.txt

# 6: corruption in the middle of the embedding cache silently changes the report
q eval --model "$model" --bench bench.jsonl --out r1 --cache-dir c1
cf=$(find c1 -type f -size +2k | head -1)
if [[ -n $cf ]]; then
  size=$(stat -c %s "$cf")
  # 64 bytes of plausible floats (16 x 0.5) in the middle: a value region, so no parse error
  "$py" -c "import sys,struct;f=open(sys.argv[1],'r+b');f.seek(int(sys.argv[2])//2);f.write(struct.pack('<16f',*[0.5]*16))" "$cf" "$size"
  q eval --model "$model" --bench bench.jsonl --out r2 --cache-dir c1; rc=$?
  present() { [[ $rc == 0 ]] && ! cmp -s r1/report.json r2/report.json && ! grep -qi damaged err.log; }
  report 6 "mid-file cache corruption changes the report silently" "$(verdict present)"
else
  report 6 "mid-file cache corruption changes the report silently" "no cache file found"
fi

# 7: a failing sidecar write after the .npy was replaced loses the previous good .npy
q embed --model "$model" --texts caps.txt --out o.npy
cp o.npy o.npy.before; rm -f o.npy.json; mkdir o.npy.json
printf 'something else entirely\n' > caps2.txt
q embed --model "$model" --texts caps2.txt --out o.npy; rc=$?
present() { [[ $rc != 0 ]] && ! cmp -s o.npy o.npy.before; }
report 7 "failed sidecar write replaced the previous .npy" "$(verdict present)"

# 8: eval with report.html unwritable leaves new report.json beside the old page
cp r1/report.json r1.json
rm -f r1/report.html; mkdir r1/report.html
q eval --model "$model" --bench bench.jsonl --out r1 --cache-dir c8 --seed 7; rc=$?
present() { [[ $rc != 0 ]] && ! cmp -s r1/report.json r1.json; }
report 8 "failed report.html write, report.json replaced anyway" "$(verdict present)"

# 9: a warm cache from another batch size gives other bytes than a cold run
q eval --model "$model" --bench bench.jsonl --out b1 --cache-dir c9 --batch-size 1
q eval --model "$model" --bench bench.jsonl --out b32w --cache-dir c9 --batch-size 32
q eval --model "$model" --bench bench.jsonl --out b32c --cache-dir c9b --batch-size 32
present() { ! cmp -s b32w/report.json b32c/report.json; }
if cmp -s b1/report.json b32c/report.json; then
  report 9 "warm cache (batch 1) differs from a cold batch-32 run" "not reproducible here (batch sizes give identical bytes with this model)"
else
  report 9 "warm cache (batch 1) differs from a cold batch-32 run" "$(verdict present)"
fi

# 10: a JPEG cut in half embeds with exit 0
jpg=$fx/preprocess/images/photo_160x120_q90_420.jpg
head -c $(( $(stat -c %s "$jpg") / 2 )) "$jpg" > half.jpg; echo half.jpg > half.txt
q embed --model "$model" --images half.txt --out half.npy; rc=$?
present() { [[ $rc == 0 ]]; }
report 10 "truncated JPEG accepted" "$(verdict present)"

# 10: a UTF-8 byte-order mark becomes part of the first caption
printf '\xef\xbb\xbfa red cube on a table\na blue ball\n' > bom.txt
q negatives --captions bom.txt --out bom.jsonl
present() { grep -q $'\xef\xbb\xbf' bom.jsonl 2>/dev/null || grep -q 'ufeff' bom.jsonl 2>/dev/null; }
report 10 "BOM kept in the first caption" "$(verdict present)"

# 11: an image over Pillow's pixel cap (9600x9600 = 92M pixels) is decoded anyway
"$py" -c "from PIL import Image; Image.new('RGB', (9600, 9600), (40, 90, 200)).save('big.png')"
echo big.png > big.txt
q embed --model "$model" --images big.txt --out big.npy; rc=$?
present() { [[ $rc == 0 ]]; }
report 11 "92-megapixel PNG accepted (no pixel cap)" "$(verdict present)"

# 12: a folder given as an image is reported as missing
mkdir -p adir; echo adir > adir.txt
q embed --model "$model" --images adir.txt --out adir.npy
present() { grep -Eq "does not exist|no such image file" err.log; }
report 12 "a folder as an image: \"does not exist\"" "$(verdict present)"

# 12: a negative crop_size reads "untagged enum RawSize"
cp -r "$model" m-crop
"$py" -c "import json,sys;p=sys.argv[1];c=json.load(open(p));c['crop_size']=-5;json.dump(c,open(p,'w'))" m-crop/preprocessor_config.json
q embed --model ./m-crop --images half.txt --out crop.npy
present() { grep -q "untagged enum" err.log; }
report 12 "negative crop_size: \"untagged enum RawSize\"" "$(verdict present)"

# 12: an early eval failure leaves an empty output folder
q eval --model "$model" --bench no-such-bench.jsonl --out early --cache-dir c12
present() { [[ -d early ]]; }
report 12 "failed eval leaves its (empty) output folder" "$(verdict present)"

# 12: gap looks at the model before checking where its output goes
printf '{"image": "images/rgb_97x41.png", "caption": "a cat"}\n{"image": "images/gray_40x33.png", "caption": "a dog"}\n' > pairs.jsonl
q gap --model dir:no-such-model --pairs pairs.jsonl --out nowhere/gap.json
present() { ! grep -q nowhere err.log; }
report 12 "gap: output folder checked only after the model" "$(verdict present)"

# 12: embed checks the sidecar's place only after the work
mkdir -p s.npy.json
q embed --model dir:no-such-model --texts caps.txt --out s.npy
present() { ! grep -q "s.npy.json" err.log; }
report 12 "embed: sidecar's place checked only after the model" "$(verdict present)"

# 8: a negatives run killed (SIGKILL) while writing leaves a temporary that no later run removes
mkdir -p kill
"$py" - "$bin" kill <<'PY'
import os, signal, subprocess, sys, time
binary, d = sys.argv[1], sys.argv[2]
def temps():
    return [n for n in os.listdir(d) if "clipprobe" in n and n.endswith(".tmp")]
colours = ["red", "blue", "green", "yellow", "black", "white", "brown"]
objects = ["cube", "dog", "car", "table", "cat", "horse", "ball", "chair"]
for n in (20000, 40000, 80000, 160000):
    caps = os.path.join(d, f"caps-{n}.txt")
    with open(caps, "w") as f:
        for i in range(n):
            f.write(f"a {colours[i % 7]} {objects[(i // 3) % 8]} next to a {colours[(i // 7) % 7]} {objects[(i // 5) % 8]} #{i}\n")
    p = subprocess.Popen([binary, "--quiet", "negatives", "--per-caption", "4", "--captions", caps,
                          "--out", os.path.join(d, "neg.jsonl")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None and not temps():
        time.sleep(0.0002)
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()
        break
print("caught" if temps() else "missed", file=open(os.path.join(d, "kill.log"), "w"))
PY
printf 'a red cube on a table\na blue ball\n' > kill/small.txt
q negatives --captions kill/small.txt --out kill/neg.jsonl
if grep -q caught kill/kill.log; then
  present() { ls -a kill | grep -q 'clipprobe.*\.tmp$'; }
  report 8 "temporary of a SIGKILLed negatives run left after the next run" "$(verdict present)"
else
  report 8 "temporary of a SIGKILLed negatives run left after the next run" "no run caught while writing"
fi
