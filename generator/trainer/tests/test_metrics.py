from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from repolora_trainer.metrics import (
    edit_similarity,
    exact_match,
    first_statement,
    identifier_f1,
    identifiers,
    mulberry32,
    paired_bootstrap,
    score,
)

# The paired bootstrap's test vectors, shared with the TypeScript benchmark's tests (test/bench-stats.test.ts).
_VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[3] / "test" / "fixtures" / "bootstrap" / "paired-bootstrap.json").read_text()
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("x = 1\ny = 2\n", "python", "x = 1"),
        ("\n\n  foo(a)\nbar()", "python", "  foo(a)"),
        ("foo(a,\n    b)\nbar()", "python", "foo(a,\n    b)"),
        ("if (x) {\n  y();\n}\nz();", "typescript", "if (x) {\n  y();\n}"),
        ("const s = 'a(b';\nnext();", "typescript", "const s = 'a(b';"),
        ("const t = `line1\nline2(`;\nnext();", "typescript", "const t = `line1\nline2(`;"),
        ("call(x) // open ( in comment\nnext()", "javascript", "call(x) // open ( in comment"),
        ("/* (\n */ a();\nb();", "c", "/* (\n */ a();"),
        ("x = 1 + \\\n    2\ny", "python", "x = 1 + \\\n    2"),
        ("def f(x):\n    return x\n\n    # still body\nz = 1", "python", "def f(x):\n    return x\n\n    # still body"),
        ('s = """(\n"""\nt', "python", 's = """(\n"""'),
        ("a, b)\nnext()", "python", "a, b)"),  # a closer from the prefix does not make depth negative
        ("value * factor", "python", "value * factor"),
        ("", "python", ""),
        ("   \n \n", "python", ""),
    ],
)
def test_first_statement(text: str, language: str, expected: str) -> None:
    assert first_statement(text, language) == expected


def test_exact_match_ignores_trailing_whitespace_only() -> None:
    assert exact_match("foo(a)  \n", "foo(a)")
    assert not exact_match("foo(a )", "foo(a)")
    assert not exact_match("foo(a)\n  bar()", "foo(a)\n    bar()")  # indentation of inner lines matters
    assert exact_match("x\n  y  ", "x\n  y")


def test_edit_similarity_hand_computed() -> None:
    # fuzz.ratio = 1 - indel / (len a + len b); "abcd" vs "abed": delete c, insert e -> indel 2, lengths 8
    assert edit_similarity("abcd", "abed") == pytest.approx(1 - 2 / 8)
    assert edit_similarity("same", "same") == 1.0
    assert edit_similarity("", "") == 1.0
    assert edit_similarity("abc", "") == 0.0
    # "kitten" vs "sitting": indel distance 5 (k->s: 2, e->i: 2, +g: 1), lengths 13
    assert edit_similarity("kitten", "sitting") == pytest.approx(1 - 5 / 13)


def test_identifiers_skip_keywords_strings_and_comments() -> None:
    assert identifiers("return self.value + other_1  # note x", "python") == ["self", "value", "other_1"]
    assert identifiers("const a = this.b('c d') // e", "typescript") == ["a", "b"]
    assert identifiers("$el = 0x1F + _x", "javascript") == ["$el", "_x"]


def test_identifier_f1_hand_computed() -> None:
    assert identifier_f1([], []) == 1.0
    assert identifier_f1(["a"], []) == 0.0
    # pred a,b,b vs ref b,c: common = 1 (b); P = 1/3, R = 1/2, F1 = 2PR/(P+R) = 0.4
    assert identifier_f1(["a", "b", "b"], ["b", "c"]) == pytest.approx(0.4)
    assert identifier_f1(["x", "y"], ["y", "x"]) == 1.0


def test_score_trims_both_sides_first() -> None:
    s = score("foo(a, b)\nextra_line()\n", "foo(a, b)\n", "python")
    assert s.exact_match == 1.0
    assert s.edit_similarity == 1.0
    assert s.identifier_em == 1.0
    assert s.identifier_f1 == 1.0
    s = score("foo(b, a)", "foo(a, b)", "python")
    assert s.exact_match == 0.0
    assert s.identifier_em == 0.0  # order differs
    assert s.identifier_f1 == 1.0  # same bag


def test_bootstrap_collapses_when_differences_are_equal() -> None:
    interval = paired_bootstrap([0.7] * 20, [0.2] * 20)
    assert interval.mean == pytest.approx(0.5)
    assert interval.low == pytest.approx(0.5)
    assert interval.high == pytest.approx(0.5)


def test_bootstrap_small_known_case() -> None:
    # Differences [0, 1]: a resample's mean is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4, so with 1000
    # resamples the 2.5th and 97.5th percentiles are 0 and 1.
    interval = paired_bootstrap([1.0, 1.0], [1.0, 0.0], resamples=1000, seed=0)
    assert interval.mean == 0.5
    assert interval.low == 0.0
    assert interval.high == 1.0


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    treatment = [0.1 * (i % 7) for i in range(50)]
    control = [0.1 * (i % 5) for i in range(50)]
    a = paired_bootstrap(treatment, control, seed=3)
    b = paired_bootstrap(treatment, control, seed=3)
    assert a == b
    assert a.low <= a.mean <= a.high
    assert a.low < a.high
    with pytest.raises(ValueError, match="equally long"):
        paired_bootstrap([1.0], [1.0, 2.0])


@pytest.mark.parametrize("vector", _VECTORS["mulberry32"], ids=lambda v: f"seed {v['seed']}")
def test_mulberry32_gives_the_shared_draws(vector: dict[str, Any]) -> None:
    assert mulberry32(vector["seed"], 0, 5).tolist() == vector["first"]
    assert mulberry32(vector["seed"], 1000, 3).tolist() == vector["from1000"]


@pytest.mark.parametrize("case", _VECTORS["cases"], ids=lambda c: str(c["name"]))
def test_bootstrap_gives_the_shared_intervals_exactly(case: dict[str, Any]) -> None:
    interval = paired_bootstrap(case["treatment"], case["control"], case["resamples"], case["seed"], case["confidence"])
    assert interval.as_dict() == case["expected"]


def test_metric_names_come_from_the_report_card_contract_and_match_score() -> None:
    # The contract (docs/contracts/report-card.schema.json) lists the metrics every system reports; a score
    # must produce exactly those, so a metric added on one side fails here instead of in a report.
    from repolora_trainer.json_schema import load_schema
    from repolora_trainer.metrics import METRIC_NAMES, score

    required = load_schema("report-card")["properties"]["systems"]["additionalProperties"]["required"]
    assert tuple(required) == METRIC_NAMES
    assert set(score("x = 1", "x = 2", "python").as_dict()) == set(METRIC_NAMES)
