"""Markdown tables of a GPU benchmark's results.json (bench/gpu/run_bench.py), for docs/BENCHMARKS.md.

Usage: python bench/gpu/summarize.py OUT/results.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def ci(delta: dict[str, Any] | None) -> str:
    if not delta or delta.get("mean") is None:
        return "—"
    low, high = delta["low"], delta["high"]
    text = f"{delta['mean']:+.3f} [{low:+.3f}, {high:+.3f}]"
    return f"**{text}**" if low > 0 or high < 0 else text  # bold: the interval excludes 0


def stage_table(results: dict[str, Any]) -> list[str]:
    lines = ["| stage | status | seconds | note |", "|---|---|---|---|"]
    for stage in results["stages"]:
        note = stage.get("reason") or stage.get("error") or ""
        lines.append(f"| {stage['name']} | {stage['status']} | {stage.get('seconds', '—')} | {note} |")
    return lines


def training_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| adapter | mode | steps (planned) | sequences / step | tokens/s | peak CUDA MiB | first → last loss |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = list(results["training"].values())
    qlora = results.get("qlora", {}).get("qlora")
    if qlora:
        rows.append({**qlora, "name": f"{qlora['name']} (QLoRA)"})
    for t in rows:
        peak = t["memory"]["peakCudaMiB"]
        first, last = t.get("firstLoss"), t.get("loss")
        losses = f"{first:.3f} → {last:.3f}" if first is not None and last is not None else "—"
        lines.append(
            f"| {t['name']} | {t['mode']} {t['precision']} | {t['steps']} ({t['plannedSteps']}) | "
            f"{t['effectiveBatch']} | {t['tokensPerSec']} | {'—' if peak is None else peak} | {losses} |"
        )
    return lines


def score_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| repository (control) | NLL n | default − base | adapter − default | control − default | "
        "adapter − control | completions n | ES adapter − default | EM adapter − default |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results["scores"].items():
        d = s["nllDeltas"]
        c = s.get("completions") or {}
        cd = c.get("deltas", {}).get("adapter-default", {})
        lines.append(
            f"| {name} ({s.get('control') or '—'}) | {len(s['nllExamples'])} | {ci(d.get('default-base'))} | "
            f"{ci(d.get('adapter-default'))} | {ci(d.get('control-default'))} | {ci(d.get('adapter-control'))} | "
            f"{c.get('done', '—')} | {ci(cd.get('editSimilarity'))} | {ci(cd.get('exactMatch'))} |"
        )
    return lines


def summarize(results: dict[str, Any]) -> str:
    head = (
        f"mode {results['mode']}, {results.get('runtime', {}).get('device', '?')}, "
        f"{results.get('elapsedSeconds', '?')} s of {results['settings']['budget_min']} min"
    )
    parts = [head, "", *stage_table(results), "", *training_table(results), "", *score_table(results)]
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(summarize(json.loads(Path(argv[0]).read_text(encoding="utf-8"))), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
