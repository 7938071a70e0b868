"""`init_adapter`: training continues from a previous adapter's weights (what `repolora train --update` uses)."""

from __future__ import annotations

import io
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import FAST_CONFIG, write_dataset
from safetensors.torch import load_file

from repolora_trainer.bundle import verify_bundle
from repolora_trainer.cancel import CancelToken
from repolora_trainer.cli import _overrides, build_parser
from repolora_trainer.commands import train_command
from repolora_trainer.config import TrainConfig, config_from_dict
from repolora_trainer.data import load_dataset
from repolora_trainer.errors import AdapterError, ConfigError
from repolora_trainer.features import Encoder
from repolora_trainer.loss import mean_loss
from repolora_trainer.model_loading import (
    base_model_identity,
    choose_runtime,
    continue_lora,
    load_model,
    load_tokenizer,
    resolve_source,
)
from repolora_trainer.progress import Progress
from repolora_trainer.train import example_stream


def _train(dataset: Path, out: Path, base: Path, **fields: Any) -> tuple[dict[str, Any], Progress]:
    config = config_from_dict({**FAST_CONFIG, "base_model": str(base), **fields})
    progress = Progress(io.StringIO())
    done = train_command(dataset, config, out, progress, CancelToken(), run_eval=False)
    return done, progress


def _first_loss(progress: Progress) -> float:
    return float(next(e for e in progress.events if e["event"] == "step")["loss"])


@pytest.fixture(scope="module")
def previous(tiny_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An adapter trained on the last layer only (r8, no dropout): far from fresh LoRA weights."""
    root = tmp_path_factory.mktemp("previous")
    dataset = write_dataset(root / "dataset")
    _train(dataset, root / "adapter", tiny_qwen, max_steps=20, layers=1)
    return root / "adapter", dataset


def _continue(base: Path, adapter: Path, **fields: Any) -> tuple[Any, dict[str, Any], TrainConfig]:
    config = config_from_dict({**FAST_CONFIG, "base_model": str(base), "init_adapter": str(adapter), **fields})
    source = resolve_source(config.base_model)
    runtime = choose_runtime(config, source)
    model = load_model(source, runtime)
    peft_model, info = continue_lora(model, config, runtime, base_model_identity(source, model))
    return peft_model, info, config


def test_continued_weights_are_the_saved_ones_and_trainable(previous: tuple[Path, Path], tiny_qwen: Path) -> None:
    from peft import get_peft_model_state_dict

    adapter, _ = previous
    peft_model, info, config = _continue(tiny_qwen, adapter)
    saved = load_file(str(adapter / "adapter_model.safetensors"))
    state = get_peft_model_state_dict(peft_model)
    assert set(saved) == set(state)
    for name, tensor in saved.items():
        assert torch.equal(state[name], tensor), name
    lora_b = [t for n, t in saved.items() if "lora_B" in n]
    assert max(float(t.abs().max()) for t in lora_b) > 1e-3  # a fresh adapter's B would be all zeros
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    assert len(trainable) == len(saved)
    # layers was left at its default ("all") and becomes the adapter's; rank 8 is given and equal to the adapter's
    assert config.rank == 8 and config.layers == 1 and config.dropout == 0.0
    assert info["dir"] == str(adapter)
    assert info["repoHead"] == "0123456789abcdef0123456789abcdef01234567"


def test_first_step_loss_is_the_previous_adapters_loss(
    previous: tuple[Path, Path], tiny_qwen: Path, tmp_path: Path
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    adapter, dataset_dir = previous
    done, progress = _train(dataset_dir, tmp_path / "updated", tiny_qwen, max_steps=2, init_adapter=str(adapter))
    _, fresh_progress = _train(dataset_dir, tmp_path / "fresh", tiny_qwen, max_steps=2, layers=1)

    # The examples of step 1: the trainer's seeded stream, one effective batch.
    tokenizer = load_tokenizer(resolve_source(str(tiny_qwen)))
    examples, _ = Encoder(tokenizer, FAST_CONFIG["max_tokens"]).encode_all(load_dataset(dataset_dir).train)
    first = list(itertools.islice(example_stream(examples, 0), FAST_CONFIG["micro_batch"]))
    base = AutoModelForCausalLM.from_pretrained(str(tiny_qwen))
    old = PeftModel.from_pretrained(base, str(adapter))
    pad = int(tokenizer.pad_token_id)
    expected = mean_loss(old, first, 4, FAST_CONFIG["max_tokens"], pad, torch.device("cpu"))
    with old.disable_adapter():
        base_loss = mean_loss(old, first, 4, FAST_CONFIG["max_tokens"], pad, torch.device("cpu"))

    assert _first_loss(progress) == pytest.approx(expected, rel=1e-4)
    assert _first_loss(fresh_progress) == pytest.approx(base_loss, rel=1e-4)  # fresh LoRA: B = 0, the base's loss
    assert expected < base_loss - 0.5  # the two are far apart, so the equality above means something

    manifest = verify_bundle(tmp_path / "updated")
    assert manifest["continuedFrom"]["dir"] == str(adapter)
    assert manifest["lora"]["r"] == 8 and manifest["lora"]["layers"] == [1]
    assert manifest["training"]["config"]["init_adapter"] == str(adapter)
    assert done["steps"] == 2
    # A second continuation from the new bundle works too (an update of an update).
    _train(dataset_dir, tmp_path / "again", tiny_qwen, max_steps=1, init_adapter=str(tmp_path / "updated"))


def test_an_explicit_different_shape_is_refused(previous: tuple[Path, Path], tiny_qwen: Path, tmp_path: Path) -> None:
    adapter, dataset_dir = previous
    with pytest.raises(ConfigError, match=r"rank.*differs from the adapter being continued"):
        _train(dataset_dir, tmp_path / "a", tiny_qwen, max_steps=1, rank=4, init_adapter=str(adapter))
    with pytest.raises(ConfigError, match="layers"):
        _train(dataset_dir, tmp_path / "b", tiny_qwen, max_steps=1, layers=2, init_adapter=str(adapter))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_pickle_only_corrupt_or_other_base_adapters_are_refused(
    previous: tuple[Path, Path], tiny_qwen: Path, tiny_llama: Path, tmp_path: Path
) -> None:
    adapter, dataset_dir = previous
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    shutil.copy(adapter / "adapter_config.json", pickled)
    torch.save(load_file(str(adapter / "adapter_model.safetensors")), pickled / "adapter_model.bin")
    with pytest.raises(AdapterError, match=r"no adapter_model\.safetensors.*pickle files are never loaded"):
        _train(dataset_dir, tmp_path / "a", tiny_qwen, max_steps=1, init_adapter=str(pickled))

    corrupt = tmp_path / "corrupt"
    shutil.copytree(adapter, corrupt)
    weights = load_file(str(corrupt / "adapter_model.safetensors"))
    from safetensors.torch import save_file

    save_file({k: v + 1 for k, v in weights.items()}, str(corrupt / "adapter_model.safetensors"))
    with pytest.raises(AdapterError, match="does not match the sha256"):
        _train(dataset_dir, tmp_path / "b", tiny_qwen, max_steps=1, init_adapter=str(corrupt))

    other_base = tmp_path / "other-base"
    shutil.copytree(adapter, other_base)
    manifest = json.loads((other_base / "repolora.json").read_text())
    manifest["baseModel"]["sha256"] = "f" * 64
    (other_base / "repolora.json").write_text(json.dumps(manifest))
    with pytest.raises(AdapterError, match="was trained on base model"):
        _train(dataset_dir, tmp_path / "c", tiny_qwen, max_steps=1, init_adapter=str(other_base))

    with pytest.raises(AdapterError, match="is not a folder"):
        _train(dataset_dir, tmp_path / "d", tiny_qwen, max_steps=1, init_adapter=str(tmp_path / "missing"))
    assert not any((tmp_path / n).exists() for n in "abcd")


def test_init_adapter_is_a_cli_flag_and_given_fields_are_tracked() -> None:
    args = build_parser().parse_args(["train", "--dataset", "d", "--out", "o", "--init-adapter", "/x/a", "--rank", "8"])
    config = config_from_dict({}, _overrides(args))
    assert config.init_adapter == "/x/a"
    assert config.given("rank") and config.given("init_adapter") and not config.given("alpha")
    assert "_given" not in config.to_dict()
    assert TrainConfig().init_adapter is None
    with pytest.raises(ConfigError, match="init_adapter"):
        config_from_dict({"init_adapter": " "})


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="QLoRA needs CUDA")
def test_qlora_continues_an_adapter(previous: tuple[Path, Path], tiny_qwen: Path, tmp_path: Path) -> None:
    pytest.importorskip("bitsandbytes")
    adapter, dataset_dir = previous
    done, progress = _train(
        dataset_dir, tmp_path / "updated", tiny_qwen, max_steps=2, device="cuda", init_adapter=str(adapter)
    )
    start = next(e for e in progress.events if e["event"] == "start")
    assert start["mode"] == "qlora"
    assert done["steps"] == 2
    assert verify_bundle(tmp_path / "updated")["continuedFrom"]["dir"] == str(adapter)
