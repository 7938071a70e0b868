"""Per-example scores for `repolora bench`: every system (base or an adapter) on every dataset variant.

The report card (`python -m repolora_trainer eval`) keeps summaries only; the benchmark needs the score of
every example under every system to pair them across dataset variants (with and without retrieval), so this
tool loads the base model once, attaches the adapters, and writes one JSON file. It reuses the trainer's own
`Completer`, `select_records` and `metrics.score`: nothing is reimplemented, the numbers are the report card's.

System names: the adapter label (or "base") for the first dataset, "<label>+<variant>" for the others. All
variants must hold the same evaluation examples (same ids, in the same order); only their prompts differ.
`repolora bench` passes the shipped default adapter ("default": base + it is the default completion system,
when the base is the embedded default) and up to three adapters trained by the benchmark: the repository's own
("adapter"), the next repository's ("control") and, from three repositories up, one trained on a mix of the
others ("format-only").

Besides the completions (`--limit` examples), every system gets the held-out negative log-likelihood of the
middle per example (`nll`, nats per middle token) from the report card's own `loss.example_nll`, on a larger
seeded sample (`--nll-limit`: forward passes only). Its examples are `nllExamples`, paired by id across
systems: an example the encoder drops in any variant (a middle longer than the prompt cap) is dropped in all.

Usage:
  python bench_eval.py --base MODEL --dataset plain=DIR --dataset retrieval=DIR \
      [--adapter default=DIR --adapter adapter=DIR --adapter control=DIR --adapter format-only=DIR] \
      [--limit N] [--nll-limit N] [--max-new-tokens 64] [--max-tokens 1024] --out scores.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TRAINER_ROOT = Path(__file__).resolve().parents[2] / "generator" / "trainer"  # where repolora_trainer lives
SCHEMA = 2  # 2: per-system `nll` on `nllExamples`


def _pairs(values: list[str], flag: str) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for value in values:
        label, sep, path = value.partition("=")
        if not sep or not label or not path:
            raise SystemExit(f"bench_eval: {flag} wants LABEL=PATH, got {value!r}")
        out.append((label, Path(path)))
    return out


def system_name(adapter: str, variant: str, first_variant: str) -> str:
    return adapter if variant == first_variant else f"{adapter}+{variant}"


def shared_ids(per_variant: dict[str, list[str]]) -> list[str]:
    """The ids every variant kept, in the first variant's order: the NLL values of all systems pair by these."""
    if not per_variant:
        return []
    lists = list(per_variant.values())
    kept = set(lists[0]).intersection(*lists[1:])
    return [i for i in lists[0] if i in kept]


def run(args: argparse.Namespace) -> dict[str, Any]:
    if str(TRAINER_ROOT) not in sys.path:
        sys.path.insert(0, str(TRAINER_ROOT))
    import torch

    from repolora_trainer.config import TrainConfig
    from repolora_trainer.data import load_dataset
    from repolora_trainer.evaluate import Completer, EvalOptions, peft_systems, select_records
    from repolora_trainer.features import Encoder, check_special_tokens
    from repolora_trainer.loss import example_nll
    from repolora_trainer.metrics import score
    from repolora_trainer.model_loading import choose_runtime, load_model, load_tokenizer, resolve_source

    variants = _pairs(args.dataset, "--dataset")
    adapters = _pairs(args.adapter, "--adapter")
    if not variants:
        raise SystemExit("bench_eval: give at least one --dataset")
    held_out = {label: load_dataset(folder, need_train=False).eval for label, folder in variants}
    first = variants[0][0]
    if any([r.id for r in records] != [r.id for r in held_out[first]] for records in held_out.values()):
        raise SystemExit(f"bench_eval: the datasets hold other evaluation examples than {first!r}")
    # Completions on a seeded sample of --limit, NLL on one of --nll-limit (drawn as the report card draws them).
    chosen = {label: select_records(records, args.limit) for label, records in held_out.items()}
    nll_records = {label: select_records(records, args.nll_limit) for label, records in held_out.items()}
    ids = [r.id for r in chosen[first]]

    config = TrainConfig(base_model=args.base, device=args.device, max_new_tokens=args.max_new_tokens)
    runtime = choose_runtime(config)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    source = resolve_source(args.base)
    tokenizer = load_tokenizer(source)
    for records in held_out.values():
        check_special_tokens(tokenizer, records)
    model = load_model(source, runtime)
    if adapters:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapters[0][1]), adapter_name=adapters[0][0])
        for label, folder in adapters[1:]:
            model.load_adapter(str(folder), adapter_name=label)
        systems = peft_systems(model, {label: label for label, _ in adapters})
        if args.no_base:
            del systems["base"]
    else:
        from contextlib import nullcontext

        systems = {"base": nullcontext}
    model.eval()
    encoder = Encoder(tokenizer, args.max_tokens)
    options = EvalOptions(limit=args.limit, max_new_tokens=args.max_new_tokens, max_tokens=args.max_tokens)
    completer = Completer(model, tokenizer, encoder, options, runtime.device)
    encoded = {label: encoder.encode_all(records)[0] for label, records in nll_records.items()}
    nll_ids = shared_ids({label: [e.record_id for e in examples] for label, examples in encoded.items()})
    keep = set(nll_ids)
    nll_examples = {label: [e for e in examples if e.record_id in keep] for label, examples in encoded.items()}

    results: dict[str, Any] = {}
    total = len(systems) * len(chosen) * len(ids)
    done = 0
    for adapter, switch in systems.items():
        with switch():
            for variant, records in chosen.items():
                print(
                    f"bench_eval: NLL of {len(nll_ids)} examples, {adapter} on {variant}", file=sys.stderr, flush=True
                )
                nll = example_nll(
                    model, nll_examples[variant], args.micro_batch, tokenizer.pad_token_id, runtime.device
                )
                rows: dict[str, list[float]] = {}
                latency: list[float] = []
                predictions: list[str] = []
                prompt_tokens: list[int] = []
                for record in records:
                    started = time.perf_counter()
                    prediction = completer.complete(record)
                    latency.append(round((time.perf_counter() - started) * 1000, 2))
                    predictions.append(prediction)
                    prompt_tokens.append(record.prompt.tokens)
                    for metric, value in score(prediction, record.middle, record.language).as_dict().items():
                        rows.setdefault(metric, []).append(float(value))
                    done += 1
                    print(f"bench_eval: {done}/{total}", file=sys.stderr, flush=True)
                results[system_name(adapter, variant, first)] = {
                    "adapter": None if adapter == "base" else adapter,
                    "dataset": variant,
                    "scores": rows,
                    "latencyMs": latency,
                    "promptTokens": prompt_tokens,
                    "predictions": predictions,
                    "nll": nll,
                }
    examples = [
        {
            "id": r.id,
            "path": r.path,
            "language": r.language,
            "spanKind": r.span_kind,
            "contextReasons": {
                label: [c.get("reason") for c in chosen[label][i].raw.get("context", [])] for label in chosen
            },
        }
        for i, r in enumerate(chosen[first])
    ]
    by_id = {r.id: r for r in nll_records[first]}
    return {
        "schema": SCHEMA,
        "base": args.base,
        "device": str(runtime.device),
        "threads": torch.get_num_threads(),
        "settings": {
            "limit": args.limit,
            "nllLimit": args.nll_limit,
            "maxNewTokens": args.max_new_tokens,
            "maxTokens": args.max_tokens,
            "nll": "teacher-forced negative log-likelihood of the middle (and its end marker), nats per token "
            "(repolora_trainer.loss.example_nll, as the report card)",
        },
        "examples": examples,
        "nllExamples": [
            {"id": i, "path": by_id[i].path, "language": by_id[i].language, "spanKind": by_id[i].span_kind}
            for i in nll_ids
        ],
        "systems": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="base model folder or id")
    parser.add_argument("--dataset", action="append", default=[], help="VARIANT=DIR; the first has no suffix")
    parser.add_argument("--adapter", action="append", default=[], help="LABEL=DIR of a PEFT adapter")
    parser.add_argument("--limit", type=int, default=0, help="seeded sample of N eval examples (0 = all)")
    parser.add_argument(
        "--nll-limit", type=int, default=200, help="seeded sample of N eval examples for held-out NLL (0 = all)"
    )
    parser.add_argument("--no-base", action="store_true", help="score only the adapters, not the raw base")
    parser.add_argument("--micro-batch", type=int, default=4, help="examples per NLL forward pass")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=1024, help="prompt cap, as in training")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(prefix=f".{args.out.name}.", dir=args.out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    os.replace(staged, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
