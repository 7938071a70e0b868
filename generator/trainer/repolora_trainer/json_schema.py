"""A validator for the subset of JSON Schema (draft 2020-12) that the contracts leaf exports to docs/contracts/.

The TypeScript contracts (runtime/src/contracts/, zod) are the one definition of every file the trainer reads;
`npm run schema` exports them as JSON Schema. The locked Python dependencies have no JSON Schema package (and the
lock is not changed for one), so this module checks the keywords zod's export uses. A schema with any other
keyword is refused when it is loaded, so a new zod feature cannot be silently ignored here.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

# Keywords that constrain values, and keywords that only annotate (skipped).
SUPPORTED = frozenset(
    {
        "type",
        "const",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "items",
        "properties",
        "required",
        "additionalProperties",
        "propertyNames",
        "anyOf",
        "oneOf",
    }
)
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})

# docs/contracts/ of this checkout: the trainer always runs from the repository (see setup-venv.sh).
CONTRACTS_DIR = Path(__file__).resolve().parents[3] / "docs" / "contracts"


class UnsupportedSchemaError(ValueError):
    """The schema uses a keyword this validator does not implement."""


def check_supported(schema: Any, where: str = "#") -> None:
    """Raises UnsupportedSchemaError naming the first keyword outside the supported subset."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise UnsupportedSchemaError(f"{where}: a schema must be an object or a boolean")
    for key, value in schema.items():
        if key in ANNOTATIONS:
            continue
        if key not in SUPPORTED:
            raise UnsupportedSchemaError(f"{where}: keyword '{key}' is not supported")
        if key == "properties":
            for name, sub in value.items():
                check_supported(sub, f"{where}/properties/{name}")
        elif key in ("items", "additionalProperties", "propertyNames"):
            check_supported(value, f"{where}/{key}")
        elif key in ("anyOf", "oneOf"):
            for i, sub in enumerate(value):
                check_supported(sub, f"{where}/{key}/{i}")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """docs/contracts/<name>.schema.json, checked to use only the supported keywords."""
    path = CONTRACTS_DIR / f"{name}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    check_supported(schema, path.name)
    return dict(schema)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _is_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return is_number and math.isfinite(value) and float(value).is_integer()
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return _type_name(value) == expected


_ARTICLE = {"object": "an object", "array": "an array", "integer": "an integer"}


def _field(path: str) -> str:
    return f"field '{path}'" if path else "the value"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def first_violation(schema: Any, value: Any, path: str = "") -> str | None:
    """The first way `value` breaks `schema`, as one sentence naming the field's dotted path; None when it fits."""
    if schema is True or schema == {}:
        return None
    if schema is False:
        return f"{_field(path)} is not allowed"
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in allowed):
            wanted = " or ".join(_ARTICLE.get(t, f"a {t}") for t in allowed)
            return f"{_field(path)} must be {wanted}, got {_type_name(value)}"
    if "const" in schema and not _same(value, schema["const"]):
        return f"{_field(path)} must be {schema['const']!r}, got {value!r}"
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        options = ", ".join(repr(o) for o in schema["enum"])
        return f"{_field(path)} must be one of {options}, got {value!r}"
    problem: str | None = None
    if isinstance(value, str):
        problem = _string_violation(schema, value, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        problem = _number_violation(schema, value, path)
    elif isinstance(value, list) and "items" in schema:
        problem = next(
            (p for i, item in enumerate(value) if (p := first_violation(schema["items"], item, f"{path}[{i}]"))),
            None,
        )
    elif isinstance(value, dict):
        problem = _object_violation(schema, value, path)
    if problem is None and "anyOf" in schema and all(first_violation(s, value, path) for s in schema["anyOf"]):
        problem = f"{_field(path)} matches none of the allowed forms"
    if problem is None and "oneOf" in schema:
        problems = [first_violation(s, value, path) for s in schema["oneOf"]]
        matches = problems.count(None)
        if matches != 1:
            # One form left: its own complaint says more than "none matched" (a discriminated union's other forms
            # fail on the tag alone).
            near = [p for p in problems if p is not None and "must be one of" not in p and "must be '" not in p]
            problem = f"{_field(path)} matches {matches} of the allowed forms, not exactly one" + (
                f" ({near[0]})" if matches == 0 and len(near) == 1 else ""
            )
    return problem


def _same(a: Any, b: Any) -> bool:
    # In JSON a boolean is never a number: True must not equal 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _string_violation(schema: dict[str, Any], value: str, path: str) -> str | None:
    min_length = schema.get("minLength")
    if min_length is not None and len(value) < min_length:
        if min_length == 1:
            return f"{_field(path)} must be a non-empty string"
        return f"{_field(path)} must be at least {min_length} characters long"
    max_length = schema.get("maxLength")
    if max_length is not None and len(value) > max_length:
        return f"{_field(path)} must be at most {max_length} characters long"
    pattern = schema.get("pattern")
    if pattern is not None and not re.search(pattern, value):
        return f"{_field(path)} must match {pattern}, got {value!r}"
    return None


def _number_violation(schema: dict[str, Any], value: float, path: str) -> str | None:
    if "minimum" in schema and value < schema["minimum"]:
        return f"{_field(path)} must be at least {schema['minimum']}, got {value}"
    if "maximum" in schema and value > schema["maximum"]:
        return f"{_field(path)} must be at most {schema['maximum']}, got {value}"
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return f"{_field(path)} must be greater than {schema['exclusiveMinimum']}, got {value}"
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        return f"{_field(path)} must be less than {schema['exclusiveMaximum']}, got {value}"
    return None


def _object_violation(schema: dict[str, Any], value: dict[str, Any], path: str) -> str | None:
    for key in schema.get("required", []):
        if key not in value:
            return f"{_field(_join(path, key))} is required"
    properties: dict[str, Any] = schema.get("properties", {})
    for key, sub in properties.items():
        if key in value:
            problem = first_violation(sub, value[key], _join(path, key))
            if problem:
                return problem
    names = schema.get("propertyNames")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if names is not None and first_violation(names, key, ""):
            return f"{_field(path)} has a key {key!r} that is not allowed"
        if key in properties:
            continue
        if extra is False:
            return f"{_field(_join(path, key))} is not part of the contract"
        problem = first_violation(extra, item, _join(path, key))
        if problem:
            return problem
    return None
