"""The training loop's bookkeeping on its own: throughput, the budget cut, early stopping and the run state."""

from __future__ import annotations

import math

import pytest

from repolora_trainer.run_state import EarlyStopping, NonFiniteGuard, RunState, Throughput, fit_budget


def test_throughput_leaves_the_first_step_out_once_a_second_exists() -> None:
    throughput = Throughput()
    assert (throughput.step_seconds(), throughput.steps) == (0.0, 0)
    throughput.add(5.0, 100)  # the first step: one-off costs
    assert throughput.step_seconds() == 5.0
    assert throughput.tokens_per_sec() == pytest.approx(20.0)
    throughput.add(1.0, 100)
    throughput.add(3.0, 200)
    assert throughput.tokens == 400
    assert throughput.step_seconds() == 2.0  # median of 1 and 3
    assert throughput.tokens_per_sec() == pytest.approx(300 / 4.0)


def test_fit_budget_waits_for_trusted_step_times_then_cuts() -> None:
    assert fit_budget(step=2, total=100, elapsed=2.0, step_time=1.0, measured=2, budget=10.0) == 100
    assert fit_budget(step=3, total=100, elapsed=3.0, step_time=1.0, measured=3, budget=10.0) == 10
    assert fit_budget(step=3, total=5, elapsed=3.0, step_time=1.0, measured=3, budget=10.0) == 5  # never more
    assert fit_budget(step=4, total=100, elapsed=10.5, step_time=1.0, measured=1, budget=10.0) == 4  # spent


def test_a_budget_cut_that_ends_the_run_now_is_the_reason_it_stopped() -> None:
    state = RunState(planned=100, total=100, guard=NonFiniteGuard(3, 1e-3), validation=EarlyStopping(0))
    state.started -= 20.0  # 20 s ago
    for _ in range(4):
        state.step += 1
        state.throughput.add(1.0, 10)
    state.budget_cut(10.0)
    assert (state.total, state.stopped_by) == (4, "budget")
    unlimited = RunState(planned=4, total=4, guard=NonFiniteGuard(3, 1e-3), validation=EarlyStopping(0))
    unlimited.step = 4
    unlimited.budget_cut(1e9)
    assert unlimited.stopped_by == "steps"  # it ran its planned steps


def test_early_stopping_counts_evaluations_without_a_better_loss() -> None:
    tracker = EarlyStopping(patience=2)
    assert tracker.observe(2, 1.0) == "better"
    assert tracker.observe(4, 1.0) == "worse"  # equal is not better
    assert tracker.observe(6, 0.5) == "better"  # resets the count
    assert tracker.observe(8, math.nan) == "worse"  # a NaN loss is never a best
    assert tracker.observe(10, 0.7) == "stop"
    assert tracker.best == 0.5
    assert [v["step"] for v in tracker.losses] == [2, 4, 6, 8, 10]
    never = EarlyStopping(patience=0)
    assert [never.observe(s, 1.0) for s in (1, 2, 3)] == ["better", "worse", "worse"]
