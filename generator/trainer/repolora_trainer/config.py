"""The training recipe: one typed, validated config read once (JSON file, then CLI flags on top)."""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_BASE_MODEL = "Qwen/Qwen2.5-Coder-0.5B"
# Every linear projection of a Qwen2/Llama decoder layer: attention and MLP.
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


# The CPU recipe chosen by measurement (docs/decisions/2026-12-06-cpu-recipe-steps.md): on a CPU it replaces the
# defaults of the fields that the config file and the flags leave unset; a GPU keeps the dataclass defaults.
CPU_RECIPE: dict[str, Any] = {"lr": 1e-4, "micro_batch": 1, "grad_accum": 4, "epochs": 2.0}


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass
class TrainConfig:
    """How to train one adapter. Field names are snake_case; config files may also use camelCase."""

    base_model: str = field(
        default=DEFAULT_BASE_MODEL,
        metadata=_help(
            "Base model: a Hugging Face id (loaded from the local hub cache when offline), a local folder saved "
            "with save_pretrained, or a .gguf file (Llama/Qwen2 architectures; dequantised on load)."
        ),
    )
    revision: str | None = field(
        default=None, metadata=_help("Hub revision (branch, tag or commit) of base_model; ignored for local paths.")
    )
    rank: int = field(default=16, metadata=_help("LoRA rank r."))
    alpha: float = field(
        default=32.0, metadata=_help("LoRA alpha; the update is scaled by alpha/r (alpha/sqrt(r) with rsLoRA).")
    )
    dropout: float = field(default=0.05, metadata=_help("Dropout on the LoRA branch's input, in [0, 1)."))
    target_modules: list[str] = field(
        default_factory=lambda: list(DEFAULT_TARGET_MODULES),
        metadata=_help("Module names that get a LoRA branch (comma-separated on the command line)."),
    )
    layers: str | int = field(
        default="all",
        metadata=_help("Which decoder layers get LoRA: 'all', or N for the last N layers (Late-Stage LoRA)."),
    )
    use_rslora: bool = field(default=False, metadata=_help("Rank-stabilised LoRA scaling alpha/sqrt(r)."))
    lr: float = field(
        default=2e-4,
        metadata=_help(
            f"Peak learning rate (AdamW; linear warm-up, cosine decay). CPU: {CPU_RECIPE['lr']:g} when unset."
        ),
    )
    warmup_ratio: float = field(default=0.05, metadata=_help("Share of the steps spent warming the learning rate up."))
    weight_decay: float = field(default=0.0, metadata=_help("AdamW weight decay on the LoRA weights."))
    max_grad_norm: float = field(default=1.0, metadata=_help("Gradient clipping norm; 0 turns clipping off."))
    max_skipped_steps: int = field(
        default=5,
        metadata=_help(
            "Steps whose loss or gradient norm is NaN/Inf are skipped (no update) and counted; the run stops with "
            "DIVERGED after this many skipped in a row, or when more than max(this, 10 percent of the steps so far) "
            "were skipped in all. Must be >= 1."
        ),
    )
    max_steps: int = field(default=0, metadata=_help("Optimizer steps to run; 0 derives them from epochs."))
    epochs: float = field(
        default=1.0,
        metadata=_help(
            "Passes over train.jsonl when max_steps is 0 (may be fractional). "
            f"CPU: {CPU_RECIPE['epochs']:g} when unset."
        ),
    )
    micro_batch: int = field(
        default=4,
        metadata=_help(
            "Examples per forward pass (halved automatically on CUDA OOM). "
            f"CPU: {CPU_RECIPE['micro_batch']:g} when unset."
        ),
    )
    grad_accum: int = field(
        default=4,
        metadata=_help(f"Micro-batches accumulated per optimizer step. CPU: {CPU_RECIPE['grad_accum']:g} when unset."),
    )
    max_tokens: int = field(
        default=1024,
        metadata=_help("Sequence cap in tokens; the prompt is cut from the left, the middle is never cut."),
    )
    seed: int = field(default=0, metadata=_help("Seed for LoRA init, data order and the validation split."))
    packing: bool = field(
        default=False,
        metadata=_help(
            "Pack each micro-batch into one row (no padding), with attention kept within each example "
            "through per-example position ids."
        ),
    )
    eval_every: int = field(
        default=0,
        metadata=_help(
            "Compute validation loss every N steps (on a hold-out slice of train.jsonl, never eval.jsonl); 0 = off."
        ),
    )
    val_fraction: float = field(
        default=0.05, metadata=_help("Share of train.jsonl held out for validation loss when eval_every > 0.")
    )
    early_stopping_patience: int = field(
        default=0,
        metadata=_help("Stop after this many validation evals without improvement, keeping the best weights; 0 = off."),
    )
    budget_seconds: float = field(
        default=0.0,
        metadata=_help(
            "Time budget for the training loop in seconds; the step count is cut to fit, estimated from measured "
            "step times after a few steps. 0 = no budget."
        ),
    )
    precision: str = field(
        default="auto",
        metadata=_help("Compute precision for plain LoRA: 'auto', 'fp32' or 'bf16'. QLoRA always computes in bf16."),
    )
    device: str = field(default="auto", metadata=_help("'auto' (CUDA when available), 'cuda' or 'cpu'."))
    gradient_checkpointing: bool = field(
        default=False, metadata=_help("Recompute activations to save memory; always on under QLoRA.")
    )
    report_limit: int = field(
        default=100,
        metadata=_help(
            "eval.jsonl examples scored in the end-of-training report card; 0 = all. Each costs two greedy "
            "completions (base and adapter): seconds each for a 0.5B model on CPU."
        ),
    )
    max_new_tokens: int = field(default=64, metadata=_help("Generation cap for the report card's completions."))
    nll_limit: int = field(
        default=200,
        metadata=_help(
            "eval.jsonl examples on which the report card compares held-out NLL of the middle (forward passes "
            "only, far cheaper than completions); 0 = all. The verdict needs 100, or all when there are fewer."
        ),
    )
    baseline_adapter: str | None = field(
        default=None,
        metadata=_help(
            "The default completion system's adapter (the generic FIM adapter shipped with the project): the "
            "report card scores base + it as system 'default', and the verdict compares the new adapter with it. "
            "Skipped with a warning when it belongs to other base weights."
        ),
    )
    threads: int = field(default=0, metadata=_help("CPU threads for torch; 0 = torch's default."))
    init_adapter: str | None = field(
        default=None,
        metadata=_help(
            "Continue training this adapter (a bundle or PEFT folder with adapter_model.safetensors) instead of "
            "starting from fresh LoRA weights; its rank, alpha, targets, layers and rsLoRA setting are used, and a "
            "different explicit value is refused. Used by `repolora train --update`."
        ),
    )

    def __post_init__(self) -> None:
        # Fields set explicitly (config file or flag), as opposed to defaults; see `given`.
        self._given: frozenset[str] = frozenset()
        self._check_types()
        if not self.base_model.strip():
            raise ConfigError("base_model", "must not be empty")
        _require(self.rank >= 1, "rank", f"must be >= 1, got {self.rank}")
        _require(self.alpha > 0, "alpha", f"must be > 0, got {self.alpha}")
        _require(0.0 <= self.dropout < 1.0, "dropout", f"must be in [0, 1), got {self.dropout}")
        _require(len(self.target_modules) > 0, "target_modules", "must name at least one module")
        for name in self.target_modules:
            _require(bool(re.fullmatch(r"[A-Za-z0-9_.]+", name)), "target_modules", f"bad module name {name!r}")
        self.layers = _parse_layers(self.layers)
        _require(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        _require(0.0 <= self.warmup_ratio < 1.0, "warmup_ratio", f"must be in [0, 1), got {self.warmup_ratio}")
        _require(self.weight_decay >= 0, "weight_decay", "must be >= 0")
        _require(self.max_grad_norm >= 0, "max_grad_norm", "must be >= 0")
        _require(self.max_skipped_steps >= 1, "max_skipped_steps", f"must be >= 1, got {self.max_skipped_steps}")
        _require(self.max_steps >= 0, "max_steps", f"must be >= 0, got {self.max_steps}")
        _require(self.epochs > 0 or self.max_steps > 0, "epochs", "must be > 0 when max_steps is 0")
        _require(self.micro_batch >= 1, "micro_batch", f"must be >= 1, got {self.micro_batch}")
        _require(self.grad_accum >= 1, "grad_accum", f"must be >= 1, got {self.grad_accum}")
        _require(self.max_tokens >= 16, "max_tokens", f"must be >= 16, got {self.max_tokens}")
        _require(self.eval_every >= 0, "eval_every", "must be >= 0")
        _require(0.0 < self.val_fraction < 0.5, "val_fraction", f"must be in (0, 0.5), got {self.val_fraction}")
        _require(self.early_stopping_patience >= 0, "early_stopping_patience", "must be >= 0")
        _require(
            self.early_stopping_patience == 0 or self.eval_every > 0,
            "early_stopping_patience",
            "needs eval_every > 0 (early stopping watches the validation loss)",
        )
        _require(self.budget_seconds >= 0, "budget_seconds", "must be >= 0")
        _require(
            self.precision in ("auto", "fp32", "bf16"),
            "precision",
            f"must be auto, fp32 or bf16, got {self.precision!r}",
        )
        _require(self.device in ("auto", "cpu", "cuda"), "device", f"must be auto, cpu or cuda, got {self.device!r}")
        _require(self.report_limit >= 0, "report_limit", "must be >= 0")
        _require(self.max_new_tokens >= 1, "max_new_tokens", "must be >= 1")
        _require(self.nll_limit >= 0, "nll_limit", "must be >= 0")
        _require(self.threads >= 0, "threads", "must be >= 0")
        _require(
            self.init_adapter is None or bool(self.init_adapter.strip()),
            "init_adapter",
            "must be a folder path, or null",
        )

    def _check_types(self) -> None:
        # Config files are JSON written by another program: check types here rather than fail deep inside torch.
        for f in fields(self):
            value = getattr(self, f.name)
            expected = _EXPECTED_TYPES[f.name]
            if f.name == "target_modules":
                if isinstance(value, str):
                    value = [part.strip() for part in value.split(",") if part.strip()]
                    setattr(self, f.name, value)
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f.name, f"must be a list of strings, got {value!r}")
                continue
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                setattr(self, f.name, float(value))
                continue
            if isinstance(value, bool) and expected is not bool:
                raise ConfigError(f.name, f"must be {_type_name(expected)}, got a boolean")
            if not isinstance(value, expected):
                raise ConfigError(f.name, f"must be {_type_name(expected)}, got {type(value).__name__} {value!r}")

    def given(self, name: str) -> bool:
        """True when `name` was set explicitly by the config file or a flag rather than left at its default."""
        return name in self._given

    @property
    def effective_batch(self) -> int:
        return self.micro_batch * self.grad_accum

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_EXPECTED_TYPES: dict[str, type | tuple[type, ...]] = {
    "base_model": str,
    "revision": (str, type(None)),
    "rank": int,
    "alpha": float,
    "dropout": float,
    "target_modules": list,
    "layers": (str, int),
    "use_rslora": bool,
    "lr": float,
    "warmup_ratio": float,
    "weight_decay": float,
    "max_grad_norm": float,
    "max_skipped_steps": int,
    "max_steps": int,
    "epochs": float,
    "micro_batch": int,
    "grad_accum": int,
    "max_tokens": int,
    "seed": int,
    "packing": bool,
    "eval_every": int,
    "val_fraction": float,
    "early_stopping_patience": int,
    "budget_seconds": float,
    "precision": str,
    "device": str,
    "gradient_checkpointing": bool,
    "report_limit": int,
    "max_new_tokens": int,
    "nll_limit": int,
    "baseline_adapter": (str, type(None)),
    "threads": int,
    "init_adapter": (str, type(None)),
}


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join("null" if t is type(None) else t.__name__ for t in expected)
    return "a number" if expected is float else expected.__name__


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ConfigError(name, message)


def _parse_layers(value: str | int) -> str | int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        if value < 1:
            raise ConfigError("layers", f"last-N count must be >= 1, got {value}")
        return value
    if value.strip().lower() == "all":
        return "all"
    raise ConfigError("layers", f"must be 'all' or a positive integer N (the last N layers), got {value!r}")


def apply_cpu_recipe(config: TrainConfig) -> dict[str, Any]:
    """Sets each CPU_RECIPE field the config file and flags left unset; returns the fields it set."""
    applied = {name: value for name, value in CPU_RECIPE.items() if not config.given(name)}
    for name, value in applied.items():
        setattr(config, name, value)
    return applied


def field_names() -> list[str]:
    return [f.name for f in fields(TrainConfig)]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def config_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Builds a config from a JSON object (snake_case or camelCase keys), then applies CLI overrides."""
    known = set(field_names())
    merged: dict[str, Any] = {}
    for key, value in data.items():
        name = key if key in known else _snake(key)
        if name not in known:
            raise ConfigError(key, f"unknown field; known fields: {', '.join(sorted(known))}")
        merged[name] = value
    merged.update(overrides or {})
    try:
        config = TrainConfig(**merged)
    except TypeError as err:  # e.g. a required argument; all fields have defaults, so this is defensive
        raise ConfigError("?", str(err)) from err
    config._given = frozenset(merged)
    return config


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Reads CONFIG.json (optional) and applies overrides on top."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ConfigError("--config", f"file {path} does not exist") from err
        except json.JSONDecodeError as err:
            raise ConfigError("--config", f"{path} is not valid JSON: {err}") from err
        if not isinstance(raw, dict):
            raise ConfigError("--config", f"{path} must hold a JSON object")
        data = raw
    return config_from_dict(data, overrides)


def field_help() -> dict[str, tuple[str, Any]]:
    """Field name -> (help text, default), for the CLI."""
    out: dict[str, tuple[str, Any]] = {}
    for f in fields(TrainConfig):
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        out[f.name] = (str(f.metadata.get("help", "")), default)
    return out
