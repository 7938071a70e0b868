#!/usr/bin/env bash
# Builds <repo root>/.venv for the Python trainer from requirements.lock (exact pins). Called by .ci/setup; safe to
# run by hand. REPOLORA_PYTHON picks the interpreter (default: python3.11, else python3).
#
# Two layers, so that every checkout on a machine does not pay ~6 GB of torch + CUDA wheels again (a fresh-clone
# CI run once filled the disk that way):
#   - the pinned packages live in one shared venv per (lock hash, Python version) under
#     ${REPOLORA_PYDEPS:-${XDG_CACHE_HOME:-~/.cache}/repolora/pydeps}/py<ver>-<hash>, built once, under a lock;
#   - <repo>/.venv is a small venv of its own (no pip) whose site-packages adds the shared one (a .pth line) and
#     this checkout's trainer package, so `.venv/bin/python -m repolora_trainer` always runs this checkout's code.
# Tools run as modules: `.venv/bin/python -m pytest | mypy | ruff | pip`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv"
lock="$here/requirements.lock"

python="${REPOLORA_PYTHON:-}"
if [ -z "$python" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup-venv: need Python >= 3.11, $python is $version" >&2
  exit 1
fi

hash="$(sha256sum "$lock" | cut -d' ' -f1)"
want="$hash python$version"
deps_root="${REPOLORA_PYDEPS:-${XDG_CACHE_HOME:-$HOME/.cache}/repolora/pydeps}"
deps="$deps_root/py$version-${hash:0:16}"
light_stamp="$venv/.repolora-venv"
light_want="light $want $deps"

site_of() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

if [ -x "$venv/bin/python" ] && [ -f "$light_stamp" ] && [ "$(cat "$light_stamp")" = "$light_want" ] &&
  [ -f "$deps/.repolora-lock.sha256" ]; then
  echo "setup-venv: $venv matches requirements.lock (packages in $deps)" >&2
  exit 0
fi

start=$(date +%s)
mkdir -p "$deps_root"
exec 9>"$deps_root/.lock"
flock 9 # one builder of the shared packages at a time; others wait, then find them built

if [ ! -f "$deps/.repolora-lock.sha256" ] || [ "$(cat "$deps/.repolora-lock.sha256")" != "$want" ]; then
  rm -rf "$deps"
  # A full venv that an earlier version of this script built in the checkout, for this very lock: adopt it.
  if [ -x "$venv/bin/python" ] && [ ! -L "$venv" ] && [ -f "$venv/.repolora-lock.sha256" ] &&
    [ "$(cat "$venv/.repolora-lock.sha256")" = "$want" ]; then
    echo "setup-venv: moving the packages of $venv to the shared $deps" >&2
    rm -f "$(site_of "$venv")/repolora_trainer.pth"
    mv "$venv" "$deps"
  else
    free_kb="$(df -Pk "$deps_root" | awk 'NR == 2 { print $4 }')"
    if [ "${REPOLORA_SKIP_DISK_CHECK:-}" != "1" ] && [ "$free_kb" -lt $((7 * 1024 * 1024)) ]; then
      echo "setup-venv: only $((free_kb / 1024)) MiB free in $deps_root; the pinned packages (torch's CUDA build" >&2
      echo "  from PyPI) need about 7 GiB while installing. Free some space, or point REPOLORA_PYDEPS at a disk" >&2
      echo "  with room (REPOLORA_SKIP_DISK_CHECK=1 to try anyway)." >&2
      exit 1
    fi
    echo "setup-venv: creating the shared packages venv $deps with $python ($version)" >&2
    rm -rf "$deps.tmp"
    "$python" -m venv "$deps.tmp"
    echo "setup-venv: installing requirements.lock (torch from PyPI is the CUDA build: ~4 GB of downloads)" >&2
    "$deps.tmp/bin/python" -m pip install --disable-pip-version-check --no-input --no-cache-dir \
      --progress-bar off -q -r "$lock"
    rm -rf "$deps" && mv "$deps.tmp" "$deps"
    # Scripts of a moved venv name its old path; the tools run as modules, so only the marker matters.
  fi
  echo "$want" >"$deps/.repolora-lock.sha256.tmp" && mv "$deps/.repolora-lock.sha256.tmp" "$deps/.repolora-lock.sha256"
fi
flock -u 9

# The checkout's own small venv.
rm -rf "$venv"
"$python" -m venv --without-pip "$venv"
site="$(site_of "$venv")"
deps_site="$(site_of "$deps")"
# addsitedir (not a plain path line) so the shared site-packages' own .pth files are processed too.
echo "import site; site.addsitedir('$deps_site')" >"$site/00-repolora-deps.pth"
# The trainer package, by a path entry (an editable install without build artefacts in the tree).
echo "$here" >"$site/repolora_trainer.pth"
"$venv/bin/python" -c 'import torch, repolora_trainer' # fail here, not in the first test, if the layers disagree
echo "$light_want" >"$light_stamp.tmp" && mv "$light_stamp.tmp" "$light_stamp"
echo "setup-venv: done in $(($(date +%s) - start))s ($venv → $deps)" >&2
