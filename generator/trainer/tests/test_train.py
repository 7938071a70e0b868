from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import write_dataset
from safetensors import safe_open

from repolora_trainer import train as train_module
from repolora_trainer.bundle import verify_bundle
from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import train_command
from repolora_trainer.config import CPU_RECIPE, TrainConfig, config_from_dict
from repolora_trainer.errors import CancelledError, ConfigError, OutOfMemoryError
from repolora_trainer.hashing import sha256_file
from repolora_trainer.model_loading import Runtime
from repolora_trainer.progress import Progress
from repolora_trainer.train import Trainer, lr_at, planned_steps


def _train(
    dataset: Path, out: Path, base: Path, run_eval: bool = False, progress: Progress | None = None, **fields: Any
) -> tuple[dict[str, Any], Progress]:
    from conftest import FAST_CONFIG

    config = config_from_dict({**FAST_CONFIG, "base_model": str(base), **fields})
    progress = progress or Progress(io.StringIO())
    done = train_command(dataset, config, out, progress, CancelToken(), run_eval=run_eval)
    return done, progress


def _steps(progress: Progress) -> list[dict[str, Any]]:
    return [e for e in progress.events if e["event"] == "step"]


def test_training_lowers_the_loss_on_a_memorisable_set(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    done, progress = _train(dataset, tmp_path / "adapter", tiny_qwen, max_steps=30)
    steps = _steps(progress)
    assert [s["step"] for s in steps] == list(range(1, 31))
    assert all(s["of"] == 30 for s in steps)
    first = sum(s["loss"] for s in steps[:3]) / 3
    last = sum(s["loss"] for s in steps[-3:]) / 3
    assert last < first - 0.5, (first, last)
    assert done["steps"] == 30
    assert done["stoppedBy"] == "steps"
    assert all(s["tokensPerSec"] > 0 and s["etaSec"] >= 0 for s in steps)


def test_cpu_training_takes_the_cpu_recipe_for_the_fields_left_unset(
    dataset: Path, tiny_qwen: Path, tmp_path: Path
) -> None:
    from conftest import FAST_CONFIG

    unset = {"micro_batch", "grad_accum", "lr"}
    fields = {k: v for k, v in FAST_CONFIG.items() if k not in unset}
    config = config_from_dict({**fields, "base_model": str(tiny_qwen), "max_steps": 1, "device": "cpu"})
    progress = Progress(io.StringIO())
    train_command(dataset, config, tmp_path / "adapter", progress, CancelToken(), run_eval=False)
    start = next(e for e in progress.events if e["event"] == "start")
    assert start["effectiveBatch"] == CPU_RECIPE["micro_batch"] * CPU_RECIPE["grad_accum"]
    assert any(e["event"] == "message" and "CPU recipe" in e["message"] for e in progress.events)
    recorded = json.loads((tmp_path / "adapter" / "repolora.json").read_text())["training"]["config"]
    assert {k: recorded[k] for k in unset} == {k: CPU_RECIPE[k] for k in unset}
    assert recorded["rank"] == FAST_CONFIG["rank"]  # given: kept


@pytest.fixture(scope="module")
def bundle(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    dataset = write_dataset(root / "dataset")
    _train(dataset, root / "adapter", tiny_qwen, run_eval=True, max_steps=12)
    return root / "adapter"


def test_bundle_files_and_manifest(bundle: Path, tiny_qwen: Path) -> None:
    names = sorted(p.name for p in bundle.iterdir())
    assert names == ["adapter_config.json", "adapter_model.safetensors", "repolora.json", "report.json"]
    manifest = verify_bundle(bundle)  # every listed file is there with its sha256
    assert set(manifest["files"]) == {"adapter_config.json", "adapter_model.safetensors", "report.json"}
    for name, digest in manifest["files"].items():
        assert sha256_file(bundle / name) == digest
    assert manifest["schema"] == 1
    assert manifest["baseModel"]["sha256"] == sha256_file(tiny_qwen / "model.safetensors")
    assert manifest["baseModel"]["numLayers"] == 2
    assert manifest["repo"]["head"] == "0123456789abcdef0123456789abcdef01234567"
    assert manifest["repo"]["remote"] == "https://example.invalid/demo.git"
    assert manifest["repo"]["trainedAt"]
    assert manifest["prompt"] == {"template": "qwen2.5-coder"}  # what the runtime serves this adapter with
    assert manifest["lora"] == {
        "r": 8,
        "alpha": 16.0,
        "dropout": 0.0,
        "useRslora": False,
        "targets": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "layers": "all",
        "numLayers": 2,
    }
    assert manifest["data"]["train"] == 40
    assert manifest["data"]["eval"] == 10
    assert manifest["training"]["steps"] == 12
    assert manifest["training"]["mode"] == "lora"
    assert manifest["training"]["device"].startswith("cpu")
    report = json.loads((bundle / "report.json").read_text())
    assert manifest["report"] == report
    assert set(report["systems"]) == {"base", "adapter"}
    assert report["examples"] == 10


def test_adapter_loads_with_peft_and_changes_logits(bundle: Path, tiny_qwen: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    ids = torch.tensor([[1, 20, 30, 40, 2]])
    base = AutoModelForCausalLM.from_pretrained(str(tiny_qwen)).eval()
    with torch.no_grad():
        before = base(input_ids=ids).logits
    model = PeftModel.from_pretrained(base, str(bundle)).eval()
    with torch.no_grad():
        after = model(input_ids=ids).logits
        with model.disable_adapter():
            disabled = model(input_ids=ids).logits
    assert not torch.allclose(before, after, atol=1e-4)
    assert torch.allclose(before, disabled)


def test_last_n_layers_trains_only_those_layers(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    _train(dataset, out, tiny_qwen, max_steps=2, layers=1)
    with safe_open(str(out / "adapter_model.safetensors"), framework="pt") as handle:
        keys = list(handle.keys())
    assert keys and all(".layers.1." in k for k in keys), keys
    assert len(keys) == 7 * 2  # 7 target modules x (lora_A, lora_B) in one layer
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["layers_to_transform"] == [1]
    assert json.loads((out / "repolora.json").read_text())["lora"]["layers"] == [1]


def test_too_many_layers_is_a_config_error(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model has only 2"):
        _train(dataset, tmp_path / "adapter", tiny_qwen, max_steps=1, layers=3)


def test_llama_architecture_trains(tmp_path: Path, tiny_llama: Path) -> None:
    dataset = write_dataset(tmp_path / "dataset", n_train=8, n_eval=2)
    done, progress = _train(
        dataset, tmp_path / "adapter", tiny_llama, max_steps=3, packing=True, use_rslora=True, precision="bf16"
    )
    assert done["steps"] == 3
    manifest = verify_bundle(tmp_path / "adapter")
    assert manifest["baseModel"]["modelType"] == "llama"
    assert manifest["lora"]["useRslora"] is True
    assert manifest["training"]["precision"] == "bf16"
    assert all(isinstance(s["loss"], float) for s in _steps(progress))


def test_cpu_precision_choice(tiny_qwen: Path) -> None:
    from transformers import AutoModelForCausalLM

    from repolora_trainer.model_loading import count_parameters, cpu_precision, resolve_source

    assert cpu_precision(494_000_000, native_bf16=True) == torch.bfloat16
    assert cpu_precision(494_000_000, native_bf16=False) == torch.float32  # emulated bf16 is slow
    assert cpu_precision(100_000, native_bf16=True) == torch.float32  # too small to gain
    assert cpu_precision(None, native_bf16=True) == torch.float32
    real = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(str(tiny_qwen)).parameters())
    assert count_parameters(resolve_source(str(tiny_qwen))) == real


def test_budget_cuts_the_step_count(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    done, progress = _train(dataset, tmp_path / "adapter", tiny_qwen, max_steps=100_000, budget_seconds=1.5)
    assert done["stoppedBy"] == "budget"
    assert 3 <= done["steps"] < 100_000
    steps = _steps(progress)
    assert steps[0]["of"] == 100_000
    assert steps[-1]["of"] == done["steps"]


def test_validation_events_and_early_stopping_keep_best_weights(
    dataset: Path, tiny_qwen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peft import get_peft_model_state_dict

    snapshots: list[dict[str, torch.Tensor]] = []
    scripted = iter([1.0, 2.0, 3.0, 4.0])

    def fake_mean_loss(model: Any, *args: Any, **kwargs: Any) -> float:
        snapshots.append({k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()})
        return next(scripted)

    monkeypatch.setattr(train_module, "mean_loss", fake_mean_loss)
    out = tmp_path / "adapter"
    done, progress = _train(dataset, out, tiny_qwen, max_steps=20, eval_every=2, early_stopping_patience=1)
    evals = [e for e in progress.events if e["event"] == "eval"]
    assert [e["step"] for e in evals] == [2, 4]
    assert done["stoppedBy"] == "early_stopping"
    assert done["steps"] == 4
    manifest = json.loads((out / "repolora.json").read_text())
    assert manifest["training"]["bestValLoss"] == 1.0
    assert manifest["data"]["validationExamples"] == 2  # 5% of 40
    with safe_open(str(out / "adapter_model.safetensors"), framework="pt") as handle:
        saved = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118 - safe_open has no iteration
    best = snapshots[0]  # the state at the first (best) validation
    assert set(saved) == set(best)
    assert all(torch.equal(saved[k], best[k]) for k in saved)
    assert not all(torch.equal(saved[k], snapshots[1][k]) for k in saved)  # not the later, worse state


def test_cancel_leaves_no_bundle_and_keeps_the_old_adapter(
    dataset: Path, tiny_qwen: Path, tmp_path: Path, bundle: Path
) -> None:
    out = tmp_path / "adapter"
    shutil.copytree(bundle, out)
    before = {p.name: sha256_file(p) for p in out.iterdir()}
    cancel = CancelToken()

    class CancelOnSecondStep(Progress):
        def emit(self, event: str, **fields: Any) -> None:
            super().emit(event, **fields)
            if event == "step" and fields["step"] == 2:
                cancel.cancel("SIGTERM")

    config = config_from_dict({"base_model": str(tiny_qwen), "max_steps": 50, "max_tokens": 128})
    progress = CancelOnSecondStep(None)
    with pytest.raises(CancelledError):
        train_command(dataset, config, out, progress, cancel)
    assert len(_steps(progress)) == 2
    assert {p.name: sha256_file(p) for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "dataset"]  # no staging folder left


def test_success_replaces_an_existing_adapter(dataset: Path, tiny_qwen: Path, tmp_path: Path, bundle: Path) -> None:
    out = tmp_path / "adapter"
    shutil.copytree(bundle, out)
    old = sha256_file(out / "adapter_model.safetensors")
    _train(dataset, out, tiny_qwen, max_steps=2, seed=7)
    assert sha256_file(out / "adapter_model.safetensors") != old
    verify_bundle(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "dataset"]


def test_refuses_to_replace_a_folder_that_is_not_an_adapter(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "important.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not an adapter bundle"):
        _train(dataset, out, tiny_qwen, max_steps=1)
    assert (out / "important.txt").read_text() == "keep me"


def test_cuda_oom_halves_the_micro_batch_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    config = TrainConfig(micro_batch=4, grad_accum=2)
    runtime = Runtime(torch.device("cuda", 0), "lora", torch.float32, "test")
    model = torch.nn.Linear(2, 2)
    monkeypatch.setattr(Trainer, "_make_optimizer", lambda self: torch.optim.SGD(model.parameters(), lr=0.1))
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    progress = Progress(None)
    trainer = Trainer(model, [], [], config, runtime, progress, CancelToken(), pad_id=0)
    seen: list[int] = []

    def fails_twice(examples: Any) -> tuple[float, int]:
        seen.append(trainer.micro_batch)
        if len(seen) < 3:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return 1.0, 10

    monkeypatch.setattr(trainer, "_accumulate", fails_twice)
    assert trainer._step([]) == (1.0, 10)
    assert seen == [4, 2, 1]
    assert (trainer.micro_batch, trainer.grad_accum) == (1, 8)  # same examples per optimizer step
    assert sum(1 for e in progress.events if e["event"] == "message") == 2

    def always_fails(examples: Any) -> tuple[float, int]:
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(trainer, "_accumulate", always_fails)
    with pytest.raises(OutOfMemoryError) as info:
        trainer._step([])
    assert info.value.code == "OOM"


def test_schedule_and_step_planning() -> None:
    assert planned_steps(40, TrainConfig(micro_batch=4, grad_accum=2, epochs=2.0)) == 10
    assert planned_steps(40, TrainConfig(max_steps=7)) == 7
    assert lr_at(0, 100, 1.0, 0.1) == pytest.approx(0.1)  # warm-up
    assert lr_at(9, 100, 1.0, 0.1) == pytest.approx(1.0)
    assert lr_at(99, 100, 1.0, 0.1) == pytest.approx(0.1, abs=1e-3)  # cosine floor at 10%


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="QLoRA needs CUDA")
def test_qlora_on_cuda(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    pytest.importorskip("bitsandbytes")
    done, progress = _train(dataset, tmp_path / "adapter", tiny_qwen, max_steps=3, device="cuda")
    start = next(e for e in progress.events if e["event"] == "start")
    assert start["mode"] == "qlora"
    assert done["steps"] == 3
    verify_bundle(tmp_path / "adapter")


def test_gguf_base_model(dataset: Path, tiny_gguf: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    # transformers dequantises the GGUF into the same model as the safetensors original.
    ids = torch.tensor([[1, 20, 30, 40, 2]])
    from_gguf = AutoModelForCausalLM.from_pretrained(str(tiny_gguf.parent), gguf_file=tiny_gguf.name)
    original = AutoModelForCausalLM.from_pretrained(str(tiny_qwen))
    with torch.no_grad():
        assert torch.allclose(from_gguf(input_ids=ids).logits, original(input_ids=ids).logits, atol=1e-4)
    out = tmp_path / "adapter"
    done, _ = _train(dataset, out, tiny_gguf, max_steps=2)
    assert done["steps"] == 2
    base = verify_bundle(out)["baseModel"]
    assert base["source"] == "gguf"
    assert base["sha256"] == sha256_file(tiny_gguf)
    assert base["modelType"] == "qwen2"


def test_closed_progress_pipe_cancels(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(CancelledError, match="parent process went away"):
        _train(dataset, tmp_path / "adapter", tiny_qwen, progress=Progress(ClosedPipe()), max_steps=3)
    assert not (tmp_path / "adapter").exists()
