#!/usr/bin/env bash
# Makes a tiny random-weight Qwen2 model package for the e2e test: runtime/tools/make_tiny_models.py (the
# runtime's parity fixture, run with the trainer's venv), then `repolora model prepare`. Deterministic weights:
# the completions are gibberish but always the same for a prompt. Usage: tiny-model.sh WORK_DIR; prints the
# package folder last. Needs .venv (generator/trainer/setup-venv.sh) or REPOLORA_RUNTIME_TEST_PYTHON.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$1"
PYTHON="${REPOLORA_RUNTIME_TEST_PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || { echo "tiny-model: no Python venv at $PYTHON" >&2; exit 1; }
"$PYTHON" "$ROOT/runtime/tools/make_tiny_models.py" "$WORK/tiny" >&2
node "$ROOT/bin/repolora.mjs" model prepare "$WORK/tiny/qwen2/model" --out "$WORK/tiny-package" \
  --id repolora-tiny/qwen2 --precision fp32 --overwrite >&2
echo "$WORK/tiny-package"
