"""Parts made by other exporters, included when they are available.

- the complaint PDFs: ``exporters.complaint.build_documents(vault, case, langs=...,
  bundle_id=..., cert_fingerprint=...) -> [(file name, bytes)]``;
- the perceptual hash list: ``exporters.hashlists.hash_rows(vault, case_id)``, limited to the
  exported exhibits.

Both are imported lazily. If one is missing or fails, the export still completes and says so
(``bag-info.txt`` and the result's notes); evidence is never lost to an optional part.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
from collections.abc import Sequence
from typing import Any

from vault.records import Case, EvidenceItem
from vault.store import Vault

log = logging.getLogger(__name__)

HASH_LIST_COLUMNS = ("exhibit", "kind", "origin", "sha256", "md5", "pdq", "pdq_quality")


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def complaint_documents(
    vault: Vault, case: Case, langs: tuple[str, ...], bundle_id: str, fingerprint: str
) -> list[tuple[str, bytes]] | None:
    module = _module("exporters.complaint")
    fn = getattr(module, "build_documents", None)
    if fn is None:
        return None
    try:
        docs = fn(vault, case, langs=langs, bundle_id=bundle_id, cert_fingerprint=fingerprint)
        return [(str(name), bytes(data)) for name, data in docs]
    except Exception:  # another exporter's failure must not lose this export
        log.warning("the complaint documents could not be built; exported without them")
        return None


def perceptual_hash_list(
    vault: Vault, case: Case, items: Sequence[EvidenceItem]
) -> bytes | None:
    """CSV of exact and perceptual (PDQ) hashes for the exported pictures and videos."""
    module = _module("exporters.hashlists")
    fn = getattr(module, "hash_rows", None)
    if fn is None:
        return None
    exhibits = {i.exhibit for i in items}
    try:
        rows = [r for r in fn(vault, case.id) if r.exhibit in exhibits]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(HASH_LIST_COLUMNS)
        for r in rows:
            quality = r.pdq_quality if r.pdq else ""
            writer.writerow((r.exhibit, r.kind, r.origin, r.sha256, r.md5, r.pdq, quality))
    except Exception:
        log.warning("the perceptual hash list could not be built; exported without it")
        return None
    return buf.getvalue().encode("utf-8") if rows else None
