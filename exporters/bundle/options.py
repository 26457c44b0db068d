"""What the person chooses for an export, and what they get back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vault.errors import ExportError


class ExportStopped(ExportError):
    title = "The export was cancelled."
    next_step = "Nothing was written and nothing in your vault was changed."


@dataclass(frozen=True)
class ExportOptions:
    """``items`` are ids, id prefixes or exhibit numbers (E0001, 1); empty means all items."""

    out_dir: Path
    items: tuple[str, ...] = ()
    marked_only: bool = False
    include_originals: bool = True
    langs: tuple[str, ...] = ("ko", "en")
    make_zip: bool = False
    timestamp_url: str = ""
    include_sensitive_exif: bool = False
    include_complaint: bool = True  # the complaint PDFs, when that exporter is available


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str
    bag_path: Path
    zip_path: Path | None
    cert_fingerprint: str
    exhibits: tuple[str, ...]
    payload_bytes: int
    payload_files: int
    timestamp_utc: str = ""  # the server's time when a timestamp was added
    timestamp_error: str = ""  # why a requested timestamp is missing ("" when none was asked)
    notes: tuple[str, ...] = ()  # codes of parts left out, e.g. "complaint_missing"
    unmarked: tuple[str, ...] = ()  # exhibits included although not marked for export
