"""Turns records into token ids with loss masks, and examples into (padded or packed) batches.

The sequence is `prompt.text` followed by `middle + prompt.completionEnd`, tokenized as two pieces: the model
continues from the prompt's tokens at completion time, so the target is tokenized on its own exactly as it
will be generated. Labels are -100 on every prompt token, so the loss covers the middle and its end marker only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .data import Record
from .errors import TokenizerMismatchError

IGNORE_INDEX = -100
# Special tokens in the templates the TypeScript prompt builder renders: Qwen/DeepSeek style <|fim_prefix|>,
# <|file_sep|>, and StarCoder style <fim_prefix>, <file_sep>, <repo_name>, <filename>.
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]+\|>|<(?:fim_[a-z]+|file_sep|repo_?name|filename)>")


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]
    record_id: str

    @property
    def target_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


@dataclass
class Batch:
    input_ids: torch.Tensor  # (B, T)
    labels: torch.Tensor  # (B, T), IGNORE_INDEX where there is no loss
    attention_mask: torch.Tensor | None  # (B, T); None for a packed row
    position_ids: torch.Tensor | None  # (B, T); restarts at 0 for each example in a packed row
    tokens: int  # real (non-padding) tokens
    target_tokens: int

    def to(self, device: torch.device) -> Batch:
        return Batch(
            input_ids=self.input_ids.to(device),
            labels=self.labels.to(device),
            attention_mask=None if self.attention_mask is None else self.attention_mask.to(device),
            position_ids=None if self.position_ids is None else self.position_ids.to(device),
            tokens=self.tokens,
            target_tokens=self.target_tokens,
        )


@dataclass(frozen=True)
class EncodeStats:
    examples: int
    skipped_too_long: int
    truncated_prompts: int
    tokens: int
    target_tokens: int

    def to_dict(self) -> dict[str, int]:
        return {
            "examples": self.examples,
            "skippedTooLong": self.skipped_too_long,
            "truncatedPrompts": self.truncated_prompts,
            "tokens": self.tokens,
            "targetTokens": self.target_tokens,
        }


def check_special_tokens(tokenizer: Any, records: Sequence[Record]) -> None:
    """Fails when the template's `<|...|>` markers are not special tokens of the tokenizer.

    A FIM marker tokenized as plain characters silently teaches the model the wrong format, so this is an error:
    the dataset was rendered for another model family than the base model. Only markers found in at least half
    of the prompts count as the template's: code can contain marker-like text of its own (this repository's
    prompt builder does), which is content, not format.
    """
    counts: dict[str, int] = {}
    templates: dict[str, str] = {}
    for record in records:
        found = set(_SPECIAL_TOKEN.findall(record.prompt.text + "\n" + record.prompt.completion_end))
        for token in found:
            counts[token] = counts.get(token, 0) + 1
            templates.setdefault(token, record.prompt.template)
    added = set(tokenizer.get_added_vocab())
    missing = []
    for token, count in sorted(counts.items()):
        if count * 2 < len(records):
            continue
        ids = tokenizer(token, add_special_tokens=False)["input_ids"]
        if token not in added or len(ids) != 1:
            missing.append(f"{token} (template {templates[token]})")
    if missing:
        raise TokenizerMismatchError(
            "the base model's tokenizer has no special token for "
            + ", ".join(missing)
            + ": the dataset was rendered for another model family; regenerate it with this model's template"
            " or pick a base model of that family"
        )


def _leading_special_ids(tokenizer: Any) -> list[int]:
    """Tokens the tokenizer's post-processor puts before any text (BOS for Llama, nothing for Qwen)."""
    plain = tokenizer("x", add_special_tokens=False)["input_ids"]
    full = tokenizer("x", add_special_tokens=True)["input_ids"]
    if len(full) > len(plain) and full[len(full) - len(plain) :] == plain:
        return list(full[: len(full) - len(plain)])
    return []


class Encoder:
    """Tokenizes records for training and teacher-forced loss, capping sequences at `max_tokens`."""

    def __init__(self, tokenizer: Any, max_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        # The runtime encodes prompts with the tokenizer's defaults, which add BOS where the model family uses one.
        self.lead = _leading_special_ids(tokenizer)

    def prompt_ids(self, record: Record) -> list[int]:
        return self.lead + list(self.tokenizer(record.prompt.text, add_special_tokens=False)["input_ids"])

    def target_ids(self, record: Record) -> list[int]:
        return list(self.tokenizer(record.target, add_special_tokens=False)["input_ids"])

    def encode(self, record: Record) -> tuple[Example | None, bool]:
        """Returns (example, prompt_was_truncated); the example is None when the target alone does not fit."""
        body = list(self.tokenizer(record.prompt.text, add_special_tokens=False)["input_ids"])
        target = self.target_ids(record)
        # Keep at least one prompt token: the first target token is predicted from the position before it.
        room = self.max_tokens - len(target) - len(self.lead)
        if room < 1:
            return None, False
        truncated = len(body) > room
        if truncated:
            body = body[len(body) - room :]  # cut from the left: the code nearest the cursor matters most
        prompt = self.lead + body
        return (
            Example(
                input_ids=prompt + target,
                labels=[IGNORE_INDEX] * len(prompt) + target,
                record_id=record.id,
            ),
            truncated,
        )

    def encode_all(self, records: Sequence[Record]) -> tuple[list[Example], EncodeStats]:
        examples: list[Example] = []
        skipped = truncated = 0
        for record in records:
            example, was_truncated = self.encode(record)
            if example is None:
                skipped += 1
                continue
            truncated += int(was_truncated)
            examples.append(example)
        stats = EncodeStats(
            examples=len(examples),
            skipped_too_long=skipped,
            truncated_prompts=truncated,
            tokens=sum(len(e.input_ids) for e in examples),
            target_tokens=sum(e.target_tokens for e in examples),
        )
        return examples, stats


def collate_padded(examples: Sequence[Example], pad_id: int) -> Batch:
    """Right-pads a list of examples into one (B, T) batch with an attention mask."""
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example.input_ids)
        ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        mask[row, :n] = 1
    return Batch(
        input_ids=ids,
        labels=labels,
        attention_mask=mask,
        position_ids=None,
        tokens=int(mask.sum()),
        target_tokens=sum(e.target_tokens for e in examples),
    )


def collate_packed(examples: Sequence[Example]) -> Batch:
    """Concatenates examples into one (1, T) row with no padding.

    Position ids restart at 0 for each example; with no attention mask, transformers derives a block-diagonal
    causal mask from them, so examples never attend to each other. Each example starts with prompt tokens
    (label -100), so no loss crosses a boundary either.
    """
    ids: list[int] = []
    labels: list[int] = []
    positions: list[int] = []
    for example in examples:
        ids.extend(example.input_ids)
        labels.extend(example.labels)
        positions.extend(range(len(example.input_ids)))
    return Batch(
        input_ids=torch.tensor([ids], dtype=torch.long),
        labels=torch.tensor([labels], dtype=torch.long),
        attention_mask=None,
        position_ids=torch.tensor([positions], dtype=torch.long),
        tokens=len(ids),
        target_tokens=sum(e.target_tokens for e in examples),
    )


def micro_batches(
    examples: Sequence[Example], micro_batch: int, packing: bool, max_tokens: int, pad_id: int
) -> list[Batch]:
    """Splits one optimizer step's examples into micro-batches.

    Unpacked: groups of `micro_batch` examples, padded. Packed: rows of whole examples holding at most
    `micro_batch * max_tokens` tokens each, so a packed micro-batch costs about what a padded one would at most.
    """
    if not packing:
        return [collate_padded(examples[i : i + micro_batch], pad_id) for i in range(0, len(examples), micro_batch)]
    capacity = micro_batch * max_tokens
    rows: list[list[Example]] = []
    current: list[Example] = []
    used = 0
    for example in examples:
        n = len(example.input_ids)
        if current and used + n > capacity:
            rows.append(current)
            current, used = [], 0
        current.append(example)
        used += n
    if current:
        rows.append(current)
    return [collate_packed(row) for row in rows]
