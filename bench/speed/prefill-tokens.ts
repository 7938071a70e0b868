/**
 * Prompt tokens a keystroke feeds again (not reused from the KV cache of the keystroke before), per prompt
 * order, over the typing session of typing-replay.ts: tokenizer only, no model, so it runs in seconds and
 * isolates what the prompt builder decides. Every keystroke is counted (no completion cache, no context files).
 *
 *   npx tsx bench/speed/prefill-tokens.ts <model package dir> [--source runtime/src] [--files 8] [--keystrokes 240]
 */
import { parseArgs } from "node:util";
import { buildServingPrompt } from "../../runtime/src/complete/prompt.ts";
import { commonPrefixLength } from "../../runtime/src/engine/kv-cache.ts";
import { openModelPackage } from "../../runtime/src/model/package.ts";
import { loadTokenizer } from "../../runtime/src/model/tokenizer.ts";
import { DEFAULT_BUDGET, getTemplate, type TemplateId } from "../../runtime/src/prompt/index.ts";
import { percentile, typingSession } from "./typing-replay.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: "string", default: "runtime/src" },
    files: { type: "string", default: "8" },
    keystrokes: { type: "string", default: "240" },
  },
});
if (!positionals[0]) throw new Error("usage: prefill-tokens.ts <model package dir> [--source DIR]");
const tokenizer = loadTokenizer(openModelPackage(positionals[0]));
const session = typingSession(values.source, Number(values.files), Number(values.keystrokes));

for (const id of ["qwen2.5-coder", "qwen2.5-coder-spm"] as TemplateId[]) {
  const template = getTemplate(id);
  const fed: number[] = [];
  let previous = null as { path: string; ids: number[] } | null;
  for (const key of session) {
    const { ids } = buildServingPrompt(
      { repoName: "bench", path: key.path, prefix: key.prefix, suffix: key.suffix, context: [] },
      template,
      tokenizer,
      DEFAULT_BUDGET.maxTokens,
    );
    // The first keystroke in a file is cold whatever the order: left out, as the later ones are the question.
    if (previous?.path === key.path)
      fed.push(ids.length - Math.min(commonPrefixLength(previous.ids, ids), ids.length - 1));
    previous = { path: key.path, ids };
  }
  const mean = fed.reduce((a, b) => a + b, 0) / fed.length;
  const over = fed.filter((n) => n > 32).length;
  console.log(
    `${id}: ${fed.length} warm keystrokes; tokens fed again mean ${mean.toFixed(1)}, p50 ${percentile(fed, 0.5)}, p95 ${percentile(fed, 0.95)}, max ${Math.max(...fed)}; ${over} keystrokes fed > 32 tokens`,
  );
}
