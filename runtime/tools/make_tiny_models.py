"""Builds the runtime's parity fixtures: tiny random Qwen2 and Llama models, two PEFT LoRA adapters each, and
PyTorch+PEFT reference logits (prefill, then greedy decode with the KV cache) for no adapter, each adapter, and
the weighted stack of both.

Usage: python make_tiny_models.py OUT_DIR

Writes, per family (OUT_DIR/qwen2, OUT_DIR/llama):
  model/               config.json, model.safetensors, tokenizer.json, tokenizer_config.json (HF layout)
  adapter-1/           rank 4, all seven projections of every layer, lora_alpha 8
  adapter-2/           rank 8, use_rslora, four projections of the last layer only (the rest: rank 0)
  reference.safetensors  input_ids, then per case: <case>.prefill_logits [S, V], <case>.decode_tokens [N],
                         <case>.decode_logits [N, V] (logits after feeding decode_tokens[i])
  reference.json       prompt text, cases, stacking weights, model id

Weights are loaded and saved with safetensors only. Deterministic for a given torch/transformers/peft version.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from peft.tuners.lora import LoraLayer
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, LlamaConfig, PreTrainedModel, Qwen2Config

DECODE_STEPS = 10
STACK_WEIGHTS = {"adapter-1": 0.75, "adapter-2": -0.5}
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
]
PROMPT = "<|fim_prefix|>def add(a, b):\n    total = <|fim_suffix|>\n    return total\n<|fim_middle|>"
CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "export function sum(values: number[]): number {\n  return values.reduce((a, b) => a + b, 0);\n}\n",
    "for i in range(10):\n    print(i)\n",
    "const total = items.map((item) => item.price).reduce((a, b) => a + b, 0);\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n",
] * 4


def make_tokenizer(out: Path) -> Tokenizer:
    """A byte-level BPE with ~300 tokens and Qwen2.5-Coder's FIM special tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS, trainer=trainer)
    tokenizer.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "model_max_length": 256,
        "add_bos_token": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return tokenizer


def tiny_config(family: str, vocab_size: int) -> Qwen2Config | LlamaConfig:
    shared = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 256,
        "eos_token_id": 0,
        "bos_token_id": 0,
    }
    if family == "qwen2":
        # Like Qwen2.5-Coder-0.5B: q/k/v biases (always on in Qwen2), tied embeddings, rope theta 1e6.
        return Qwen2Config(
            **shared, intermediate_size=128, rms_norm_eps=1e-6, tie_word_embeddings=True, rope_theta=1_000_000.0
        )
    return LlamaConfig(
        **shared, intermediate_size=160, rms_norm_eps=1e-5, tie_word_embeddings=False, rope_theta=10_000.0
    )


def randomize(model: PreTrainedModel) -> None:
    """Larger-than-default random weights so logits spread over several units and errors show."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.copy_(1.0 + 0.1 * torch.randn_like(param))
            elif "embed_tokens" in name:
                param.normal_(0.0, 0.5)
            else:
                param.normal_(0.0, 0.15)


def make_adapter(base_dir: Path, out: Path, model_id: str, config: LoraConfig) -> None:
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    peft_model = get_peft_model(base, config)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                param.normal_(0.0, 0.2)  # non-zero B: an untouched PEFT init would be a no-op adapter
    peft_model.save_pretrained(out, safe_serialization=True)
    config_path = out / "adapter_config.json"
    adapter_config = json.loads(config_path.read_text())
    adapter_config["base_model_name_or_path"] = model_id
    config_path.write_text(json.dumps(adapter_config, indent=2) + "\n")


def greedy_with_cache(model: torch.nn.Module, input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """Prefill, then DECODE_STEPS greedy steps feeding one token at a time through the KV cache."""
    with torch.no_grad():
        out = model(input_ids=input_ids, use_cache=True)
        prefill_logits = out.logits[0]  # (S, V)
        past = out.past_key_values
        token = prefill_logits[-1].argmax()
        tokens, step_logits = [], []
        for _ in range(DECODE_STEPS):
            tokens.append(token)
            out = model(input_ids=token.view(1, 1), past_key_values=past, use_cache=True)
            past = out.past_key_values
            step_logits.append(out.logits[0, -1])  # (V,)
            token = out.logits[0, -1].argmax()
    return {
        "prefill_logits": prefill_logits.contiguous(),
        "decode_tokens": torch.stack(tokens).to(torch.int64),
        "decode_logits": torch.stack(step_logits).contiguous(),
    }


def scale_adapter(model: torch.nn.Module, adapter: str, weight: float) -> None:
    for module in model.modules():
        if isinstance(module, LoraLayer) and adapter in module.scaling:
            module.scaling[adapter] *= weight


def build_family(family: str, out: Path) -> None:
    torch.manual_seed({"qwen2": 1234, "llama": 5678}[family])
    model_dir = out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = make_tokenizer(model_dir)
    vocab_size = 320
    assert tokenizer.get_vocab_size() <= vocab_size
    model_id = f"repolora-tiny/{family}"

    base = AutoModelForCausalLM.from_config(tiny_config(family, vocab_size), dtype=torch.float32)
    randomize(base)
    # Llama is stored in bf16, as real checkpoints are; the reference runs in fp32 on the same (rounded) values.
    save_dtype = torch.bfloat16 if family == "llama" else torch.float32
    base.to(save_dtype).save_pretrained(model_dir, safe_serialization=True)

    adapter_configs = {
        "adapter-1": LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS, lora_dropout=0.0, bias="none"),
        "adapter-2": LoraConfig(
            r=8,
            lora_alpha=16,
            use_rslora=True,
            target_modules=["q_proj", "v_proj", "up_proj", "down_proj"],
            layers_to_transform=[1],
            lora_dropout=0.0,
        ),
    }
    for name, config in adapter_configs.items():
        make_adapter(model_dir, out / name, model_id, config)

    input_ids = torch.tensor([tokenizer.encode(PROMPT).ids], dtype=torch.int64)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tensors: dict[str, torch.Tensor] = {"input_ids": input_ids[0]}
    results = {"none": greedy_with_cache(model, input_ids)}

    peft_model = PeftModel.from_pretrained(model, out / "adapter-1", adapter_name="adapter-1")
    peft_model.load_adapter(out / "adapter-2", adapter_name="adapter-2")
    peft_model.eval()
    for name in adapter_configs:
        peft_model.base_model.set_adapter(name)
        results[name] = greedy_with_cache(peft_model, input_ids)
    # Stacking: both adapters active at once, each output scaled by its weight.
    peft_model.base_model.set_adapter(list(STACK_WEIGHTS))
    for name, weight in STACK_WEIGHTS.items():
        scale_adapter(peft_model, name, weight)
    results["stacked"] = greedy_with_cache(peft_model, input_ids)

    for case, result in results.items():
        for key, value in result.items():
            tensors[f"{case}.{key}"] = value
    save_file(tensors, str(out / "reference.safetensors"))
    meta = {
        "modelId": model_id,
        "family": family,
        "prompt": PROMPT,
        "decodeSteps": DECODE_STEPS,
        "cases": list(results),
        "stackWeights": STACK_WEIGHTS,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    }
    (out / "reference.json").write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_tiny_models.py OUT_DIR")
    out = Path(sys.argv[1])
    torch.set_num_threads(1)
    for family in ("qwen2", "llama"):
        build_family(family, out / family)
    print(json.dumps({"event": "done", "out": str(out)}))


if __name__ == "__main__":
    main()
