from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import make_record

from repolora_trainer.json_schema import (
    CONTRACTS_DIR,
    UnsupportedSchemaError,
    check_supported,
    first_violation,
    load_schema,
)

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


def test_integer_valued_float_is_an_integer() -> None:
    assert first_violation({"type": "integer"}, 2.0) is None


def test_refuses_a_keyword_outside_the_subset() -> None:
    with pytest.raises(UnsupportedSchemaError, match="properties/a: keyword 'oneOf'"):
        check_supported({"type": "object", "properties": {"a": {"oneOf": []}}})


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
