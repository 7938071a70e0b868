"""The report card: greedy completions of held-out examples by the base model, the default completion system
(base + the shipped default adapter, when given) and base + adapter (and a control adapter), scored with
`metrics`, plus each system's teacher-forced negative log-likelihood of the middle on a larger sample, with
paired-bootstrap intervals of each difference. The verdict compares the adapter with the default system.

Completions come from `prompt.text` alone, exactly as the runtime would prompt, and stop at the template's
completionEnd, at EOS, or at max_new_tokens.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import torch

from .cancel import CancelToken
from .data import Record
from .errors import AdapterError
from .features import Encoder
from .loss import example_nll
from .metrics import METRIC_NAMES, Score, paired_bootstrap, score
from .progress import Progress

REPORT_SCHEMA = 2  # 2: per-system `nll`, deltas against the default system, the interval-based verdict
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
SAMPLE_EXAMPLES = 20  # predictions kept in report.json so a person can see what the numbers mean
MIN_VERDICT_EXAMPLES = 100  # the verdict needs at least this many NLL examples, unless the repo has fewer
BASELINE_SYSTEM = "default"  # the default completion system: base + the shipped default adapter
VERDICT_RULE = (
    "better: the 95% paired-bootstrap interval of the held-out NLL difference (adapter - baseline, nats per middle "
    "token) lies below 0, and the interval of the edit-similarity difference does not lie below 0, on at least "
    f"{MIN_VERDICT_EXAMPLES} NLL examples (all of them when the repository has fewer); the baseline is the default "
    "completion system when there is one, else the base model"
)


@dataclass(frozen=True)
class EvalOptions:
    limit: int = 0  # 0 = every eval example
    max_new_tokens: int = 64
    max_tokens: int = 1024  # prompt cap (left-truncated, as in training)
    micro_batch: int = 4  # for teacher-forced loss
    nll_limit: int = 200  # examples for the NLL comparison (forward passes only); 0 = every eval example


def select_records(records: Sequence[Record], limit: int, seed: int = 0) -> list[Record]:
    """A seeded sample of `limit` records, kept in file order (all of them when limit is 0 or covers them).

    A sample rather than the first N: the generator writes examples grouped by file, so a prefix of eval.jsonl
    would over-represent a few files.
    """
    if limit <= 0 or limit >= len(records):
        return list(records)
    chosen = sorted(random.Random(seed).sample(range(len(records)), limit))
    return [records[i] for i in chosen]


class Completer:
    """Greedy decoding of one completion per prompt, with the KV cache, batch size 1."""

    def __init__(
        self, model: Any, tokenizer: Any, encoder: Encoder, options: EvalOptions, device: torch.device
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.options = options
        self.device = device

    def _stop_ids(self, completion_end: str) -> list[int]:
        # Any special token ends a completion: FIM markers, <|file_sep|> and the like are never code, and the
        # runtime's per-template stop list stops at them too.
        stops: set[int] = {
            int(i) for i, tok in self.tokenizer.added_tokens_decoder.items() if getattr(tok, "special", False)
        }
        eos = self.tokenizer.eos_token_id
        if isinstance(eos, int):
            stops.add(eos)
        end_ids = self.tokenizer(completion_end, add_special_tokens=False)["input_ids"] if completion_end else []
        if len(end_ids) == 1:
            stops.add(int(end_ids[0]))
        return sorted(stops)

    @torch.no_grad()
    def complete(self, record: Record) -> str:
        from transformers import GenerationConfig

        ids = self.encoder.prompt_ids(record)
        room = max(1, self.options.max_tokens - self.options.max_new_tokens)
        if len(ids) > room:
            ids = self.encoder.lead + ids[len(ids) - room + len(self.encoder.lead) :]
        input_ids = torch.tensor([ids], dtype=torch.long, device=self.device)
        stops = self._stop_ids(record.prompt.completion_end)
        gen = GenerationConfig(
            max_new_tokens=self.options.max_new_tokens,
            do_sample=False,
            eos_token_id=stops or None,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        out = self.model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), generation_config=gen)
        new = out[0, len(ids) :].tolist()
        for i, token in enumerate(new):
            if token in stops:
                new = new[:i]
                break
        text: str = self.tokenizer.decode(new, skip_special_tokens=False)
        end = record.prompt.completion_end
        if end and end in text:  # a multi-token end marker is cut here rather than by the stop ids
            text = text[: text.index(end)]
        return text


# A system is a name and a context manager that puts the PEFT model into that system's state.
SystemSwitch = Callable[[], contextlib.AbstractContextManager[Any]]


def peft_systems(peft_model: Any, adapters: dict[str, str]) -> dict[str, SystemSwitch]:
    """'base' (adapters disabled) plus one system per {system name: PEFT adapter name}."""

    def base() -> contextlib.AbstractContextManager[Any]:
        return peft_model.disable_adapter()  # type: ignore[no-any-return]

    def use(name: str) -> SystemSwitch:
        @contextlib.contextmanager
        def switch() -> Iterator[None]:
            peft_model.set_adapter(name)
            yield

        return switch

    systems: dict[str, SystemSwitch] = {"base": base}
    for system, adapter in adapters.items():
        systems[system] = use(adapter)
    return systems


def add_stacked_adapter(peft_model: Any, parts: Sequence[tuple[str, float]], stacked_name: str) -> int:
    """Adds PEFT adapter `stacked_name`: the loaded adapters `parts` [(name, weight)] concatenated along the rank
    axis, exactly as the runtime stacks them (runtime/src/adapter/stack.ts): per module, A = [A1; A2; ...] and
    B = [w1*s1*B1 | w2*s2*B2 | ...] with s_i = that adapter's own scale (alpha/r, alpha/sqrt(r) with rsLoRA,
    rank/alpha patterns), so delta-W = sum_i w_i * s_i * B_i @ A_i, and the stacked adapter's own scale is 1.

    This is PEFT's `add_weighted_adapter(..., combination_type="cat")` layout (which puts w*s on A instead of B:
    the same product), built with a config of our own because PEFT's copies the first adapter's config:
    with use_rslora there its scale would be sqrt(total rank) instead of 1, and its layers_to_transform would drop
    the layers only a later adapter covers. A module an adapter does not cover gets zero rows (rank 0 for it,
    as in the runtime). Returns the total rank.
    """
    from peft import LoraConfig
    from peft.tuners.lora import LoraLayer

    if not parts:
        raise AdapterError("a stack needs at least one adapter")
    configs = peft_model.peft_config
    ranks: list[int] = []
    for name, _ in parts:
        cfg = configs[name]
        if getattr(cfg, "use_dora", False):
            raise AdapterError(f"adapter {name!r} uses DoRA, which cannot be stacked (the runtime refuses it too)")
        pattern = dict(getattr(cfg, "rank_pattern", None) or {})
        ranks.append(max([int(cfg.r), *(int(v) for v in pattern.values())]))
    total = sum(ranks)
    layers: list[tuple[str, Any]] = []
    for path, module in peft_model.base_model.model.named_modules():
        if isinstance(module, LoraLayer) and any(name in module.lora_A for name, _ in parts):
            layers.append((path, module))
    if not layers:
        raise AdapterError("the adapters to stack cover no module of the model")
    first = configs[parts[0][0]]
    config = LoraConfig(
        r=total,
        lora_alpha=total,  # scale 1: every adapter's own scale is folded into its block of B
        lora_dropout=0.0,
        target_modules=[path for path, _ in layers],
        use_rslora=False,
        bias="none",
        task_type=getattr(first, "task_type", None),
        base_model_name_or_path=getattr(first, "base_model_name_or_path", None),
    )
    peft_model.add_adapter(stacked_name, config)
    with torch.no_grad():
        for _, module in layers:
            a_new = module.lora_A[stacked_name].weight
            b_new = module.lora_B[stacked_name].weight
            a_new.zero_()
            b_new.zero_()
            offset = 0
            for (name, weight), rank in zip(parts, ranks, strict=True):
                if name in module.lora_A:
                    a = module.lora_A[name].weight
                    b = module.lora_B[name].weight
                    r = a.shape[0]
                    scale = float(module.scaling[name])
                    a_new[offset : offset + r, :] = a.to(a_new.dtype)
                    b_new[:, offset : offset + r] = (b.to(torch.float64) * (weight * scale)).to(b_new.dtype)
                offset += rank
            if abs(float(module.scaling[stacked_name]) - 1.0) > 1e-12:  # pragma: no cover - LoraConfig above
                raise AdapterError(f"stacked adapter scale is {module.scaling[stacked_name]}, expected 1")
    return total


def stack_systems(
    peft_model: Any, members: dict[str, str], stacked: str, system: str = "stack"
) -> dict[str, SystemSwitch]:
    """'base', each member alone (weight 1, as it would serve on its own), then the weighted stack."""
    systems = peft_systems(peft_model, members)
    systems.update(peft_systems(peft_model, {system: stacked}))
    return systems


def add_pairwise_deltas(
    report: dict[str, Any],
    records: Sequence[Record],
    predictions: dict[str, list[str]],
    nll: dict[str, list[float]],
    system: str,
    others: list[str],
) -> None:
    """Adds '<system>-<other>' paired-bootstrap deltas (e.g. the stack vs each adapter alone) to the report."""
    rows = {
        name: [
            score(pred, rec.middle, rec.language).as_dict()
            for pred, rec in zip(predictions[name], records, strict=True)
        ]
        for name in (system, *others)
    }
    for other in others:
        report["deltas"][f"{system}-{other}"] = _delta(rows[system], rows[other], nll.get(system), nll.get(other))


def run_report(
    model: Any,
    tokenizer: Any,
    encoder: Encoder,
    records: Sequence[Record],
    systems: dict[str, SystemSwitch],
    options: EvalOptions,
    device: torch.device,
    progress: Progress,
    cancel: CancelToken,
    dataset_info: dict[str, Any],
    verdict_system: str = "adapter",
    compare_with: Sequence[str] = (),
) -> dict[str, Any]:
    """Generates, scores and summarises; returns the report.json object.

    `verdict_system`: the system the verdict is about (vs base); `compare_with`: systems it is also compared with,
    pairwise (e.g. a stack vs each of its adapters alone).
    """
    chosen = select_records(records, options.limit)
    completer = Completer(model, tokenizer, encoder, options, device)
    nll_examples, _ = encoder.encode_all(select_records(records, options.nll_limit))
    model.eval()
    predictions: dict[str, list[str]] = {}
    nll: dict[str, list[float]] = {}
    total = len(chosen) * len(systems)
    done = 0
    started = time.monotonic()
    for name, switch in systems.items():
        with switch():
            cancel.check()
            nll[name] = example_nll(model, nll_examples, options.micro_batch, tokenizer.pad_token_id, device)
            outs: list[str] = []
            for record in chosen:
                cancel.check()
                outs.append(completer.complete(record))
                done += 1
                if done % 5 == 0 or done == total:
                    rate = (time.monotonic() - started) / done
                    progress.emit("reportProgress", done=done, of=total, etaSec=round((total - done) * rate, 1))
            predictions[name] = outs
    report = build_report(
        chosen, predictions, nll, options, dataset_info, verdict_system, available_examples=len(records)
    )
    if compare_with:
        add_pairwise_deltas(report, chosen, predictions, nll, verdict_system, list(compare_with))
    report["seconds"] = round(time.monotonic() - started, 3)
    return report


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _delta(
    mine: Sequence[dict[str, float]],
    theirs: Sequence[dict[str, float]],
    nll_mine: Sequence[float] | None = None,
    nll_theirs: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Paired-bootstrap interval of each metric's mean difference (and of NLL when both sides have it), and the
    per-example win counts."""
    entry: dict[str, Any] = {
        metric: paired_bootstrap(
            [d[metric] for d in mine], [d[metric] for d in theirs], BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
        ).as_dict()
        for metric in METRIC_NAMES
    }
    pairs = [(a["editSimilarity"], b["editSimilarity"]) for a, b in zip(mine, theirs, strict=True)]
    entry["editSimilarityWins"] = {
        "better": sum(1 for a, b in pairs if a > b),
        "worse": sum(1 for a, b in pairs if a < b),
        "same": sum(1 for a, b in pairs if a == b),
    }
    if nll_mine and nll_theirs:
        entry["nll"] = paired_bootstrap(nll_mine, nll_theirs, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED).as_dict()
    return entry


def decide_verdict(
    deltas: dict[str, Any], system: str, baseline: str, nll_examples: int, available_examples: int
) -> dict[str, Any]:
    """Is `system` better than `baseline`? Pure: reads only the delta intervals (see VERDICT_RULE)."""
    delta = deltas.get(f"{system}-{baseline}", {})
    es, nll = delta.get("editSimilarity"), delta.get("nll")
    needed = min(MIN_VERDICT_EXAMPLES, available_examples)
    reasons: list[str] = []
    if nll is None or not math.isfinite(nll["high"]):
        reasons.append("no held-out NLL to compare")
    elif nll["high"] >= 0:
        reasons.append(f"NLL interval [{nll['low']:+.3f}, {nll['high']:+.3f}] does not lie below 0")
    if es is not None and math.isfinite(es["high"]) and es["high"] < 0:
        reasons.append(f"edit-similarity interval [{es['low']:+.3f}, {es['high']:+.3f}] lies below 0")
    if nll_examples < needed:
        reasons.append(f"only {nll_examples} NLL examples scored, {needed} needed")
    verdict: dict[str, Any] = {
        "adapterBetter": not reasons,
        "significant": bool(es is not None and es["low"] > 0),
        "baseline": baseline,
        "nllExamples": nll_examples,
        "availableExamples": available_examples,
        "reason": "; ".join(reasons) if reasons else "NLL lower with an interval below 0, edit similarity not worse",
        "rule": VERDICT_RULE,
    }
    if nll_examples < MIN_VERDICT_EXAMPLES and nll_examples >= needed:
        verdict["note"] = f"the repository has only {available_examples} held-out examples"
    if system != "adapter":
        verdict["system"] = system
    return verdict


def build_report(
    records: Sequence[Record],
    predictions: dict[str, list[str]],
    nll: dict[str, list[float]],
    options: EvalOptions,
    dataset_info: dict[str, Any],
    verdict_system: str = "adapter",
    available_examples: int | None = None,
) -> dict[str, Any]:
    """Scores predictions against the records' middles and summarises them (pure: no model needed).

    `nll`: per system, the per-example NLL (nats per middle token) on the NLL sample, paired across systems.
    """
    scores: dict[str, list[Score]] = {
        name: [score(pred, rec.middle, rec.language) for pred, rec in zip(preds, records, strict=True)]
        for name, preds in predictions.items()
    }
    rows = {name: [s.as_dict() for s in scored] for name, scored in scores.items()}
    nll_n = min((len(v) for v in nll.values()), default=0)
    systems: dict[str, Any] = {}
    for name, dicts in rows.items():
        summary: dict[str, Any] = {metric: _mean([d[metric] for d in dicts]) for metric in METRIC_NAMES}
        summary["exactMatchCount"] = int(sum(d["exactMatch"] for d in dicts))
        summary["nll"] = _mean(nll[name]) if nll.get(name) else None
        summary["loss"] = summary["nll"]  # schema 1's name for the same number
        systems[name] = summary
    baseline = BASELINE_SYSTEM if BASELINE_SYSTEM in rows else "base"
    deltas: dict[str, Any] = {}
    for name in rows:
        for reference in ("base", BASELINE_SYSTEM):
            if name in ("base", reference) or reference not in rows:
                continue
            deltas[f"{name}-{reference}"] = _delta(rows[name], rows[reference], nll.get(name), nll.get(reference))
    verdict = None
    if f"{verdict_system}-{baseline}" in deltas:
        available = available_examples if available_examples is not None else nll_n
        verdict = decide_verdict(deltas, verdict_system, baseline, nll_n, available)
    samples = []
    for i, record in enumerate(records[:SAMPLE_EXAMPLES]):
        samples.append(
            {
                "id": record.id,
                "path": record.path,
                "spanKind": record.span_kind,
                "reference": record.middle,
                "predictions": {name: preds[i] for name, preds in predictions.items()},
            }
        )
    return {
        "schema": REPORT_SCHEMA,
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": dataset_info,
        "examples": len(records),
        "nllExamples": nll_n,
        "baseline": baseline,
        "settings": {
            "limit": options.limit,
            "maxNewTokens": options.max_new_tokens,
            "decoding": "greedy, batch 1, stop at completionEnd / EOS / maxNewTokens",
            "trimming": "first complete statement by bracket balance (metrics.first_statement)",
            "editSimilarity": "rapidfuzz fuzz.ratio / 100 (normalised InDel similarity)",
            "identifierMatch": "identifiers outside strings/comments, keywords removed; EM as sequence, F1 as bag",
            "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED, "confidence": 0.95},
            "nll": "teacher-forced negative log-likelihood of the middle (and its end marker), nats per token, "
            "averaged over examples; a seeded sample of nllLimit eval examples",
            "nllLimit": options.nll_limit,
        },
        "systems": systems,
        "deltas": deltas,
        "verdict": verdict,
        "samples": samples,
    }
