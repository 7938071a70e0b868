"""Reads and validates a RepoLoRA dataset folder (train.jsonl, eval.jsonl, dataset.json).

The TypeScript generator owns the format (generator/src/dataset/record.ts); this module checks every record on
read so that a broken line fails fast with its file and line number instead of deep inside training.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DatasetError

DATASET_SCHEMA_VERSION = 1
_HEX16 = re.compile(r"[0-9a-f]{16}")
_HEX40 = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Prompt:
    template: str
    text: str
    completion_end: str
    tokens: int


@dataclass(frozen=True)
class Record:
    """One FIM example. Only the fields the trainer uses are typed out; `raw` keeps the whole object."""

    id: str
    path: str
    language: str
    split: str
    prefix: str
    middle: str
    suffix: str
    span_kind: str
    prompt: Prompt
    raw: dict[str, Any]

    @property
    def target(self) -> str:
        """What the model learns to produce after the prompt: the middle, then the template's end marker."""
        return self.middle + self.prompt.completion_end


@dataclass(frozen=True)
class Dataset:
    root: Path
    train: list[Record]
    eval: list[Record]
    manifest: dict[str, Any]

    @property
    def repo(self) -> dict[str, Any]:
        repo = self.manifest.get("repo")
        return repo if isinstance(repo, dict) else {}

    @property
    def template(self) -> str:
        """The prompt template id every record was rendered with; the adapter serves with that template only.

        A mix of templates is refused: one adapter learns one prompt order (runtime/src/prompt/templates.ts).
        """
        ids = sorted({record.prompt.template for record in [*self.train, *self.eval]})
        if len(ids) != 1:
            raise DatasetError(
                f"records use {len(ids)} prompt templates ({', '.join(ids) or 'none'}); "
                "an adapter is trained for one: rebuild the dataset with one --template",
                str(self.root),
            )
        return ids[0]


class _Check:
    """Collects the first contract violation of one record, phrased with the field's dotted path."""

    def __init__(self, path: str, line: int) -> None:
        self.path = path
        self.line = line

    def fail(self, message: str) -> DatasetError:
        return DatasetError(message, self.path, self.line)

    def obj(self, parent: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"field '{where}{key}' must be an object")
        return value

    def str_(self, parent: dict[str, Any], key: str, where: str = "", non_empty: bool = False) -> str:
        value = parent.get(key)
        if not isinstance(value, str):
            raise self.fail(f"field '{where}{key}' must be a string")
        if non_empty and value == "":
            raise self.fail(f"field '{where}{key}' must be a non-empty string")
        return value

    def int_(self, parent: dict[str, Any], key: str, where: str = "") -> int:
        value = parent.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"field '{where}{key}' must be a non-negative integer")
        return value


def parse_record(obj: Any, path: str, line: int, expected_split: str) -> Record:
    """Validates one decoded JSON line against the dataset contract."""
    check = _Check(path, line)
    if not isinstance(obj, dict):
        raise check.fail("each line must be a JSON object")
    if obj.get("schema") != DATASET_SCHEMA_VERSION:
        raise check.fail(
            f"schema must be {DATASET_SCHEMA_VERSION}, got {obj.get('schema')!r} "
            "(regenerate the dataset with this version of repolora)"
        )
    record_id = check.str_(obj, "id")
    if not _HEX16.fullmatch(record_id):
        raise check.fail(f"field 'id' must be 16 lowercase hex digits, got {record_id!r}")
    check.str_(obj, "repo")
    file_path = check.str_(obj, "path", non_empty=True)
    language = check.str_(obj, "language")
    commit = check.str_(obj, "commit")
    if not _HEX40.fullmatch(commit):
        raise check.fail("field 'commit' must be 40 lowercase hex digits")
    split = check.str_(obj, "split")
    if split not in ("train", "eval"):
        raise check.fail(f"field 'split' must be 'train' or 'eval', got {split!r}")
    if split != expected_split:
        raise check.fail(f"record with split {split!r} in the {expected_split} file")
    prefix = check.str_(obj, "prefix")
    middle = check.str_(obj, "middle", non_empty=True)
    suffix = check.str_(obj, "suffix")
    context = obj.get("context")
    if not isinstance(context, list):
        raise check.fail("field 'context' must be an array")
    for i, snippet in enumerate(context):
        if not isinstance(snippet, dict):
            raise check.fail(f"field 'context[{i}]' must be an object")
        for key in ("path", "text", "reason"):
            check.str_(snippet, key, f"context[{i}].")
    span = check.obj(obj, "span")
    span_kind = check.str_(span, "kind", "span.")
    start, end = check.int_(span, "startByte", "span."), check.int_(span, "endByte", "span.")
    check.int_(span, "startLine", "span.")
    if end < start:
        raise check.fail("span.endByte is before span.startByte")
    prompt = check.obj(obj, "prompt")
    return Record(
        id=record_id,
        path=file_path,
        language=language,
        split=split,
        prefix=prefix,
        middle=middle,
        suffix=suffix,
        span_kind=span_kind,
        prompt=Prompt(
            template=check.str_(prompt, "template", "prompt.", non_empty=True),
            text=check.str_(prompt, "text", "prompt.", non_empty=True),
            completion_end=check.str_(prompt, "completionEnd", "prompt."),
            tokens=check.int_(prompt, "tokens", "prompt."),
        ),
        raw=obj,
    )


def read_records(path: Path, expected_split: str) -> list[Record]:
    """Reads one JSON-lines file; blank lines are skipped, everything else must be a valid record."""
    if not path.is_file():
        raise DatasetError(f"missing {path.name} (is this a repolora dataset folder?)", str(path))
    records: list[Record] = []
    seen: set[str] = set()
    with path.open("r", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise DatasetError(f"not valid JSON ({err.msg} at column {err.colno})", str(path), line_no) from err
            record = parse_record(obj, str(path), line_no, expected_split)
            if record.id in seen:
                raise DatasetError(f"duplicate id {record.id}", str(path), line_no)
            seen.add(record.id)
            records.append(record)
    return records


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DatasetError("missing dataset.json (is this a repolora dataset folder?)", str(path))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DatasetError(f"not valid JSON ({err.msg} at line {err.lineno})", str(path)) from err
    if not isinstance(manifest, dict):
        raise DatasetError("must hold a JSON object", str(path))
    if manifest.get("schema") != DATASET_SCHEMA_VERSION:
        raise DatasetError(f"schema must be {DATASET_SCHEMA_VERSION}, got {manifest.get('schema')!r}", str(path))
    if not isinstance(manifest.get("repo"), dict):
        raise DatasetError("field 'repo' must be an object", str(path))
    return manifest


def load_dataset(root: Path, need_train: bool = True) -> Dataset:
    """Loads and validates a dataset folder. `need_train=False` lets `eval` run on eval.jsonl alone."""
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} does not exist")
    manifest = read_manifest(root / "dataset.json")
    train = read_records(root / "train.jsonl", "train") if need_train or (root / "train.jsonl").exists() else []
    evals = read_records(root / "eval.jsonl", "eval")
    if need_train and not train:
        raise DatasetError("has no examples to train on", str(root / "train.jsonl"))
    return Dataset(root=root, train=train, eval=evals, manifest=manifest)
