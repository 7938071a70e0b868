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


def target_loss_sum(model: Any, batch: Batch) -> tuple[torch.Tensor, int]:
    """Sum of token cross-entropies over the batch's target tokens, and their count."""
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
    loss = F.cross_entropy(logits.float(), targets, reduction="sum")
    return loss, int(targets.numel())


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
