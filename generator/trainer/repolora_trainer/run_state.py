"""What the training loop keeps between steps: throughput, the step budget, validation/early stopping and the
guard against non-finite steps, gathered in one RunState. Plain bookkeeping (no model), so each piece is tested on
its own; the loop in train.py only calls these.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Literal

import torch

from .errors import DivergedError

# Steps measured before the budget estimate is trusted (the first step pays one-off costs, so it is skipped).
_BUDGET_WARMUP_STEPS = 3
# Skipped steps beyond this share of the steps so far (and beyond max_skipped_steps) mean the run diverged: a bad
# batch now and then is survivable (bf16 overflow on one long example), a steady stream is not.
_MAX_SKIPPED_SHARE = 0.1
# A validation loss must beat the best by more than this to count as better.
_MIN_IMPROVEMENT = 1e-6

StoppedBy = Literal["steps", "budget", "early_stopping"]


@dataclass
class Throughput:
    """Step times and tokens. The first step pays one-off costs (allocation, kernel selection), so once a later
    step exists it is left out of the step time and of tokens per second."""

    durations: list[float] = field(default_factory=list)
    tokens: int = 0
    tokens_after_first: int = 0

    def add(self, seconds: float, tokens: int) -> None:
        if self.durations:
            self.tokens_after_first += tokens
        self.durations.append(seconds)
        self.tokens += tokens

    @property
    def steps(self) -> int:
        return len(self.durations)

    def step_seconds(self) -> float:
        """Median step time (without the first step once there are two); 0 before any step."""
        if len(self.durations) > 1:
            return statistics.median(self.durations[1:])
        return self.durations[0] if self.durations else 0.0

    def tokens_per_sec(self) -> float:
        if len(self.durations) > 1:
            return self.tokens_after_first / max(sum(self.durations[1:]), 1e-9)
        return self.tokens / max(sum(self.durations), 1e-9)


def fit_budget(step: int, total: int, elapsed: float, step_time: float, measured: int, budget: float) -> int:
    """The step count that ends the loop within `budget` seconds, once `measured` step times are trusted."""
    if elapsed >= budget:
        return step
    if measured < _BUDGET_WARMUP_STEPS:
        return total
    affordable = step + int((budget - elapsed) / max(step_time, 1e-9))
    return max(step, min(total, affordable))


@dataclass
class NonFiniteGuard:
    """Counts skipped steps (NaN/Inf loss or gradient norm) and raises DivergedError once there are too many."""

    limit: int  # config.max_skipped_steps
    lr: float  # the peak learning rate, named in the error
    skipped: int = 0
    in_row: int = 0

    def record(self, finite: bool) -> None:
        if finite:
            self.in_row = 0
        else:
            self.skipped += 1
            self.in_row += 1

    def check(self, steps_so_far: int) -> None:
        if self.in_row >= self.limit or self.skipped > max(self.limit, _MAX_SKIPPED_SHARE * steps_so_far):
            raise DivergedError(
                f"training diverged: {self.skipped} of {steps_so_far} steps had a NaN/Inf loss or gradient norm "
                f"({self.in_row} in a row; max_skipped_steps is {self.limit}); no adapter was written. Lower the "
                f"learning rate (lr is {self.lr:g}), check the dataset for degenerate records, or train in fp32 "
                "(precision fp32) if bf16 overflowed."
            )


@dataclass
class EarlyStopping:
    """Validation losses so far and the best one; `patience` evaluations without a better loss stop the run
    (0: never)."""

    patience: int
    best: float | None = None
    bad_evals: int = 0
    losses: list[dict[str, float]] = field(default_factory=list)

    def observe(self, step: int, loss: float) -> Literal["better", "worse", "stop"]:
        self.losses.append({"step": step, "loss": loss})
        if math.isfinite(loss) and (self.best is None or loss < self.best - _MIN_IMPROVEMENT):
            self.best, self.bad_evals = loss, 0
            return "better"
        self.bad_evals += 1
        return "stop" if self.patience and self.bad_evals >= self.patience else "worse"


@dataclass
class RunState:
    """The loop's running values: where it is, what it measured, and why it stopped."""

    planned: int  # steps planned before any budget cut
    total: int  # steps the loop runs to; a time budget may lower it
    guard: NonFiniteGuard
    validation: EarlyStopping
    started: float = field(default_factory=time.monotonic)
    step: int = 0
    stopped_by: StoppedBy = "steps"
    history: list[float] = field(default_factory=list)  # the loss of every finite step
    throughput: Throughput = field(default_factory=Throughput)
    best_state: dict[str, torch.Tensor] | None = None  # the LoRA weights at the best validation loss

    def budget_cut(self, budget: float) -> None:
        """Lowers `total` so the loop ends within `budget` seconds; a cut that ends it now stops it by budget."""
        elapsed = time.monotonic() - self.started
        self.total = fit_budget(
            self.step, self.total, elapsed, self.throughput.step_seconds(), self.throughput.steps, budget
        )
        if self.step >= self.total and self.total < self.planned:
            self.stopped_by = "budget"
