"""The adapter bundle: PEFT files + repolora.json manifest + report.json, written atomically.

Everything is written into a hidden staging folder next to the destination, and only a complete bundle is
renamed into place. An adapter already at the destination is swapped out (rename to a backup, rename the new one
in, delete the backup), so on any failure before the swap the old adapter is untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .errors import AdapterError, ConfigError, NonFiniteWeightsError
from .hashing import sha256_file

MANIFEST = "repolora.json"
REPORT = "report.json"
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
MANIFEST_SCHEMA = 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json_atomic(path: Path, data: Any) -> None:
    """Writes JSON to a temp file in the same folder, then renames it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=False, allow_nan=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def is_bundle(path: Path) -> bool:
    return (path / ADAPTER_CONFIG).is_file()


def check_destination(out_dir: Path) -> None:
    """Fails early (before any training) when --out would overwrite something that is not an adapter."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError("--out", f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not is_bundle(out_dir):
            raise ConfigError(
                "--out", f"{out_dir} is a non-empty folder that is not an adapter bundle; refusing to replace it"
            )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(parent: Path, name: str) -> None:
    """Removes staging/backup folders left by a trainer that was killed hard (SIGKILL, power loss)."""
    for leftover in [*parent.glob(f".{name}.tmp-*"), *parent.glob(f".{name}.old-*")]:
        parts = leftover.name.split("-")
        pid = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(leftover, ignore_errors=True)


@dataclass
class StagedBundle:
    """A staging folder that becomes `out_dir` on commit() and disappears on discard()."""

    out_dir: Path
    dir: Path

    @classmethod
    def create(cls, out_dir: Path) -> StagedBundle:
        out_dir = out_dir.absolute()
        check_destination(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(out_dir.parent, out_dir.name)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700; the bundle should read like any other folder
        return cls(out_dir=out_dir, dir=stage)

    def commit(self) -> Path:
        """Moves the staged bundle into place, replacing an existing adapter as atomically as renames allow."""
        check_destination(self.out_dir)
        if self.out_dir.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-{os.getpid()}-", dir=self.out_dir.parent))
            backup.rmdir()  # only the unique name is wanted; rename needs the target to be absent
            os.rename(self.out_dir, backup)
            try:
                os.rename(self.dir, self.out_dir)
            except BaseException:
                os.rename(backup, self.out_dir)
                raise
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.rename(self.dir, self.out_dir)
        return self.out_dir

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def first_non_finite(tensors: Mapping[str, torch.Tensor]) -> tuple[str, str] | None:
    """(name, "NaN" | "Inf") of the first floating tensor holding a NaN or an infinity, else None."""
    for name, tensor in tensors.items():
        if not tensor.is_floating_point():
            continue
        if torch.isnan(tensor).any():
            return name, "NaN"
        if torch.isinf(tensor).any():
            return name, "Inf"
    return None


def save_adapter(peft_model: Any, folder: Path) -> None:
    """PEFT files only, safetensors only, finite weights only."""
    from peft import get_peft_model_state_dict

    # What save_pretrained writes; checked first so a NaN/Inf adapter never reaches the disk.
    bad = first_non_finite(get_peft_model_state_dict(peft_model))
    if bad is not None:
        raise NonFiniteWeightsError(
            f"the adapter's tensor {bad[0]} holds {bad[1]}; refusing to write a bundle with non-finite weights. "
            "Lower the learning rate or check the dataset, then train again."
        )
    # Embeddings are never trained here; "auto" would reload the base config just to check the vocabulary.
    peft_model.save_pretrained(str(folder), safe_serialization=True, save_embedding_layers=False)
    # PEFT adds a model-card README; the bundle is a contract, so keep only the files it names.
    (folder / "README.md").unlink(missing_ok=True)
    pickles = [p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    if pickles or not (folder / ADAPTER_WEIGHTS).is_file():
        raise AdapterError(f"PEFT did not write {ADAPTER_WEIGHTS} as expected (found {sorted(pickles)})")


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file in the bundle except the manifest (which holds these hashes)."""
    return {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }


def finish_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Fills `files` from what is on disk and writes repolora.json; call last."""
    manifest = {**manifest, "files": file_hashes(folder)}
    write_json_atomic(folder / MANIFEST, manifest)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise AdapterError(f"{folder} has no {MANIFEST}: not a repolora adapter bundle")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise AdapterError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise AdapterError(f"{path} must hold a JSON object")
    return data


def verify_bundle(folder: Path) -> dict[str, Any]:
    """Checks that the files listed in the manifest are there with the recorded sha256."""
    manifest = read_manifest(folder)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise AdapterError(f"{folder / MANIFEST} has no files map")
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise AdapterError(f"{folder} lacks {name}, listed in its manifest")
        if sha256_file(path) != digest:
            raise AdapterError(f"{path} does not match the sha256 in {MANIFEST}")
    return manifest


def update_report(folder: Path, report: dict[str, Any]) -> None:
    """Writes report.json into an existing bundle and records it in repolora.json (each file atomically)."""
    write_json_atomic(folder / REPORT, report)
    if (folder / MANIFEST).is_file():
        manifest = read_manifest(folder)
        manifest["report"] = report
        finish_manifest(folder, manifest)
