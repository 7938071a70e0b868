from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_record, write_dataset

from repolora_trainer.data import load_dataset
from repolora_trainer.errors import DatasetError


def test_valid_dataset_loads(dataset: Path) -> None:
    data = load_dataset(dataset)
    assert len(data.train) == 40
    assert len(data.eval) == 10
    record = data.train[0]
    assert record.target == record.middle + "<|endoftext|>"
    assert record.prompt.template == "qwen2.5-coder"
    assert data.repo["head"] == "0123456789abcdef0123456789abcdef01234567"


def _with_bad_line(tmp_path: Path, bad: str, line: int = 3) -> Path:
    lines = [json.dumps(make_record(i, "train")) for i in range(5)]
    lines[line - 1] = bad
    return write_dataset(tmp_path / "ds", lines={"train": lines})


def _mutated(change: dict[str, Any], drop: str | None = None) -> str:
    record = make_record(99, "train")
    record.update(change)
    if drop:
        del record[drop]
    return json.dumps(record)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (_mutated({"schema": 2}), "schema must be 1"),
        (_mutated({"middle": ""}), "'middle' must be a non-empty string"),
        (_mutated({}, drop="prompt"), "field 'prompt' is required"),
        (_mutated({"prompt": "text"}), "field 'prompt' must be an object"),
        (_mutated({"id": "XYZ"}), "field 'id' must match ^[0-9a-f]{16}$"),
        (_mutated({"commit": "abc"}), "field 'commit' must match ^[0-9a-f]{40}$"),
        (_mutated({"path": ""}), "field 'path' must be a non-empty string"),
        (_mutated({"span": {"kind": "lines", "startByte": 0, "endByte": 1, "startLine": 0}, "extra": 1}), "'extra'"),
        (_mutated({"split": "eval"}), "split 'eval' in the train file"),
        (_mutated({"context": [{"path": "a"}]}), "'context[0].text'"),
        (_mutated({"span": {"kind": "lines", "startByte": 5, "endByte": 1, "startLine": 0}}), "endByte is before"),
        (_mutated({"span": {"kind": "x", "startByte": 0, "endByte": 1, "startLine": 0}}), "'span.kind' must be one of"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, bad: str, message: str) -> None:
    folder = _with_bad_line(tmp_path, bad, line=3)
    with pytest.raises(DatasetError) as info:
        load_dataset(folder)
    assert info.value.code == "BAD_DATASET"
    assert info.value.line == 3
    assert "train.jsonl:3: " in str(info.value)
    assert message in str(info.value)


def test_missing_files_and_empty_train(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nowhere")
    folder = write_dataset(tmp_path / "ds")
    (folder / "dataset.json").unlink()
    with pytest.raises(DatasetError, match=r"missing dataset\.json"):
        load_dataset(folder)
    empty = write_dataset(tmp_path / "empty", lines={"train": []})
    with pytest.raises(DatasetError, match="no examples to train on"):
        load_dataset(empty)
    # eval alone is enough for the eval command
    assert len(load_dataset(empty, need_train=False).eval) == 10


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    line = json.dumps(make_record(1, "train"))
    folder = write_dataset(tmp_path / "ds", lines={"train": [line, line]})
    with pytest.raises(DatasetError, match=r"train\.jsonl:2: duplicate id"):
        load_dataset(folder)


def test_template_is_the_one_every_record_was_rendered_with(tmp_path: Path) -> None:
    spm = []
    for i in range(4):
        record = make_record(i, "train")
        record["prompt"]["template"] = "qwen2.5-coder-spm"
        spm.append(json.dumps(record))
    assert load_dataset(write_dataset(tmp_path / "spm", lines={"train": spm, "eval": []})).template == (
        "qwen2.5-coder-spm"
    )
    mixed = write_dataset(tmp_path / "mixed", lines={"train": [*spm, json.dumps(make_record(9, "train"))]})
    with pytest.raises(DatasetError, match=r"2 prompt templates \(qwen2\.5-coder, qwen2\.5-coder-spm\)"):
        _ = load_dataset(mixed).template
