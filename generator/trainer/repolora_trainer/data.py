"""Reads and validates a RepoLoRA dataset folder (train.jsonl, eval.jsonl, dataset.json).

The TypeScript contracts leaf owns the format (runtime/src/contracts/dataset.ts); every record read is checked
against its JSON Schema export (docs/contracts/dataset-record.schema.json) so that a broken line fails fast with
its file and line number instead of deep inside training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DatasetError
from .json_schema import first_violation, load_schema

DATASET_SCHEMA_VERSION = 1
RECORD_SCHEMA = "dataset-record"


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


def parse_record(obj: Any, path: str, line: int, expected_split: str) -> Record:
    """Validates one decoded JSON line against the dataset contract (its JSON Schema, plus what a schema cannot say)."""
    if not isinstance(obj, dict):
        raise DatasetError("each line must be a JSON object", path, line)
    if obj.get("schema") != DATASET_SCHEMA_VERSION:
        raise DatasetError(
            f"schema must be {DATASET_SCHEMA_VERSION}, got {obj.get('schema')!r} "
            "(regenerate the dataset with this version of repolora)",
            path,
            line,
        )
    problem = first_violation(load_schema(RECORD_SCHEMA), obj)
    if problem:
        raise DatasetError(problem, path, line)
    if obj["split"] != expected_split:
        raise DatasetError(f"record with split {obj['split']!r} in the {expected_split} file", path, line)
    span, prompt = obj["span"], obj["prompt"]
    if span["endByte"] < span["startByte"]:
        raise DatasetError("span.endByte is before span.startByte", path, line)
    return Record(
        id=obj["id"],
        path=obj["path"],
        language=obj["language"],
        split=obj["split"],
        prefix=obj["prefix"],
        middle=obj["middle"],
        suffix=obj["suffix"],
        span_kind=span["kind"],
        prompt=Prompt(
            template=prompt["template"],
            text=prompt["text"],
            completion_end=prompt["completionEnd"],
            tokens=int(prompt["tokens"]),
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
