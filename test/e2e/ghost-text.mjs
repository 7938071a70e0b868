// Drives code-server (started by run.sh) through chromium: opens the fixture file, types a line, waits for the
// extension's ghost text, checks it equals what the runtime returns for that prompt, accepts it with Tab and
// checks the saved file. Prints "N passed, N failed" last.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { tsImport } from "tsx/esm/api";

const env = process.env;
const require = createRequire(join(env.E2E_PLAYWRIGHT, "package.json"));
const { chromium } = require(env.E2E_PLAYWRIGHT);
const { postprocess } = await tsImport("../../extension/src/core/postprocess.ts", import.meta.url);

const results = [];
function findFile(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return join(entry.parentPath ?? entry.path, entry.name);
  }
  return null;
}
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}: ${error?.message ?? error}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Asks the runtime directly (its own process, same protocol) what it completes for this prompt. */
async function askRuntime(params) {
  const child = spawn(env.NODE_FOR_RUNTIME ?? "node", [env.E2E_CLI, "serve", "--model", env.E2E_MODEL], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const answers = new Map();
  const waiting = new Map();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line);
    if (waiting.has(message.id)) waiting.get(message.id)(message);
    else answers.set(message.id, message);
  });
  let id = 0;
  const call = (method, p) =>
    new Promise((resolve, reject) => {
      id += 1;
      waiting.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params: p })}\n`);
    });
  try {
    await call("initialize", { protocolVersion: 1, modelPackage: env.E2E_MODEL, maxPromptTokens: 1024 });
    return await call("complete", params);
  } finally {
    await call("shutdown", {}).catch(() => {});
    child.stdin.end();
  }
}

const projectFile = join(env.E2E_WORK, "project", "src", "main.ts");
const original = readFileSync(projectFile, "utf8");
const typed = "const answer = ";
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
let ghost = "";

await check("workbench loads and the extension shows its status bar item", async () => {
  await page.goto(env.E2E_URL);
  await page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });
  await page.locator(".statusbar-item", { hasText: "RepoLoRA" }).first().waitFor({ timeout: 60_000 });
});

await check("typing shows ghost text from the runtime", async () => {
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input").waitFor({ timeout: 20_000 });
  await page.keyboard.type("main.ts");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "main.ts" }).first().waitFor();
  await page.keyboard.press("Enter");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.waitFor({ timeout: 20_000 });
  await editor.locator(".view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(typed, { delay: 60 });
  const decoration = page.locator(".ghost-text-decoration, .ghost-text").first();
  // The first completion starts the runtime (and loads the model): allow for that.
  await decoration.waitFor({ timeout: 120_000 });
  await page.waitForTimeout(300);
  ghost = (await page.locator(".ghost-text-decoration, .ghost-text").allTextContents()).join("");
  assert(ghost.trim().length > 0, "ghost text is empty");
  if (env.E2E_SCREENSHOT) {
    mkdirSync(dirname(env.E2E_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: env.E2E_SCREENSHOT });
  }
});

await check(
  "Tab accepts it, and the inserted text is exactly what the runtime returns for that prompt",
  async () => {
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+S");
    const deadline = Date.now() + 10_000;
    let text = original;
    while (Date.now() < deadline) {
      text = readFileSync(projectFile, "utf8");
      if (text !== original) break;
      await page.waitForTimeout(200);
    }
    assert(text.startsWith(original + typed), "the typed line is not in the saved file");
    const inserted = text.slice(original.length + typed.length);
    const prefix = original + typed;
    const result = await askRuntime({
      workspace: "e2e-check",
      documentUri: "file:///e2e-check/src/main.ts",
      path: "src/main.ts",
      languageId: "typescript",
      repoName: "project",
      prefix,
      suffix: "",
      context: [],
      multiline: false,
      maxTokens: 24,
    });
    const expected = postprocess(result.text, { prefix, suffix: "", multiline: false });
    console.log(`    runtime said ${JSON.stringify(result.text)}; inserted ${JSON.stringify(inserted)}`);
    assert(
      inserted === expected,
      `inserted ${JSON.stringify(inserted)} ≠ expected ${JSON.stringify(expected)}`,
    );
    // What the editor drew as ghost text is that text (control characters may be drawn as symbols).
    const visible = [...expected].filter((ch) => ch >= " " && ch !== "\ufffd").join("");
    const drawn = ghost.replace(/\u00a0/g, " ");
    assert(
      [...visible].every((ch) => drawn.includes(ch)),
      `ghost text ${JSON.stringify(drawn)} does not show ${JSON.stringify(visible)}`,
    );
  },
);

await check("the status bar shows the last completion's latency", async () => {
  const item = page.locator(".statusbar-item", { hasText: "RepoLoRA" }).first();
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".statusbar-item")].some((e) =>
        /RepoLoRA.*\d+ ms/.test(e.textContent ?? ""),
      ),
    undefined,
    { timeout: 10_000 },
  );
  console.log(`    status bar: ${(await item.textContent())?.trim()}`);
});

await check("Train adapter: progress notification, report card, and the adapter becomes active", async () => {
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ timeout: 20_000 });
  await page.keyboard.type("RepoLoRA: Train adapter for this repo");
  await page
    .locator(".quick-input-list .monaco-list-row", { hasText: "Train adapter for this repo" })
    .first()
    .waitFor();
  await page.keyboard.press("Enter");
  await page.locator(".notifications-toasts", { hasText: "training" }).first().waitFor({ timeout: 20_000 });
  await page.locator(".tab", { hasText: "Report:" }).first().waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".statusbar-item")].some((e) =>
        /RepoLoRA: project@e2e0000/.test(e.textContent ?? ""),
      ),
    undefined,
    { timeout: 20_000 },
  );
  if (env.E2E_REPORT_SCREENSHOT) {
    await page.waitForTimeout(500);
    await page.screenshot({ path: env.E2E_REPORT_SCREENSHOT });
  }
});

await check("completions then come from the new adapter", async () => {
  await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("const second = ", { delay: 60 });
  await page.locator(".ghost-text-decoration, .ghost-text").first().waitFor({ timeout: 60_000 });
  const logs = join(env.E2E_WORK, "user", "logs");
  const deadline = Date.now() + 10_000;
  let used = null;
  while (Date.now() < deadline && !used) {
    const log = findFile(logs, "RepoLoRA.log");
    const lines = log ? readFileSync(log, "utf8").split("\n") : [];
    used = lines
      .filter((l) => l.includes("] complete {"))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))))
      .find((entry) => entry.adapters?.some((a) => a.key.includes("project-e2e")));
    if (!used) await page.waitForTimeout(200);
  }
  assert(used, "no completion with the trained adapter in the log");
  console.log(`    adapters: ${JSON.stringify(used.adapters)}`);
});

await browser.close();
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exitCode = passed === results.length ? 0 : 1;
