"""Writes a Hugging Face Qwen2/Llama folder (safetensors, tokenizer.json) as a GGUF file for llama.cpp, and a
PEFT LoRA adapter as a GGUF LoRA adapter: the benchmark's peer (node-llama-cpp) runs the same model as the
runtime. Uses gguf-py (PyPI `gguf`, in the trainer's venv) and torch only to read bf16 safetensors.

Usage:
  python hf_to_gguf.py model MODEL_DIR OUT.gguf [--type q4_0|f32]
  python hf_to_gguf.py lora ADAPTER_DIR MODEL_DIR OUT.gguf

`q4_0` quantises every 2-D weight (token embedding included, tied head) to Q4_0 — the format of docs/DESIGN.md's
baseline; norms and biases stay f32. LoRA tensors are f32, lora_a as PEFT's [r, in], lora_b as [out, r].
Not a general converter: only the tensors a Qwen2/Llama decoder has, no rope scaling.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file


def arch_of(config: dict) -> gguf.MODEL_ARCH:
    return {"qwen2": gguf.MODEL_ARCH.QWEN2, "llama": gguf.MODEL_ARCH.LLAMA}[config["model_type"]]


def arch_name(config: dict) -> str:
    return gguf.MODEL_ARCH_NAMES[arch_of(config)]


def write_hparams(writer: gguf.GGUFWriter, config: dict) -> None:
    heads = config["num_attention_heads"]
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.get("num_key_value_heads", heads))
    # transformers 5 keeps rope_theta under rope_parameters; older configs have it at the top level.
    rope_theta = config.get("rope_theta", (config.get("rope_parameters") or {}).get("rope_theta", 10000.0))
    writer.add_rope_freq_base(float(rope_theta))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))


def write_tokenizer(writer: gguf.GGUFWriter, model_dir: Path, vocab_size: int, config: dict) -> None:
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    by_id: dict[int, str] = {i: t for t, i in tokenizer["model"]["vocab"].items()}
    special = set()
    for added in tokenizer.get("added_tokens", []):
        by_id[added["id"]] = added["content"]
        if added.get("special"):
            special.add(added["id"])
    tokens, types = [], []
    for i in range(vocab_size):
        tokens.append(by_id.get(i, f"[PAD{i}]"))
        types.append(gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"].get("merges", [])]
    if not merges:
        # llama.cpp's BPE loader wants a merges list; one merge of two byte-level characters is harmless.
        merges = ["Ġ Ġ"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2" if config["model_type"] == "qwen2" else "default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    eos = config.get("eos_token_id", 0)
    writer.add_eos_token_id(eos if isinstance(eos, int) else eos[0])
    writer.add_bos_token_id(config.get("bos_token_id", 0) or 0)
    writer.add_add_bos_token(False)


def convert_model(model_dir: Path, out: Path, qtype: str) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    arch = arch_of(config)
    names = gguf.get_tensor_name_map(arch, config["num_hidden_layers"])
    writer = gguf.GGUFWriter(str(out), arch_name(config))
    writer.add_name(model_dir.name)
    write_hparams(writer, config)
    file_type = gguf.LlamaFileType.MOSTLY_Q4_0 if qtype == "q4_0" else gguf.LlamaFileType.ALL_F32
    writer.add_file_type(file_type)
    write_tokenizer(writer, model_dir, config["vocab_size"], config)
    weights = load_file(str(model_dir / "model.safetensors"))
    for hf_name, tensor in weights.items():
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise SystemExit(f"no GGUF name for {hf_name}")
        data = tensor.to(torch.float32).numpy()
        if qtype == "q4_0" and data.ndim == 2:
            writer.add_tensor(name, gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q4_0),
                              raw_dtype=gguf.GGMLQuantizationType.Q4_0)
        else:
            writer.add_tensor(name, data.astype(np.float32))
    finish(writer)


def convert_lora(adapter_dir: Path, model_dir: Path, out: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    adapter = json.loads((adapter_dir / "adapter_config.json").read_text())
    arch = arch_of(config)
    names = gguf.get_tensor_name_map(arch, config["num_hidden_layers"])
    writer = gguf.GGUFWriter(str(out), arch_name(config))
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(adapter["lora_alpha"]))
    tensors = load_file(str(adapter_dir / "adapter_model.safetensors"))
    for peft_name, tensor in tensors.items():
        # base_model.model.<module>.lora_A.weight → GGUF <module name>.weight.lora_a
        module, kind = peft_name.removeprefix("base_model.model.").rsplit(".lora_", 1)
        base = names.get_name(f"{module}.weight", try_suffixes=(".weight",))
        if base is None:
            raise SystemExit(f"no GGUF name for {module}")
        suffix = "lora_a" if kind.startswith("A") else "lora_b"
        writer.add_tensor(f"{base}.{suffix}", tensor.to(torch.float32).numpy())
    finish(writer)


def finish(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main() -> None:
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "model":
        qtype = args[args.index("--type") + 1] if "--type" in args else "q4_0"
        convert_model(Path(args[1]), Path(args[2]), qtype)
    elif len(args) == 4 and args[0] == "lora":
        convert_lora(Path(args[1]), Path(args[2]), Path(args[3]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps({"event": "done", "out": args[-1] if args[0] == "lora" else args[2]}))


if __name__ == "__main__":
    main()
