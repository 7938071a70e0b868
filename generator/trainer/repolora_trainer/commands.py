"""The two commands, end to end: `train` (dataset -> adapter bundle + report card) and `eval` (report card of an
existing bundle). Each step is a call into the module that owns it; this file only puts them in order.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__
from .bundle import (
    ADAPTER_CONFIG,
    MANIFEST_SCHEMA,
    REPORT,
    StagedBundle,
    check_destination,
    finish_manifest,
    read_manifest,
    save_adapter,
    update_report,
    write_json_atomic,
)
from .cancel import CancelToken
from .config import TrainConfig, apply_cpu_recipe
from .data import Dataset, load_dataset
from .errors import AdapterError, DatasetError
from .evaluate import (
    BASELINE_SYSTEM,
    EvalOptions,
    add_stacked_adapter,
    peft_systems,
    run_report,
    stack_systems,
)
from .features import Encoder, EncodeStats, check_special_tokens
from .model_loading import (
    Runtime,
    base_model_identity,
    choose_runtime,
    continue_lora,
    layer_indices,
    load_model,
    load_tokenizer,
    resolve_source,
    wrap_with_lora,
)
from .progress import Progress, log
from .train import Trainer, TrainResult, planned_steps, split_validation


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _device_label(runtime: Runtime) -> str:
    if runtime.device.type == "cuda":
        return f"cuda:{runtime.device.index or 0} ({torch.cuda.get_device_name(runtime.device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def _versions() -> dict[str, str]:
    import peft
    import transformers

    return {
        "name": "repolora-trainer",
        "version": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
    }


def _dataset_info(dataset: Dataset) -> dict[str, Any]:
    return {
        "dir": str(dataset.root.absolute()),
        "createdAt": dataset.manifest.get("createdAt"),
        "cutoff": dataset.manifest.get("cutoff"),
        "head": dataset.repo.get("head"),
    }


def train_command(
    dataset_dir: Path,
    config: TrainConfig,
    out_dir: Path,
    progress: Progress,
    cancel: CancelToken,
    run_eval: bool = True,
) -> dict[str, Any]:
    """Trains, evaluates and writes the bundle; returns the `done` event's fields."""
    out_dir = out_dir.absolute()
    check_destination(out_dir)  # fail before an hour of training, not after
    dataset = load_dataset(dataset_dir)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    source = resolve_source(config.base_model, config.revision)
    runtime = choose_runtime(config, source)
    applied = apply_cpu_recipe(config) if runtime.device.type == "cpu" else {}
    tokenizer = load_tokenizer(source)
    check_special_tokens(tokenizer, [*dataset.train, *dataset.eval])
    encoder = Encoder(tokenizer, config.max_tokens)
    examples, stats = encoder.encode_all(dataset.train)
    if not examples:
        raise DatasetError(
            f"all {len(dataset.train)} training examples have a middle longer than max_tokens={config.max_tokens}",
            str(dataset.root / "train.jsonl"),
        )
    val_examples: list[Any] = []
    if config.eval_every > 0 and len(examples) >= 2:
        examples, val_examples = split_validation(examples, config.val_fraction, config.seed)
    progress.emit(
        "start",
        device=_device_label(runtime),
        mode=runtime.mode,
        precision=runtime.precision,
        baseModel=config.base_model,
        train=len(examples),
        validation=len(val_examples),
        eval=len(dataset.eval),
        steps=planned_steps(len(examples), config),
        effectiveBatch=config.effective_batch,
        skippedTooLong=stats.skipped_too_long,
        note=runtime.reason,
    )
    if runtime.mode == "lora":
        progress.message(runtime.reason)
    if applied:
        progress.message("CPU recipe for the fields left unset: " + ", ".join(f"{k}={v}" for k, v in applied.items()))
    if stats.skipped_too_long:
        progress.message(
            f"skipped {stats.skipped_too_long} training examples whose middle does not fit max_tokens", "warning"
        )
    model = load_model(source, runtime)
    cancel.check()
    base_identity = base_model_identity(source, model)
    _seed_everything(config.seed)  # LoRA A is initialised randomly: same seed, same adapter
    continued: dict[str, Any] | None = None
    if config.init_adapter is not None:  # `repolora train --update`: continue the previous adapter's weights
        peft_model, continued = continue_lora(model, config, runtime, base_identity)
        progress.message(f"continuing adapter {continued['dir']} (r={config.rank}, layers {config.layers})")
    else:
        peft_model = wrap_with_lora(model, config, runtime)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    log(f"{trainable:,} trainable LoRA parameters on {runtime.device}")
    result = Trainer(
        peft_model, examples, val_examples, config, runtime, progress, cancel, int(tokenizer.pad_token_id)
    ).run()
    report: dict[str, Any] | None = None
    if run_eval and dataset.eval:
        options = EvalOptions(
            limit=config.report_limit,
            max_new_tokens=config.max_new_tokens,
            max_tokens=config.max_tokens,
            micro_batch=config.micro_batch,
            nll_limit=config.nll_limit,
        )
        members = {"adapter": "default"}  # PEFT names its trained adapter "default"
        baseline = _attach_baseline(peft_model, config.baseline_adapter, base_identity, progress)
        if baseline is not None:
            members = {BASELINE_SYSTEM: baseline, **members}
        report = run_report(
            peft_model,
            tokenizer,
            encoder,
            dataset.eval,
            peft_systems(peft_model, members),
            options,
            runtime.device,
            progress,
            cancel,
            _dataset_info(dataset),
        )
        if baseline is not None:
            report["baselineAdapter"] = str(Path(str(config.baseline_adapter)).absolute())
            peft_model.delete_adapter(baseline)  # the bundle holds the trained adapter alone
            peft_model.set_adapter("default")
    cancel.check()
    stage = StagedBundle.create(out_dir)
    try:
        save_adapter(peft_model, stage.dir)
        if report is not None:
            write_json_atomic(stage.dir / REPORT, report)
        manifest = _manifest(
            dataset, config, runtime, base_identity, stats, len(val_examples), result, report, num_layers(model)
        )
        if continued is not None:
            manifest["continuedFrom"] = continued
        cancel.check()
        finish_manifest(stage.dir, manifest)
        stage.commit()
    except BaseException:
        stage.discard()
        raise
    return {
        "adapterDir": str(out_dir),
        "steps": result.steps,
        "loss": result.loss,
        "seconds": round(result.seconds, 3),
        "stoppedBy": result.stopped_by,
        "report": _report_summary(report),
    }


def num_layers(model: Any) -> int:
    return int(model.config.num_hidden_layers)


def _report_summary(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {"systems": report["systems"], "deltas": report["deltas"], "verdict": report["verdict"]}


def _manifest(
    dataset: Dataset,
    config: TrainConfig,
    runtime: Runtime,
    base_identity: dict[str, Any],
    stats: EncodeStats,
    n_validation: int,
    result: TrainResult,
    report: dict[str, Any] | None,
    n_layers: int,
) -> dict[str, Any]:
    repo = dataset.repo
    layers = layer_indices(n_layers, config.layers)
    return {
        "schema": MANIFEST_SCHEMA,
        "baseModel": base_identity,
        "repo": {
            "root": repo.get("root"),
            "subdir": repo.get("subdir"),
            "remote": repo.get("remote"),
            "head": repo.get("head"),
            "headTime": repo.get("headTime"),
            "branch": repo.get("branch"),
            "trainedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        # The prompt order the adapter learned; the runtime serves its workspaces with it (absent = native order).
        "prompt": {"template": dataset.template},
        "lora": {
            "r": config.rank,
            "alpha": config.alpha,
            "dropout": config.dropout,
            "useRslora": config.use_rslora,
            "targets": list(config.target_modules),
            "layers": "all" if layers is None else layers,
            "numLayers": n_layers,
        },
        "data": {
            "train": len(dataset.train),
            "eval": len(dataset.eval),
            "trainExamples": stats.examples - n_validation,
            "validationExamples": n_validation,
            **{k: v for k, v in stats.to_dict().items() if k != "examples"},
            "dataset": _dataset_info(dataset),
            "counts": dataset.manifest.get("counts"),
        },
        "training": {
            **result.to_dict(),
            "device": _device_label(runtime),
            "mode": runtime.mode,
            "precision": runtime.precision,
            "config": config.to_dict(),
        },
        "report": report,
        "createdBy": _versions(),
    }


def _adapter_base_id(adapter_dir: Path) -> tuple[str | None, dict[str, Any] | None]:
    """Base model id recorded in the bundle: repolora.json first, else PEFT's adapter_config.json."""
    manifest: dict[str, Any] | None = None
    if (adapter_dir / "repolora.json").is_file():
        manifest = read_manifest(adapter_dir)
        base = manifest.get("baseModel", {})
        if isinstance(base, dict) and isinstance(base.get("id"), str):
            return base["id"], manifest
    config_path = adapter_dir / ADAPTER_CONFIG
    if config_path.is_file():
        data = json.loads(config_path.read_text(encoding="utf-8"))
        if isinstance(data.get("base_model_name_or_path"), str):
            return str(data["base_model_name_or_path"]), manifest
    return None, manifest


_BASELINE_PEFT_NAME = "repolora_default_system"


def _attach_baseline(
    peft_model: Any, folder: str | None, base_identity: dict[str, Any], progress: Progress
) -> str | None:
    """Loads the default completion system's adapter next to the trained one; returns its PEFT name.

    None (with a warning, so the card falls back to the raw base as baseline) when there is none or it does not
    belong to these base weights: a default adapter of another base would make a meaningless baseline.
    """
    if folder is None:
        return None
    path = Path(os.path.expanduser(folder)).absolute()
    problem = baseline_problem(path, base_identity)
    if problem is not None:
        progress.message(f"default adapter not used as the baseline: {problem}", "warning")
        return None
    try:
        peft_model.load_adapter(str(path), adapter_name=_BASELINE_PEFT_NAME)
    except (RuntimeError, ValueError, KeyError, OSError) as err:
        progress.message(f"default adapter not used as the baseline: {path} does not load: {err}", "warning")
        return None
    return _BASELINE_PEFT_NAME


def baseline_problem(folder: Path, base_identity: dict[str, Any]) -> str | None:
    """Why `folder` cannot serve as the default system's adapter for these base weights; None when it can."""
    if not (folder / ADAPTER_CONFIG).is_file():
        return f"{folder} has no {ADAPTER_CONFIG}"
    recorded = _member_base(folder)
    actual = base_identity.get("sha256")
    if recorded["sha256"] and actual and recorded["sha256"] != actual:
        return (
            f"{folder} was trained on base weights sha256 {recorded['sha256'][:12]} ({recorded['id']}), "
            f"these are {str(actual)[:12]}"
        )
    return None


def _require_peft_folders(folders: list[Path]) -> None:
    for folder in folders:
        if not (folder / ADAPTER_CONFIG).is_file():
            raise AdapterError(f"{folder} has no {ADAPTER_CONFIG}: not a PEFT adapter folder")


def _load_eval_set(dataset_dir: Path) -> Dataset:
    dataset = load_dataset(dataset_dir, need_train=False)
    if not dataset.eval:
        raise DatasetError("has no examples to evaluate", str(dataset_dir / "eval.jsonl"))
    return dataset


def _load_base_for_eval(
    config: TrainConfig, dataset: Dataset, max_tokens: int
) -> tuple[Any, Runtime, Any, Encoder, Any]:
    """The base model, its runtime, tokenizer and the report card's encoder: (source, runtime, tokenizer,
    encoder, model), after checking the tokenizer has the dataset's FIM tokens."""
    source = resolve_source(config.base_model)
    runtime = choose_runtime(config, source)
    tokenizer = load_tokenizer(source)
    check_special_tokens(tokenizer, dataset.eval)
    return source, runtime, tokenizer, Encoder(tokenizer, max_tokens), load_model(source, runtime)


def _warn_if_other_base(progress: Progress, recorded: str | None, actual: str | None, subject: str, were: str) -> None:
    """Warns (does not refuse) when the base weights' sha256 differs from the one `subject` recorded."""
    if recorded and actual and recorded != actual:
        progress.message(
            f"base model weights (sha256 {actual[:12]}) differ from the ones {subject} {were} trained on "
            f"({recorded[:12]}); scores may not reflect {subject}",
            "warning",
        )


def _attach_adapters(model: Any, adapters: list[tuple[str, Path]], base_id: str) -> Any:
    """A PeftModel over `model` holding each (name, folder) adapter under its name."""
    from peft import PeftModel

    try:
        (first_name, first_dir), rest = adapters[0], adapters[1:]
        peft_model = PeftModel.from_pretrained(model, str(first_dir), adapter_name=first_name)
        for name, folder in rest:
            peft_model.load_adapter(str(folder), adapter_name=name)
    except (RuntimeError, ValueError, KeyError) as err:
        raise AdapterError(f"adapter does not fit base model {base_id!r}: {err}") from err
    return peft_model


def eval_command(
    dataset_dir: Path,
    adapter_dir: Path,
    progress: Progress,
    cancel: CancelToken,
    base: str | None = None,
    control: Path | None = None,
    limit: int = 0,
    max_new_tokens: int = 64,
    device: str = "auto",
    baseline: Path | None = None,
    nll_limit: int = 200,
    write: bool = True,
) -> dict[str, Any]:
    """Scores base vs the default system (`baseline`, the default adapter) vs adapter (vs control) on eval.jsonl
    and writes report.json into the bundle (unless not `write`). The CLI prints the returned report as a table
    (generator/src/report/text.ts, the one table of the report card)."""
    members = [("adapter", adapter_dir)] + ([("control", control)] if control is not None else [])
    _require_peft_folders([folder for _, folder in members])
    recorded_base, manifest = _adapter_base_id(adapter_dir)
    base_id = base or recorded_base
    if base_id is None:
        raise AdapterError(f"{adapter_dir} does not say which base model it belongs to; pass --base")
    dataset = _load_eval_set(dataset_dir)
    config = TrainConfig(base_model=base_id, device=device, max_new_tokens=max_new_tokens)
    training = (manifest or {}).get("training", {})
    max_tokens = int(training.get("config", {}).get("max_tokens", config.max_tokens))
    source, runtime, tokenizer, encoder, model = _load_base_for_eval(config, dataset, max_tokens)
    if manifest is not None:
        recorded = manifest.get("baseModel", {}).get("sha256")
        _warn_if_other_base(progress, recorded, base_model_identity(source, model).get("sha256"), "the adapter", "was")
    peft_model = _attach_adapters(model, members, base_id)
    systems = {name: name for name, _ in members}
    default = _attach_baseline(
        peft_model, None if baseline is None else str(baseline), base_model_identity(source, model), progress
    )
    if default is not None:
        systems = {BASELINE_SYSTEM: default, **systems}
    options = EvalOptions(limit=limit, max_new_tokens=max_new_tokens, max_tokens=max_tokens, nll_limit=nll_limit)
    report = run_report(
        peft_model,
        tokenizer,
        encoder,
        dataset.eval,
        peft_systems(peft_model, systems),
        options,
        runtime.device,
        progress,
        cancel,
        _dataset_info(dataset),
    )
    if control is not None:
        report["control"] = str(control.absolute())
    cancel.check()
    if write and manifest is not None:
        update_report(adapter_dir, report)
    elif write:
        write_json_atomic(adapter_dir / REPORT, report)
    return report


def _member_base(adapter_dir: Path) -> dict[str, Any]:
    """{'id', 'sha256'} of the base model an adapter says it belongs to (sha256 only from a bundle)."""
    base_id, manifest = _adapter_base_id(adapter_dir)
    recorded = (manifest or {}).get("baseModel", {})
    sha = recorded.get("sha256") if isinstance(recorded, dict) else None
    return {"id": base_id, "sha256": sha if isinstance(sha, str) and sha else None}


def check_same_base(members: list[tuple[str, Path]]) -> dict[str, Any]:
    """Refuses a stack whose adapters were trained on different base models; returns the common base.

    Two adapters share a base when both record the base weights' sha256 and they are equal, otherwise when their
    base model ids are equal (the runtime's rule, runtime/src/adapter/peft-adapter.ts).
    """
    bases = [(name, folder, _member_base(folder)) for name, folder in members]
    first_name, first_dir, first = bases[0]
    for name, folder, base in bases[1:]:
        if first["sha256"] and base["sha256"]:
            same = first["sha256"] == base["sha256"]
        else:
            same = first["id"] is not None and first["id"] == base["id"]
        if not same:

            def say(b: dict[str, Any]) -> str:
                return f"base model {b['id']!r}" + (f" (weights sha256 {b['sha256'][:12]})" if b["sha256"] else "")

            raise AdapterError(
                f"cannot stack adapters trained on different base models: {first_name} ({first_dir}) was trained on "
                f"{say(first)}, {name} ({folder}) on {say(base)}; a stack adds their weight deltas to one base model"
            )
    return first


def parse_stack_member(value: str) -> tuple[Path, float]:
    """'dir' or 'dir:weight' (the last colon followed by a number), as `repolora complete --adapter` takes it."""
    import re

    match = re.fullmatch(r"(.*):(-?\d+(?:\.\d+)?(?:e-?\d+)?)", value)
    if match and match.group(1):
        return Path(match.group(1)), float(match.group(2))
    return Path(value), 1.0


def stack_eval_command(
    dataset_dir: Path,
    members: list[tuple[str, Path, float]],
    progress: Progress,
    cancel: CancelToken,
    out: Path | None = None,
    base: str | None = None,
    limit: int = 0,
    max_new_tokens: int = 64,
    device: str = "auto",
) -> dict[str, Any]:
    """The stack's report card: base, each adapter alone (weight 1) and the weighted stack (the runtime's
    rank-axis concatenation, `add_stacked_adapter`) on the same held-out examples, with paired-bootstrap deltas
    of every system vs base and of the stack vs each adapter. Writes `out` (report.json's format) when given."""
    if not members:
        raise AdapterError("a stack needs at least one adapter")
    names = [name for name, _, _ in members]
    if len(set(names)) != len(names) or any(n in ("base", "stack") for n in names):
        raise AdapterError(f"stack member names must be unique and not 'base' or 'stack', got {names}")
    _require_peft_folders([folder for _, folder, _ in members])
    common = check_same_base([(name, folder) for name, folder, _ in members])
    base_id = base or common["id"]
    if base_id is None:
        raise AdapterError(f"{members[0][1]} does not say which base model it belongs to; pass --base")
    dataset = _load_eval_set(dataset_dir)
    config = TrainConfig(base_model=base_id, device=device, max_new_tokens=max_new_tokens)
    max_tokens = config.max_tokens
    for _, folder, _ in members:  # the first adapter that records its training prompt cap
        manifest = read_manifest(folder) if (folder / "repolora.json").is_file() else {}
        recorded = manifest.get("training", {}).get("config", {}).get("max_tokens")
        if isinstance(recorded, int) and recorded > 0:
            max_tokens = recorded
            break
    source, runtime, tokenizer, encoder, model = _load_base_for_eval(config, dataset, max_tokens)
    actual = base_model_identity(source, model).get("sha256")
    _warn_if_other_base(progress, common["sha256"], actual, "the adapters", "were")
    peft_model = _attach_adapters(model, [(name, folder) for name, folder, _ in members], base_id)
    rank = add_stacked_adapter(peft_model, [(name, weight) for name, _, weight in members], "__stack__")
    options = EvalOptions(limit=limit, max_new_tokens=max_new_tokens, max_tokens=max_tokens)
    report = run_report(
        peft_model,
        tokenizer,
        encoder,
        dataset.eval,
        stack_systems(peft_model, {name: name for name in names}, "__stack__"),
        options,
        runtime.device,
        progress,
        cancel,
        _dataset_info(dataset),
        verdict_system="stack",
        compare_with=names,
    )
    report["stack"] = {
        "combination": "concatenation along the rank axis: delta-W = sum of weight * scale * B @ A (the runtime's)",
        "rank": rank,
        "baseModel": {"id": base_id, "sha256": actual or common["sha256"]},
        "adapters": [
            {"system": name, "dir": str(folder.absolute()), "weight": weight} for name, folder, weight in members
        ],
    }
    cancel.check()
    if out is not None:
        out = out.absolute()
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out, report)
    return report
