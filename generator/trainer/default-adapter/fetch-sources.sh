#!/usr/bin/env bash
# fetch-sources.sh OUT: makes one git repository per line of sources.tsv under OUT (OUT/<name>), holding only the
# package's source folder, committed once with a fixed author and date so the datasets built from them are
# reproducible. Each package comes from its registry through the registry's own client (npm, pip, go, cargo).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:?usage: fetch-sources.sh OUT}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="$root/.venv/bin/python"
[ -x "$python" ] || python=python3

unpack() { # name registry spec -> prints the unpacked package root
  local name=$1 registry=$2 spec=$3 dir="$work/$1"
  mkdir -p "$dir"
  case "$registry" in
    npm)
      (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
      echo "$dir/package" ;;
    pypi)
      # The sdist (source archive) is only unpacked, never built or installed.
      "$python" -m pip download --no-deps --no-binary :all: --disable-pip-version-check -q -d "$dir" "$spec"
      (cd "$dir" && tar xzf ./*.tar.gz)
      find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1 ;;
    go)
      GOPATH="$work/gopath" GOFLAGS=-modcacherw go mod download -json "$spec" |
        "$python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])' ;;
    crates)
      local crate=${spec%@*} version=${spec#*@}
      (cd "$dir" && cargo new -q --vcs none probe && cd probe &&
        printf '%s = "=%s"\n' "$crate" "$version" >>Cargo.toml &&
        CARGO_HOME="$work/cargo" cargo fetch -q)
      find "$work/cargo/registry/src" -mindepth 2 -maxdepth 2 -type d -name "$crate-$version" | head -n 1 ;;
    *) echo "fetch-sources: unknown registry $registry" >&2; return 1 ;;
  esac
}

grep -v '^#' "$here/sources.tsv" | while IFS=$'\t' read -r name registry spec licence folder; do
  [ -n "$name" ] || continue
  repo="$out/$name"
  if [ -d "$repo/.git" ]; then echo "fetch-sources: $name already there" >&2; continue; fi
  echo "fetch-sources: $name ($spec from $registry, $licence)" >&2
  pkg="$(unpack "$name" "$registry" "$spec")"
  mkdir -p "$repo"
  cp -R "$pkg/$folder/." "$repo/"
  for licence_file in LICENSE LICENSE.txt LICENSE.md LICENSE-MIT LICENSE-APACHE COPYING; do
    [ -f "$pkg/$licence_file" ] && cp "$pkg/$licence_file" "$repo/"
  done
  (cd "$repo" && git init -q && git add -A &&
    GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" \
      git -c user.name=repolora -c user.email=repolora@localhost commit -q -m "$spec ($licence) from $registry")
done
echo "$out"
