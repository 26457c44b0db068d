"""Dates and times as people type them, made into ISO 8601 so timelines sort correctly.

Accepted: ``2024-03-01``, ``2024.3.1`` and ``2024/03/01`` (Korean and other common forms),
``2024년 3월 1일``, optionally followed by a time ``21:15`` or ``21:15:09`` (with ``T`` or a space)
and an offset ``+09:00`` or ``Z``. Anything else is refused with a plain sentence; a value shown
on a web page ("3시간 전", "yesterday") is kept as displayed in the source fields instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from vault.errors import ValueRejected

_PATTERN = re.compile(
    r"^\s*(\d{4})\s*(?:[-./]|년)\s*(\d{1,2})\s*(?:[-./]|월)\s*(\d{1,2})\s*일?\.?"
    r"(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


#: The labels callers pass as ``what``, and the word that translates each (``error.word.*``).
_FIELD_WORDS = {
    "The date": "date",
    "The consent date": "consent_date",
    "The start date": "start_date",
    "The end date": "end_date",
    "When you saw it": "seen_at",
    "The capture time": "capture_time",
    "The event's date": "event_date",
}


def normalise_when(text: str, *, what: str = "The date") -> str:
    """``text`` as an ISO date or date-time; raises ``ValueRejected`` when it is not one."""
    field = _FIELD_WORDS.get(what, "date")
    m = _PATTERN.match(text)
    if not m:
        raise ValueRejected(
            f"{what} was not understood.",
            next_step="Write it like 2024-03-01 or 2024-03-01 21:15 (optionally +09:00).",
            key="date_not_understood",
            field_key=field,
        )
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    try:
        date(year, month, day)
    except ValueError:
        raise ValueRejected(
            f"{what} is not a real calendar date.",
            next_step="Check the month and the day.",
            key="date_not_real",
            field_key=field,
        ) from None
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    if m[4] is None:
        if m[7]:
            raise ValueRejected(
                f"{what} has a time zone but no time.",
                next_step="Add the time, e.g. 21:15.",
                key="date_zone_no_time",
                field_key=field,
            )
        return iso
    hh, mm, ss = int(m[4]), int(m[5]), int(m[6] or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueRejected(
            f"{what} has a time that does not exist.", key="date_bad_time", field_key=field
        )
    iso += f"T{hh:02d}:{mm:02d}:{ss:02d}"
    zone = m[7] or ""
    if zone and zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    if zone and zone != "Z":
        try:
            datetime.fromisoformat(iso + zone)
        except ValueError:
            raise ValueRejected(
                f"{what} has a time zone that does not exist.", key="date_bad_zone", field_key=field
            ) from None
    return iso + zone


def optional_when(text: str, *, what: str = "The date") -> str:
    """Like :func:`normalise_when`, but an empty value stays empty."""
    return normalise_when(text, what=what) if text.strip() else ""
