"""Errors a user (or the TypeScript generator driving us) can act on.

Each class carries a stable `code`: it is the `code` of the `{"event": "error"}` progress line, so the extension can
match on it. Messages say what went wrong and what to do about it.
"""

from __future__ import annotations


class TrainerError(Exception):
    """Base class: an expected failure with a stable code and an actionable message."""

    code = "INTERNAL"
    exit_code = 1


class ConfigError(TrainerError):
    """A config field is missing, of the wrong type or out of range."""

    code = "BAD_CONFIG"
    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"config field '{field}': {message}")
        self.field = field


class DatasetError(TrainerError):
    """The dataset folder or one of its records breaks the dataset contract."""

    code = "BAD_DATASET"
    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class ModelNotFoundError(TrainerError):
    """The base model (hub id, folder or .gguf file) cannot be loaded from this machine."""

    code = "MODEL_NOT_FOUND"
    exit_code = 2


class TokenizerMismatchError(TrainerError):
    """The dataset's prompts use special tokens the base model's tokenizer does not have."""

    code = "TOKENIZER_MISMATCH"
    exit_code = 2


class AdapterError(TrainerError):
    """An adapter bundle is missing files or does not fit the base model."""

    code = "BAD_ADAPTER"
    exit_code = 2


class DivergedError(TrainerError):
    """Training diverged: too many steps had a NaN/Inf loss or gradient norm, or the weights went non-finite."""

    code = "DIVERGED"


class NonFiniteWeightsError(AdapterError):
    """Adapter weights hold NaN or Inf; such a bundle is never written (it would only produce garbage)."""

    code = "NON_FINITE_WEIGHTS"
    exit_code = 1


class OutOfMemoryError(TrainerError):
    """Training ran out of GPU memory even at micro-batch 1."""

    code = "OOM"


class CancelledError(TrainerError):
    """SIGINT/SIGTERM arrived; work stopped at a step boundary and nothing was written."""

    code = "CANCELLED"
    exit_code = 130
