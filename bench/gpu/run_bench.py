"""The GPU benchmark (issue 12, item 6), one process: repository adapters against the default system and a
same-language control, scored with held-out NLL and completions, plus one QLoRA run for its speed and memory.

Stages, each checked against one wall-clock budget and each followed by a rewrite of results.json (so a run cut
off by its caller's time limit still leaves everything finished so far):
  load               the base model once (bf16 on CUDA; the trainer's CPU precision rule on CPU)
  train:<name>       continue the default adapter's weights (its shape: r16, last 6 layers) on <name>'s train.jsonl
                     with one fixed recipe, the trainer's own loop (repolora_trainer.train.Trainer)
  score:<name>       held-out NLL of the middle per example (repolora_trainer.loss.example_nll) for base, default
                     system, own adapter and control adapter, paired-bootstrap intervals of the differences
                     (repolora_trainer.metrics.paired_bootstrap, the project's one bootstrap), and greedy
                     completions on a seeded subset scored with repolora_trainer.metrics (ES / EM)
  qlora              4-bit NF4 base through bitsandbytes, the same recipe for a few steps: tokens/s and peak CUDA
                     memory next to the bf16 LoRA training stages'
Nothing is reimplemented: the numbers are the report card's.

`--device cpu` (the default without CUDA) is the CPU-sized version of the same code path: few steps, a small NLL
sample, no completions, no QLoRA (see CPU_SIZE).

Usage (bench/gpu/device-run.sh runs it on the device machine; docs/BENCHMARKS.md "GPU benchmark (issue 12)"):
  python bench/gpu/run_bench.py --base MODEL_DIR --default-adapter runtime/default-adapter \
      --dataset humanize=DIR --dataset click=DIR --dataset ky=DIR --control-dataset self=DIR \
      --control humanize=click --control click=humanize --control ky=self --out OUT_DIR [--budget-min 9]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

TRAINER_ROOT = Path(__file__).resolve().parents[2] / "generator" / "trainer"
SCHEMA = 1
RESULTS = "results.json"
DEFAULT_SYSTEM_ADAPTER = "default_system"  # PEFT name of the default adapter (PEFT's own default name is "default")


def peft_name(dataset: str) -> str:
    """PEFT name of a dataset's adapter: prefixed, since PEFT mistakes a name contained in "lora_" (say "a")."""
    return f"bench_{dataset}"


# Sizes per mode; a flag given on the command line wins. GPU: 72 steps x 16 sequences of <= 512 tokens per
# adapter. CPU: enough to run every stage of the same code path on 2 cores.
GPU_SIZE = {"steps": 72, "batch": 16, "micro_batch": 16, "nll_limit": 200, "completions": 20, "qlora_steps": 12}
CPU_SIZE = {"steps": 8, "batch": 4, "micro_batch": 2, "nll_limit": 24, "completions": 0, "qlora_steps": 0}


@dataclass(frozen=True)
class Plan:
    """What to run: the scored datasets, the trained-only control datasets, and each scored one's control."""

    scored: dict[str, Path]
    controls_only: dict[str, Path]
    control_of: dict[str, str]

    @property
    def trained(self) -> dict[str, Path]:
        return {**self.scored, **self.controls_only}


def parse_pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        label, sep, rest = value.partition("=")
        if not sep or not label or not rest:
            raise SystemExit(f"run_bench: {flag} wants NAME=VALUE, got {value!r}")
        if label in out:
            raise SystemExit(f"run_bench: {flag} {label} given twice")
        out[label] = rest
    return out


def make_plan(args: argparse.Namespace) -> Plan:
    scored = {k: Path(v) for k, v in parse_pairs(args.dataset, "--dataset").items()}
    only = {k: Path(v) for k, v in parse_pairs(args.control_dataset, "--control-dataset").items()}
    control_of = parse_pairs(args.control, "--control")
    if not scored:
        raise SystemExit("run_bench: give at least one --dataset NAME=DIR")
    if set(scored) & set(only):
        raise SystemExit(f"run_bench: {sorted(set(scored) & set(only))} given as --dataset and --control-dataset")
    for name, control in control_of.items():
        if name not in scored:
            raise SystemExit(f"run_bench: --control {name}={control}: {name} is not a --dataset")
        if (control not in scored and control not in only) or control == name:
            raise SystemExit(f"run_bench: --control {name}={control}: the control must be another dataset")
    return Plan(scored, only, control_of)


class Results:
    """results.json, rewritten atomically after every stage."""

    def __init__(self, out_dir: Path, header: dict[str, Any]) -> None:
        self.path = out_dir / RESULTS
        self.data: dict[str, Any] = {"schema": SCHEMA, **header, "stages": [], "training": {}, "scores": {}}
        out_dir.mkdir(parents=True, exist_ok=True)

    def write(self) -> None:
        fd, staged = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=1, allow_nan=False, default=_json_default)
        os.replace(staged, self.path)


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def finite_or_none(value: float | None) -> float | None:
    import math

    return value if value is not None and math.isfinite(value) else None


def interval(treatment: list[float], control: list[float]) -> dict[str, Any]:
    """The report card's paired bootstrap (same resamples and seed), JSON-safe, with n."""
    from repolora_trainer.evaluate import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
    from repolora_trainer.metrics import paired_bootstrap

    found = paired_bootstrap(treatment, control, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED).as_dict()
    return {"n": len(treatment), **{k: finite_or_none(v) for k, v in found.items()}}


class Bench:
    def __init__(self, args: argparse.Namespace, plan: Plan, results: Results, work: Path) -> None:
        self.args = args
        self.plan = plan
        self.results = results
        self.work = work
        self.started = time.monotonic()
        self.deadline = self.started + float(args.budget_min) * 60
        self.model: Any = None
        self.peft: Any = None  # the scoring PeftModel, built once after training

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def stage(self, name: str, body: Callable[[], dict[str, Any] | None], need_seconds: float = 0.0) -> bool:
        """Runs one stage unless the budget cannot hold it; records its outcome and rewrites results.json."""
        entry: dict[str, Any] = {"name": name}
        if self.remaining() < need_seconds:
            entry.update(status="skipped", reason=f"budget: {self.remaining():.0f} s left, {need_seconds:.0f} needed")
        else:
            t0 = time.monotonic()
            try:
                extra = body() or {}
                entry.update(status="done", **extra)
            except Exception as err:  # one failed stage must not lose the others' results
                entry.update(status="failed", error=f"{type(err).__name__}: {err}")
                print(f"run_bench: stage {name} failed: {err}", file=sys.stderr, flush=True)
            entry["seconds"] = round(time.monotonic() - t0, 2)
        entry["elapsedSeconds"] = round(time.monotonic() - self.started, 2)
        self.results.data["stages"].append(entry)
        self.results.data["elapsedSeconds"] = entry["elapsedSeconds"]
        self.results.write()
        print(f"run_bench: {name}: {entry['status']} ({entry['elapsedSeconds']} s)", file=sys.stderr, flush=True)
        return bool(entry["status"] == "done")

    # --- load ------------------------------------------------------------------------------------------------
    def load(self) -> dict[str, Any]:
        import torch

        from repolora_trainer.config import TrainConfig
        from repolora_trainer.model_loading import (
            Runtime,
            base_model_identity,
            choose_runtime,
            load_model,
            load_tokenizer,
            resolve_source,
        )

        self.source = resolve_source(self.args.base)
        if self.args.device == "cuda":
            # Plain bf16 LoRA, even where bitsandbytes is importable (choose_runtime would pick QLoRA there):
            # QLoRA is its own stage.
            self.runtime = Runtime(torch.device("cuda", 0), "lora", torch.bfloat16, "bench: bf16 LoRA on CUDA")
        else:
            self.runtime = choose_runtime(TrainConfig(base_model=self.args.base, device="cpu"), self.source)
        self.tokenizer = load_tokenizer(self.source)
        self.model = load_model(self.source, self.runtime)
        identity = base_model_identity(self.source, self.model)
        recorded = _recorded_base_sha(self.args.default_adapter)
        self.default_peft = _peft_files_only(self.args.default_adapter, self.work / "default-adapter")
        self.results.data["base"] = {
            "id": self.args.base,
            "sha256": identity.get("sha256"),
            "defaultAdapterBaseSha256": recorded,
            # The default adapter is continued from its PEFT files alone (no sha check), so say whether it was
            # trained on these very weights: a GGUF converted by another transformers may hash differently.
            "sameWeightsAsDefaultAdapter": None if not recorded else recorded == identity.get("sha256"),
            "numLayers": identity.get("numLayers"),
        }
        self.results.data["runtime"] = {
            "device": _device_label(self.runtime.device),
            "mode": self.runtime.mode,
            "precision": self.runtime.precision,
        }
        return {"memory": _memory(self.runtime.device)}

    # --- train -----------------------------------------------------------------------------------------------
    def train_config(self, steps: int, budget_seconds: float) -> Any:
        from repolora_trainer.config import TrainConfig

        return TrainConfig(
            base_model=self.args.base,
            init_adapter=str(self.default_peft),
            max_steps=steps,
            micro_batch=self.args.micro_batch,
            grad_accum=max(1, self.args.batch // self.args.micro_batch),
            lr=self.args.lr,
            max_tokens=self.args.max_tokens,
            warmup_ratio=0.05,
            seed=0,
            budget_seconds=max(1.0, budget_seconds),
            device=self.args.device,
        )

    def train(self, name: str, folder: Path, budget_seconds: float, runtime: Any = None, steps: int = 0) -> Any:
        """Continues the default adapter on `folder`'s train.jsonl; returns (PEFT model, result dict)."""
        import torch

        from repolora_trainer.cancel import CancelToken
        from repolora_trainer.data import load_dataset
        from repolora_trainer.features import Encoder, check_special_tokens
        from repolora_trainer.model_loading import continue_lora
        from repolora_trainer.progress import Progress
        from repolora_trainer.train import Trainer

        runtime = runtime or self.runtime
        dataset = load_dataset(folder)
        check_special_tokens(self.tokenizer, dataset.train)
        config = self.train_config(steps or self.args.steps, budget_seconds)
        examples, stats = Encoder(self.tokenizer, config.max_tokens).encode_all(dataset.train)
        torch.manual_seed(config.seed)
        if runtime.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(runtime.device)
        peft_model, _ = continue_lora(self.model, config, runtime, {})
        result = Trainer(
            peft_model, examples, [], config, runtime, Progress(None), CancelToken(), int(self.tokenizer.pad_token_id)
        ).run()
        summary = {k: v for k, v in result.to_dict().items() if k not in ("valLosses", "bestValLoss")}
        summary.update(
            name=name,
            trainExamples=len(examples),
            skippedTooLong=stats.skipped_too_long,
            effectiveBatch=config.effective_batch,
            lr=config.lr,
            lora={"r": config.rank, "alpha": config.alpha, "layers": config.layers},
            mode=runtime.mode,
            precision=runtime.precision,
            memory=_memory(runtime.device),
        )
        return peft_model, summary

    def train_stage(self, name: str, folder: Path, budget_seconds: float) -> dict[str, Any]:
        from repolora_trainer.bundle import save_adapter

        peft_model, summary = self.train(name, folder, budget_seconds)
        save_adapter(peft_model, self.work / "adapters" / name)
        self.model = peft_model.unload()  # the bare base again (LoRA layers removed, not merged) for the next one
        self.model.eval()
        self.results.data["training"][name] = summary
        return {"steps": summary["steps"], "tokensPerSec": summary["tokensPerSec"]}

    # --- score -----------------------------------------------------------------------------------------------
    def scoring_model(self) -> Any:
        """One PeftModel over the base holding the default adapter and every trained adapter, by name."""
        if self.peft is None:
            from peft import PeftModel

            self.peft = PeftModel.from_pretrained(
                self.model, str(self.default_peft), adapter_name=DEFAULT_SYSTEM_ADAPTER
            )
            for name in self.results.data["training"]:
                self.peft.load_adapter(str(self.work / "adapters" / name), adapter_name=peft_name(name))
            self.peft.eval()
        return self.peft

    def score_stage(self, name: str, folder: Path, seconds: float) -> dict[str, Any]:
        """NLL, then completions, within `seconds` (NLL gets 40% of it when there are completions); both go
        example by example across all systems, so a cut leaves paired rows."""
        from repolora_trainer.data import load_dataset
        from repolora_trainer.evaluate import Completer, EvalOptions, peft_systems, select_records
        from repolora_trainer.features import Encoder
        from repolora_trainer.loss import example_nll
        from repolora_trainer.metrics import score

        trained = self.results.data["training"]
        if name not in trained:
            raise RuntimeError(f"no adapter for {name}: its training stage did not finish")
        control = self.plan.control_of.get(name)
        members = {"default": DEFAULT_SYSTEM_ADAPTER, "adapter": peft_name(name)}
        if control is not None and control in trained:
            members["control"] = peft_name(control)
        model = self.scoring_model()
        systems = peft_systems(model, members)  # "base" plus the members
        held_out = load_dataset(folder, need_train=False).eval
        encoder = Encoder(self.tokenizer, self.args.max_tokens)
        nll_examples, _ = encoder.encode_all(select_records(held_out, self.args.nll_limit))
        pad = int(self.tokenizer.pad_token_id)
        stage_end = time.monotonic() + seconds
        nll_end = time.monotonic() + (0.4 * seconds if self.args.completions > 0 else seconds)
        nll: dict[str, list[float]] = {system: [] for system in systems}
        nll_ids: list[str] = []
        step = self.args.micro_batch
        for start in range(0, len(nll_examples), step):
            if nll_ids and time.monotonic() > nll_end:
                break
            chunk = nll_examples[start : start + step]
            for system, switch in systems.items():
                with switch():
                    nll[system].extend(example_nll(model, chunk, step, pad, self.runtime.device))
            nll_ids.extend(e.record_id for e in chunk)
        pairs = [("adapter", "default"), ("control", "default"), ("adapter", "control"), ("default", "base")]
        entry: dict[str, Any] = {
            "control": control if "control" in members else None,
            "controlMissing": control is not None and "control" not in members,
            "heldOut": len(held_out),
            "nllAsked": len(nll_examples),
            "nllExamples": nll_ids,
            "nll": {s: sum(v) / len(v) if v else None for s, v in nll.items()},
            "nllPerExample": nll,
            "nllDeltas": {f"{a}-{b}": interval(nll[a], nll[b]) for a, b in pairs if a in nll and b in nll},
        }
        if self.args.completions > 0:
            options = EvalOptions(max_new_tokens=self.args.max_new_tokens, max_tokens=self.args.max_tokens)
            completer = Completer(model, self.tokenizer, encoder, options, self.runtime.device)
            chosen = select_records(held_out, self.args.completions)
            entry["completions"] = self.complete(completer, systems, members, chosen, stage_end, score)
        self.results.data["scores"][name] = entry
        return {"nllExamples": len(nll_ids), "systems": list(nll)}

    def complete(
        self,
        completer: Any,
        systems: dict[str, Any],
        members: dict[str, str],
        chosen: list[Any],
        stop_at: float,
        score: Callable[..., Any],
    ) -> dict[str, Any]:
        """Greedy completions example by example (every system on one example before the next), so a cut by the
        time budget still leaves paired rows."""
        rows: dict[str, list[dict[str, float]]] = {s: [] for s in members}
        ids: list[str] = []
        latency: list[float] = []
        for record in chosen:
            if time.monotonic() > stop_at:
                break
            t0 = time.monotonic()
            for system in members:
                with systems[system]():
                    prediction = completer.complete(record)
                rows[system].append(score(prediction, record.middle, record.language).as_dict())
            latency.append((time.monotonic() - t0) / len(members))
            ids.append(record.id)

        def column(system: str, metric: str) -> list[float]:
            return [float(r[metric]) for r in rows[system]]

        out: dict[str, Any] = {
            "asked": len(chosen),
            "done": len(ids),
            "ids": ids,
            "maxNewTokens": self.args.max_new_tokens,
            "secondsPerCompletion": round(sum(latency) / len(latency), 4) if latency else None,
            "systems": {
                s: {m: sum(column(s, m)) / len(ids) if ids else None for m in ("editSimilarity", "exactMatch")}
                for s in members
            },
            "deltas": {},
        }
        for a, b in [("adapter", "default"), ("control", "default"), ("adapter", "control")]:
            if a in rows and b in rows and ids:
                out["deltas"][f"{a}-{b}"] = {
                    m: interval(column(a, m), column(b, m)) for m in ("editSimilarity", "exactMatch")
                }
        return out

    # --- qlora -----------------------------------------------------------------------------------------------
    def qlora_stage(self, name: str, folder: Path, budget_seconds: float) -> dict[str, Any]:
        import importlib.metadata

        import bitsandbytes  # noqa: F401  (fails here, clearly, when the wheel was not installed)
        import torch

        from repolora_trainer.model_loading import Runtime, load_model

        # The bf16 model goes first, so the peak below holds the 4-bit base and its training alone, as the bf16
        # training stages' peaks hold the bf16 base and theirs.
        self.peft = None
        self.model = None
        gc.collect()
        torch.cuda.empty_cache()
        runtime = Runtime(torch.device("cuda", 0), "qlora", torch.bfloat16, "bench: QLoRA (NF4 base, bf16 compute)")
        torch.cuda.reset_peak_memory_stats(runtime.device)
        self.model = load_model(self.source, runtime)
        _, summary = self.train(name, folder, budget_seconds, runtime=runtime, steps=self.args.qlora_steps)
        summary["bitsandbytes"] = importlib.metadata.version("bitsandbytes")
        bf16 = self.results.data["training"].get(name, {})
        self.results.data["qlora"] = {
            "dataset": name,
            "qlora": summary,
            "bf16Lora": {k: bf16.get(k) for k in ("steps", "tokensPerSec", "stepSeconds", "memory", "microBatch")},
        }
        return {"steps": summary["steps"], "tokensPerSec": summary["tokensPerSec"]}


def _peft_files_only(adapter: Path, dest: Path) -> Path:
    """The adapter's PEFT files, without the bundle manifest (whose base-weights check is reported instead)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        shutil.copyfile(adapter / name, dest / name)
    return dest


def _recorded_base_sha(adapter: Path) -> str | None:
    manifest = adapter / "repolora.json"
    if not manifest.is_file():
        return None
    base = json.loads(manifest.read_text(encoding="utf-8")).get("baseModel", {})
    sha = base.get("sha256") if isinstance(base, dict) else None
    return sha if isinstance(sha, str) else None


def _device_label(device: Any) -> str:
    import torch

    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def _memory(device: Any) -> dict[str, float | None]:
    """Peak CUDA memory since the last reset (MiB), and the process's peak resident memory (MiB)."""
    import torch

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    cuda = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return {"peakCudaMiB": None if cuda is None else round(cuda, 1), "peakRssMiB": round(rss, 1)}


def _versions() -> dict[str, str]:
    import importlib.metadata

    out = {}
    for name in ("torch", "transformers", "peft", "bitsandbytes"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    if str(TRAINER_ROOT) not in sys.path:
        sys.path.insert(0, str(TRAINER_ROOT))
    import torch

    plan = make_plan(args)
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("run_bench: --device cuda but torch sees no CUDA device")
    size = GPU_SIZE if args.device == "cuda" else CPU_SIZE
    for key, value in size.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    settings = {k: getattr(args, k) for k in (*GPU_SIZE, "lr", "max_tokens", "max_new_tokens", "budget_min")}
    results = Results(
        args.out,
        {
            "mode": "gpu" if args.device == "cuda" else "cpu-sized",
            "command": [sys.executable, *sys.argv],
            "settings": settings,
            "datasets": {n: str(p) for n, p in plan.trained.items()},
            "controls": plan.control_of,
            "versions": _versions(),
        },
    )
    with tempfile.TemporaryDirectory(prefix="run-bench-") as tmp:
        bench = Bench(args, plan, results, Path(tmp))
        if not bench.stage("load", bench.load):
            return results.data
        # Budget shares: training may use what is left minus the scoring reserve, split over the adapters to come.
        trained = list(plan.trained.items())
        score_reserve = bench.remaining() * args.score_share
        for i, (name, folder) in enumerate(trained):
            share = (bench.remaining() - score_reserve) / (len(trained) - i)
            bench.stage(f"train:{name}", partial(bench.train_stage, name, folder, share), 5.0)
        scored = list(plan.scored.items())
        for i, (name, folder) in enumerate(scored):
            reserve = 60.0 if args.qlora_steps and args.device == "cuda" else 0.0
            share = max(0.0, (bench.remaining() - reserve) / (len(scored) - i))
            bench.stage(f"score:{name}", partial(bench.score_stage, name, folder, share), 5.0)
        if args.qlora_steps and args.device == "cuda":
            first, folder = scored[0]
            bench.stage("qlora", lambda: bench.qlora_stage(first, folder, bench.remaining() - 10), 30.0)
    return results.data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="base model folder (or .gguf file, dequantised on load)")
    parser.add_argument("--default-adapter", required=True, type=Path, help="the default adapter (PEFT files)")
    parser.add_argument("--dataset", action="append", default=[], help="NAME=DIR: trained and scored")
    parser.add_argument("--control-dataset", action="append", default=[], help="NAME=DIR: trained only")
    parser.add_argument("--control", action="append", default=[], help="NAME=OTHER: OTHER's adapter is NAME's control")
    parser.add_argument("--out", required=True, type=Path, help="folder for results.json")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--budget-min", type=float, default=9.0, help="wall-clock budget of the whole run")
    parser.add_argument("--score-share", type=float, default=0.45, help="share of the budget kept for scoring")
    parser.add_argument("--steps", type=int, help="optimizer steps per adapter")
    parser.add_argument("--batch", type=int, help="sequences per optimizer step")
    parser.add_argument("--micro-batch", type=int, help="sequences per forward pass")
    parser.add_argument("--nll-limit", type=int, help="seeded sample of held-out examples for NLL (0 = all)")
    parser.add_argument("--completions", type=int, help="seeded sample of held-out examples to complete (0 = none)")
    parser.add_argument("--qlora-steps", type=int, help="QLoRA steps (0 = no QLoRA stage; CUDA only)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--max-tokens", type=int, default=512, help="sequence cap, as the datasets' prompt budget")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    data = run(args)
    failed = [s["name"] for s in data["stages"] if s["status"] == "failed"]
    print(f"run_bench: wrote {args.out / RESULTS}" + (f"; failed stages: {failed}" if failed else ""), file=sys.stderr)
    return 1 if any(s["name"] == "load" and s["status"] != "done" for s in data["stages"]) else 0


if __name__ == "__main__":
    sys.exit(main())
