#!/usr/bin/env bash
# Builds <repo root>/.venv for the Python trainer from requirements.lock (exact pins), then puts the
# trainer package on the venv's path. Skips all of it when the venv already matches the lock.
# Called by .ci/setup; safe to run by hand. REPOLORA_PYTHON picks the interpreter (default: python3.11, else python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv"
lock="$here/requirements.lock"
stamp="$venv/.repolora-lock.sha256"

python="${REPOLORA_PYTHON:-}"
if [ -z "$python" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup-venv: need Python >= 3.11, $python is $version" >&2
  exit 1
fi

# The stamp holds the lock's hash and the Python version: any change to either rebuilds.
want="$(sha256sum "$lock" | cut -d' ' -f1) python$version"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup-venv: $venv matches requirements.lock" >&2
  exit 0
fi

start=$(date +%s)
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$version" ]; then
  echo "setup-venv: $venv was built for another Python; recreating" >&2
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-venv: creating $venv with $python ($version)" >&2
  "$python" -m venv "$venv"
fi
rm -f "$stamp"
echo "setup-venv: installing requirements.lock (torch from PyPI is the CUDA build: ~4 GB of downloads on a cold cache)" >&2
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off -q -r "$lock"
# The package itself, by a .pth path entry (an editable install without build artefacts in the tree),
# so `.venv/bin/python -m repolora_trainer` works from any working directory.
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$here" >"$site/repolora_trainer.pth"
echo "$want" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
echo "setup-venv: done in $(( $(date +%s) - start ))s" >&2
