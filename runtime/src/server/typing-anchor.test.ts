import { describe, expect, it } from "vitest";
import { buildServingPrompt } from "../complete/prompt.ts";
import { HealingVocabulary } from "../complete/token-healing.ts";
import { getTemplate } from "../prompt/index.ts";
import { MAX_TYPED_CHARS, TypingAnchors, typedSince } from "./typing-anchor.ts";

// One id per character: the prompt's ids are its text, so what was appended is visible in them.
const tokenizer = {
  encode: (text: string) => [...text].map((c) => c.codePointAt(0)!),
  decode: (ids: readonly number[]) => String.fromCodePoint(...ids),
  count: (text: string) => [...text].length,
};
const PSM = getTemplate("qwen2.5-coder");
const SPM = getTemplate("qwen2.5-coder-spm");
const BUDGET = 4096;

const base = {
  workspace: "w",
  documentUri: "file:///r/a.ts",
  path: "a.ts",
  languageId: "typescript",
  repoName: "r",
  prefix: "function f() {\n  return ",
  suffix: "\n}\nfunction g() {}\n",
  context: [] as { path: string; text: string }[],
  multiline: false,
};

function harness(template = PSM) {
  const anchors = new TypingAnchors(tokenizer, null);
  let built = 0;
  const ask = (change: Partial<typeof base>) => {
    const params = { ...base, ...change };
    return anchors.prompt(params, template, BUDGET, () => {
      built += 1;
      return buildServingPrompt(params, template, tokenizer, BUDGET);
    });
  };
  return { ask, built: () => built };
}

describe("TypingAnchors", () => {
  it("appends what was typed after the anchor's prompt, building nothing", () => {
    const { ask, built } = harness();
    const first = ask({});
    expect(first.typed).toBeNull();
    expect(built()).toBe(1);
    const typed = ask({ prefix: `${base.prefix}a + b` });
    expect(typed.typed).toBe(5);
    expect(built()).toBe(1);
    expect(typed.prompt.text).toBe(`${first.prompt.text}a + b`);
    expect(typed.prompt.text.endsWith("<|fim_middle|>a + b")).toBe(true);
    expect(typed.prompt.ids).toEqual(tokenizer.encode(typed.prompt.text));
    expect(typed.prompt.suffix).toBe(first.prompt.suffix);
    // A backspace inside the typed text keeps the anchor.
    expect(ask({ prefix: `${base.prefix}a +` })).toMatchObject({ typed: 3 });
    expect(ask({ prefix: base.prefix }).prompt.ids).toEqual(first.prompt.ids);
    expect(built()).toBe(1);
  });

  it("starts a new anchor when the suffix, the context or the file changes, or the cursor leaves it", () => {
    const { ask, built } = harness();
    ask({});
    ask({ prefix: `${base.prefix}x`, suffix: `${base.suffix}// edit\n` });
    expect(built()).toBe(2);
    // The new anchor is that request's: typing on from it is appended again.
    expect(ask({ prefix: `${base.prefix}xy`, suffix: `${base.suffix}// edit\n` }).typed).toBe(1);
    ask({
      prefix: `${base.prefix}xy`,
      suffix: `${base.suffix}// edit\n`,
      context: [{ path: "b.ts", text: "b" }],
    });
    expect(built()).toBe(3);
    ask({ prefix: "function f() {\n  retur", suffix: `${base.suffix}// edit\n` }); // backspace past the anchor
    expect(built()).toBe(4);
    const other = ask({ documentUri: "file:///r/b.ts", path: "b.ts", prefix: "function f() {\n  retur" });
    expect(other.typed).toBeNull();
    expect(built()).toBe(5);
  });

  it(`renews the anchor after more than ${MAX_TYPED_CHARS} typed characters`, () => {
    const { ask, built } = harness();
    ask({});
    const long = "x".repeat(MAX_TYPED_CHARS);
    expect(ask({ prefix: `${base.prefix}${long}` }).typed).toBe(MAX_TYPED_CHARS);
    const renewed = ask({ prefix: `${base.prefix}${long}y` });
    expect(renewed.typed).toBeNull();
    expect(built()).toBe(2);
    expect(renewed.prompt.text).toContain(`${long}y<|fim_suffix|>`);
    expect(ask({ prefix: `${base.prefix}${long}yz` }).typed).toBe(1);
  });

  it("keeps anchors per document and workspace, and never anchors the prefix-last (SPM) order", () => {
    const { ask, built } = harness();
    ask({});
    ask({ workspace: "other" });
    expect(built()).toBe(2);
    expect(ask({ prefix: `${base.prefix}1` }).typed).toBe(1);
    expect(ask({ workspace: "other", prefix: `${base.prefix}2` }).typed).toBe(1);
    const spm = harness(SPM);
    spm.ask({});
    expect(spm.ask({ prefix: `${base.prefix}a` }).typed).toBeNull();
    expect(spm.built()).toBe(2);
  });

  it("finds the typed text when the client's fixed-length prefix window moved its head forward", () => {
    const anchor = "0123456789abcdefghij"; // the last 20 characters before the cursor
    expect(typedSince(anchor, `${anchor}xy`, 64)).toBe("xy");
    expect(typedSince(anchor, `${anchor.slice(2)}xy`, 64)).toBe("xy"); // same window length, head moved by 2
    expect(typedSince(anchor, `${anchor.slice(1)}x`, 64)).toBe("x");
    expect(typedSince(anchor, anchor, 64)).toBe("");
    expect(typedSince(anchor, `${anchor.slice(0, -1)}Q`, 64)).toBeNull(); // a backspace past the anchor, then typing
    expect(typedSince(anchor, "something else entirely", 64)).toBeNull();
    expect(typedSince(anchor, `${anchor.slice(3)}xyz`, 2)).toBeNull(); // more typed than allowed
    const { ask, built } = harness();
    const long = "x = 1\n".repeat(50);
    ask({ prefix: `${long}y = ` });
    const moved = ask({ prefix: `${long.slice(3)}y = 42` });
    expect(moved.typed).toBe(2);
    expect(built()).toBe(1);
  });

  it("heals the typed text's last token: left out of the prompt, the completion's first token must start with it", () => {
    // A vocabulary with whole words, encoded longest-match first, as BPE would merge them.
    const vocab = ["<m>", "r", "e", "t", "u", "n", " ", "x", "re", "ret", "return", "rex", "ur", "urn"];
    const special = new Set([0]);
    const words = {
      encode(text: string): number[] {
        const ids: number[] = [];
        for (let at = 0; at < text.length; ) {
          const id = vocab.reduce(
            (best, piece, i) =>
              text.startsWith(piece, at) && piece.length > (vocab[best]?.length ?? 0) && !special.has(i)
                ? i
                : best,
            -1,
          );
          if (id < 0) throw new Error(`no token for ${text.slice(at)}`);
          ids.push(id);
          at += vocab[id]!.length;
        }
        return ids;
      },
      decode: (ids: readonly number[]) => ids.map((i) => vocab[i]!).join(""),
    };
    const healing = new HealingVocabulary(words.decode, vocab.length, special);
    const anchors = new TypingAnchors(words, healing);
    const anchorPrompt = { ids: [0], text: "<m>", prefix: "x ", suffix: "", contextPaths: [] };
    const params = { ...base, prefix: "x " };
    anchors.prompt(params, PSM, BUDGET, () => anchorPrompt);
    const typed = anchors.prompt({ ...params, prefix: "x ret" }, PSM, BUDGET, () => anchorPrompt);
    expect(words.encode("ret")).toEqual([9]);
    expect(typed.prompt.ids).toEqual([0]); // "ret" taken back out
    expect(typed.prompt.text).toBe("<m>ret");
    expect(typed.healing?.fragment).toBe("ret");
    expect(typed.healing?.firstTokenIds.map((i) => vocab[i])).toEqual(["ret", "return"]);
    const two = anchors.prompt({ ...params, prefix: "x ret u" }, PSM, BUDGET, () => anchorPrompt);
    expect(two.prompt.ids).toEqual([0, 9, 6]);
    expect(two.healing?.fragment).toBe("u");
    expect(two.healing?.firstTokenIds.map((i) => vocab[i])).toEqual(["u", "ur", "urn"]);
    // Nothing typed: nothing to heal.
    expect(anchors.prompt(params, PSM, BUDGET, () => anchorPrompt).healing).toBeNull();
  });
});

describe("TypingAnchors and auto-closed brackets", () => {
  it("keeps the anchor when typing an opener auto-closes it", () => {
    const { ask, built } = harness();
    const first = ask({});
    const opened = ask({ prefix: `${base.prefix}f(`, suffix: `)${base.suffix}` });
    expect(opened.typed).toBe(2);
    expect(built()).toBe(1);
    expect(opened.prompt.text).toBe(`${first.prompt.text}f(`); // the anchor's prompt, suffix included
    expect(ask({ prefix: `${base.prefix}f(x)`, suffix: base.suffix }).typed).toBe(4); // typed over ")"
    expect(built()).toBe(1);
  });
});
