"""The vault fingerprints a scan compares candidates with, read from the encrypted metadata.

Items of a case (or of the whole vault) that are pictures or videos are included; the downloaded
copies of sightings are not (a scan looks for the person's own pictures, not for earlier finds).
A picture that has no stored fingerprint yet (for example one imported before fingerprinting
existed) is fingerprinted now, in memory, from its decrypted bytes, and the fingerprint is saved
in the encrypted metadata for next time. So is one whose fingerprint an earlier version made
(``ImageFingerprint.needs_refresh``): without keypoints, its crops and screenshots are missed;
without the keypoints of the mirrored picture (keypoint records of version 1), its mirrored
crops and screenshots are.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from vault import fingerprint_docs, repo
from vault.errors import InputRejected
from vault.fingerprints import Fingerprint, ImageFingerprint, fingerprint_image
from vault.fingerprints.decode import MAX_IMAGE_BYTES
from vault.matching import FingerprintIndex
from vault.records import EvidenceItem, ItemKind
from vault.store import Vault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VaultIndex:
    """A searchable index plus the items behind it (by id)."""

    index: FingerprintIndex = field(repr=False)
    items: dict[str, EvidenceItem] = field(repr=False)
    not_fingerprinted: int = 0

    def __len__(self) -> int:
        return len(self.items)


def _wanted(item: EvidenceItem) -> bool:
    return item.kind in (ItemKind.IMAGE, ItemKind.VIDEO) and item.blob is not None


def item_fingerprints(
    vault: Vault, case_id: str | None, *, fill_missing: bool = True
) -> tuple[dict[str, EvidenceItem], dict[str, Fingerprint], int]:
    """(items, fingerprints by item id, items that could not be fingerprinted)."""
    items = {i.id: i for i in repo.list_records(vault.db, EvidenceItem, case_id) if _wanted(i)}
    fps: dict[str, Fingerprint] = {}
    for item_id, doc in repo.all_fingerprints(vault.db):
        if item_id in items:
            try:
                fps[item_id] = fingerprint_docs.load(vault, doc)
            except (ValueError, KeyError, TypeError):
                log.warning("a stored fingerprint could not be read; it is computed again")
    missing = 0
    fresh: dict[str, Fingerprint] = {}
    for item_id, item in items.items():
        known = fps.get(item_id)
        outdated = isinstance(known, ImageFingerprint) and known.needs_refresh
        if known is not None and not (outdated and fill_missing):
            continue
        if not fill_missing or item.kind != ItemKind.IMAGE or item.blob is None:
            missing += 1
            continue
        try:
            data = vault.read_blob_bytes(item.blob.blob_id, limit=MAX_IMAGE_BYTES)
            fresh[item_id] = fingerprint_image(data)
        except InputRejected:
            if known is None:  # an outdated fingerprint is still better than none
                missing += 1
    if fresh:
        replaced: list[str] = []
        with vault.transaction() as db:
            for item_id, fp in fresh.items():
                if item_id in fps:  # an outdated one: its document blob is shredded
                    gone = fingerprint_docs.delete(vault, db, item_id)
                    if gone is not None:
                        replaced.append(gone)
                fingerprint_docs.put(vault, db, item_id, json.dumps(fp.to_json()))
            vault.log("fingerprinted", "", {"items": sorted(fresh)})
        for blob_id in replaced:
            vault.remove_blob_file(blob_id)
        fps.update(fresh)
    return items, fps, missing


def build_index(vault: Vault, case_id: str | None = None, *,
                with_keypoints: bool = True) -> VaultIndex:
    """Index the pictures and videos of ``case_id`` (or of every case) for a scan.
    ``with_keypoints=False`` (a quick scan, which compares hashes only) leaves the items'
    keypoints out of the index, so their shortlist tables are not built."""
    items, fps, missing = item_fingerprints(vault, case_id)
    index = FingerprintIndex(fps.items(), keypoints=with_keypoints)
    index.prepare()  # builds the search structures once, before threads share them
    return VaultIndex(
        index=index,
        items={k: v for k, v in items.items() if k in fps},
        not_fingerprinted=missing,
    )
