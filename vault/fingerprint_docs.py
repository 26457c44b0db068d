"""Fingerprint documents: each one in its own encrypted blob, named from the metadata.

The whole metadata database is re-encrypted on every commit, so what it holds per item must
stay small. A picture's fingerprint is about 4 KB of JSON (PDQ hashes of the whole image, its
rotations, regions and sub-crops) plus about 19 KB of keypoints (160 ORB descriptors and
positions of the picture and 160 of its mirror, and a 64-px grey reference picture); kept
inline, 10,000 items made a 55-58 MiB metadata file and a 170 ms commit (with 12 KB of
keypoints each, before the mirrored set). So the document goes into an encrypted blob through
the vault's blob API and the metadata row is a stub naming it (``{"fingerprint_blob": id}``),
about 50 bytes. The blob has its own random key, is fsynced before the row that names it is
committed, and is checked by ``ansim check`` like every blob.

The same picture in two cases shares one document blob (the stub is copied); its key is destroyed
when the last stub naming it is deleted, and never while an evidence item stores its bytes in
that blob. A stub whose blob cannot be read raises ``ValueError``, as a malformed document
does: callers then compute the fingerprint again from the original (``scanning.index``) or do
without it. Documents stored inline by earlier versions still load.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from vault import repo
from vault.errors import AnsimError
from vault.records import EvidenceItem
from vault.store import Vault

if TYPE_CHECKING:
    from vault.fingerprints import Fingerprint

BLOB_KEY = "fingerprint_blob"
#: Written before the JSON in every document blob, so that its bytes can never equal a file's.
MAGIC = b"ANSIM-FINGERPRINT-1\n"
#: Largest document blob read back into memory (a 16-frame video or a picture with keypoints
#: is well under 64 KiB).
MAX_DOC_BYTES = 1024 * 1024


def put(vault: Vault, db: sqlite3.Connection, item_id: str, doc_json: str) -> None:
    """Store one item's fingerprint document (a full document, or a stub copied from another
    item with the same bytes, which then shares that item's blob)."""
    if _blob_of(doc_json) is None:
        ref, _existing = vault.put_bytes(MAGIC + doc_json.encode("utf-8"))
        doc_json = json.dumps({BLOB_KEY: ref.blob_id})
    repo.put_fingerprint(db, item_id, doc_json)


def document(vault: Vault, doc_json: str) -> dict[str, Any]:
    """The full JSON document of a stored fingerprint (stub or inline). Raises ``ValueError``
    when the blob is missing, damaged or not a fingerprint document."""
    blob_id = _blob_of(doc_json)
    if blob_id is None:
        d = json.loads(doc_json)
        if not isinstance(d, dict):
            raise ValueError("not a fingerprint document")
        return d
    try:
        data = vault.read_blob_bytes(blob_id, MAX_DOC_BYTES)
    except AnsimError as exc:
        raise ValueError("the fingerprint's blob could not be read") from exc
    if not data.startswith(MAGIC):
        raise ValueError("not a fingerprint document")
    d = json.loads(data[len(MAGIC) :])
    if not isinstance(d, dict):
        raise ValueError("not a fingerprint document")
    return d


def load(vault: Vault, doc_json: str) -> Fingerprint:
    """A stored fingerprint (raises ValueError/KeyError/TypeError when it cannot be read, like
    ``fingerprint_from_json``)."""
    from vault.fingerprints import fingerprint_from_json

    return fingerprint_from_json(document(vault, doc_json))


def delete(vault: Vault, db: sqlite3.Connection, item_id: str) -> str | None:
    """Delete one item's fingerprint and destroy its blob's key unless another stub names it
    (or, by a freak coincidence of content, an evidence item's bytes live in it). Returns
    that blob's id: the caller removes the file after the commit."""
    doc = repo.get_fingerprint(db, item_id)
    repo.delete_fingerprint(db, item_id)
    blob_id = _blob_of(doc)
    if blob_id is None or names_blob(db, blob_id):
        return None
    # Blob ids are 32 random hex digits: finding one in an item's JSON means it is that item's.
    if repo.any_record_mentions(db, EvidenceItem, blob_id):
        return None
    vault.forget_blob_key(blob_id)
    return blob_id


def names_blob(db: sqlite3.Connection, blob_id: str) -> bool:
    """Whether a stored fingerprint stub names ``blob_id`` (one lookup inside SQLite, so
    deleting many items stays quick)."""
    return repo.has_fingerprint_doc(db, json.dumps({BLOB_KEY: blob_id}))


def fingerprint_blob_ids(db: sqlite3.Connection) -> set[str]:
    """The blobs that hold fingerprint documents (the others hold evidence)."""
    return {b for _, doc in repo.all_fingerprints(db) if (b := _blob_of(doc)) is not None}


def _blob_of(doc: str | None) -> str | None:
    if not doc or BLOB_KEY not in doc:
        return None
    try:
        d = json.loads(doc)
    except ValueError:
        return None
    value = d.get(BLOB_KEY) if isinstance(d, dict) and len(d) == 1 else None
    return value if isinstance(value, str) else None
