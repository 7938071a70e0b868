"""The trainer as the TypeScript generator runs it: a child process speaking JSON lines on stdout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST_CONFIG, TRAINER_ROOT, make_record, parse_events, run_cli, write_dataset

from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.hashing import sha256_file
from repolora_trainer.progress import Progress

pytestmark = pytest.mark.slow


def _config_file(folder: Path, **fields: object) -> Path:
    path = folder / "config.json"
    path.write_text(json.dumps({**FAST_CONFIG, **fields}))
    return path


def test_train_progress_is_json_lines_in_order(tmp_path: Path, tiny_qwen: Path) -> None:
    dataset = write_dataset(tmp_path / "dataset", n_train=12, n_eval=3)
    config = _config_file(tmp_path, base_model=str(tiny_qwen))
    out = tmp_path / "adapter"
    result = run_cli(
        ["train", "--dataset", str(dataset), "--config", str(config), "--out", str(out), "--max-steps", "4"]
    )
    assert result.returncode == 0, result.stderr
    events = parse_events(result.stdout)  # every stdout line is a JSON object
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start"
    assert kinds[-1] == "done"
    steps = [e for e in events if e["event"] == "step"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    assert kinds.index("reportProgress") > max(i for i, k in enumerate(kinds) if k == "step")
    start, done = events[0], events[-1]
    assert start["mode"] == "lora"
    assert start["device"].startswith("cpu")
    assert start["train"] == 12
    assert any(e["event"] == "message" and "plain LoRA on CPU" in e["message"] for e in events)
    for step in steps:
        assert set(step) >= {"step", "of", "loss", "tokensPerSec", "etaSec"}
    assert done["adapterDir"] == str(out)
    assert done["steps"] == 4
    assert done["report"]["verdict"] is not None
    assert (out / "repolora.json").is_file()


def test_bad_dataset_line_is_reported_with_its_line(tmp_path: Path, tiny_qwen: Path) -> None:
    lines = [json.dumps(make_record(0, "train")), '{"schema": 1, "id": "broken"}']
    dataset = write_dataset(tmp_path / "dataset", lines={"train": lines})
    result = run_cli(["train", "--dataset", str(dataset), "--out", str(tmp_path / "a"), "--base-model", str(tiny_qwen)])
    assert result.returncode == 2
    events = parse_events(result.stdout)
    assert events[-1]["event"] == "error"
    assert events[-1]["code"] == "BAD_DATASET"
    assert "train.jsonl:2:" in events[-1]["message"]
    assert not (tmp_path / "a").exists()


def test_missing_model_and_bad_config(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "dataset", n_train=2, n_eval=1)
    result = run_cli(
        ["train", "--dataset", str(dataset), "--out", str(tmp_path / "a"), "--base-model", str(tmp_path / "no-model")]
    )
    assert result.returncode == 2
    assert parse_events(result.stdout)[-1]["code"] == "MODEL_NOT_FOUND"
    result = run_cli(["train", "--dataset", str(dataset), "--out", str(tmp_path / "a"), "--rank", "0"])
    assert result.returncode == 2
    error = parse_events(result.stdout)[-1]
    assert error["code"] == "BAD_CONFIG"
    assert "'rank'" in error["message"]


def test_sigterm_leaves_no_bundle_and_keeps_the_old_adapter(tmp_path: Path, tiny_qwen: Path) -> None:
    dataset = write_dataset(tmp_path / "dataset", n_train=12, n_eval=3)
    out = tmp_path / "adapter"
    # An existing adapter from an earlier run, which the cancelled run must not touch.
    first = run_cli(
        [
            "train",
            "--dataset",
            str(dataset),
            "--config",
            str(_config_file(tmp_path, base_model=str(tiny_qwen))),
            "--out",
            str(out),
            "--max-steps",
            "1",
            "--no-eval",
        ]
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: sha256_file(p) for p in out.iterdir()}
    env = {**os.environ, "PYTHONPATH": str(TRAINER_ROOT), "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "repolora_trainer",
            "train",
            "--dataset",
            str(dataset),
            "--out",
            str(out),
            "--config",
            str(tmp_path / "config.json"),
            "--max-steps",
            "100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if json.loads(line)["event"] == "step":
            proc.send_signal(signal.SIGTERM)
            break
    rest, _ = proc.communicate(timeout=120)
    events = parse_events("".join(lines) + rest)
    assert proc.returncode == 130
    assert events[-1] == {"event": "error", "code": "CANCELLED", "message": events[-1]["message"]}
    assert "SIGTERM" in events[-1]["message"]
    assert {p.name: sha256_file(p) for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter", "config.json", "dataset"]


def test_eval_json_on_stdout(tmp_path: Path, tiny_qwen: Path) -> None:
    dataset = write_dataset(tmp_path / "dataset", n_train=8, n_eval=3)
    out = tmp_path / "adapter"
    config = config_from_dict({**FAST_CONFIG, "base_model": str(tiny_qwen), "max_steps": 2})
    train_command(dataset, config, out, Progress(None), CancelToken(), run_eval=False)  # in-process: faster
    result = run_cli(
        ["eval", "--dataset", str(dataset), "--adapter", str(out), "--limit", "2", "--max-new-tokens", "4", "--json"]
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["examples"] == 2
    assert set(report["systems"]) == {"base", "adapter"}
    assert "held-out examples" not in result.stderr  # the TypeScript CLI formats the card (report/text.ts)
    written = (out / "report.json").read_text()
    quiet = run_cli(
        [
            "eval",
            "--dataset",
            str(dataset),
            "--adapter",
            str(out),
            "--limit",
            "1",
            "--max-new-tokens",
            "2",
            "--no-write",
        ]
    )
    assert quiet.returncode == 0
    assert quiet.stdout == ""
    assert "held-out examples" not in quiet.stderr  # the trainer prints no table of its own
    assert (out / "report.json").read_text() == written  # --no-write: the bundle's card is left as it is


def test_bad_command_line_is_a_protocol_error(tmp_path: Path) -> None:
    result = run_cli(["train", "--dataset", str(tmp_path), "--out", str(tmp_path / "a"), "--rank", "many"])
    assert result.returncode == 2
    error = parse_events(result.stdout)[-1]
    assert error["code"] == "BAD_CONFIG" and "--rank" in error["message"]
    assert "usage:" in result.stderr
