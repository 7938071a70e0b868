"""The training loop: optimizer steps over shuffled examples, with budget, validation, early stopping,
cancellation at step boundaries, CUDA-OOM back-off and a guard against non-finite steps.

A hand-written loop rather than transformers' Trainer: the progress protocol, the time budget and the OOM retry
all act between micro-batches, and the loop stays short enough to read in one go.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from .bundle import first_non_finite
from .cancel import CancelToken
from .config import TrainConfig
from .errors import DivergedError, OutOfMemoryError
from .features import Example, micro_batches
from .loss import mean_loss, target_loss_sum
from .model_loading import Runtime
from .progress import Progress
from .run_state import EarlyStopping, NonFiniteGuard, RunState

_FINAL_LR_FRACTION = 0.1  # cosine decays to 10% of the peak, so a budget-shortened run still learns at the end


@dataclass
class TrainResult:
    steps: int
    planned_steps: int
    loss: float | None  # mean token loss over the last steps (up to 10)
    first_loss: float | None
    seconds: float
    stopped_by: str  # "steps" | "budget" | "early_stopping"
    tokens: int
    tokens_per_sec: float
    step_seconds: float
    micro_batch: int
    grad_accum: int
    skipped_steps: int = 0  # steps whose loss or gradient norm was NaN/Inf: no update was applied
    best_val_loss: float | None = None
    val_losses: list[dict[str, float]] = field(default_factory=list)
    history: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "plannedSteps": self.planned_steps,
            "loss": self.loss,
            "firstLoss": self.first_loss,
            "seconds": round(self.seconds, 3),
            "stoppedBy": self.stopped_by,
            "tokens": self.tokens,
            "tokensPerSec": round(self.tokens_per_sec, 1),
            "stepSeconds": round(self.step_seconds, 4),
            "microBatch": self.micro_batch,
            "gradAccum": self.grad_accum,
            "skippedSteps": self.skipped_steps,
            "bestValLoss": self.best_val_loss,
            # A validation loss can be NaN even when training steps were not; JSON has no NaN, so it becomes null.
            "valLosses": [{**v, "loss": v["loss"] if math.isfinite(v["loss"]) else None} for v in self.val_losses],
            "lossHistory": [round(x, 5) for x in self.history],
        }


def planned_steps(n_examples: int, config: TrainConfig) -> int:
    if config.max_steps > 0:
        return config.max_steps
    return max(1, math.ceil(config.epochs * n_examples / config.effective_batch))


def split_validation(examples: Sequence[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Holds out a seeded slice of train examples for validation loss (at least 1, leaving at least 1)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_val = min(len(examples) - 1, max(1, round(len(examples) * fraction)))
    held = set(order[:n_val])
    train = [e for i, e in enumerate(examples) if i not in held]
    val = [examples[i] for i in sorted(held)]
    return train, val


def example_stream(examples: Sequence[Example], seed: int) -> Iterator[Example]:
    """Endless stream of examples, reshuffled each epoch with a seed derived from (seed, epoch)."""
    epoch = 0
    while True:
        order = list(range(len(examples)))
        random.Random(seed * 1_000_003 + epoch).shuffle(order)
        for i in order:
            yield examples[i]
        epoch += 1


def lr_at(step: int, total: int, peak: float, warmup_ratio: float) -> float:
    """Linear warm-up, then cosine decay to 10% of peak; `total` may shrink under a time budget."""
    warmup = max(1, math.ceil(total * warmup_ratio)) if warmup_ratio > 0 else 0
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    progress = min(1.0, progress)
    return peak * (_FINAL_LR_FRACTION + (1 - _FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress)))


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.OutOfMemoryError) or "out of memory" in str(err).lower()


class Trainer:
    def __init__(
        self,
        model: Any,
        train_examples: Sequence[Example],
        val_examples: Sequence[Example],
        config: TrainConfig,
        runtime: Runtime,
        progress: Progress,
        cancel: CancelToken,
        pad_id: int,
    ) -> None:
        self.model = model
        self.train_examples = train_examples
        self.val_examples = val_examples
        self.config = config
        self.runtime = runtime
        self.progress = progress
        self.cancel = cancel
        self.pad_id = pad_id
        self.micro_batch = config.micro_batch
        self.grad_accum = config.grad_accum
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = self._make_optimizer()

    def _make_optimizer(self) -> torch.optim.Optimizer:
        if self.runtime.mode == "qlora":
            import bitsandbytes as bnb

            # Paged 8-bit AdamW: optimizer state in 8 bits, paged to host memory under pressure.
            optimizer: torch.optim.Optimizer = bnb.optim.PagedAdamW8bit(
                self.params, lr=self.config.lr, weight_decay=self.config.weight_decay
            )
            return optimizer
        return torch.optim.AdamW(self.params, lr=self.config.lr, weight_decay=self.config.weight_decay)

    def _accumulate(self, examples: Sequence[Example]) -> tuple[float, int]:
        """Forward/backward over one step's examples; returns (mean token loss, real tokens)."""
        device = self.runtime.device
        batches = micro_batches(examples, self.micro_batch, self.config.packing, self.config.max_tokens, self.pad_id)
        targets = sum(b.target_tokens for b in batches)
        total = 0.0
        tokens = 0
        for batch in batches:
            self.cancel.check()
            loss_sum, _ = target_loss_sum(self.model, batch.to(device))
            # Normalise by the whole step's target tokens so every token weighs the same across micro-batches.
            (loss_sum / targets).backward()
            total += float(loss_sum.detach())
            tokens += batch.tokens
        return total / targets, tokens

    def _step(self, examples: Sequence[Example]) -> tuple[float, int]:
        while True:
            try:
                return self._accumulate(examples)
            except (torch.OutOfMemoryError, RuntimeError) as err:
                if not _is_oom(err) or self.runtime.device.type != "cuda":
                    raise
                self.optimizer.zero_grad(set_to_none=True)
                torch.cuda.empty_cache()
                if self.micro_batch == 1:
                    raise OutOfMemoryError(
                        "CUDA ran out of memory even at micro_batch 1; lower max_tokens, rank or layers, "
                        "or use a smaller base model"
                    ) from err
                # Same examples per step: half the micro-batch, twice the accumulation.
                self.micro_batch //= 2
                self.grad_accum *= 2
                self.progress.message(
                    f"CUDA out of memory: retrying with micro_batch {self.micro_batch}, grad_accum {self.grad_accum}",
                    level="warning",
                )

    def _grad_norm(self) -> float:
        """Total gradient norm, clipped to max_grad_norm when that is set (an infinite limit only measures it)."""
        max_norm = self.config.max_grad_norm if self.config.max_grad_norm > 0 else math.inf
        return float(torch.nn.utils.clip_grad_norm_(self.params, max_norm))

    def _check_weights(self) -> None:
        """A finite loss does not prove finite weights (an update can overflow them): never hand those on."""
        from peft import get_peft_model_state_dict

        bad = first_non_finite(get_peft_model_state_dict(self.model))
        if bad is not None:
            raise DivergedError(
                f"training diverged: the adapter's weights hold {bad[1]} (tensor {bad[0]}); no adapter was written. "
                f"Lower the learning rate (lr is {self.config.lr:g}) or check the dataset."
            )

    def _validate(self, step: int) -> float:
        loss = mean_loss(
            self.model, self.val_examples, self.micro_batch, self.config.max_tokens, self.pad_id, self.runtime.device
        )
        self.progress.emit("eval", step=step, loss=round(loss, 5))
        return loss

    def run(self) -> TrainResult:
        """Optimizer steps until the planned count, the time budget or early stopping ends the run."""
        state = self._start()
        stream = example_stream(self.train_examples, self.config.seed)
        while state.step < state.total:
            loss, lr = self._train_step(state, stream)
            if self.config.budget_seconds > 0:
                state.budget_cut(self.config.budget_seconds)
            self._report_step(state, loss, lr)
            state.guard.check(state.step)  # after the step event, so the reader sees the last skip before the error
            if self._validation_due(state) and self._validate_and_track(state) == "stop":
                state.stopped_by = "early_stopping"
                break
        self._restore_best(state)
        self._check_weights()
        return self._result(state)

    def _start(self) -> RunState:
        planned = planned_steps(len(self.train_examples), self.config)
        self.model.train()
        return RunState(
            planned=planned,
            total=planned,
            guard=NonFiniteGuard(self.config.max_skipped_steps, self.config.lr),
            validation=EarlyStopping(self.config.early_stopping_patience),
        )

    def _train_step(self, state: RunState, stream: Iterator[Example]) -> tuple[float, float]:
        """One optimizer step over the next examples, skipped (no update) when its loss or gradient norm is not
        finite; returns its loss and learning rate."""
        self.cancel.check()
        t0 = time.monotonic()
        for group in self.optimizer.param_groups:
            group["lr"] = lr_at(state.step, state.total, self.config.lr, self.config.warmup_ratio)
        lr = float(self.optimizer.param_groups[0]["lr"])
        loss, tokens = self._step([next(stream) for _ in range(self.config.effective_batch)])
        finite = math.isfinite(loss) and math.isfinite(self._grad_norm())
        if finite:
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)  # a skipped step's gradients are dropped, not carried over
        state.step += 1
        if not finite:
            self.progress.message(
                f"step {state.step}: loss or gradient norm is NaN/Inf; skipped without an update", level="warning"
            )
        state.guard.record(finite)
        state.throughput.add(time.monotonic() - t0, tokens)
        if finite:
            state.history.append(loss)
        return loss, lr

    def _report_step(self, state: RunState, loss: float, lr: float) -> None:
        step_time = state.throughput.step_seconds()
        self.progress.emit(
            "step",
            step=state.step,
            of=state.total,
            loss=round(loss, 5),
            lr=lr,
            tokensPerSec=round(state.throughput.tokens_per_sec(), 1),
            etaSec=round(max(0, state.total - state.step) * step_time, 1),
            skipped=state.guard.skipped,
        )

    def _validation_due(self, state: RunState) -> bool:
        every = self.config.eval_every
        return every > 0 and bool(self.val_examples) and (state.step % every == 0 or state.step == state.total)

    def _validate_and_track(self, state: RunState) -> Literal["better", "worse", "stop"]:
        """Validation loss now; a new best is remembered (with its weights when early stopping may need them)."""
        outcome = state.validation.observe(state.step, self._validate(state.step))
        if outcome == "better" and self.config.early_stopping_patience > 0:
            from peft import get_peft_model_state_dict

            state.best_state = {k: v.detach().clone() for k, v in get_peft_model_state_dict(self.model).items()}
        return outcome

    def _restore_best(self, state: RunState) -> None:
        """An early-stopped run keeps the weights of its best validation loss, not its last."""
        if state.best_state is not None and state.stopped_by == "early_stopping":
            from peft import set_peft_model_state_dict

            set_peft_model_state_dict(self.model, state.best_state)

    def _result(self, state: RunState) -> TrainResult:
        tail = state.history[-10:]
        return TrainResult(
            steps=state.step,
            planned_steps=state.planned,
            loss=sum(tail) / len(tail) if tail else None,
            first_loss=state.history[0] if state.history else None,
            seconds=time.monotonic() - state.started,
            stopped_by=state.stopped_by,
            tokens=state.throughput.tokens,
            tokens_per_sec=state.throughput.tokens_per_sec(),
            step_seconds=state.throughput.step_seconds(),
            micro_batch=self.micro_batch,
            grad_accum=self.grad_accum,
            skipped_steps=state.guard.skipped,
            best_val_loss=state.validation.best,
            val_losses=state.validation.losses,
            history=state.history,
        )
