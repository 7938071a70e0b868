"""Measures LoRA training-step time on CPU in fp32 vs bf16, on random-weight models of a real shape.

Speed does not depend on the weights' values, so a randomly initialised Qwen2.5-Coder-0.5B-shaped model measures
what the real one would cost. Usage (from the repo root):

    .venv/bin/python bench/speed/cpu_precision.py --shape tiny --steps 20
    .venv/bin/python bench/speed/cpu_precision.py --shape qwen2.5-coder-0.5b --seq 512 --steps 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the trainer does (repolora_trainer/__main__.py)

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "generator" / "trainer"))  # for repolora_trainer

from repolora_trainer.config import TrainConfig
from repolora_trainer.features import Example, collate_padded
from repolora_trainer.loss import target_loss_sum
from repolora_trainer.model_loading import Runtime, wrap_with_lora

SHAPES: dict[str, dict[str, Any]] = {
    "tiny": {  # the test suite's model
        "vocab_size": 512,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
    },
    "smollm2-135m": {  # HuggingFaceTB/SmolLM2-135M shape (Llama-style; built as Qwen2 here, same cost)
        "vocab_size": 49152,
        "hidden_size": 576,
        "intermediate_size": 1536,
        "num_hidden_layers": 30,
        "num_attention_heads": 9,
        "num_key_value_heads": 3,
        "tie_word_embeddings": True,
    },
    "qwen2.5-coder-0.5b": {  # Qwen/Qwen2.5-Coder-0.5B config.json
        "vocab_size": 151936,
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "tie_word_embeddings": True,
    },
}


def measure(shape: str, dtype: torch.dtype, seq: int, batch: int, steps: int, target: int) -> dict[str, Any]:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(max_position_embeddings=4096, **SHAPES[shape])).to(dtype)
    config = TrainConfig(base_model="bench", dropout=0.05)
    runtime = Runtime(torch.device("cpu"), "lora", dtype, "bench")
    model = wrap_with_lora(model, config, runtime)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    vocab = SHAPES[shape]["vocab_size"]
    examples = []
    for i in range(batch):
        ids = torch.randint(10, vocab, (seq,), generator=torch.Generator().manual_seed(i)).tolist()
        labels = [-100] * (seq - target) + ids[seq - target :]
        examples.append(Example(ids, labels, f"{i}"))
    batch_tensors = collate_padded(examples, 0)
    times = []
    for _ in range(steps + 1):  # +1 warm-up step, not counted
        t0 = time.perf_counter()
        loss, n = target_loss_sum(model, batch_tensors)
        (loss / n).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    step = statistics.median(times[1:])
    return {
        "shape": shape,
        "dtype": str(dtype).replace("torch.", ""),
        "seq": seq,
        "batch": batch,
        "threads": torch.get_num_threads(),
        "stepSeconds": round(step, 4),
        "tokensPerSec": round(seq * batch / step, 1),
        "steps": steps,
        "allSteps": [round(t, 4) for t in times],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--target", type=int, default=32, help="target (loss) tokens at the end of each row")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--dtype", choices=["both", "fp32", "bf16"], default="both")
    args = parser.parse_args()
    print(f"cpu capability {torch.backends.cpu.get_cpu_capability()}, torch {torch.__version__}", file=sys.stderr)
    dtypes = {"both": (torch.float32, torch.bfloat16), "fp32": (torch.float32,), "bf16": (torch.bfloat16,)}
    for dtype in dtypes[args.dtype]:
        result = measure(args.shape, dtype, args.seq, args.batch, args.steps, args.target)
        result["ompWaitPolicy"] = os.environ.get("OMP_WAIT_POLICY")
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
