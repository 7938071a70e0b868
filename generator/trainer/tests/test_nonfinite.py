"""The non-finite guard: NaN/Inf steps are skipped and counted, a diverging run stops with DIVERGED, and a bundle
with NaN/Inf weights is never written."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import FAST_CONFIG, parse_events, run_cli
from safetensors import safe_open

from repolora_trainer import train as train_module
from repolora_trainer.bundle import first_non_finite, save_adapter, verify_bundle
from repolora_trainer.cancel import CancelToken
from repolora_trainer.cli import build_parser
from repolora_trainer.commands import train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.errors import ConfigError, DivergedError, NonFiniteWeightsError
from repolora_trainer.loss import target_loss_sum
from repolora_trainer.progress import Progress
from repolora_trainer.run_state import NonFiniteGuard


def _train(dataset: Path, out: Path, base: Path, **fields: Any) -> tuple[dict[str, Any], Progress]:
    config = config_from_dict({**FAST_CONFIG, "base_model": str(base), **fields})
    progress = Progress(io.StringIO())
    done = train_command(dataset, config, out, progress, CancelToken(), run_eval=False)
    return done, progress


def _steps(progress: Progress) -> list[dict[str, Any]]:
    return [e for e in progress.events if e["event"] == "step"]


def _nan_loss_on(monkeypatch: pytest.MonkeyPatch, bad_calls: set[int] | None) -> None:
    """Makes the loss (and so every gradient) NaN on the given 1-based forward passes; None = on all of them.

    FAST_CONFIG has micro_batch 4 and grad_accum 1, so forward pass k is optimizer step k.
    """
    calls = 0

    def loss_sum(model: Any, batch: Any) -> Any:
        nonlocal calls
        calls += 1
        total, n = target_loss_sum(model, batch)
        return (total * float("nan"), n) if bad_calls is None or calls in bad_calls else (total, n)

    monkeypatch.setattr(train_module, "target_loss_sum", loss_sum)


def test_a_nan_step_is_skipped_counted_and_training_goes_on(
    dataset: Path, tiny_qwen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _nan_loss_on(monkeypatch, {3})
    out = tmp_path / "adapter"
    done, progress = _train(dataset, out, tiny_qwen, max_steps=8)
    steps = _steps(progress)
    assert [s["step"] for s in steps] == list(range(1, 9))
    assert [s["skipped"] for s in steps] == [0, 0, 1, 1, 1, 1, 1, 1]
    assert steps[2]["loss"] is None  # NaN is reported as null, never as invalid JSON
    assert all(isinstance(s["loss"], float) for i, s in enumerate(steps) if i != 2)
    warnings = [e["message"] for e in progress.events if e["event"] == "message" and e["level"] == "warning"]
    assert any("step 3" in w and "skipped" in w for w in warnings)
    assert done["steps"] == 8
    manifest = verify_bundle(out)
    assert manifest["training"]["skippedSteps"] == 1
    assert len(manifest["training"]["lossHistory"]) == 7  # only the finite steps
    with safe_open(str(out / "adapter_model.safetensors"), framework="pt") as weights:
        assert all(torch.isfinite(weights.get_tensor(k)).all() for k in weights.keys())  # noqa: SIM118


def test_every_step_nan_stops_with_diverged_and_writes_nothing(
    dataset: Path, tiny_qwen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _nan_loss_on(monkeypatch, None)
    out = tmp_path / "adapter"
    with pytest.raises(DivergedError) as info:
        _train(dataset, out, tiny_qwen, max_steps=40, max_skipped_steps=4)
    assert info.value.code == "DIVERGED"
    assert "Lower the learning rate" in str(info.value)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]  # no staging folder either


def test_weights_that_went_non_finite_are_never_handed_on(
    dataset: Path, tiny_qwen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A step with a finite loss and gradient norm whose update overflows a weight: the run must not save it.
    real_step = torch.optim.AdamW.step

    def overflowing_step(self: torch.optim.AdamW, *args: Any, **kwargs: Any) -> Any:
        result = real_step(self, *args, **kwargs)
        with torch.no_grad():
            self.param_groups[0]["params"][0].fill_(float("inf"))
        return result

    monkeypatch.setattr(torch.optim.AdamW, "step", overflowing_step)
    out = tmp_path / "adapter"
    with pytest.raises(DivergedError, match="hold Inf"):
        _train(dataset, out, tiny_qwen, max_steps=1)
    assert not out.exists()


def test_guard_stops_on_a_run_of_skips_or_on_too_large_a_share() -> None:
    in_a_row = NonFiniteGuard(limit=3, lr=1e-3)
    pattern = [True] * 100 + [False, False, True, False, False]
    for step, finite in enumerate(pattern, start=1):
        in_a_row.record(finite)
        in_a_row.check(step)  # never 3 in a row, and 4 skips are under 10% of 105 steps
    in_a_row.record(False)
    with pytest.raises(DivergedError, match="3 in a row"):
        in_a_row.check(106)

    # Every other step skipped: never two in a row, but more than max(3, 10% of the steps) in all.
    scattered = NonFiniteGuard(limit=3, lr=1e-3)
    stopped_at = None
    for step in range(1, 41):
        scattered.record(step % 2 == 0)
        try:
            scattered.check(step)
        except DivergedError:
            stopped_at = step
            break
    assert stopped_at == 7  # the 4th skip (steps 1, 3, 5, 7)

    # A rare bad batch in a long run is survivable: 5 skips in 100 steps.
    rare = NonFiniteGuard(limit=3, lr=1e-3)
    for step in range(1, 101):
        rare.record(step % 20 != 0)
        rare.check(step)
    assert rare.skipped == 5


def test_max_skipped_steps_must_be_positive_and_is_a_documented_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="max_skipped_steps"):
        config_from_dict({"max_skipped_steps": 0})
    with pytest.raises(SystemExit) as info:  # argparse %-formats help texts: a bare % in one would crash --help
        build_parser().parse_args(["train", "--help"])
    assert info.value.code == 0
    assert "--max-skipped-steps" in capsys.readouterr().out


def test_save_refuses_an_adapter_with_nan_weights(tiny_qwen: Path, tmp_path: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(str(tiny_qwen)), LoraConfig(r=4, target_modules=["q_proj"])
    )
    assert first_non_finite(model.state_dict()) is None
    name, param = next((n, p) for n, p in model.named_parameters() if "lora_B" in n)
    with torch.no_grad():
        param[0, 0] = float("nan")
    assert first_non_finite({name: param}) == (name, "NaN")
    folder = tmp_path / "stage"
    folder.mkdir()
    with pytest.raises(NonFiniteWeightsError, match="holds NaN"):
        save_adapter(model, folder)
    assert list(folder.iterdir()) == []  # nothing written


@pytest.mark.slow
def test_cli_run_with_a_huge_learning_rate_ends_with_diverged_not_a_traceback(
    dataset: Path, tiny_qwen: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**FAST_CONFIG, "base_model": str(tiny_qwen), "lr": 1e30}), encoding="utf-8")
    out = tmp_path / "adapter"
    result = run_cli(["train", "--dataset", str(dataset), "--config", str(config), "--out", str(out)])
    assert result.returncode == 1, result.stderr
    events = parse_events(result.stdout)  # every line valid JSON: no NaN in any event
    assert events[-1]["event"] == "error"
    assert events[-1]["code"] == "DIVERGED"
    assert "lr is 1e+30" in events[-1]["message"]
    assert "Traceback" not in result.stderr
    steps = [e for e in events if e["event"] == "step"]
    assert steps[-1]["skipped"] == 5  # the default max_skipped_steps, in a row
    assert not out.exists()
