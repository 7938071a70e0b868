"""Loss on the target tokens only, computing logits only where there is a label.

The LM head of a real code model projects onto ~150k tokens; projecting every prompt position would cost far
more memory than the model's activations. `logits_to_keep` (a boolean mask) makes transformers project only the
positions that predict a target token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .features import IGNORE_INDEX, Batch, Example, micro_batches


def _target_token_losses(model: Any, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of every target token in the batch (N,), and the batch row each belongs to (N,)."""
    labels = batch.labels
    targets_mask = labels[:, 1:] != IGNORE_INDEX  # (B, T-1): label t+1 is predicted at position t
    keep = torch.zeros_like(labels, dtype=torch.bool)
    keep[:, :-1] = targets_mask
    out = model(
        input_ids=batch.input_ids,
        attention_mask=batch.attention_mask,
        position_ids=batch.position_ids,
        use_cache=False,  # a cache would also hide the packed-sequence boundaries from the mask builder
        logits_to_keep=keep,
    )
    logits = out.logits  # (N, V) for a boolean logits_to_keep, in row-major order of `keep`
    targets = labels[:, 1:][targets_mask]  # (N,)
    rows = targets_mask.nonzero()[:, 0]  # (N,): row-major, the order of `logits` and `targets`
    return F.cross_entropy(logits.float(), targets, reduction="none"), rows


def target_loss_sum(model: Any, batch: Batch) -> tuple[torch.Tensor, int]:
    """Sum of token cross-entropies over the batch's target tokens, and their count."""
    losses, _ = _target_token_losses(model, batch)
    return losses.sum(), int(losses.numel())


@torch.no_grad()
def mean_loss(
    model: Any, examples: Sequence[Example], micro_batch: int, max_tokens: int, pad_id: int, device: torch.device
) -> float:
    """Teacher-forced mean loss per target token over `examples` (dropout off)."""
    was_training = model.training
    model.eval()
    total = 0.0
    count = 0
    try:
        for batch in micro_batches(examples, micro_batch, False, max_tokens, pad_id):
            loss, n = target_loss_sum(model, batch.to(device))
            total += float(loss)
            count += n
    finally:
        if was_training:
            model.train()
    return total / max(count, 1)


@torch.no_grad()
def example_nll(
    model: Any, examples: Sequence[Example], micro_batch: int, pad_id: int, device: torch.device
) -> list[float]:
    """Teacher-forced negative log-likelihood per target token of each example (nats/token), in order.

    The report card compares systems on these paired per-example values: forward passes only, so hundreds of
    examples fit on a CPU where greedy completions of the same examples would not.
    """
    was_training = model.training
    model.eval()
    out: list[float] = []
    try:
        for batch in micro_batches(examples, micro_batch, False, 0, pad_id):
            losses, rows = _target_token_losses(model, batch.to(device))
            n_rows = batch.input_ids.shape[0]
            sums = torch.zeros(n_rows, dtype=torch.float64).index_add_(0, rows.cpu(), losses.double().cpu())
            counts = torch.bincount(rows.cpu(), minlength=n_rows).clamp(min=1)
            out.extend((sums / counts).tolist())
    finally:
        if was_training:
            model.train()
    return out
