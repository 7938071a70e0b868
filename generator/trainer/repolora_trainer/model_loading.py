"""Finds and loads the base model and tokenizer, picks QLoRA or plain LoRA, and wraps the model with PEFT.

Real loading code throughout: a hub id goes through `from_pretrained` (served from the local Hugging Face cache
when the hub is out of reach), a folder is loaded as saved, and a `.gguf` file is dequantised by transformers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from .bundle import ADAPTER_CONFIG, ADAPTER_WEIGHTS, MANIFEST, verify_bundle
from .config import DEFAULT_TARGET_MODULES, TrainConfig
from .errors import AdapterError, ConfigError, ModelNotFoundError
from .hashing import sha256_file

Mode = Literal["qlora", "lora"]


@dataclass(frozen=True)
class ModelSource:
    """Where the base model comes from, as `from_pretrained` needs it."""

    id: str  # as the user gave it
    kind: Literal["hub", "folder", "gguf"]
    load_path: str  # first argument of from_pretrained
    gguf_file: str | None
    revision: str | None

    def from_pretrained_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.gguf_file is not None:
            kwargs["gguf_file"] = self.gguf_file
        if self.kind == "hub" and self.revision:
            kwargs["revision"] = self.revision
        return kwargs


@dataclass(frozen=True)
class Runtime:
    """Where and how training runs, and why (the reason is shown to the user)."""

    device: torch.device
    mode: Mode
    dtype: torch.dtype
    reason: str

    @property
    def precision(self) -> str:
        return "nf4+bf16" if self.mode == "qlora" else {torch.bfloat16: "bf16", torch.float32: "fp32"}[self.dtype]


def resolve_source(base_model: str, revision: str | None = None) -> ModelSource:
    """Classifies base_model as a .gguf file, a local folder or a hub id."""
    path = Path(os.path.expanduser(base_model))
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelNotFoundError(f"GGUF file {path} does not exist")
        return ModelSource(base_model, "gguf", str(path.parent), path.name, None)
    if path.is_dir():
        if not (path / "config.json").is_file() and not any(path.glob("*.gguf")):
            raise ModelNotFoundError(f"{path} has no config.json: not a model saved with save_pretrained")
        return ModelSource(base_model, "folder", str(path), None, None)
    looks_like_path = base_model.startswith(("/", "./", "../", "~")) or base_model.count("/") > 1
    if looks_like_path:
        raise ModelNotFoundError(f"model folder {path} does not exist")
    return ModelSource(base_model, "hub", base_model, None, revision)


def bitsandbytes_usable() -> bool:
    """bitsandbytes is only used with CUDA; importing it elsewhere is skipped on purpose."""
    return torch.cuda.is_available() and importlib.util.find_spec("bitsandbytes") is not None


def cpu_supports_bf16() -> bool:
    # oneDNN runs bf16 matmuls natively only with AVX512-BF16 / AMX; elsewhere they are emulated and slow.
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


# Below this size bf16 on CPU loses to fp32 even with native bf16: conversion overhead beats the matmul gain
# (tiny test model: 25 ms fp32 vs 35 ms bf16; Qwen2.5-Coder-0.5B shape: 4.4-7.3 s fp32 vs 2.5-4.7 s bf16).
BF16_MIN_PARAMS = 50_000_000


def cpu_precision(param_count: int | None, native_bf16: bool) -> torch.dtype:
    """precision 'auto' on CPU: bf16 only where the CPU runs it natively and the model is big enough to gain."""
    if native_bf16 and param_count is not None and param_count >= BF16_MIN_PARAMS:
        return torch.bfloat16
    return torch.float32


def count_parameters(source: ModelSource) -> int | None:
    """Parameter count from the model's config alone (built on the meta device: no memory, no weights read)."""
    try:
        from transformers import AutoConfig, AutoModelForCausalLM

        config = AutoConfig.from_pretrained(source.load_path, **source.from_pretrained_kwargs())
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        return int(sum(p.numel() for p in model.parameters()))
    except Exception:  # only a hint for the precision choice; loading reports real errors
        return None


def choose_runtime(config: TrainConfig, source: ModelSource | None = None) -> Runtime:
    cuda = torch.cuda.is_available()
    if config.device == "cuda" and not cuda:
        raise ConfigError("device", "'cuda' was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    if cuda and config.device != "cpu":
        device = torch.device("cuda", 0)
        if bitsandbytes_usable():
            return Runtime(
                device, "qlora", torch.bfloat16, "CUDA and bitsandbytes: QLoRA (4-bit NF4 base, bf16 compute)"
            )
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        return Runtime(device, "lora", dtype, "CUDA without bitsandbytes: plain LoRA on the GPU")
    device = torch.device("cpu")
    if config.precision == "bf16":
        return Runtime(device, "lora", torch.bfloat16, "no CUDA: plain LoRA on CPU in bf16 (asked for)")
    if config.precision == "fp32":
        return Runtime(device, "lora", torch.float32, "no CUDA: plain LoRA on CPU in fp32 (asked for)")
    # auto: measured in docs/decisions/2026-11-23-trainer-cpu-precision.md.
    native = cpu_supports_bf16()
    params = count_parameters(source) if source is not None and native else None
    if cpu_precision(params, native) == torch.bfloat16:
        return Runtime(device, "lora", torch.bfloat16, "no CUDA: plain LoRA on CPU in bf16 (native bf16 on this CPU)")
    return Runtime(device, "lora", torch.float32, "no CUDA: plain LoRA on CPU in fp32")


def _not_found(source: ModelSource, err: Exception) -> ModelNotFoundError:
    hint = (
        "this machine cannot reach the model hub, so the model must already be in the Hugging Face cache "
        "(HF_HOME), or pass a local folder or .gguf file as base_model"
        if source.kind == "hub"
        else "check the path"
    )
    return ModelNotFoundError(f"cannot load base model {source.id!r}: {err}. {hint}")


def load_tokenizer(source: ModelSource) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source.load_path, **source.from_pretrained_kwargs())
    except (OSError, ValueError) as err:
        raise _not_found(source, err) from err
    if tokenizer.pad_token_id is None:
        # Padding is masked out of attention and loss, so any id works; EOS is the usual choice.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(source: ModelSource, runtime: Runtime) -> Any:
    from transformers import AutoModelForCausalLM

    kwargs = source.from_pretrained_kwargs()
    kwargs["dtype"] = runtime.dtype
    if runtime.mode == "qlora":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
        kwargs["device_map"] = {"": runtime.device.index or 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(source.load_path, **kwargs)
    except (OSError, ValueError) as err:
        raise _not_found(source, err) from err
    if runtime.mode != "qlora":
        model.to(runtime.device)
    return model


def layer_indices(num_layers: int, layers: str | int) -> list[int] | None:
    """'all' -> None (PEFT's 'every layer'); N -> the indices of the last N layers."""
    if layers == "all":
        return None
    assert isinstance(layers, int)
    if layers > num_layers:
        raise ConfigError("layers", f"asks for the last {layers} layers but the model has only {num_layers}")
    return list(range(num_layers - layers, num_layers))


def _prepare_for_training(model: Any, config: TrainConfig, runtime: Runtime) -> Any:
    """QLoRA's k-bit preparation, or gradient checkpointing when asked for: before any LoRA branch is added."""
    from peft import prepare_model_for_kbit_training

    if runtime.mode == "qlora":
        return prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=True, gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    return model


def wrap_with_lora(model: Any, config: TrainConfig, runtime: Runtime) -> Any:
    """Freezes the base model and adds LoRA branches on the configured modules and layers."""
    from peft import LoraConfig, get_peft_model

    num_layers = int(model.config.num_hidden_layers)
    lora_config = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=list(config.target_modules),
        layers_to_transform=layer_indices(num_layers, config.layers),
        use_rslora=config.use_rslora,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = _prepare_for_training(model, config, runtime)
    try:
        return get_peft_model(model, lora_config)
    except ValueError as err:
        raise ConfigError("target_modules", f"{err}") from err


_PICKLE_WEIGHTS = ("adapter_model.bin", "adapter_model.pt", "adapter_model.pth")


def _read_json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise AdapterError(f"init_adapter: cannot read {path}: {err}") from err
    if not isinstance(data, dict):
        raise AdapterError(f"init_adapter: {path} must hold a JSON object")
    return data


def _layers_of(layers_to_transform: Any, num_layers: int) -> str | int:
    """PEFT's layers_to_transform as the config's 'all' / last-N; anything else cannot be continued."""
    if layers_to_transform is None:
        return "all"
    indices = [layers_to_transform] if isinstance(layers_to_transform, int) else layers_to_transform
    if isinstance(indices, list) and all(isinstance(i, int) for i in indices):
        if sorted(indices) == list(range(num_layers)):
            return "all"
        if indices and sorted(indices) == list(range(num_layers - len(indices), num_layers)):
            return len(indices)
    raise AdapterError(
        f"init_adapter trains layers {layers_to_transform!r}, which is neither all layers nor the last N of "
        f"{num_layers}; train from scratch instead"
    )


def init_adapter_recipe(folder: Path, num_layers: int) -> dict[str, Any]:
    """The LoRA settings of the adapter to continue, as config fields; refuses what the trainer cannot continue."""
    cfg = _read_json_object(folder / ADAPTER_CONFIG)
    if str(cfg.get("peft_type", "LORA")).upper() != "LORA":
        raise AdapterError(f"init_adapter {folder} is a {cfg.get('peft_type')} adapter, not LoRA")
    refusals = {
        "use_dora": bool(cfg.get("use_dora")),
        "bias": cfg.get("bias", "none") not in (None, "none"),
        "modules_to_save": bool(cfg.get("modules_to_save")),
        "rank_pattern": bool(cfg.get("rank_pattern")),
        "alpha_pattern": bool(cfg.get("alpha_pattern")),
    }
    bad = [name for name, present in refusals.items() if present]
    if bad:
        raise AdapterError(
            f"init_adapter {folder} uses {', '.join(bad)}, which this trainer never creates and cannot continue; "
            "train from scratch instead"
        )
    targets = cfg.get("target_modules")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise AdapterError(f"init_adapter {folder}: target_modules must be a list of module names, got {targets!r}")
    rank, alpha = cfg.get("r"), cfg.get("lora_alpha")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1 or not isinstance(alpha, int | float):
        raise AdapterError(f"init_adapter {folder}: bad r ({rank!r}) or lora_alpha ({alpha!r})")
    return {
        "rank": rank,
        "alpha": float(alpha),
        "target_modules": targets,
        "layers": _layers_of(cfg.get("layers_to_transform"), num_layers),
        "use_rslora": bool(cfg.get("use_rslora", False)),
        "dropout": float(cfg.get("lora_dropout") or 0.0),
    }


def _apply_recipe(config: TrainConfig, recipe: dict[str, Any]) -> None:
    """Takes the adapter's LoRA shape into the config; an explicit, different value is an error."""
    for name, value in recipe.items():
        current = getattr(config, name)
        same = set(current) == set(value) if name == "target_modules" else current == value
        if same:
            continue
        if name == "dropout" and config.given(name):
            continue  # dropout only regularises training: an explicit value may differ
        if config.given(name):
            raise ConfigError(
                name,
                f"{current!r} differs from the adapter being continued ({value!r}); continuing an adapter keeps "
                "its LoRA shape: leave the setting out, or train from scratch without init_adapter",
            )
        if name == "target_modules":  # keep the usual order in the manifest
            order = {m: i for i, m in enumerate(DEFAULT_TARGET_MODULES)}
            value = sorted(value, key=lambda m: (order.get(m, len(order)), m))
        setattr(config, name, value)


def continue_lora(
    model: Any, config: TrainConfig, runtime: Runtime, base_identity: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """Wraps the model with the LoRA weights of `config.init_adapter`, trainable, instead of fresh ones.

    The adapter's rank, alpha, targets, layers and rsLoRA setting become the config's (so the manifest records what
    was trained); only adapter_model.safetensors is read, and a bundle's files must match their recorded sha256.
    Returns the PEFT model and what it continued from, for the manifest.
    """
    from peft import LoraConfig, PeftModel, get_peft_model_state_dict
    from safetensors import safe_open

    assert config.init_adapter is not None
    folder = Path(os.path.expanduser(config.init_adapter)).absolute()
    if not folder.is_dir():
        raise AdapterError(f"init_adapter {folder} is not a folder")
    if not (folder / ADAPTER_CONFIG).is_file():
        raise AdapterError(f"init_adapter {folder} has no {ADAPTER_CONFIG}: not a PEFT adapter folder")
    weights = folder / ADAPTER_WEIGHTS
    if not weights.is_file():
        pickles = [name for name in _PICKLE_WEIGHTS if (folder / name).exists()]
        found = f" (it has {', '.join(pickles)}: pickle files are never loaded)" if pickles else ""
        raise AdapterError(f"init_adapter {folder} has no {ADAPTER_WEIGHTS}{found}")
    manifest: dict[str, Any] = {}
    if (folder / MANIFEST).is_file():
        manifest = verify_bundle(folder)  # every file as recorded: no hand-edited or half-copied weights
    recorded = manifest.get("baseModel") if isinstance(manifest.get("baseModel"), dict) else {}
    assert isinstance(recorded, dict)
    recorded_sha, actual_sha = recorded.get("sha256"), base_identity.get("sha256")
    if recorded_sha and actual_sha and recorded_sha != actual_sha:
        raise AdapterError(
            f"init_adapter {folder} was trained on base model {recorded.get('id')!r} (weights sha256 "
            f"{str(recorded_sha)[:12]}), not on {config.base_model!r} (sha256 {str(actual_sha)[:12]})"
        )
    num_layers = int(model.config.num_hidden_layers)
    _apply_recipe(config, init_adapter_recipe(folder, num_layers))
    lora_config = LoraConfig.from_pretrained(str(folder))
    lora_config.lora_dropout = config.dropout
    model = _prepare_for_training(model, config, runtime)
    try:
        peft_model = PeftModel.from_pretrained(model, str(folder), config=lora_config, is_trainable=True)
    except (RuntimeError, ValueError, KeyError) as err:
        raise AdapterError(f"init_adapter {folder} does not fit base model {config.base_model!r}: {err}") from err
    with safe_open(str(weights), framework="pt") as handle:
        saved = set(handle.keys())
    loaded = {k for k in get_peft_model_state_dict(peft_model) if "lora_" in k}
    if {k for k in saved if "lora_" in k} != loaded:
        missing = sorted(loaded - saved)[:3]
        raise AdapterError(f"init_adapter {folder}: its weights do not cover the model's LoRA modules {missing}")
    repo = manifest.get("repo") if isinstance(manifest.get("repo"), dict) else {}
    assert isinstance(repo, dict)
    info = {
        "dir": str(folder),
        "weightsSha256": sha256_file(weights),
        "repoHead": repo.get("head"),
        "trainedAt": repo.get("trainedAt"),
    }
    return peft_model, info


def weight_files(source: ModelSource) -> list[Path]:
    """The files holding the base weights: *.safetensors of a folder or hub snapshot, or the .gguf file."""
    if source.kind == "gguf":
        assert source.gguf_file is not None
        return [Path(source.load_path) / source.gguf_file]
    folder: Path | None = Path(source.load_path) if source.kind == "folder" else None
    if folder is None:
        try:
            from huggingface_hub import snapshot_download

            folder = Path(
                snapshot_download(
                    source.load_path,
                    revision=source.revision,
                    local_files_only=True,
                    allow_patterns=["*.safetensors", "*.bin", "*.json"],
                )
            )
        except Exception:  # the identity is best effort for hub models; loading itself already succeeded
            return []
    files = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    return files


def base_model_identity(source: ModelSource, model: Any) -> dict[str, Any]:
    """What the runtime checks before accepting an adapter: id, revision, weight hash and shapes."""
    files = weight_files(source)
    hashes = {f.name: sha256_file(f) for f in files}
    if len(hashes) == 1:
        combined: str | None = next(iter(hashes.values()))
    elif hashes:
        # Several shards: hash of the sorted "name sha256" lines, so the value is still one string to compare.
        combined = hashlib.sha256("".join(f"{n} {h}\n" for n, h in sorted(hashes.items())).encode()).hexdigest()
    else:
        combined = None
    cfg = model.config
    revision = source.revision
    commit = getattr(cfg, "_commit_hash", None)
    if source.kind == "hub" and isinstance(commit, str):
        revision = commit
    return {
        "id": source.id,
        "source": source.kind,
        "revision": revision,
        "sha256": combined,
        "weightFiles": hashes,
        "modelType": getattr(cfg, "model_type", None),
        "architectures": getattr(cfg, "architectures", None),
        "numLayers": getattr(cfg, "num_hidden_layers", None),
        "hiddenSize": getattr(cfg, "hidden_size", None),
        "intermediateSize": getattr(cfg, "intermediate_size", None),
        "numAttentionHeads": getattr(cfg, "num_attention_heads", None),
        "numKeyValueHeads": getattr(cfg, "num_key_value_heads", None),
        "vocabSize": getattr(cfg, "vocab_size", None),
    }
