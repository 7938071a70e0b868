"""File digests: the sha256 a bundle's manifest records for each file and for the base model's weights.

A leaf module (no project imports), so that bundle.py and model_loading.py can both use it without importing
each other both ways.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
