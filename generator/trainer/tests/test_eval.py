from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST_CONFIG, make_record, write_dataset

from repolora_trainer.bundle import verify_bundle
from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import eval_command, train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.data import parse_record
from repolora_trainer.errors import AdapterError
from repolora_trainer.evaluate import EvalOptions, build_report
from repolora_trainer.progress import Progress


@pytest.fixture(scope="module")
def trained(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(dataset, adapter, control adapter), trained without the end-of-training report."""
    root = tmp_path_factory.mktemp("eval")
    dataset = write_dataset(root / "dataset")
    for name, seed, steps in (("adapter", 0, 12), ("control", 5, 2)):
        config = config_from_dict({**FAST_CONFIG, "base_model": str(tiny_qwen), "max_steps": steps, "seed": seed})
        train_command(dataset, config, root / name, Progress(None), CancelToken(), run_eval=False)
    return dataset, root / "adapter", root / "control"


def test_eval_writes_report_into_the_bundle(trained: tuple[Path, Path, Path], tmp_path: Path) -> None:
    dataset, adapter, control = trained
    bundle = tmp_path / "adapter"
    shutil.copytree(adapter, bundle)
    assert not (bundle / "report.json").exists()
    progress = Progress(io.StringIO())
    report = eval_command(dataset, bundle, progress, CancelToken(), control=control, limit=4, max_new_tokens=8)
    assert set(report["systems"]) == {"base", "adapter", "control"}
    assert set(report["deltas"]) == {"adapter-base", "control-base"}
    assert report["examples"] == 4
    for system in report["systems"].values():
        assert 0.0 <= system["editSimilarity"] <= 1.0
        assert isinstance(system["loss"], float)
    on_disk = json.loads((bundle / "report.json").read_text())
    assert on_disk == report
    manifest = verify_bundle(bundle)  # report.json's new hash is recorded
    assert manifest["report"] == report
    assert "report.json" in manifest["files"]
    ticks = [e for e in progress.events if e["event"] == "reportProgress"]
    assert ticks[-1]["done"] == ticks[-1]["of"] == 12


def test_eval_of_a_plain_peft_folder(trained: tuple[Path, Path, Path], tmp_path: Path, tiny_qwen: Path) -> None:
    dataset, adapter, _ = trained
    plain = tmp_path / "plain"
    plain.mkdir()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        shutil.copy(adapter / name, plain / name)
    report = eval_command(dataset, plain, Progress(None), CancelToken(), base=str(tiny_qwen), limit=2, max_new_tokens=4)
    assert json.loads((plain / "report.json").read_text()) == report
    assert not (plain / "repolora.json").exists()


def test_eval_rejects_a_folder_without_adapter(trained: tuple[Path, Path, Path], tmp_path: Path) -> None:
    dataset, _, _ = trained
    with pytest.raises(AdapterError, match="not a PEFT adapter folder"):
        eval_command(dataset, tmp_path, Progress(None), CancelToken())


def _records(n: int) -> list[Any]:
    return [parse_record(make_record(i, "eval"), "eval.jsonl", i + 1, "eval") for i in range(n)]


def test_build_report_hand_computed() -> None:
    records = _records(4)
    references = [r.middle for r in records]
    predictions = {
        "base": ["nope", "nope", references[2], "nope"],
        "adapter": [references[0], references[1], references[2], "nope"],
    }
    nll = {"base": [2.0, 2.1, 1.9, 2.0], "adapter": [1.0, 1.2, 0.9, 1.1]}
    report = build_report(records, predictions, nll, EvalOptions(), {"dir": "d"})
    base, adapter = report["systems"]["base"], report["systems"]["adapter"]
    assert base["nll"] == pytest.approx(2.0)
    assert adapter["nll"] == pytest.approx(1.05)
    assert base["exactMatch"] == 0.25
    assert base["exactMatchCount"] == 1
    assert adapter["exactMatch"] == 0.75
    assert adapter["exactMatchCount"] == 3
    delta = report["deltas"]["adapter-base"]["exactMatch"]
    assert delta["mean"] == pytest.approx(0.5)
    assert 0.0 <= delta["low"] <= 0.5 <= delta["high"] <= 1.0
    wins = report["deltas"]["adapter-base"]["editSimilarityWins"]
    assert wins == {"better": 2, "worse": 0, "same": 2}
    assert report["deltas"]["adapter-base"]["nll"]["mean"] == pytest.approx(-0.95)
    # Four examples are fewer than the verdict needs, but they are all the repository has.
    assert report["verdict"]["adapterBetter"] is True
    assert report["verdict"]["baseline"] == "base"
    assert "only 4 held-out examples" in report["verdict"]["note"]
    assert report["samples"][0]["predictions"]["adapter"] == references[0]
    # The table printed from this report is tested in generator/src/report/text.test.ts.


def test_adapter_worse_than_base_is_not_better() -> None:
    records = _records(3)
    references = [r.middle for r in records]
    report = build_report(records, {"base": references, "adapter": ["x", "y", "z"]}, {}, EvalOptions(), {})
    assert report["verdict"]["adapterBetter"] is False
    assert "no held-out NLL" in report["verdict"]["reason"]
    assert report["deltas"]["adapter-base"]["editSimilarity"]["high"] < 0


def test_limit_takes_a_seeded_sample_in_file_order() -> None:
    from repolora_trainer.evaluate import select_records

    records = _records(20)
    sample = select_records(records, 5)
    assert len(sample) == 5
    assert sample == select_records(records, 5)  # deterministic
    positions = [records.index(r) for r in sample]
    assert positions == sorted(positions)
    assert positions != [0, 1, 2, 3, 4]
    assert select_records(records, 0) == records
    assert select_records(records, 50) == records


def _interval(mean: float, low: float, high: float) -> dict[str, float]:
    return {"mean": mean, "low": low, "high": high}


def _deltas(nll: dict[str, float] | None, es: dict[str, float]) -> dict[str, Any]:
    entry: dict[str, Any] = {"editSimilarity": es}
    if nll is not None:
        entry["nll"] = nll
    return {"adapter-default": entry}


@pytest.mark.parametrize(
    ("nll", "es", "n", "available", "better", "reason"),
    [
        (_interval(-0.2, -0.3, -0.1), _interval(0.01, -0.02, 0.04), 120, 500, True, "NLL lower"),
        (_interval(-0.2, -0.3, 0.02), _interval(0.05, 0.01, 0.09), 120, 500, False, "does not lie below 0"),
        (_interval(-0.2, -0.3, -0.1), _interval(-0.05, -0.08, -0.01), 120, 500, False, "lies below 0"),
        (_interval(-0.2, -0.3, -0.1), _interval(0.0, -0.1, 0.1), 30, 500, False, "only 30 NLL examples"),
        (_interval(-0.2, -0.3, -0.1), _interval(0.0, -0.1, 0.1), 30, 30, True, "NLL lower"),
        (None, _interval(0.2, 0.1, 0.3), 120, 500, False, "no held-out NLL"),
        (_interval(0.002, 0.001, 0.003), _interval(0.002, -0.001, 0.005), 3, 3, False, "does not lie below 0"),
    ],
)
def test_verdict_needs_an_nll_interval_below_zero(
    nll: dict[str, float] | None, es: dict[str, float], n: int, available: int, better: bool, reason: str
) -> None:
    from repolora_trainer.evaluate import decide_verdict

    verdict = decide_verdict(_deltas(nll, es), "adapter", "default", n, available)
    assert verdict["adapterBetter"] is better
    assert reason in verdict["reason"]
    assert verdict["baseline"] == "default"


def test_report_compares_with_the_default_system_when_there_is_one() -> None:
    records = _records(4)
    references = [r.middle for r in records]
    predictions = {
        "base": ["chat text", "chat text", "chat text", "chat text"],
        "default": [references[0], "nope", references[2], "nope"],
        "adapter": [references[0], references[1], references[2], "nope"],
    }
    nll = {"base": [3.0] * 4, "default": [1.5, 1.6, 1.4, 1.5], "adapter": [1.5, 1.6, 1.4, 1.5]}
    report = build_report(records, predictions, nll, EvalOptions(), {})
    assert report["baseline"] == "default"
    assert set(report["deltas"]) == {"default-base", "adapter-base", "adapter-default"}
    # Same NLL as the default system: the interval is [0, 0], which does not lie below 0.
    assert report["deltas"]["adapter-default"]["nll"]["high"] == 0.0
    assert report["verdict"]["adapterBetter"] is False
    assert report["verdict"]["baseline"] == "default"


def test_train_scores_the_default_system_and_keeps_only_its_own_adapter(
    trained: tuple[Path, Path, Path], tiny_qwen: Path, tmp_path: Path
) -> None:
    dataset, default_adapter, _ = trained
    config = config_from_dict(
        {**FAST_CONFIG, "base_model": str(tiny_qwen), "max_steps": 2, "baseline_adapter": str(default_adapter)}
    )
    done = train_command(dataset, config, tmp_path / "repo-adapter", Progress(None), CancelToken())
    report = json.loads((tmp_path / "repo-adapter" / "report.json").read_text())
    assert list(report["systems"]) == ["base", "default", "adapter"]
    assert report["verdict"]["baseline"] == "default"
    assert "adapter-default" in report["deltas"] and "nll" in report["deltas"]["adapter-default"]
    assert report["baselineAdapter"] == str(default_adapter)
    assert done["report"]["verdict"] == report["verdict"]
    # The bundle holds the trained adapter alone, not the baseline loaded beside it for scoring.
    assert sorted(p.name for p in (tmp_path / "repo-adapter").iterdir() if p.is_dir()) == []
    verify_bundle(tmp_path / "repo-adapter")


def test_a_default_adapter_of_other_base_weights_is_not_the_baseline(
    trained: tuple[Path, Path, Path], tiny_qwen: Path, tmp_path: Path
) -> None:
    from repolora_trainer.commands import baseline_problem

    _, default_adapter, _ = trained
    manifest = json.loads((default_adapter / "repolora.json").read_text())
    own = manifest["baseModel"]
    assert baseline_problem(default_adapter, own) is None
    problem = baseline_problem(default_adapter, {**own, "sha256": "0" * 64})
    assert problem is not None and "trained on base weights" in problem
    assert "has no adapter_config.json" in str(baseline_problem(tmp_path, own))
