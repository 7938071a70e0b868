"""bench/quality/typed_middle_nll.py: which first tokens healing allows, and the paired summary of its variants."""

from __future__ import annotations

import pytest
from conftest import load_bench_tool

tool = load_bench_tool("quality/typed_middle_nll.py")


def test_healing_allows_tokens_that_start_with_the_fragment_and_never_special_ones() -> None:
    vocab = ["re", "ret", "return", "<|ret|>", "r", "retry", "x"]
    assert tool.healing_allowed(vocab, "ret", set()) == [1, 2, 5]
    assert tool.healing_allowed(vocab, "<|", {3}) == []
    assert tool.healing_allowed(vocab, "r", {3}) == [0, 1, 2, 4, 5]


def test_summary_pairs_each_variant_with_natural_per_natural_target_token() -> None:
    rows = [
        {"targetTokens": 2, "natural": 2.0, "anchored": 6.0, "healed": 1.0},
        {"targetTokens": 4, "natural": 4.0, "anchored": 8.0, "healed": 4.0},
    ]
    summary = tool.summarize(rows)
    assert summary["n"] == 2
    assert summary["natural"]["meanNatsPerToken"] == pytest.approx(1.0)
    assert summary["anchored"]["meanNatsPerToken"] == pytest.approx((3.0 + 2.0) / 2)
    assert summary["anchored"]["minusNatural"]["mean"] == pytest.approx(1.5)
    assert summary["healed"]["minusNatural"]["mean"] == pytest.approx(-0.25)
    low, high = summary["healed"]["minusNatural"]["low"], summary["healed"]["minusNatural"]["high"]
    assert low == pytest.approx(-0.5) and high == pytest.approx(0.0)
