#!/usr/bin/env bash
# GPU benchmark, step 2 of 2 (issue 12, item 6), run ON THE DEVICE MACHINE from the checkout's root. Step 1 is
# bench/gpu/prepare.sh (here: datasets, wheels and the base model's GGUF in pieces under .bench-gpu/pieces).
#
# One device call carries at most 64 MiB including the checkout, so the pieces go over one per call, into a
# folder outside the working copy that lives as long as the machine stays warm (idle_release_s, about 30 s: make
# the calls back to back). With N pieces (N is in .bench-gpu/pieces/MANIFEST; 17 for a 27 MiB checkout):
#
#   for k in 00 .. N-2:   run(command="bash bench/gpu/device-run.sh stash",
#                             carry=[".bench-gpu/pieces/part-$k", ".bench-gpu/pieces/SHA256SUMS",
#                                    ".bench-gpu/pieces/MANIFEST"], timeout_s=120)
#   last piece:           run(command="bash bench/gpu/device-run.sh run 9.5",
#                             carry=[".bench-gpu/pieces/part-<N-1>", ".bench-gpu/pieces/SHA256SUMS",
#                                    ".bench-gpu/pieces/MANIFEST"], timeout_s=600)
#
# `stash` checks each carried piece against SHA256SUMS and keeps it; it prints how many of the N it holds (a
# count that drops means the machine was given back between calls: start over). `run [MINUTES]` also
# reassembles the payload, checks every file against CONTENTS.sha256, installs the pinned wheels
# (bench/gpu/wheels.lock: bitsandbytes, transformers, peft, gguf, rapidfuzz, regex) with
# `pip install --no-deps --no-index --target`, converts the GGUF to a bf16 safetensors folder
# (generator/trainer/tools/gguf_to_hf.py, about a minute) and runs bench/gpu/run_bench.py in what is left of
# MINUTES (default 9.5), writing $OUT/results.json and $OUT/bench.log. Run it again with `run` alone on the same
# warm machine to repeat the benchmark without re-sending pieces.
set -euo pipefail
started=$(date +%s)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
store="${STORE:-/tmp/repolora-gpubench}"
src="$root/.bench-gpu/pieces"
out="${OUT:-$store/out}"
python="${PYTHON:-python3}"
mode="${1:-}"
total_min="${2:-9.5}"

say() { echo "device-run: $*" >&2; }
die() {
  echo "device-run: $*" >&2
  exit 1
}

stash() {
  mkdir -p "$store/pieces"
  [ -f "$src/SHA256SUMS" ] && cp "$src/SHA256SUMS" "$src/MANIFEST" "$store/pieces/"
  [ -f "$store/pieces/SHA256SUMS" ] || die "no SHA256SUMS: carry .bench-gpu/pieces/SHA256SUMS and MANIFEST"
  local f name
  for f in "$src"/part-*; do
    [ -e "$f" ] || continue
    name="$(basename "$f")"
    (cd "$src" && grep " $name\$" "$store/pieces/SHA256SUMS" | sha256sum -c --quiet -) ||
      die "$name does not match SHA256SUMS (a broken transfer, or pieces of another prepare run)"
    cp "$f" "$store/pieces/$name"
  done
  local want have
  want="$(sed -n 's/^pieces=//p' "$store/pieces/MANIFEST")"
  have="$(ls "$store/pieces"/part-* 2>/dev/null | wc -l)"
  say "holding $have of $want pieces in $store/pieces"
  [ "$have" -eq "$want" ]
}

case "$mode" in
stash)
  stash || true
  exit 0
  ;;
run) ;;
*) die "usage: device-run.sh stash | run [MINUTES]" ;;
esac

if [ ! -f "$store/payload/.complete" ]; then
  stash || die "pieces missing: $(cd "$store/pieces" && comm -23 <(awk '{print $2}' SHA256SUMS | sort) <(ls part-* | sort) | tr '\n' ' ')"
  rm -rf "$store/payload" && mkdir -p "$store/payload"
  cat "$store/pieces"/part-* | tar -x -C "$store/payload"
  (cd "$store/payload" && sha256sum -c --quiet CONTENTS.sha256) || die "payload does not match CONTENTS.sha256"
  rm -f "$store/pieces"/part-*
  touch "$store/payload/.complete"
  say "payload reassembled and checked"
fi

"$python" -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target "$store/site" "$store/payload/wheels"/*.whl
export PYTHONPATH="$store/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
if [ ! -f "$store/model/config.json" ]; then
  say "converting the GGUF to safetensors"
  "$python" "$root/generator/trainer/tools/gguf_to_hf.py" "$store/payload/model.gguf" "$store/model"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

left_s=$(awk -v t="$total_min" -v s="$started" -v now="$(date +%s)" 'BEGIN {print t * 60 - (now - s) - 15}')
budget_min=$(awk -v l="$left_s" 'BEGIN {printf "%.2f", l / 60}')
say "benchmark budget $budget_min min"
d="$store/payload/datasets"
mkdir -p "$out"
set -o pipefail
"$python" "$root/bench/gpu/run_bench.py" --base "$store/model" --default-adapter "$root/runtime/default-adapter" \
  --dataset "humanize=$d/humanize" --dataset "click=$d/click" --dataset "ky=$d/ky" --control-dataset "self=$d/self" \
  --control humanize=click --control click=humanize --control ky=self \
  --device cuda --budget-min "$budget_min" --out "$out" 2>&1 | tee "$out/bench.log"
