"""Code-completion metrics in the manner of CrossCodeEval, plus a paired bootstrap.

Both the prediction and the reference are first trimmed to one statement (`first_statement`), then scored:
  - exact match (EM): equal after stripping trailing whitespace of each line and of the whole;
  - edit similarity (ES): rapidfuzz `fuzz.ratio / 100`, i.e. 1 - InDel distance / (len a + len b), the score
    CrossCodeEval reports (it uses fuzz.ratio too); two empty strings score 1;
  - identifier match: identifiers (outside strings and comments, keywords removed) compared as a sequence (EM)
    and as a bag (F1).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from .json_schema import load_schema
from .keywords import KEYWORDS, KEYWORDS_COMMON

_HASH_COMMENT_LANGUAGES = {"python", "ruby", "shell", "bash", "sh", "perl", "r", "yaml", "toml", "makefile", "elixir"}
_PYTHON_LIKE = {"python"}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}


@dataclass(frozen=True)
class _Syntax:
    line_comment: str
    block_comment: tuple[str, str] | None
    triple_quotes: bool  # Python's ''' and """ strings span lines
    multiline_quote: str | None  # JS/TS template literals span lines


def _syntax(language: str) -> _Syntax:
    lang = language.lower()
    if lang in _HASH_COMMENT_LANGUAGES:
        return _Syntax("#", None, lang in _PYTHON_LIKE, None)
    return _Syntax("//", ("/*", "*/"), False, "`")


def _scan(text: str, language: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Lexes just enough to find code outside strings and comments.

    Returns (code_spans, depth_at): the [start, end) ranges that are code, and the bracket depth after each
    character (clamped at 0: a closer for a bracket opened in the prefix does not make depth negative).
    """
    syntax = _syntax(language)
    spans: list[tuple[int, int]] = []
    depth_at: list[int] = [0] * len(text)
    depth = 0
    i = 0
    code_start = 0
    n = len(text)
    while i < n:
        ch = text[i]
        # Comments.
        if text.startswith(syntax.line_comment, i):
            spans.append((code_start, i))
            end = text.find("\n", i)
            end = n if end < 0 else end
            for k in range(i, end):
                depth_at[k] = depth
            i = code_start = end
            continue
        if syntax.block_comment and text.startswith(syntax.block_comment[0], i):
            spans.append((code_start, i))
            end = text.find(syntax.block_comment[1], i + 2)
            end = n if end < 0 else end + len(syntax.block_comment[1])
            for k in range(i, end):
                depth_at[k] = depth
            i = code_start = end
            continue
        # Strings.
        quote: str | None = None
        if syntax.triple_quotes and text.startswith(('"""', "'''"), i):
            quote = text[i : i + 3]
        elif ch in ("'", '"') or (syntax.multiline_quote is not None and ch == syntax.multiline_quote):
            quote = ch
        if quote is not None:
            spans.append((code_start, i))
            spans_lines = len(quote) == 3 or quote == syntax.multiline_quote
            j = i + len(quote)
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    j += len(quote)
                    break
                if text[j] == "\n" and not spans_lines:
                    break  # unterminated one-line string (or a Rust lifetime): stop at the line's end
                j += 1
            j = min(j, n)
            for k in range(i, j):
                depth_at[k] = depth
            i = code_start = j
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        depth_at[i] = depth
        i += 1
    spans.append((code_start, n))
    return [(a, b) for a, b in spans if b > a], depth_at


def _in_code(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def first_statement(text: str, language: str = "") -> str:
    """Trims a completion to its first complete statement, by bracket balance.

    Leading blank lines are dropped. The statement ends at the first newline that is outside strings and
    comments, at bracket depth 0, after some content, and not after a `\\` line continuation. So a call whose
    arguments span lines, or a `{ ... }` block, is kept whole. In Python, a header line ending in `:` keeps the
    indented block below it. Trailing whitespace is removed.
    """
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(lines)
    if not text:
        return ""
    spans, depth_at = _scan(text, language)
    end = len(text)
    for pos, ch in enumerate(text):
        if ch != "\n" or depth_at[pos] > 0 or not _in_code(pos, spans):
            continue
        line_start = text.rfind("\n", 0, pos) + 1
        before = text[:pos].rstrip()
        if not before.strip() or before.endswith("\\"):
            continue
        if language.lower() in _PYTHON_LIKE and _python_header(text, line_start, pos, spans):
            end = _python_block_end(text, pos)
            break
        end = pos
        break
    return text[:end].rstrip()


def _python_header(text: str, line_start: int, line_end: int, spans: list[tuple[int, int]]) -> bool:
    code = "".join(text[k] for k in range(line_start, line_end) if _in_code(k, spans)).rstrip()
    return code.endswith(":")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _python_block_end(text: str, header_end: int) -> int:
    """End of the indented block after a Python header that starts the text (blank lines inside it are kept)."""
    header_indent = _indent(text[: text.find("\n") if "\n" in text else len(text)])
    end = header_end
    pos = header_end + 1
    while pos <= len(text):
        nl = text.find("\n", pos)
        nl = len(text) if nl < 0 else nl
        line = text[pos:nl]
        if line.strip():
            if _indent(line) <= header_indent:
                break
            end = nl
        pos = nl + 1
    return end


def normalize(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def exact_match(prediction: str, reference: str) -> bool:
    return normalize(prediction) == normalize(reference)


def edit_similarity(prediction: str, reference: str) -> float:
    """rapidfuzz fuzz.ratio / 100 on the stripped strings; both empty -> 1.0."""
    a, b = prediction.strip(), reference.strip()
    if not a and not b:
        return 1.0
    return float(fuzz.ratio(a, b)) / 100.0


_IDENTIFIER = re.compile(r"(?<![\w$])[A-Za-z_$][\w$]*")


def identifiers(text: str, language: str = "") -> list[str]:
    """Identifiers in code order, outside strings and comments, without the language's keywords."""
    keywords = KEYWORDS.get(language.lower(), KEYWORDS_COMMON)
    spans, _ = _scan(text, language)
    out: list[str] = []
    for a, b in spans:
        out.extend(m.group(0) for m in _IDENTIFIER.finditer(text, a, b) if m.group(0) not in keywords)
    return out


def identifier_f1(prediction: Sequence[str], reference: Sequence[str]) -> float:
    """F1 over the two bags of identifiers; both empty -> 1.0, one empty -> 0.0."""
    if not prediction and not reference:
        return 1.0
    common = sum((Counter(prediction) & Counter(reference)).values())
    if common == 0:
        return 0.0
    precision = common / len(prediction)
    recall = common / len(reference)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Score:
    exact_match: float
    edit_similarity: float
    identifier_em: float
    identifier_f1: float

    def as_dict(self) -> dict[str, float]:
        return {
            "exactMatch": self.exact_match,
            "editSimilarity": self.edit_similarity,
            "identifierEm": self.identifier_em,
            "identifierF1": self.identifier_f1,
        }


def _report_card_metrics() -> tuple[str, ...]:
    """The report card's metric names, from its contract (runtime/src/contracts/report-card.ts METRICS, exported to
    docs/contracts/report-card.schema.json as what every system must report): one list for both languages."""
    system = load_schema("report-card")["properties"]["systems"]["additionalProperties"]
    return tuple(system["required"])


METRIC_NAMES = _report_card_metrics()


def score(prediction: str, reference: str, language: str = "") -> Score:
    """Scores one completion after trimming both sides to their first statement."""
    pred = first_statement(prediction, language)
    ref = first_statement(reference, language)
    pred_ids, ref_ids = identifiers(pred, language), identifiers(ref, language)
    return Score(
        exact_match=float(exact_match(pred, ref)),
        edit_similarity=edit_similarity(pred, ref),
        identifier_em=float(pred_ids == ref_ids),
        identifier_f1=identifier_f1(pred_ids, ref_ids),
    )


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


_MULBERRY_STEP = 0x6D2B79F5
_U32 = 0xFFFFFFFF


def mulberry32(seed: int, start: int, count: int) -> np.ndarray:
    """Draws start .. start+count-1 (0-based) of mulberry32 seeded with `seed`, as floats in [0, 1).

    The same generator as the TypeScript side's (runtime/src/util/random.ts), bit for bit: its state after k
    draws is seed + k * 0x6D2B79F5 (mod 2^32) and each draw hashes its state alone, so any run of draws is
    computed at once here.
    """
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    t = (((seed & _U32) + k * _MULBERRY_STEP) & _U32).astype(np.uint32)
    t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
    t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
    draws: np.ndarray = (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0
    return draws


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics, written as bench/quality/stats.ts writes it (numpy's
    `quantile` rounds differently in the last bit)."""
    position = (len(sorted_values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def paired_bootstrap(
    treatment: Sequence[float],
    control: Sequence[float],
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Interval:
    """Percentile bootstrap interval of mean(treatment - control) over examples, resampled in pairs.

    Pairing (the same resampled examples for both systems) removes the between-example variance that dominates
    completion metrics, so the interval is much tighter than comparing two independent means.

    The one algorithm of the project (docs/decisions/2026-12-05-one-bootstrap.md), identical to the benchmark's
    `pairedBootstrap` (bench/quality/stats.ts) to the last bit, checked by both test suites against
    test/fixtures/bootstrap/paired-bootstrap.json: resample r picks example floor(u * n) for the draws
    u = r*n .. r*n+n-1 of mulberry32(seed); its mean is the left-to-right sum over n; the interval's ends are the
    (1-confidence)/2 and 1-(1-confidence)/2 quantiles of the sorted means (linear interpolation).
    """
    if len(treatment) != len(control):
        raise ValueError("paired bootstrap needs two equally long score lists")
    diffs = np.asarray(treatment, dtype=np.float64) - np.asarray(control, dtype=np.float64)
    n = len(diffs)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan)
    means = np.empty(resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // n)  # bound the index matrix's memory on big eval sets
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        draws = mulberry32(seed, start * n, (stop - start) * n).reshape(stop - start, n)
        idx = np.floor(draws * n).astype(np.int64)
        # cumsum adds left to right, as the TypeScript loop does (sum/mean add pairwise: other last bits).
        means[start:stop] = np.cumsum(diffs[idx], axis=1)[:, -1] / n
    alpha = (1.0 - confidence) / 2.0
    ordered = sorted(means.tolist())
    observed = float(np.cumsum(diffs)[-1]) / n
    return Interval(observed, _quantile(ordered, alpha), _quantile(ordered, 1.0 - alpha))
