#!/usr/bin/env bash
# Rebuilds the default FIM adapter shipped in runtime/default-adapter/ with the project's own trainer:
#   bash generator/trainer/default-adapter/build.sh [BUDGET]   (default 30m; ~25 min on 2 CPU cores)
# 1. fetches the permissively licensed sources of sources.tsv from their registries as git repositories,
# 2. trains one adapter on their balanced mix (`repolora org-train`, recipe.json) on the embedded default base,
# 3. copies the bundle (PEFT files + repolora.json + report.json) into runtime/default-adapter/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="${REPOLORA_DEFAULT_ADAPTER_WORK:-$(mktemp -d)}"
base="$(bash "$root/generator/trainer/default-model.sh")"
bash "$here/fetch-sources.sh" "$work/sources" >/dev/null
node "$root/bin/repolora.mjs" org-train --name fim-default "$work"/sources/* --base "$base" \
  --adapters-dir "$work/adapters" --config "$here/recipe.json" --budget "${1:-30m}" --max-tokens 512
bundle="$(find "$work/adapters/org-fim-default" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)"
rm -f "$root/runtime/default-adapter/"*.json "$root/runtime/default-adapter/"*.safetensors
cp "$bundle"/adapter_config.json "$bundle"/adapter_model.safetensors "$bundle"/repolora.json "$bundle"/report.json \
  "$root/runtime/default-adapter/"
echo "default adapter: $bundle -> runtime/default-adapter/" >&2
