from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST_CONFIG, make_record

from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.json_schema import (
    CONTRACTS_DIR,
    UnsupportedSchemaError,
    check_supported,
    first_violation,
    load_schema,
)
from repolora_trainer.progress import Progress

OBJECT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "count": {"type": "integer", "minimum": 0, "maximum": 10},
        "id": {"type": "string", "pattern": "^[0-9a-f]{4}$"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "version": {"type": "number", "const": 1},
        "sizes": {"type": "object", "propertyNames": {"type": "string"}, "additionalProperties": {"type": "number"}},
    },
    "required": ["name", "kind"],
    "additionalProperties": False,
}


def test_accepts_a_value_that_fits() -> None:
    value = {"name": "x", "kind": "a", "count": 3, "id": "00ff", "tags": ["t"], "note": None, "version": 1}
    assert first_violation(OBJECT, value | {"sizes": {"a": 1.5}}) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "the value must be an object, got array"),
        ({"kind": "a"}, "field 'name' is required"),
        ({"name": "", "kind": "a"}, "field 'name' must be a non-empty string"),
        ({"name": "x", "kind": "c"}, "field 'kind' must be one of 'a', 'b', got 'c'"),
        ({"name": "x", "kind": "a", "count": 1.5}, "field 'count' must be an integer, got number"),
        ({"name": "x", "kind": "a", "count": True}, "field 'count' must be an integer, got boolean"),
        ({"name": "x", "kind": "a", "count": -1}, "field 'count' must be at least 0"),
        ({"name": "x", "kind": "a", "count": 11}, "field 'count' must be at most 10"),
        ({"name": "x", "kind": "a", "id": "00FF"}, "field 'id' must match ^[0-9a-f]{4}$"),
        ({"name": "x", "kind": "a", "tags": ["t", 2]}, "field 'tags[1]' must be a string, got number"),
        ({"name": "x", "kind": "a", "note": 3}, "field 'note' matches none of the allowed forms"),
        ({"name": "x", "kind": "a", "version": 2}, "field 'version' must be 1, got 2"),
        ({"name": "x", "kind": "a", "version": True}, "field 'version' must be a number, got boolean"),
        ({"name": "x", "kind": "a", "sizes": {"a": "big"}}, "field 'sizes.a' must be a number, got string"),
        ({"name": "x", "kind": "a", "extra": 1}, "field 'extra' is not part of the contract"),
    ],
)
def test_names_the_first_violation(value: Any, message: str) -> None:
    problem = first_violation(OBJECT, value)
    assert problem is not None and problem.startswith(message)


def test_one_of_needs_exactly_one_form() -> None:
    union = {
        "oneOf": [
            {"type": "object", "properties": {"event": {"const": "a"}}, "required": ["event"]},
            {"type": "object", "properties": {"event": {"const": "b"}, "n": {"type": "number"}}, "required": ["n"]},
        ]
    }
    assert first_violation(union, {"event": "a"}) is None
    assert first_violation(union, {"event": "b", "n": 1}) is None
    assert "matches 0 of the allowed forms" in (first_violation(union, {"event": "c"}) or "")


def test_integer_valued_float_is_an_integer() -> None:
    assert first_violation({"type": "integer"}, 2.0) is None


def test_refuses_a_keyword_outside_the_subset() -> None:
    with pytest.raises(UnsupportedSchemaError, match="properties/a: keyword 'allOf'"):
        check_supported({"type": "object", "properties": {"a": {"allOf": []}}})


def test_every_exported_contract_uses_only_the_supported_subset() -> None:
    names = sorted(p.name.removesuffix(".schema.json") for p in CONTRACTS_DIR.glob("*.schema.json"))
    assert "dataset-record" in names
    for name in names:
        check_supported(json.loads((CONTRACTS_DIR / f"{name}.schema.json").read_text(encoding="utf-8")), name)


def test_dataset_record_schema_accepts_the_fixture_record_and_rejects_a_broken_one() -> None:
    schema = load_schema("dataset-record")
    record = make_record(1, "train")
    assert first_violation(schema, record) is None
    record["span"]["startLine"] = -1
    assert first_violation(schema, record) == "field 'span.startLine' must be at least 0, got -1"


def test_a_training_run_writes_what_the_contracts_say(dataset: Path, tiny_qwen: Path, tmp_path: Path) -> None:
    """The trainer is the writer of three contracts: its progress events, repolora.json and report.json."""
    config = config_from_dict({**FAST_CONFIG, "base_model": str(tiny_qwen)})
    progress = Progress(io.StringIO())
    out = tmp_path / "adapter"
    done = train_command(dataset, config, out, progress, CancelToken(), run_eval=True)
    progress.emit("done", **done)  # as the CLI does (cli.py)
    event_schema = load_schema("trainer-event")
    assert {e["event"] for e in progress.events} >= {"start", "step", "reportProgress", "done"}
    for event in progress.events:
        assert first_violation(event_schema, event) is None, event
    manifest = json.loads((out / "repolora.json").read_text(encoding="utf-8"))
    assert first_violation(load_schema("bundle-manifest"), manifest) is None
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert first_violation(load_schema("report-card"), report) is None
