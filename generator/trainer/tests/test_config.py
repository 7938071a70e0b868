from __future__ import annotations

import json
from pathlib import Path

import pytest

from repolora_trainer.cli import _overrides, build_parser
from repolora_trainer.config import (
    CPU_RECIPE,
    DEFAULT_TARGET_MODULES,
    TrainConfig,
    apply_cpu_recipe,
    config_from_dict,
    load_config,
)
from repolora_trainer.errors import ConfigError


def test_defaults_are_valid() -> None:
    config = TrainConfig()
    assert config.rank == 16
    assert config.alpha == 32.0
    assert config.dropout == 0.05
    assert config.target_modules == list(DEFAULT_TARGET_MODULES)
    assert config.layers == "all"
    assert config.effective_batch == config.micro_batch * config.grad_accum


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rank": 0}, "rank"),
        ({"rank": "8"}, "rank"),
        ({"dropout": 1.0}, "dropout"),
        ({"layers": 0}, "layers"),
        ({"layers": "some"}, "layers"),
        ({"lr": -1.0}, "lr"),
        ({"micro_batch": 0}, "micro_batch"),
        ({"max_tokens": 4}, "max_tokens"),
        ({"packing": "yes"}, "packing"),
        ({"early_stopping_patience": 2}, "early_stopping_patience"),  # needs eval_every
        ({"precision": "fp16"}, "precision"),
        ({"target_modules": []}, "target_modules"),
        ({"base_model": " "}, "base_model"),
    ],
)
def test_validation_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(overrides)
    assert info.value.field == field
    assert f"'{field}'" in str(info.value)


def test_layers_and_modules_are_parsed() -> None:
    config = config_from_dict({"layers": "4", "target_modules": "q_proj, v_proj"})
    assert config.layers == 4
    assert config.target_modules == ["q_proj", "v_proj"]
    assert config_from_dict({"layers": "ALL"}).layers == "all"


def test_camel_case_keys_and_unknown_keys() -> None:
    config = config_from_dict({"baseModel": "some/model", "microBatch": 2, "useRslora": True})
    assert (config.base_model, config.micro_batch, config.use_rslora) == ("some/model", 2, True)
    with pytest.raises(ConfigError, match="unknown field"):
        config_from_dict({"ranks": 4})


def test_cli_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"rank": 4, "lr": 1e-3, "packing": True}))
    args = build_parser().parse_args(
        [
            "train",
            "--dataset",
            "d",
            "--out",
            "o",
            "--config",
            str(path),
            "--rank",
            "32",
            "--no-packing",
            "--layers",
            "2",
        ]
    )
    config = load_config(args.config, _overrides(args))
    assert config.rank == 32  # flag wins
    assert config.lr == 1e-3  # file value kept
    assert config.packing is False
    assert config.layers == 2


def test_bad_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.json")


def test_cpu_recipe_fills_only_the_fields_left_unset() -> None:
    config = config_from_dict({"lr": 3e-4}, {"grad_accum": 8})
    applied = apply_cpu_recipe(config)
    assert set(applied) == set(CPU_RECIPE) - {"lr", "grad_accum"}
    assert (config.lr, config.grad_accum) == (3e-4, 8)  # given: kept
    assert (config.micro_batch, config.epochs) == (CPU_RECIPE["micro_batch"], CPU_RECIPE["epochs"])
    # The GPU defaults are the dataclass's and differ from the CPU recipe.
    gpu = TrainConfig()
    assert any(getattr(gpu, name) != value for name, value in CPU_RECIPE.items())
