"""The GPU benchmark's runner (bench/gpu/run_bench.py) end to end in its CPU mode, on the tiny random Qwen2 model:
every stage runs, results.json holds each stage, n and paired intervals, and a spent budget skips stages but
still leaves the file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import FAST_CONFIG, make_record, write_dataset

from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.progress import Progress

TOOLS = Path(__file__).resolve().parents[3] / "bench" / "gpu"


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


run_bench = load_tool("run_bench")
summarize = load_tool("summarize")


def other_dataset(folder: Path) -> Path:
    """A second repository: other middles than write_dataset's, so its adapter learns something else."""
    train = [json.dumps(make_record(i, "train", middle=f"factor - value * {i % 7}")) for i in range(24)]
    evals = [json.dumps(make_record(2000 + i, "eval", middle=f"factor - value * {i % 7}")) for i in range(8)]
    return write_dataset(folder, n_train=24, n_eval=8, lines={"train": train, "eval": evals})


@pytest.fixture(scope="module")
def default_adapter(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for the shipped default adapter: a bundle trained for two steps on the tiny model."""
    root = tmp_path_factory.mktemp("default-adapter")
    data = write_dataset(root / "data", n_train=16, n_eval=4)
    config = config_from_dict({**FAST_CONFIG, "base_model": str(tiny_qwen), "max_steps": 2})
    train_command(data, config, root / "adapter", Progress(None), CancelToken(), run_eval=False)
    return root / "adapter"


def bench_args(tiny_qwen: Path, adapter: Path, a: Path, b: Path, out: Path, *extra: str) -> list[str]:
    return [
        *("--base", str(tiny_qwen), "--default-adapter", str(adapter), "--device", "cpu"),
        *("--dataset", f"a={a}", "--dataset", f"b={b}", "--control", "a=b", "--control", "b=a"),
        *("--steps", "2", "--batch", "4", "--micro-batch", "2", "--nll-limit", "6", "--max-tokens", "128"),
        *("--out", str(out), *extra),
    ]


def test_cpu_mode_runs_every_stage_and_scores_own_against_default_and_control(
    tiny_qwen: Path, default_adapter: Path, tmp_path: Path
) -> None:
    a = write_dataset(tmp_path / "a", n_train=24, n_eval=8)
    b = other_dataset(tmp_path / "b")
    out = tmp_path / "out"
    # Two completions per repository: the GPU path's completion code runs here too.
    argv = bench_args(tiny_qwen, default_adapter, a, b, out, "--completions", "2", "--max-new-tokens", "4")
    assert run_bench.main(argv) == 0
    results = json.loads((out / "results.json").read_text())

    assert results["mode"] == "cpu-sized"
    assert [s["name"] for s in results["stages"]] == ["load", "train:a", "train:b", "score:a", "score:b"]
    assert all(s["status"] == "done" for s in results["stages"]), results["stages"]
    assert results["base"]["sameWeightsAsDefaultAdapter"] is True  # the stand-in was trained on these weights
    for name in ("a", "b"):
        training = results["training"][name]
        assert training["steps"] == 2 and training["effectiveBatch"] == 4
        assert training["tokens"] > 0 and training["tokensPerSec"] > 0
        assert training["lora"]["r"] == FAST_CONFIG["rank"]  # the default adapter's shape, continued
        assert training["memory"]["peakCudaMiB"] is None and training["memory"]["peakRssMiB"] > 0
    assert (results["scores"]["a"]["control"], results["scores"]["b"]["control"]) == ("b", "a")
    for name in ("a", "b"):
        scores = results["scores"][name]
        n = len(scores["nllExamples"])
        assert n == 6
        assert set(scores["nllPerExample"]) == {"base", "default", "adapter", "control"}
        assert all(len(v) == n for v in scores["nllPerExample"].values())
        for pair, delta in scores["nllDeltas"].items():
            mine, theirs = pair.split("-")
            observed = scores["nll"][mine] - scores["nll"][theirs]
            assert delta["n"] == n
            assert delta["mean"] == pytest.approx(observed, abs=1e-9)
            assert delta["low"] <= delta["mean"] <= delta["high"]
        assert set(scores["nllDeltas"]) == {"adapter-default", "control-default", "adapter-control", "default-base"}
        completions = scores["completions"]
        assert completions["asked"] == 2 and completions["done"] == 2 and len(completions["ids"]) == 2
        es = completions["deltas"]["adapter-default"]["editSimilarity"]
        assert es["n"] == 2 and es["low"] <= es["mean"] <= es["high"]
        assert 0.0 <= completions["systems"]["adapter"]["editSimilarity"] <= 1.0
    # Own and control adapters differ: they were trained on different repositories.
    assert results["scores"]["a"]["nllPerExample"]["adapter"] != results["scores"]["a"]["nllPerExample"]["control"]
    table = summarize.summarize(results)
    assert "| a (b) | 6 |" in table and "| b (a) | 6 |" in table and "| train:b | done |" in table


def test_a_spent_budget_skips_the_remaining_stages_and_still_writes_results(
    tiny_qwen: Path, default_adapter: Path, tmp_path: Path
) -> None:
    a = write_dataset(tmp_path / "a", n_train=8, n_eval=4)
    b = other_dataset(tmp_path / "b")
    out = tmp_path / "out"
    assert run_bench.main(bench_args(tiny_qwen, default_adapter, a, b, out, "--budget-min", "0.0001")) == 0
    results = json.loads((out / "results.json").read_text())
    stages = {s["name"]: s for s in results["stages"]}
    assert stages["load"]["status"] == "done"
    assert stages["train:a"]["status"] == "skipped" and "budget" in stages["train:a"]["reason"]
    # Scoring needs a trained adapter: skipped for budget too, never scored against nothing.
    assert stages["score:a"]["status"] in ("skipped", "failed") and results["scores"] == {}


def test_a_control_must_be_another_dataset(tmp_path: Path) -> None:
    argv = [
        *("--base", "x", "--default-adapter", "x", "--dataset", f"a={tmp_path}"),
        *("--control", "a=a", "--out", str(tmp_path / "out")),
    ]
    with pytest.raises(SystemExit, match="another dataset"):
        run_bench.main(argv)
