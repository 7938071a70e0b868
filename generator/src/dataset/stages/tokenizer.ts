/** Exact token counts from a tokenizer.json, and its digest for the record cache's key. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TokenCounter } from "../../../../runtime/src/prompt/index.ts";
import { RepoLoraError } from "../../util/errors.ts";

export async function loadTokenCounter(path: string): Promise<TokenCounter> {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RepoLoraError("BAD_ARGUMENT", `Cannot read tokenizer ${path}: ${(error as Error).message}`);
  }
  const configPath = join(path, "..", "tokenizer_config.json");
  let config: unknown = {};
  try {
    config = JSON.parse(readFileSync(configPath, "utf8"));
  } catch {
    config = {};
  }
  const tokenizer = new Tokenizer(json as never, config as never);
  return (text) => tokenizer.encode(text).ids.length;
}

export async function fileDigest(path: string): Promise<string> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return `unreadable ${path}`;
  }
}
