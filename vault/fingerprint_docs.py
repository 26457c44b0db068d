"""Fingerprint documents in the encrypted metadata, with their keypoints in an encrypted blob.

The whole metadata database is re-encrypted on every commit, so what it holds per item must
stay small: the hashes (about 4 KB of JSON per picture) are kept there, while the keypoint
record of the second matching stage (about 11.6 KB: 160 ORB descriptors and positions plus a
64-px grey reference picture, base64) goes into its own encrypted blob through the vault's blob API;
the fingerprint document names it under ``keypoints_blob``. Identical keypoint records (the
same picture in two cases) share one blob; the blob's key is destroyed when the last
fingerprint naming it is deleted.

A keypoint blob that cannot be read (damaged, missing) only costs the keypoint stage for that
item: the fingerprint loads without keypoints and its hashes still match.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from vault import repo
from vault.errors import AnsimError
from vault.store import Vault

if TYPE_CHECKING:
    from vault.fingerprints import Fingerprint

log = logging.getLogger(__name__)

BLOB_KEY = "keypoints_blob"
#: Largest keypoint blob read back into memory.
MAX_KEYPOINT_BYTES = 256 * 1024


def put(vault: Vault, db: sqlite3.Connection, item_id: str, doc_json: str) -> None:
    """Store one item's fingerprint document, moving inline keypoints into a blob."""
    d: dict[str, Any] = json.loads(doc_json)
    kp = d.pop("keypoints", None)
    if kp is not None:
        ref, _existing = vault.put_bytes(json.dumps(kp, sort_keys=True).encode("ascii"))
        d[BLOB_KEY] = ref.blob_id
        doc_json = json.dumps(d, sort_keys=True)
    repo.put_fingerprint(db, item_id, doc_json)


def load(vault: Vault, doc_json: str) -> Fingerprint:
    """A stored fingerprint with its keypoints (raises ValueError/KeyError/TypeError on a
    malformed document, like ``fingerprint_from_json``)."""
    from vault.fingerprints import fingerprint_from_json

    d: dict[str, Any] = json.loads(doc_json)
    blob_id = d.pop(BLOB_KEY, None)
    if isinstance(blob_id, str):
        try:
            d["keypoints"] = json.loads(vault.read_blob_bytes(blob_id, MAX_KEYPOINT_BYTES))
            return fingerprint_from_json(d)
        except (AnsimError, ValueError, KeyError, TypeError):
            log.warning("stored keypoints could not be read; the hashes are used alone")
            d.pop("keypoints", None)
    return fingerprint_from_json(d)


def delete(vault: Vault, db: sqlite3.Connection, item_id: str) -> str | None:
    """Delete one item's fingerprint and destroy its keypoint blob's key unless another item
    names it. Returns that blob's id: the caller removes the file after the commit."""
    doc = repo.get_fingerprint(db, item_id)
    repo.delete_fingerprint(db, item_id)
    blob_id = _blob_of(doc)
    if blob_id is None:
        return None
    if any(_blob_of(other) == blob_id for _, other in repo.all_fingerprints(db)):
        return None
    vault.forget_blob_key(blob_id)
    return blob_id


def keypoint_blob_ids(db: sqlite3.Connection) -> set[str]:
    """The blobs that hold keypoint records (the others hold evidence)."""
    return {b for _, doc in repo.all_fingerprints(db) if (b := _blob_of(doc)) is not None}


def _blob_of(doc: str | None) -> str | None:
    if not doc or BLOB_KEY not in doc:
        return None
    try:
        value = json.loads(doc).get(BLOB_KEY)
    except ValueError:
        return None
    return value if isinstance(value, str) else None
