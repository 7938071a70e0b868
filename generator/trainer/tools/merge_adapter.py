"""Merges a PEFT LoRA adapter into its base model and saves a plain Hugging Face model folder (safetensors).

The result serves anywhere a normal model does (vLLM/TGI without LoRA support, transformers, ONNX export,
llama.cpp's convert_hf_to_gguf). Loads base + adapter with peft, `merge_and_unload()`, `save_pretrained`.
Nothing is downloaded: the base model must be a local folder or already in the Hugging Face cache.

Usage: python merge_adapter.py --adapter DIR --base MODEL --out DIR [--dtype float32|bfloat16|float16|auto]

Prints JSON lines: {"event": "done", "out", "tensors", "bytes"} or {"event": "error", "code", "message"}
(exit 2). Codes: BASE_MODEL_MISSING, BASE_MODEL_MISMATCH, BAD_ADAPTER, OUTPUT_EXISTS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

TOKENIZER_FILES = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "generation_config.json",
]


class ToolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def emit(event: dict[str, Any]) -> None:
    print(json.dumps(event), flush=True)


def resolve_base(base: str) -> Path:
    """A local folder, or the hub id's snapshot in the local cache; never a download."""
    path = Path(base).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ToolError("BASE_MODEL_MISSING", f"{path} has no config.json: not a Hugging Face model folder")
        return path
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(base, local_files_only=True, allow_patterns=["*.json", "*.safetensors", "*.txt"]))
    except Exception as err:  # LocalEntryNotFoundError, HFValidationError, offline errors
        raise ToolError(
            "BASE_MODEL_MISSING",
            f"base model '{base}' is not on disk (not a folder, not in the Hugging Face cache): {type(err).__name__}. "
            "Pass --base with the model folder the adapter was trained on.",
        ) from err


def weights_sha256(folder: Path) -> str | None:
    """The trainer's base weight hash: one file's sha256, or of the sorted 'name sha256' lines of several."""
    files = sorted(folder.glob("*.safetensors"))
    hashes = {}
    for f in files:
        digest = hashlib.sha256()
        with f.open("rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 23), b""):
                digest.update(chunk)
        hashes[f.name] = digest.hexdigest()
    if len(hashes) == 1:
        return next(iter(hashes.values()))
    if hashes:
        return hashlib.sha256("".join(f"{n} {h}\n" for n, h in sorted(hashes.items())).encode()).hexdigest()
    return None


def check_adapter(adapter: Path) -> dict[str, Any]:
    if not (adapter / "adapter_config.json").is_file() or not (adapter / "adapter_model.safetensors").is_file():
        raise ToolError("BAD_ADAPTER", f"{adapter} needs adapter_config.json and adapter_model.safetensors")
    config: dict[str, Any] = json.loads((adapter / "adapter_config.json").read_text())
    if config.get("peft_type") != "LORA":
        raise ToolError("BAD_ADAPTER", f"peft_type is {config.get('peft_type')!r}; only LoRA adapters merge here")
    manifest_path = adapter / "repolora.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return {"config": config, "manifest": manifest}


def merge(adapter: Path, base: str, out: Path, dtype_name: str) -> dict[str, Any]:
    info = check_adapter(adapter)
    base_dir = resolve_base(base)
    recorded = (info["manifest"].get("baseModel") or {}).get("sha256")
    if recorded:
        actual = weights_sha256(base_dir)
        if actual is not None and actual != recorded:
            raise ToolError(
                "BASE_MODEL_MISMATCH",
                f"{base_dir} has weights with sha256 {actual}; the adapter was trained on {recorded}. "
                "Merging into other weights would give a different model.",
            )
    if out.exists() and any(out.iterdir()):
        raise ToolError("OUTPUT_EXISTS", f"{out} exists and is not empty")

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    dtype: Any = "auto" if dtype_name == "auto" else getattr(torch, dtype_name)
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=dtype, local_files_only=True)
    peft_model = PeftModel.from_pretrained(model, str(adapter), is_trainable=False)
    merged = peft_model.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out), safe_serialization=True)
    for name in TOKENIZER_FILES:
        if (base_dir / name).is_file():
            shutil.copy2(base_dir / name, out / name)
    (out / "README.md").unlink(missing_ok=True)
    provenance = {
        "mergedFrom": {
            "adapter": str(adapter),
            "base": base,
            "baseSha256": recorded,
            "repo": info["manifest"].get("repo"),
            "lora": info["manifest"].get("lora"),
        }
    }
    (out / "repolora-merge.json").write_text(json.dumps(provenance, indent=2) + "\n")
    tensors = sum(1 for _ in merged.state_dict())
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    return {"event": "done", "out": str(out), "tensors": tensors, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adapter", required=True, type=Path)
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        emit(merge(args.adapter, args.base, args.out, args.dtype))
    except ToolError as err:
        emit({"event": "error", "code": err.code, "message": str(err)})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
