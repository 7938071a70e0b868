"""Writes a PEFT LoRA adapter as a GGUF LoRA adapter for llama.cpp (`--lora`), Ollama (`ADAPTER`) and
node-llama-cpp, following llama.cpp's convert_lora_to_gguf.py conventions, then reads the file back and checks it.

GGUF layout (what llama.cpp's llama-adapter.cpp reads):
  general.architecture = the base model's ("qwen2", "llama"), general.type = "adapter", adapter.type = "lora",
  adapter.lora.alpha = PEFT's lora_alpha (float32);
  tensors `blk.{i}.attn_q.weight.lora_a` (PEFT lora_A, numpy [r, in]) and `....lora_b` (lora_B, [out, r]), f32.
llama.cpp scales every pair by alpha / r (r read from the tensor). Where PEFT's scale differs — rsLoRA
(alpha / sqrt(r)), rank_pattern, alpha_pattern — the difference is folded into lora_b, so the product is exact.

Usage: python export_gguf_lora.py --adapter DIR --out FILE.gguf [--base MODEL_DIR | --arch qwen2|llama]
The architecture comes from --arch, else the base folder's config.json, else repolora.json's
baseModel.modelType. Prints {"event": "done", "out", "tensors", "bytes", "maxAbsError"} or
{"event": "error", "code", "message"} (exit 2). Codes: UNSUPPORTED_ADAPTER, UNSUPPORTED_ARCH, BAD_ADAPTER.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import gguf
import numpy as np
from safetensors.numpy import load_file

ARCHS = {"qwen2": gguf.MODEL_ARCH.QWEN2, "llama": gguf.MODEL_ARCH.LLAMA, "mistral": gguf.MODEL_ARCH.LLAMA}
# Only the seven decoder projections: embeddings and the head have no lora_a/lora_b convention worth trusting.
MODULES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
UNSUPPORTED = {
    "use_dora": "DoRA needs the base weight's norms; llama.cpp's LoRA cannot express it",
    "modules_to_save": "fully trained copies of modules (modules_to_save)",
    "fan_in_fan_out": "fan_in_fan_out (Conv1D) weights",
    "lora_bias": "a bias on lora_B",
    "trainable_token_indices": "trained embedding rows",
    "layer_replication": "layer replication",
    "target_parameters": "LoRA on raw parameters",
    "alora_invocation_tokens": "activated LoRA",
}
TENSOR = re.compile(r"^base_model\.model\.model\.layers\.(\d+)\.(.+)\.lora_([AB])\.weight$")


class ToolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def is_set(value: Any) -> bool:
    return value not in (None, False, [], {}, "")


def pattern_value(patterns: dict[str, Any], module_path: str, fallback: float) -> float:
    """PEFT's get_pattern_key: the first key that matches the end of the module path."""
    for key, value in patterns.items():
        if re.match(rf"^(.*\.)?({key})$", module_path):
            return float(value)
    return fallback


def peft_scale(config: dict[str, Any], module_path: str) -> tuple[float, float]:
    """(rank, PEFT scaling) of one module."""
    rank = pattern_value(config.get("rank_pattern") or {}, module_path, float(config["r"]))
    alpha = pattern_value(config.get("alpha_pattern") or {}, module_path, float(config["lora_alpha"]))
    return rank, (alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank)


def llama_cpp_scale(alpha: float, rank: int) -> float:
    """llama-adapter.cpp: scale = alpha ? alpha / rank : 1 (times the user's adapter scale)."""
    return alpha / rank if alpha else 1.0


def read_config(adapter: Path) -> dict[str, Any]:
    if not (adapter / "adapter_config.json").is_file() or not (adapter / "adapter_model.safetensors").is_file():
        raise ToolError("BAD_ADAPTER", f"{adapter} needs adapter_config.json and adapter_model.safetensors")
    config: dict[str, Any] = json.loads((adapter / "adapter_config.json").read_text())
    if config.get("peft_type") != "LORA":
        raise ToolError("UNSUPPORTED_ADAPTER", f"peft_type is {config.get('peft_type')!r}; only LoRA converts")
    if config.get("bias", "none") != "none":
        raise ToolError("UNSUPPORTED_ADAPTER", f"bias is {config['bias']!r}: trained biases do not convert")
    for field, what in UNSUPPORTED.items():
        if is_set(config.get(field)):
            raise ToolError("UNSUPPORTED_ADAPTER", f"{field} is set: {what}; llama.cpp cannot apply it")
    return config


def resolve_arch(adapter: Path, arch: str | None, base: Path | None) -> str:
    if arch is None and base is not None:
        config_path = base / "config.json"
        if not config_path.is_file():
            raise ToolError("UNSUPPORTED_ARCH", f"{base} has no config.json")
        arch = json.loads(config_path.read_text()).get("model_type")
    if arch is None and (adapter / "repolora.json").is_file():
        base_model = json.loads((adapter / "repolora.json").read_text()).get("baseModel") or {}
        arch = base_model.get("modelType")
    if arch is None:
        raise ToolError(
            "UNSUPPORTED_ARCH",
            "cannot tell the base model's architecture: pass --arch qwen2|llama or --base <model folder>",
        )
    if arch not in ARCHS:
        raise ToolError(
            "UNSUPPORTED_ARCH",
            f"architecture {arch!r} is not supported for GGUF LoRA export (supported: {', '.join(sorted(ARCHS))})",
        )
    return arch


def collect(adapter: Path, config: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """GGUF base tensor name -> (lora_a [r, in], lora_b [out, r] with the scale difference folded in, rank)."""
    tensors = load_file(str(adapter / "adapter_model.safetensors"))
    halves: dict[str, dict[str, np.ndarray]] = {}
    for name, value in tensors.items():
        match = TENSOR.match(name)
        if not match or match.group(2) not in MODULES:
            raise ToolError(
                "UNSUPPORTED_ADAPTER",
                f"tensor {name} is not a lora_A/lora_B of a decoder projection (q/k/v/o/gate/up/down_proj)",
            )
        layer, module, half = int(match.group(1)), match.group(2), match.group(3)
        key = f"model.layers.{layer}.{module}"
        halves.setdefault(key, {})[half] = value.astype(np.float32)
    alpha = float(config["lora_alpha"])
    out: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
    for key, pair in halves.items():
        if "A" not in pair or "B" not in pair:
            raise ToolError("BAD_ADAPTER", f"{key} has only lora_{next(iter(pair))}")
        a, b = pair["A"], pair["B"]
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
            raise ToolError("BAD_ADAPTER", f"{key}: lora_A {a.shape} and lora_B {b.shape} do not pair")
        rank = a.shape[0]
        _, scale = peft_scale(config, key)
        factor = scale / llama_cpp_scale(alpha, rank)
        layer = int(key.split(".")[2])
        gguf_name = f"blk.{layer}.{MODULES[key.split('.', 3)[3]]}.weight"
        out[gguf_name] = (a, (b * factor).astype(np.float32) if factor != 1.0 else b, scale)
    return out


def write(adapter: Path, out: Path, arch: str) -> dict[str, Any]:
    config = read_config(adapter)
    pairs = collect(adapter, config)
    tmp = out.with_name(f".{out.name}.tmp")
    writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[ARCHS[arch]])
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    writer.add_name(adapter.name)
    for name in sorted(pairs):
        a, b, _ = pairs[name]
        writer.add_tensor(f"{name}.lora_a", np.ascontiguousarray(a))
        writer.add_tensor(f"{name}.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    try:
        error = verify(adapter, tmp, config)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return {
        "event": "done",
        "out": str(out),
        "arch": arch,
        "tensors": 2 * len(pairs),
        "bytes": out.stat().st_size,
        "maxAbsError": error,
    }


def verify(adapter: Path, path: Path, config: dict[str, Any]) -> float:
    """Reads the GGUF back with gguf's reader and compares llama.cpp's delta (alpha/r · B·A) with PEFT's
    (scale · B·A) for every module; returns the largest absolute difference of the delta weights."""
    reader = gguf.GGUFReader(str(path))
    fields = {f.name: f for f in reader.fields.values()}

    def text(key: str) -> str:
        field = fields[key]
        return bytes(field.parts[field.data[0]]).decode()

    if text("general.type") != "adapter" or text("adapter.type") != "lora":
        raise ToolError("BAD_ADAPTER", f"{path} does not read back as a LoRA adapter")
    alpha = float(fields["adapter.lora.alpha"].parts[-1][0])
    stored = {
        t.name: np.array(t.data, dtype=np.float32).reshape(list(reversed(t.shape.tolist()))) for t in reader.tensors
    }
    tensors = load_file(str(adapter / "adapter_model.safetensors"))
    worst = 0.0
    for name, value in tensors.items():
        match = TENSOR.match(name)
        if not match or match.group(3) != "A":
            continue
        key = f"model.layers.{match.group(1)}.{match.group(2)}"
        a = value.astype(np.float64)
        b = tensors[name.replace("lora_A", "lora_B")].astype(np.float64)
        _, scale = peft_scale(config, key)
        expected = scale * (b @ a)
        base = f"blk.{match.group(1)}.{MODULES[match.group(2)]}.weight"
        ga, gb = stored[f"{base}.lora_a"].astype(np.float64), stored[f"{base}.lora_b"].astype(np.float64)
        got = llama_cpp_scale(alpha, ga.shape[0]) * (gb @ ga)
        worst = max(worst, float(np.max(np.abs(got - expected))))
    if len(stored) != sum(1 for n in tensors if TENSOR.match(n)):
        raise ToolError("BAD_ADAPTER", f"{path} holds {len(stored)} tensors; the adapter has {len(tensors)}")
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adapter", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--base", type=Path, default=None)
    parser.add_argument("--arch", default=None)
    args = parser.parse_args()
    try:
        arch = resolve_arch(args.adapter, args.arch, args.base)
        print(json.dumps(write(args.adapter, args.out, arch)), flush=True)
    except ToolError as err:
        print(json.dumps({"event": "error", "code": err.code, "message": str(err)}), flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
