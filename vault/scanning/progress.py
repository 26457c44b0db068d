"""Progress reports and cancellation for scans and re-checks.

A scan reports a :class:`ScanProgress` snapshot (frozen) to the caller's callback after every
candidate; the CLI draws a progress bar from it and the TUI posts it as a message. Cancellation is
cooperative: the caller passes a ``threading.Event`` (or any callable returning True when the user
pressed stop), and every loop and every downloaded chunk checks it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vault.errors import AnsimError

CancelSignal = threading.Event | Callable[[], bool] | None


class ScanCancelled(AnsimError):
    """The person stopped the scan; what was already found is kept."""

    title = "The scan was stopped."
    next_step = "Everything found before you stopped it was saved. You can start it again."


def cancel_check(cancel: CancelSignal) -> Callable[[], bool]:
    """A function that says whether the caller asked to stop."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan has come. ``stage`` is ``crawling``, ``checking``, ``done`` or ``cancelled``.

    - ``seen``: candidates (media URLs or files) found so far;
    - ``checked``: candidates fingerprinted and compared (or given up on);
    - ``downloaded``: bytes of candidates fetched from the network or read from disk;
    - ``pages``: web pages fetched while crawling;
    - ``matched``: new sightings recorded; ``errors``: candidates or pages that failed;
    - ``skipped``: candidates left out on purpose (not media, too large, already known).
    """

    seen: int = 0
    checked: int = 0
    downloaded_bytes: int = 0
    pages: int = 0
    matched: int = 0
    errors: int = 0
    skipped: int = 0
    elapsed_s: float = 0.0
    stage: str = "crawling"

    @property
    def rate(self) -> float:
        """Candidates checked per second so far."""
        return self.checked / self.elapsed_s if self.elapsed_s > 0 else 0.0


ProgressCallback = Callable[[ScanProgress], None]


class ProgressTracker:
    """Thread-safe counters that produce :class:`ScanProgress` snapshots."""

    _FIELDS = ("seen", "checked", "downloaded_bytes", "pages", "matched", "errors", "skipped")

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._counts = dict.fromkeys(self._FIELDS, 0)
        self._stage = "crawling"

    def add(self, **deltas: int) -> None:
        with self._lock:
            for name, value in deltas.items():
                self._counts[name] += value
        self.report()

    def stage(self, stage: str) -> None:
        with self._lock:
            self._stage = stage
        self.report()

    def snapshot(self) -> ScanProgress:
        with self._lock:
            return ScanProgress(
                **self._counts,
                elapsed_s=time.monotonic() - self._start,
                stage=self._stage,
            )

    def report(self) -> None:
        if self._callback is not None:
            self._callback(self.snapshot())
