"""Cooperative cancellation: SIGINT/SIGTERM set a flag that the loops check at step boundaries.

Stopping only at boundaries means no half-written state; the bundle is staged in a temp folder anyway, so a
cancel never leaves a partial adapter. A second signal while the first is pending exits at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from .errors import CancelledError


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal_name: str | None = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "cancelled") -> None:
        self.signal_name = reason
        self._event.set()

    def check(self) -> None:
        """Raises CancelledError if a cancel is pending; call at step boundaries."""
        if self._event.is_set():
            raise CancelledError(f"stopped by {self.signal_name}; no adapter was written")

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            if self._event.is_set():
                # Second signal: the user means it. Default action ends the process now.
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)
                return
            self.cancel(signal.Signals(signum).name)

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, handler)
