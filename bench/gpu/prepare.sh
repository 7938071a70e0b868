#!/usr/bin/env bash
# GPU benchmark, step 1 of 2 (issue 12, item 6): everything the device machine needs, made here, cut into pieces
# small enough to travel with one device call each. Run on the development machine (CPU, network to PyPI):
#
#   bash bench/gpu/prepare.sh            # -> .bench-gpu/pieces/part-NN + SHA256SUMS (git-ignored)
#
# The device machine has PyTorch but no network, no model weights and no bitsandbytes, and one call carries at most
# 64 MiB *including the checkout's tracked files*, so the payload (the base model's GGUF, the pinned wheels and the
# benchmark datasets) is one tar stream split into pieces of 64 MiB minus the checkout's size (minus a margin).
# Step 2, on the device, is bench/gpu/device-run.sh (its header lists the device calls).
#
# Datasets: the project's benchmark repositories, time split, each one's own code only, prompts <= 512 tokens:
#   ky (sindresorhus/ky, TypeScript), humanize (python-humanize/humanize, Python, --eval-share 0.3),
#   click (pallets/click, Python), and this repository (TypeScript) as ky's same-language control.
# Their code is cloned to $WORK (default /tmp/repolora-gpubench) and never enters the checkout.
#
# Environment: MIRRORS (default /work/.mirror: <owner>+<name>/repo git folders), GGUF (default: the embedded
# default's Q4_K_M GGUF in ~/.cache/repolora/models), PIECE_MIB (default: computed), WORK, PYTHON.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mirrors="${MIRRORS:-/work/.mirror}"
work="${WORK:-/tmp/repolora-gpubench}"
models="${REPOLORA_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/repolora/models}"
gguf="${GGUF:-$models/qwen2.5-coder-0.5b-instruct.Q4_K_M.gguf}"
# The GGUF's one recorded hash: default-model.lock's gguf-sha256 line (read the same way as default-model.sh).
gguf_sha="$(sed -n 's/^# gguf-sha256: *\([0-9a-f]\{64\}\)$/\1/p' "$root/generator/trainer/default-model.lock")"
python="${PYTHON:-$root/.venv/bin/python}"
out="$root/.bench-gpu"
stage="$out/stage"

say() { echo "prepare: $*" >&2; }
die() {
  echo "prepare: $*" >&2
  exit 1
}

[ -n "$gguf_sha" ] || die "no gguf-sha256 line in generator/trainer/default-model.lock"
[ -f "$gguf" ] || die "no base model GGUF at $gguf (run generator/trainer/default-model.sh, or set GGUF=)"
got="$(sha256sum "$gguf" | cut -d' ' -f1)"
[ "$got" = "$gguf_sha" ] || die "$gguf has sha256 $got, expected $gguf_sha (the embedded default's GGUF)"

rm -rf "$stage" "$out/pieces"
mkdir -p "$stage/datasets" "$stage/wheels" "$out/pieces" "$work"

# --- the benchmark repositories' datasets -------------------------------------------------------------------
clone() { # name source
  local dest="$work/clones/$1"
  if [ ! -d "$dest/.git" ]; then
    mkdir -p "$work/clones"
    git clone -q "$2" "$dest" || die "cannot clone $2"
  fi
}
clone ky "$mirrors/sindresorhus+ky/repo"
clone humanize "$mirrors/python-humanize+humanize/repo"
clone click "$mirrors/pallets+click/repo"
rm -rf "$work/clones/self" && git clone -q "$root" "$work/clones/self" # this repository, at its HEAD commit

dataset() { # name languages [extra flags]
  local name="$1" languages="$2"
  shift 2
  say "dataset $name ($languages)"
  node "$root/bin/repolora.mjs" dataset "$work/clones/$name" --out "$stage/datasets/$name" --force \
    --max-tokens 512 --languages "$languages" "$@" >&2
}
dataset ky typescript
dataset humanize python --eval-share 0.3
dataset click python
dataset self typescript

# --- wheels (pinned by sha256: pip refuses any other file) ---------------------------------------------------
say "wheels (bench/gpu/wheels.lock)"
"$python" -m pip download --disable-pip-version-check -q --index-url https://pypi.org/simple \
  --only-binary=:all: --no-deps --require-hashes --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -r "$here/wheels.lock" -d "$stage/wheels"

# --- the base model (the device converts it to safetensors with generator/trainer/tools/gguf_to_hf.py) -------
ln -s "$gguf" "$stage/model.gguf"

# What the device checks after reassembly: every payload file's sha256 (the pieces have their own list).
(cd "$stage" && find . -type f -o -type l | LC_ALL=C sort | sed 's|^\./||' | xargs -d '\n' sha256sum) >"$out/CONTENTS.sha256"
cp "$out/CONTENTS.sha256" "$stage/CONTENTS.sha256"

# --- pieces --------------------------------------------------------------------------------------------------
if [ -z "${PIECE_MIB:-}" ]; then
  # What already travels with every call: tracked files and untracked files git does not ignore.
  tree_bytes="$(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -L -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')"
  PIECE_MIB=$(((64 * 1024 * 1024 - tree_bytes) / 1024 / 1024 - 3))
  say "checkout travels with $((tree_bytes / 1024 / 1024)) MiB: pieces of $PIECE_MIB MiB"
fi
[ "$PIECE_MIB" -ge 4 ] || die "only $PIECE_MIB MiB left per call beside the checkout; shrink the checkout"
tar -C "$stage" --dereference -cf - . | split -b "${PIECE_MIB}M" -d -a 2 - "$out/pieces/part-"
(cd "$out/pieces" && sha256sum part-* >SHA256SUMS)
n="$(ls "$out/pieces"/part-* | wc -l)"
{
  echo "pieces=$n"
  echo "piece_mib=$PIECE_MIB"
  for name in ky humanize click self; do echo "head_$name=$(git -C "$work/clones/$name" rev-parse HEAD)"; done
} >"$out/pieces/MANIFEST"
say "$n pieces in $out/pieces ($(du -sh --apparent-size "$out/pieces" | cut -f1)); see bench/gpu/device-run.sh"
