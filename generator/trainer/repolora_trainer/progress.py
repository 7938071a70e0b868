"""Progress as JSON lines: one object per line on the real stdout, nothing else there.

Events (field names are camelCase, as the TypeScript side reads them):
  {"event":"start", "device", "mode": "qlora"|"lora", "precision", "baseModel", "train", "eval", "steps", ...}
  {"event":"message", "level", "message"}                     notes for a person (e.g. "no CUDA: plain LoRA on CPU")
  {"event":"step", "step", "of", "loss", "lr", "tokensPerSec", "etaSec", "skipped"}
                                                              skipped: steps so far with a NaN/Inf loss or gradient
                                                              norm, dropped without an update (their loss is null)
  {"event":"eval", "step", "loss"}                             validation loss (hold-out slice of train.jsonl)
  {"event":"reportProgress", "done", "of", "etaSec"}           report-card generation after training
  {"event":"done", "adapterDir", "steps", "loss", "seconds", "report"}
  {"event":"error", "code", "message"}
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any, TextIO

from .errors import CancelledError


def _clean(value: Any) -> Any:
    # JSON has no NaN/Infinity; a diverged loss is reported as null rather than breaking the reader.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class Progress:
    """Writes one JSON object per line and flushes, so a parent process sees each event as it happens."""

    def __init__(self, stream: TextIO | None, echo: bool = False) -> None:
        self.stream = stream
        self.echo = echo  # also log progress events to stderr (for commands whose stdout is not the protocol)
        self.events: list[dict[str, Any]] = []  # kept for tests and for the done summary

    def emit(self, event: str, **fields: Any) -> None:
        payload = _clean({"event": event, **fields})
        self.events.append(payload)
        if self.stream is not None:
            try:
                self.stream.write(json.dumps(payload, allow_nan=False, separators=(",", ":")) + "\n")
                self.stream.flush()
            except BrokenPipeError as err:
                # The parent closed our stdout (it died or gave up): nobody wants the result, so stop cleanly.
                self.stream = None
                raise CancelledError("progress pipe closed: the parent process went away") from err
        elif self.echo and event == "reportProgress":
            log(f"report card: {fields['done']}/{fields['of']} completions, eta {fields['etaSec']}s")

    def message(self, text: str, level: str = "info") -> None:
        log(text)
        self.emit("message", level=level, message=text)


def log(text: str) -> None:
    """Human-readable log line on stderr."""
    print(f"repolora-trainer: {text}", file=sys.stderr, flush=True)


def claim_stdout() -> TextIO:
    """Reserves the real stdout for progress lines and points fd 1 (and sys.stdout) at stderr.

    Libraries print to stdout now and then (peft's parameter summary, C++ warnings); redirecting the file
    descriptor itself keeps every such line out of the JSON stream.
    """
    sys.stdout.flush()
    progress_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(progress_fd, "w", encoding="utf-8", buffering=1)
