/**
 * The package's tokenizer (tokenizer.json + tokenizer_config.json) through @huggingface/tokenizers: the
 * same library and the same counting (`encode(text).ids.length`) the dataset generator uses for its prompt
 * budget, so a prompt is cut the same way at training and at serving time.
 */
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import { ModelPackageError } from "../errors.ts";
import type { ModelPackage } from "./package.ts";

export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  count(text: string): number;
}

export function loadTokenizer(
  pkg: Pick<ModelPackage, "tokenizerPath" | "tokenizerConfigPath">,
): TextTokenizer {
  const read = (path: string) => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as object;
    } catch (error) {
      throw new ModelPackageError(
        `${path} cannot be read (${(error as Error).message}); prepare the package again`,
      );
    }
  };
  const tokenizer = new Tokenizer(
    read(pkg.tokenizerPath),
    pkg.tokenizerConfigPath ? read(pkg.tokenizerConfigPath) : {},
  );
  return {
    encode: (text) => tokenizer.encode(text).ids,
    decode: (ids) => tokenizer.decode(ids as number[], { skip_special_tokens: false }),
    count: (text) => tokenizer.encode(text).ids.length,
  };
}
