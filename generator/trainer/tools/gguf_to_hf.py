"""Turns a Llama/Qwen2 GGUF file into a Hugging Face model folder (safetensors + tokenizer).

transformers dequantises the GGUF weights on load; the folder it writes is what the trainer and the runtime's
`model prepare` read, so the (slow) dequantisation happens once.

Usage: python gguf_to_hf.py MODEL.gguf OUT_DIR [--dtype bfloat16|float32]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path


def convert(gguf: Path, out: Path, dtype: str) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=getattr(torch, dtype))
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The weights are plain dequantised tensors now; without this marker save_pretrained refuses to write them.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    # Written next to the target and renamed into place, so a failed run leaves no half-written model.
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        model.save_pretrained(staged, safe_serialization=True)
        tokenizer.save_pretrained(staged)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    finally:
        if staged.exists():
            shutil.rmtree(staged, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gguf", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dtype", choices=["bfloat16", "float32"], default="bfloat16")
    args = parser.parse_args()
    if not args.gguf.is_file():
        print(f"gguf_to_hf: {args.gguf} does not exist", file=sys.stderr)
        return 2
    convert(args.gguf.resolve(), args.out.resolve(), args.dtype)
    print(f"gguf_to_hf: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
