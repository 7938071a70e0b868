/**
 * tokenizer.json and tokenizer_config.json for a GGUF's byte-level BPE vocabulary (tokenizer.ggml.model "gpt2",
 * pre-tokenizer "qwen2"), built the way transformers' GGUF tokenizer converter builds them: every token in the
 * vocabulary, the merges as pairs, control tokens (type 3) as special added tokens and user-defined ones (type 4)
 * as plain added tokens. test/gguf-tokenizer.test.ts compares it with the one transformers wrote.
 */
import { UnsupportedModelError } from "../../errors.ts";
import type { GgufFile } from "./read.ts";

/** Qwen2's pre-tokenizer split (tokenizers' Qwen2 converter; llama.cpp's "qwen2" pre-tokenizer). */
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

export function tokenizerJson(gguf: GgufFile): Record<string, unknown> {
  const model = gguf.get<string>("tokenizer.ggml.model", "string");
  const pre = gguf.get<string>("tokenizer.ggml.pre", "string");
  if (model !== "gpt2" || pre !== "qwen2")
    throw new UnsupportedModelError(
      `${gguf.path}: tokenizer ${model}/${pre} is not supported (only gpt2 BPE with the qwen2 pre-tokenizer)`,
    );
  const tokens = gguf.get<string[]>("tokenizer.ggml.tokens", "array");
  const types = gguf.get<number[]>("tokenizer.ggml.token_type", "array");
  const merges = gguf.get<string[]>("tokenizer.ggml.merges", "array");
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  const addedTokens = tokens.flatMap((content, id) =>
    types[id] === TOKEN_TYPE_CONTROL || types[id] === TOKEN_TYPE_USER_DEFINED
      ? [
          {
            id,
            content,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: types[id] === TOKEN_TYPE_CONTROL,
          },
        ]
      : [],
  );
  const bos = gguf.metadata.get("tokenizer.ggml.bos_token_id") as number | undefined;
  const addBos = gguf.metadata.get("tokenizer.ggml.add_bos_token") === true && bos !== undefined;
  const bosPiece = addBos ? [{ SpecialToken: { id: tokens[bos], type_id: 0 } }] : [];
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN2_SPLIT }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "TemplateProcessing",
      single: [...bosPiece, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        ...bosPiece,
        { Sequence: { id: "A", type_id: 0 } },
        ...bosPiece,
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: addBos
        ? { [tokens[bos] as string]: { id: tokens[bos], ids: [bos], tokens: [tokens[bos]] } }
        : {},
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map((merge) => {
        const space = merge.indexOf(" ");
        if (space <= 0)
          throw new UnsupportedModelError(`${gguf.path}: BPE merge ${JSON.stringify(merge)} has no space`);
        return [merge.slice(0, space), merge.slice(space + 1)];
      }),
    },
  };
}

/** tokenizer_config.json: the bos/eos/pad tokens by text (what stopTokenIds and the engine read). */
export function tokenizerConfigJson(gguf: GgufFile): Record<string, unknown> {
  const tokens = gguf.get<string[]>("tokenizer.ggml.tokens", "array");
  const token = (key: string) => {
    const id = gguf.metadata.get(key);
    return typeof id === "number" ? (tokens[id] ?? null) : null;
  };
  return {
    add_prefix_space: null,
    bos_token: token("tokenizer.ggml.bos_token_id"),
    eos_token: token("tokenizer.ggml.eos_token_id"),
    pad_token: token("tokenizer.ggml.padding_token_id"),
    unk_token: null,
    tokenizer_class: "Qwen2Tokenizer",
    model_max_length: gguf.metadata.get("qwen2.context_length") ?? null,
  };
}
