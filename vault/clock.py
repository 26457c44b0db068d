"""One clock for the whole vault, injectable for tests.

Every time Ansim records is an aware datetime in UTC plus the local UTC offset at that moment,
so a record reads the same in Seoul and in a foreign police station.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone


@dataclass(frozen=True)
class Timestamp:
    """A moment in UTC with the local offset (in minutes) that applied when it was taken."""

    utc: datetime
    offset_minutes: int

    def iso_utc(self) -> str:
        return self.utc.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def local(self) -> datetime:
        return self.utc.astimezone(timezone(timedelta(minutes=self.offset_minutes)))

    def iso_local(self) -> str:
        return self.local().isoformat(timespec="seconds")

    def to_json(self) -> dict[str, object]:
        return {"utc": self.iso_utc(), "offset_minutes": self.offset_minutes}

    @classmethod
    def parse(cls, utc_iso: str, offset_minutes: int) -> Timestamp:
        return cls(datetime.fromisoformat(utc_iso.replace("Z", "+00:00")), offset_minutes)


Clock = Callable[[], Timestamp]


def system_clock() -> Timestamp:
    now = datetime.now(UTC)
    offset = -time.altzone if time.localtime().tm_isdst > 0 else -time.timezone
    return Timestamp(now.replace(microsecond=0), offset // 60)


def fixed_clock(start: datetime, step: timedelta = timedelta(seconds=1)) -> Clock:
    """A deterministic clock for tests: each call advances by ``step``."""
    state = {"t": start}

    def tick() -> Timestamp:
        t = state["t"]
        state["t"] = t + step
        return Timestamp(t, 540)

    return tick
