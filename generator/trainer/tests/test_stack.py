"""Adapter stacks (org + repo): the stacked adapter is exactly the runtime's rank-axis concatenation, and the stack's
report card scores base, each adapter alone and the stack.

The runtime (runtime/src/adapter/peft-adapter.ts + stack.ts) folds each adapter's scale (alpha/r, alpha/sqrt(r)
with rsLoRA) into B, multiplies B by the adapter's weight and concatenates along the rank axis, so its delta-W
is sum_i w_i * s_i * B_i @ A_i. These tests compute that from the saved files, independently of PEFT.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import write_dataset
from safetensors.torch import load_file

from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import check_same_base, parse_stack_member, stack_eval_command
from repolora_trainer.errors import AdapterError
from repolora_trainer.evaluate import add_stacked_adapter
from repolora_trainer.progress import Progress

ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make_adapter(base: Path, out: Path, seed: int, **lora: Any) -> Path:
    """A LoRA adapter with random (non-zero) A and B, saved as the trainer saves bundles (safetensors)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    peft_model = get_peft_model(model, LoraConfig(bias="none", lora_dropout=0.0, task_type="CAUSAL_LM", **lora))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.2)
    peft_model.save_pretrained(str(out), safe_serialization=True)
    return out


def runtime_deltas(folder: Path) -> dict[str, torch.Tensor]:
    """{module path: scale * B @ A} in float64, read the way the runtime reads an adapter folder."""
    config = json.loads((folder / "adapter_config.json").read_text())
    tensors = load_file(str(folder / "adapter_model.safetensors"))
    out: dict[str, torch.Tensor] = {}
    for name, a in tensors.items():
        if ".lora_A." not in name:
            continue
        path = name.removeprefix("base_model.model.").removesuffix(".lora_A.weight")
        b = tensors[name.replace(".lora_A.", ".lora_B.")]
        r, alpha = config["r"], config["lora_alpha"]
        scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
        out[path] = scale * b.double() @ a.double()
    return out


def lora_modules(peft_model: Any) -> dict[str, Any]:
    from peft.tuners.lora import LoraLayer

    return {p: m for p, m in peft_model.base_model.model.named_modules() if isinstance(m, LoraLayer)}


@pytest.fixture(scope="module")
def two_adapters(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("stack")
    # "org": r4 on all seven projections of every layer; "repo": r2 rsLoRA on q/v of layer 1 only, so the two
    # differ in rank, scale rule, modules and layers.
    org = make_adapter(tiny_qwen, root / "org", 1, r=4, lora_alpha=8, target_modules=ALL)
    repo = make_adapter(
        tiny_qwen,
        root / "repo",
        2,
        r=2,
        lora_alpha=3,
        use_rslora=True,
        target_modules=["q_proj", "v_proj"],
        layers_to_transform=[1],
    )
    return org, repo


def load_stack(base: Path, org: Path, repo: Path, weights: tuple[float, float]) -> tuple[Any, Any, int]:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    peft_model = PeftModel.from_pretrained(model, str(org), adapter_name="org")
    peft_model.load_adapter(str(repo), adapter_name="repo")
    rank = add_stacked_adapter(peft_model, [("org", weights[0]), ("repo", weights[1])], "stack")
    return model, peft_model, rank


def test_stacked_delta_w_is_the_weighted_sum_the_runtime_computes(
    tiny_qwen: Path, two_adapters: tuple[Path, Path]
) -> None:
    org, repo = two_adapters
    w = (0.7, -1.3)
    _, peft_model, rank = load_stack(tiny_qwen, org, repo, w)
    assert rank == 6
    d_org, d_repo = runtime_deltas(org), runtime_deltas(repo)
    assert len(d_org) == 14 and len(d_repo) == 2
    modules = lora_modules(peft_model)
    assert set(modules) == set(d_org)  # every module any member covers, no more
    worst = 0.0
    for path, module in modules.items():
        assert float(module.scaling["stack"]) == 1.0
        stacked = module.get_delta_weight("stack").double()
        expected = w[0] * d_org[path]
        if path in d_repo:
            expected = expected + w[1] * d_repo[path]
        worst = max(worst, float((stacked - expected).abs().max() / expected.abs().max()))
    assert worst < 1e-6, worst


def test_stacked_forward_equals_the_base_with_the_weighted_deltas_merged(
    tiny_qwen: Path, two_adapters: tuple[Path, Path]
) -> None:
    from transformers import AutoModelForCausalLM

    org, repo = two_adapters
    w = (0.5, 2.0)
    _, peft_model, _ = load_stack(tiny_qwen, org, repo, w)
    peft_model.set_adapter("stack")
    peft_model.eval()
    ids = torch.tensor([[5, 17, 99, 3, 250, 42, 7, 8]])
    with torch.no_grad():
        stacked = peft_model(input_ids=ids).logits
    merged = AutoModelForCausalLM.from_pretrained(str(tiny_qwen), dtype=torch.float32)
    deltas = runtime_deltas(org)
    with torch.no_grad():
        for path, module in merged.named_modules():
            if path in deltas:
                delta = w[0] * deltas[path] + (w[1] * runtime_deltas(repo).get(path, torch.zeros(1)).double())
                module.weight += delta.float()
        reference = merged(input_ids=ids).logits
    assert float((stacked - reference).abs().max()) < 1e-4
    with torch.no_grad(), peft_model.disable_adapter():
        base = peft_model(input_ids=ids).logits
    assert float((stacked - base).abs().max()) > 1e-2  # the stack does change the output


def test_same_layout_as_peft_cat_where_peft_is_exact(tiny_qwen: Path, tmp_path: Path) -> None:
    """For plain LoRA on the same modules, PEFT's add_weighted_adapter(combination_type="cat") gives the same
    delta-W. With rsLoRA PEFT's stacked adapter inherits use_rslora and scales by sqrt(total rank) instead of 1,
    which is why add_stacked_adapter builds its own config."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    a = make_adapter(tiny_qwen, tmp_path / "a", 3, r=4, lora_alpha=8, target_modules=ALL)
    b = make_adapter(tiny_qwen, tmp_path / "b", 4, r=2, lora_alpha=16, target_modules=ALL)
    rs = make_adapter(tiny_qwen, tmp_path / "rs", 5, r=4, lora_alpha=8, target_modules=ALL, use_rslora=True)
    model = AutoModelForCausalLM.from_pretrained(str(tiny_qwen), dtype=torch.float32)
    peft_model = PeftModel.from_pretrained(model, str(a), adapter_name="a")
    peft_model.load_adapter(str(b), adapter_name="b")
    peft_model.load_adapter(str(rs), adapter_name="rs")
    add_stacked_adapter(peft_model, [("a", 0.6), ("b", 1.5)], "ours")
    peft_model.add_weighted_adapter(["a", "b"], [0.6, 1.5], "peft", combination_type="cat")
    add_stacked_adapter(peft_model, [("rs", 0.6), ("b", 1.5)], "ours_rs")
    peft_model.add_weighted_adapter(["rs", "b"], [0.6, 1.5], "peft_rs", combination_type="cat")
    d_rs, d_b = runtime_deltas(rs), runtime_deltas(b)
    for path, module in lora_modules(peft_model).items():
        ours = module.get_delta_weight("ours")
        assert torch.allclose(ours, module.get_delta_weight("peft"), rtol=1e-5, atol=1e-6), path
        expected = (0.6 * d_rs[path] + 1.5 * d_b[path]).float()
        assert torch.allclose(module.get_delta_weight("ours_rs"), expected, rtol=1e-5, atol=1e-6), path
        assert not torch.allclose(module.get_delta_weight("peft_rs"), expected, rtol=1e-3, atol=1e-4), path


def _bundle(folder: Path, base_id: str, sha: str | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": base_id}))
    base: dict[str, Any] = {"id": base_id}
    if sha:
        base["sha256"] = sha
    (folder / "repolora.json").write_text(json.dumps({"baseModel": base}))
    return folder


def test_a_stack_of_adapters_for_different_base_models_is_refused(tmp_path: Path) -> None:
    a = _bundle(tmp_path / "a", "qwen-0.5b", "aa" * 32)
    same_weights = _bundle(tmp_path / "b", "/models/qwen", "aa" * 32)  # another path, same weights: one base
    assert check_same_base([("org", a), ("repo", same_weights)])["sha256"] == "aa" * 32
    other = _bundle(tmp_path / "c", "qwen-0.5b", "bb" * 32)
    with pytest.raises(AdapterError, match=r"different base models: org .* 'qwen-0.5b' \(weights sha256 aaaaaaaaaaaa"):
        check_same_base([("org", a), ("repo", other)])
    no_hash = _bundle(tmp_path / "d", "llama-1b", None)
    with pytest.raises(AdapterError, match=r"repo .* base model 'llama-1b'"):
        check_same_base([("org", a), ("repo", no_hash)])


def test_parse_stack_member() -> None:
    assert parse_stack_member("/a/b:0.5") == (Path("/a/b"), 0.5)
    assert parse_stack_member("/a/b") == (Path("/a/b"), 1.0)
    assert parse_stack_member("/a:b/c:-2") == (Path("/a:b/c"), -2.0)
    assert parse_stack_member("/a/b:x") == (Path("/a/b:x"), 1.0)


def test_stack_report_card(tiny_qwen: Path, two_adapters: tuple[Path, Path], tmp_path: Path) -> None:
    org, repo = two_adapters
    dataset = write_dataset(tmp_path / "dataset", n_train=2, n_eval=6)
    out = tmp_path / "cards" / "stack.json"
    members = [("org", org, 0.5), ("repo", repo, 1.0)]
    report = stack_eval_command(
        dataset, members, Progress(None), CancelToken(), out=out, limit=4, max_new_tokens=4, device="cpu"
    )
    assert list(report["systems"]) == ["base", "org", "repo", "stack"]
    assert set(report["deltas"]) == {"org-base", "repo-base", "stack-base", "stack-org", "stack-repo"}
    for delta in report["deltas"].values():
        ci = delta["editSimilarity"]
        assert ci["low"] <= ci["mean"] <= ci["high"]
    assert report["verdict"]["system"] == "stack"
    assert report["stack"]["rank"] == 6
    assert [a["weight"] for a in report["stack"]["adapters"]] == [0.5, 1.0]
    assert json.loads(out.read_text()) == report
    assert not (org / "report.json").exists()  # the members' own report cards are not touched

    # Weights (1, 0): the stack is the org adapter alone, prediction for prediction.
    same = stack_eval_command(
        dataset, [("org", org, 1.0), ("repo", repo, 0.0)], Progress(None), CancelToken(), limit=4, max_new_tokens=4
    )
    for sample in same["samples"]:
        assert sample["predictions"]["stack"] == sample["predictions"]["org"]
    assert same["systems"]["stack"]["loss"] == pytest.approx(same["systems"]["org"]["loss"], abs=1e-5)
