"""Fixtures: a tiny byte-level BPE tokenizer with Qwen2.5-Coder's FIM tokens, tiny random Qwen2 and Llama models
saved with save_pretrained (safetensors), and tiny datasets in the generator's record format.

Nothing is downloaded: the models are built from configs, the tokenizer is trained here on generated code.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# As in __main__: OpenMP threads sleep rather than spin while waiting (see repolora_trainer/__main__.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
import torch

TRAINER_ROOT = Path(__file__).resolve().parents[1]
QWEN_SPECIALS = [
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
]
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def code_lines() -> list[str]:
    """A few hundred lines of generated Python and TypeScript to train the tokenizer on."""
    lines = []
    for i in range(150):
        lines.append(f"def scale_{i}(value, factor):\n    return value * factor + {i}\n")
        lines.append(f"export function clamp{i}(x: number): number {{ return Math.min(x, {i}); }}\n")
        lines.append(f"    result = compute(items[{i}], key='k{i}')  # step {i}\n")
    return lines


def build_tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=QWEN_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(code_lines(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    fast.save_pretrained(str(folder))
    return fast


def build_model(folder: Path, arch: str, vocab_size: int, eos_id: int, layers: int = 2) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    common: dict[str, Any] = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 1024,
        "eos_token_id": eos_id,
        "bos_token_id": eos_id,
        "pad_token_id": eos_id,
        "tie_word_embeddings": True,
    }
    torch.manual_seed(1234)
    model: Any
    model = Qwen2ForCausalLM(Qwen2Config(**common)) if arch == "qwen2" else LlamaForCausalLM(LlamaConfig(**common))
    model.save_pretrained(str(folder), safe_serialization=True)


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-qwen2")
    tok = build_tokenizer(folder)
    build_model(folder, "qwen2", len(tok), tok.eos_token_id)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = build_tokenizer(folder)
    build_model(folder, "llama", len(tok), tok.eos_token_id)
    return folder


def build_gguf(hf_folder: Path, out: Path) -> None:
    """Writes the tiny Qwen2 model and its tokenizer as an f32 GGUF file, with llama.cpp's tensor names."""
    import gguf
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(hf_folder))
    cfg = model.config
    writer = gguf.GGUFWriter(str(out), "qwen2")
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    writer.add_rope_freq_base(float(cfg.rope_parameters["rope_theta"]))
    writer.add_vocab_size(cfg.vocab_size)
    spec = json.loads((hf_folder / "tokenizer.json").read_text())
    tokens = [""] * len(spec["model"]["vocab"])
    for token, index in spec["model"]["vocab"].items():
        tokens[index] = token
    special = {added["content"] for added in spec["added_tokens"]}
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in special else 1 for t in tokens])  # 3 = control (special) token
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in spec["model"]["merges"]])
    eos = tokens.index("<|endoftext|>")
    writer.add_eos_token_id(eos)
    writer.add_bos_token_id(eos)
    writer.add_pad_token_id(eos)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, cfg.num_hidden_layers)
    for name, tensor in model.state_dict().items():
        gguf_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert gguf_name is not None, name
        writer.add_tensor(gguf_name, tensor.float().numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture(scope="session")
def tiny_gguf(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gguf") / "tiny-qwen2-f32.gguf"
    build_gguf(tiny_qwen, path)
    return path


@pytest.fixture(scope="session")
def tokenizer(tiny_qwen: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_qwen))


def _hex(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def prompt_text(path: str, prefix: str, suffix: str) -> str:
    """Qwen2.5-Coder's repo-level FIM layout, as the TypeScript prompt builder renders it."""
    return f"<|repo_name|>demo\n<|file_sep|>{path}\n<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"


def make_record(i: int, split: str, middle: str | None = None) -> dict[str, Any]:
    path = f"src/mod{i % 5}.py"
    prefix = f"def scale_{i}(value, factor):\n    return "
    middle = middle if middle is not None else f"value * factor + {i}"
    suffix = "\n"
    text = prompt_text(path, prefix, suffix)
    return {
        "schema": 1,
        "id": _hex(f"{split}-{i}", 16),
        "repo": "demo",
        "path": path,
        "language": "python",
        "commit": COMMIT,
        "split": split,
        "prefix": prefix,
        "middle": middle,
        "suffix": suffix,
        "context": [{"path": "src/util.py", "text": "def compute(x):\n    return x\n", "reason": "import"}],
        "span": {"kind": "expression", "startByte": 10, "endByte": 10 + len(middle), "startLine": 1},
        "prompt": {
            "template": "qwen2.5-coder",
            "text": text,
            "completionEnd": "<|endoftext|>",
            "tokens": len(text) // 3,
        },
    }


def dataset_manifest(n_train: int, n_eval: int) -> dict[str, Any]:
    return {
        "schema": 1,
        "createdAt": "2026-11-23T12:00:00Z",
        "generator": {"version": "0.1.0"},
        "repo": {
            "root": "/work/demo",
            "subdir": "",
            "remote": "https://example.invalid/demo.git",
            "head": COMMIT,
            "headTime": "2026-11-20T10:00:00Z",
            "branch": "main",
            "shallow": False,
        },
        "cutoff": {"commit": COMMIT, "time": "2026-11-01T00:00:00Z", "source": "default", "evalLineShare": 0.1},
        "options": {"seed": 0, "template": "qwen2.5-coder", "maxPromptTokens": 1024, "languages": None, "spanMix": {}},
        "tokenizer": None,
        "counts": {"files": 5, "lines": 100, "train": n_train, "eval": n_eval},
        "warnings": [],
        "timings": {},
    }


def write_dataset(folder: Path, n_train: int = 40, n_eval: int = 10, lines: dict[str, list[str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    train = [json.dumps(make_record(i, "train")) for i in range(n_train)]
    evals = [json.dumps(make_record(1000 + i, "eval")) for i in range(n_eval)]
    if lines:
        train = lines.get("train", train)
        evals = lines.get("eval", evals)
    (folder / "train.jsonl").write_text("\n".join(train) + "\n", encoding="utf-8")
    (folder / "eval.jsonl").write_text("\n".join(evals) + "\n", encoding="utf-8")
    (folder / "dataset.json").write_text(json.dumps(dataset_manifest(n_train, n_eval)), encoding="utf-8")
    return folder


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "dataset")


def run_cli(args: list[str], timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Runs `python -m repolora_trainer` as a child process, as the TypeScript generator does."""
    env = {**os.environ, "PYTHONPATH": str(TRAINER_ROOT), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(
        [sys.executable, "-m", "repolora_trainer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
        **kwargs,
    )


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object (the protocol allows nothing else)."""
    events = []
    for line in stdout.splitlines():
        event = json.loads(line)
        assert isinstance(event, dict) and "event" in event, line
        events.append(event)
    return events


FAST_CONFIG: dict[str, Any] = {
    "rank": 8,
    "alpha": 16,
    "dropout": 0.0,
    "lr": 5e-3,
    "micro_batch": 4,
    "grad_accum": 1,
    "max_tokens": 128,
    "warmup_ratio": 0.0,
    "max_new_tokens": 12,
    "report_limit": 0,
}


@pytest.fixture
def fast_config() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        return {**FAST_CONFIG, **overrides}

    return make


def load_bench_tool(relative: str) -> Any:
    """A script under bench/ (not a package) loaded as a module, for testing its functions."""
    import importlib.util

    path = TRAINER_ROOT.parents[1] / "bench" / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
