from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import QWEN_SPECIALS, make_record

from repolora_trainer.data import parse_record
from repolora_trainer.errors import TokenizerMismatchError
from repolora_trainer.features import (
    IGNORE_INDEX,
    Encoder,
    check_special_tokens,
    collate_packed,
    collate_padded,
    micro_batches,
)
from repolora_trainer.loss import target_loss_sum


def _record(i: int = 0, middle: str | None = None, **prompt: Any) -> Any:
    raw = make_record(i, "train", middle)
    raw["prompt"].update(prompt)
    return parse_record(raw, "train.jsonl", 1, "train")


def test_fim_markers_are_single_special_tokens(tokenizer: Any) -> None:
    for token in QWEN_SPECIALS:
        ids = tokenizer(token, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1, token
    check_special_tokens(tokenizer, [_record()])  # no error


def test_unknown_marker_is_a_tokenizer_mismatch(tokenizer: Any) -> None:
    record = _record(text="<|fim▁begin|>x = <|fim_hole|>\n<|fim_end|>", template="deepseek-coder")
    with pytest.raises(TokenizerMismatchError, match="fim_hole"):
        check_special_tokens(tokenizer, [record])
    starcoder = _record(text="<fim_prefix>x = <fim_suffix>\n<fim_middle>", template="starcoder2")
    with pytest.raises(TokenizerMismatchError, match=r"<fim_prefix> \(template starcoder2\)"):
        check_special_tokens(tokenizer, [starcoder])


def test_labels_mask_everything_but_middle_and_end(tokenizer: Any) -> None:
    record = _record(3)
    example, truncated = Encoder(tokenizer, 512).encode(record)
    assert example is not None
    assert not truncated
    prompt_ids = tokenizer(record.prompt.text, add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(record.middle + "<|endoftext|>", add_special_tokens=False)["input_ids"]
    assert example.input_ids == prompt_ids + target_ids
    n = len(prompt_ids)
    # exact positions: -100 on every prompt token, the target ids on every target position
    assert example.labels[:n] == [IGNORE_INDEX] * n
    assert example.labels[n:] == target_ids
    assert example.labels[-1] == tokenizer.convert_tokens_to_ids("<|endoftext|>")
    assert tokenizer.decode(example.labels[n:]) == record.middle + "<|endoftext|>"
    # the prompt ends with the FIM middle marker, as one token
    assert example.input_ids[n - 1] == tokenizer.convert_tokens_to_ids("<|fim_middle|>")


def test_prompt_is_cut_from_the_left_and_the_middle_never(tokenizer: Any) -> None:
    record = _record(1)
    full, _ = Encoder(tokenizer, 512).encode(record)
    assert full is not None
    target_len = full.target_tokens
    cap = target_len + 5
    cut, truncated = Encoder(tokenizer, cap).encode(record)
    assert cut is not None
    assert truncated
    assert len(cut.input_ids) == cap
    assert cut.input_ids == full.input_ids[-cap:]  # the left end of the prompt went
    assert cut.labels[-target_len:] == full.labels[-target_len:]
    too_long, _ = Encoder(tokenizer, target_len).encode(record)  # no room for even one prompt token
    assert too_long is None
    examples, stats = Encoder(tokenizer, target_len).encode_all([record, record])
    assert examples == []
    assert stats.skipped_too_long == 2


def test_marker_like_text_in_code_is_content_not_template(tokenizer: Any) -> None:
    records = [_record(i) for i in range(10)]
    records[3] = _record(3, text=records[3].prompt.text.replace("return ", "s = '<fim_prefix><|im_sep|>'\n    return "))
    check_special_tokens(tokenizer, records)  # 1 prompt in 10: code, not the template


def test_padded_and_packed_batches(tokenizer: Any) -> None:
    encoder = Encoder(tokenizer, 512)
    examples = [encoder.encode(_record(i, middle="x" * (i + 1)))[0] for i in range(3)]
    assert all(e is not None for e in examples)
    exs = [e for e in examples if e is not None]
    padded = collate_padded(exs, pad_id=0)
    assert padded.input_ids.shape == (3, max(len(e.input_ids) for e in exs))
    assert padded.attention_mask is not None
    assert padded.tokens == sum(len(e.input_ids) for e in exs)
    assert (padded.labels[padded.attention_mask == 0] == IGNORE_INDEX).all()
    packed = collate_packed(exs)
    assert packed.input_ids.shape == (1, padded.tokens)
    assert packed.attention_mask is None
    assert packed.position_ids is not None
    starts = [0, len(exs[0].input_ids), len(exs[0].input_ids) + len(exs[1].input_ids)]
    assert [int(packed.position_ids[0, s]) for s in starts] == [0, 0, 0]
    assert packed.target_tokens == padded.target_tokens
    # packing respects the micro_batch * max_tokens capacity per row
    rows = micro_batches(exs, micro_batch=1, packing=True, max_tokens=len(exs[0].input_ids) + 1, pad_id=0)
    assert [r.input_ids.shape[1] for r in rows] == [len(e.input_ids) for e in exs]


def test_packed_rows_do_not_attend_across_examples(tiny_qwen: Path, tokenizer: Any) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_qwen)).eval()
    encoder = Encoder(tokenizer, 512)
    exs = [e for e in (encoder.encode(_record(i, middle=f"v{i} * 2"))[0] for i in range(3)) if e is not None]
    with torch.no_grad():
        packed_loss, n_packed = target_loss_sum(model, collate_packed(exs))
        separate = [target_loss_sum(model, collate_padded([e], 0)) for e in exs]
        padded_loss, n_padded = target_loss_sum(model, collate_padded(exs, 0))
    assert n_packed == n_padded == sum(n for _, n in separate)
    total = sum(float(loss) for loss, _ in separate)
    assert float(packed_loss) == pytest.approx(total, rel=1e-4)
    assert float(padded_loss) == pytest.approx(total, rel=1e-4)


def test_loss_on_kept_logits_matches_full_logits(tiny_qwen: Path, tokenizer: Any) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_qwen)).eval()
    encoder = Encoder(tokenizer, 512)
    exs = [e for e in (encoder.encode(_record(i))[0] for i in range(2)) if e is not None]
    batch = collate_padded(exs, 0)
    with torch.no_grad():
        ours, n = target_loss_sum(model, batch)
        reference = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels).loss
    assert float(ours) / n == pytest.approx(float(reference), rel=1e-5)
