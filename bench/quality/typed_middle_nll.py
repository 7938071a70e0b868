"""What the rest of a middle costs after the user typed its first characters, under three prompts.

`bench/quality/typed-middle.ts` writes, per held-out example, the typed head h and the rest r of the middle:
- natural:  the typed head in the prefix, `<fim_prefix>P+h<fim_suffix>S<fim_middle>` → r (what the server sends
  without the typing anchor; the whole suffix is re-fed on every keystroke);
- anchored: the old prompt plus the head, `<fim_prefix>P<fim_suffix>S<fim_middle>h` → r (the typing anchor);
- healed:   the anchored prompt with the head's last token taken back, its text s required as the start of the
  completion (token healing): `…<fim_middle>h[:-s]` → s+r, the first token restricted to tokens whose text
  starts with s. Its cost is −log P(tokens of s+r) + log Σ_{t: text(t) starts with s} P(t) at the first position
  (the probability of the completion given that it starts with s, counting the first token's alternatives).

Each variant's cost is the total negative log-likelihood (nats) of the rest and the end marker, so variants
whose targets are tokenized differently stay comparable; they are also reported per natural target token.
Paired bootstrap (the project's algorithm, metrics.paired_bootstrap) of variant − natural.

Usage:
  python typed_middle_nll.py --base MODEL --adapter DIR --dataset ORIGINAL_EVAL_DIR --anchored DIR \
      [--natural DIR] [--limit N] [--threads 2] --out nll.json
  python typed_middle_nll.py --pool a.json b.json ...      # one summary over the examples of several outputs
(`--natural` defaults to the anchored folder's sibling `natural`.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TRAINER_ROOT = Path(__file__).resolve().parents[2] / "generator" / "trainer"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


def healing_allowed(vocab_texts: list[str], fragment: str, special: set[int]) -> list[int]:
    """Token ids whose text starts with `fragment` (special tokens never): the first token allowed under healing,
    as the runtime's HealingVocabulary allows it."""
    return [i for i, text in enumerate(vocab_texts) if i not in special and text.startswith(fragment)]


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean nats per natural target token of each variant, and variant − natural with its paired interval."""
    if str(TRAINER_ROOT) not in sys.path:
        sys.path.insert(0, str(TRAINER_ROOT))
    from repolora_trainer.metrics import paired_bootstrap

    def per_token(key: str) -> list[float]:
        return [r[key] / r["targetTokens"] for r in rows]

    summary: dict[str, Any] = {"n": len(rows), "natural": {"meanNatsPerToken": sum(per_token("natural")) / len(rows)}}
    for variant in ("anchored", "healed"):
        summary[variant] = {
            "meanNatsPerToken": sum(per_token(variant)) / len(rows),
            "minusNatural": paired_bootstrap(per_token(variant), per_token("natural")).as_dict(),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--pool"]:
        rows = [row for path in argv[1:] for row in json.loads(Path(path).read_text(encoding="utf8"))["examples"]]
        print(json.dumps(summarize(rows), indent=1))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--adapter", default=None, help="PEFT adapter folder (the default adapter); none = raw base")
    parser.add_argument("--dataset", required=True, type=Path, help="the evaluation set typed-middle.ts read")
    parser.add_argument("--anchored", required=True, type=Path)
    parser.add_argument("--natural", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    if str(TRAINER_ROOT) not in sys.path:
        sys.path.insert(0, str(TRAINER_ROOT))
    import torch

    from repolora_trainer.config import TrainConfig
    from repolora_trainer.model_loading import choose_runtime, load_model, load_tokenizer, resolve_source

    natural_dir = args.natural or args.anchored.parent / "natural"
    original = {r["id"]: r for r in read_jsonl(args.dataset / "eval.jsonl")}
    anchored = read_jsonl(args.anchored / "eval.jsonl")
    natural = {r["id"]: r for r in read_jsonl(natural_dir / "eval.jsonl")}
    if args.limit > 0:
        anchored = anchored[: args.limit]
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    source = resolve_source(args.base)
    runtime = choose_runtime(TrainConfig(base_model=args.base, device="cpu"))
    tokenizer = load_tokenizer(source)
    model = load_model(source, runtime)
    if args.adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, args.adapter)
    model.eval()
    vocab_texts = [tokenizer.decode([i]) for i in range(len(tokenizer))]
    special = {i for i, token in tokenizer.added_tokens_decoder.items() if token.special}

    def ids(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def cost(prompt: list[int], target: list[int], allowed: list[int] | None = None) -> float:
        """Total NLL of `target` after `prompt`; `allowed` renormalises the first token over those ids."""
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([prompt + target])).logits[0].float()
        logp = torch.log_softmax(logits[len(prompt) - 1 : len(prompt) + len(target) - 1], dim=-1)
        total = -float(logp[torch.arange(len(target)), torch.tensor(target)].sum())
        if allowed is not None:
            total += float(torch.logsumexp(logp[0, torch.tensor(allowed)], dim=0))
        return total

    rows: list[dict[str, Any]] = []
    for n, record in enumerate(anchored):
        base = original[record["id"]]
        head = record["prompt"]["text"][len(base["prompt"]["text"]) :]
        if not record["prompt"]["text"].startswith(base["prompt"]["text"]) or not head:
            raise SystemExit(f"{record['id']}: the anchored prompt is not the original prompt plus the typed head")
        end = base["prompt"]["completionEnd"]
        rest = record["middle"]
        target = ids(rest + end)
        head_ids = ids(head)
        fragment = tokenizer.decode([head_ids[-1]])
        healed_target = ids(fragment + rest + end)
        if not tokenizer.decode([healed_target[0]]).startswith(fragment):
            healed_target = [head_ids[-1], *ids(rest + end)]  # the canonical split starts shorter: keep s's token
        prompt = ids(base["prompt"]["text"])
        row = {
            "id": record["id"],
            "targetTokens": len(target),
            "natural": cost(ids(natural[record["id"]]["prompt"]["text"]), target),
            "anchored": cost(prompt + head_ids, target),
            "healed": cost(prompt + head_ids[:-1], healed_target, healing_allowed(vocab_texts, fragment, special)),
            "fragment": fragment,
        }
        rows.append(row)
        print(f"typed_middle_nll: {n + 1}/{len(anchored)}", file=sys.stderr, flush=True)

    summary = summarize(rows)
    args.out.write_text(json.dumps({"summary": summary, "examples": rows}, indent=1), encoding="utf8")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
