"""`repolora bench`'s scorer (bench/quality/bench_eval.py): per-example held-out NLL for every system, paired by id."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from conftest import FAST_CONFIG, load_bench_tool, make_record, write_dataset

from repolora_trainer.cancel import CancelToken
from repolora_trainer.commands import train_command
from repolora_trainer.config import config_from_dict
from repolora_trainer.progress import Progress

bench_eval = load_bench_tool("quality/bench_eval.py")


@pytest.mark.parametrize(
    ("per_variant", "expected"),
    [
        ({}, []),
        ({"plain": ["a", "b", "c"]}, ["a", "b", "c"]),
        ({"plain": ["a", "b", "c"], "retrieval": ["a", "b", "c"]}, ["a", "b", "c"]),
        # An example one variant dropped is dropped for all; the first variant's order is kept.
        ({"plain": ["c", "a", "b"], "retrieval": ["a", "c"]}, ["c", "a"]),
        ({"plain": ["a"], "retrieval": ["b"]}, []),
    ],
)
def test_shared_ids(per_variant: dict[str, list[str]], expected: list[str]) -> None:
    assert bench_eval.shared_ids(per_variant) == expected


def test_every_system_gets_held_out_nll_on_more_examples_than_it_completes(tiny_qwen: Path, tmp_path: Path) -> None:
    # Eight eval examples; one middle too long for the 128-token cap, so the encoder drops it from the NLL sample.
    evals = [json.dumps(make_record(1000 + i, "eval")) for i in range(7)]
    evals.append(json.dumps(make_record(1007, "eval", middle="value * factor + 1\n" * 60)))
    plain = write_dataset(tmp_path / "plain", n_train=16, n_eval=8, lines={"eval": evals})
    retrieval = tmp_path / "retrieval"
    shutil.copytree(plain, retrieval)  # same prompts: the +retrieval systems must score exactly the same
    config = config_from_dict({**FAST_CONFIG, "base_model": str(tiny_qwen), "max_steps": 2})
    train_command(plain, config, tmp_path / "adapter", Progress(None), CancelToken(), run_eval=False)
    out = tmp_path / "scores.json"
    args = [
        *("--base", str(tiny_qwen), "--dataset", f"plain={plain}", "--dataset", f"retrieval={retrieval}"),
        *("--adapter", f"default={tmp_path / 'adapter'}", "--adapter", f"adapter={tmp_path / 'adapter'}"),
        *("--limit", "2", "--nll-limit", "0", "--max-new-tokens", "4", "--max-tokens", "128", "--out", str(out)),
    ]
    assert bench_eval.main(args) == 0
    scores = json.loads(out.read_text())

    assert scores["schema"] == 2 and scores["settings"]["nllLimit"] == 0
    assert len(scores["examples"]) == 2
    nll_ids = [e["id"] for e in scores["nllExamples"]]
    all_ids = [json.loads(line)["id"] for line in evals]
    assert nll_ids == all_ids[:7]  # every example but the one whose middle does not fit
    assert list(scores["systems"]) == [
        "base",
        "base+retrieval",
        "default",
        "default+retrieval",
        "adapter",
        "adapter+retrieval",
    ]
    for name, system in scores["systems"].items():
        assert len(system["nll"]) == len(nll_ids), name
        assert all(math.isfinite(v) and v > 0 for v in system["nll"]), name
        assert len(system["scores"]["editSimilarity"]) == 2, name
    systems = scores["systems"]
    assert systems["base"]["nll"] == systems["base+retrieval"]["nll"]
    # The same adapter under two names scores the same; trained weights score other than the base.
    assert systems["default"]["nll"] == systems["adapter"]["nll"]
    assert systems["adapter"]["nll"] != systems["base"]["nll"]
