#!/usr/bin/env bash
# Re-copies the grammar .wasm files (and their licences) from npm packages; README.md says why these
# versions. Packages go to a temp folder with --ignore-scripts and only .wasm and LICENSE files are
# copied. The .scm queries here are ours and are left alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# tree-sitter-wasms ships prebuilt files but not the grammars' licences; the grammar packages named
# after it (the versions its package.json ranges resolve to) are installed for their LICENSE only.
# --legacy-peer-deps: their peer, the native tree-sitter binding, is not wanted (and they disagree on it).
(
  cd "$tmp"
  npm init -y >/dev/null
  npm install --ignore-scripts --legacy-peer-deps --no-audit --no-fund --no-save \
    tree-sitter-typescript@0.23.2 \
    tree-sitter-python@0.25.0 \
    tree-sitter-javascript@0.25.0 \
    tree-sitter-wasms@0.1.13 \
    tree-sitter-go@0.20.0 \
    tree-sitter-rust@0.20.4 \
    tree-sitter-java@0.20.2 \
    tree-sitter-c@0.20.8 \
    tree-sitter-cpp@0.20.5 \
    tree-sitter-c-sharp@0.20.0 \
    tree-sitter-ruby@0.20.1 \
    tree-sitter-php@0.22.8 >/dev/null
)

nm="$tmp/node_modules"
copy() { # copy <.wasm under node_modules> <language id> <package whose LICENSE covers the grammar>
  mkdir -p "$here/$2"
  cp "$nm/$1" "$here/$2/tree-sitter-$2.wasm"
  cp "$nm/$3/LICENSE" "$here/$2/LICENSE"
  echo "$2: $1 (licence from $3)"
}

copy tree-sitter-typescript/tree-sitter-typescript.wasm typescript tree-sitter-typescript
copy tree-sitter-typescript/tree-sitter-tsx.wasm tsx tree-sitter-typescript
copy tree-sitter-javascript/tree-sitter-javascript.wasm javascript tree-sitter-javascript
copy tree-sitter-python/tree-sitter-python.wasm python tree-sitter-python
copy tree-sitter-wasms/out/tree-sitter-go.wasm go tree-sitter-go
copy tree-sitter-wasms/out/tree-sitter-rust.wasm rust tree-sitter-rust
copy tree-sitter-wasms/out/tree-sitter-java.wasm java tree-sitter-java
copy tree-sitter-wasms/out/tree-sitter-c.wasm c tree-sitter-c
copy tree-sitter-wasms/out/tree-sitter-cpp.wasm cpp tree-sitter-cpp
copy tree-sitter-wasms/out/tree-sitter-c_sharp.wasm c_sharp tree-sitter-c-sharp
copy tree-sitter-wasms/out/tree-sitter-ruby.wasm ruby tree-sitter-ruby
copy tree-sitter-wasms/out/tree-sitter-php.wasm php tree-sitter-php
cp "$nm/tree-sitter-wasms/LICENSE" "$here/tree-sitter-wasms.LICENSE"

# npm versions are immutable, so the copies must match what is committed.
(cd "$here" && sha256sum --check --quiet SHA256SUMS) && echo "checksums match SHA256SUMS"
