"""Crypto-shredding: once an item is deleted, its blob key is in neither metadata slot, not even
in free pages of the database image, and its encrypted file is gone."""

from __future__ import annotations

import io
from pathlib import Path

from tests._vault_helpers import blob_file, patterned
from vault import cases, evidence
from vault.crypto import keys
from vault.store import _META_PREFIX, META_FILES, Vault


def _decrypted_slots(vault: Vault) -> list[bytes]:
    """Both metadata files, decrypted with the vault's own key (as only the key holder can)."""
    s = vault._s
    out = []
    for slot, name in enumerate(META_FILES):
        sealed = (vault.path / name).read_bytes()
        prefix = sealed[: _META_PREFIX.size]
        aad = prefix + s.header.vault_id + bytes([slot])
        out.append(keys.open_sealed(s.keys.metadata, sealed[_META_PREFIX.size :], aad))
    return out


def test_deleted_item_key_is_gone_from_both_slots(vault: Vault, vault_path: Path) -> None:
    case = cases.create_case(vault, "case")
    kept = evidence.add_stream(vault, io.BytesIO(b"kept"), case.id, original_name="k.txt")
    doomed = evidence.add_stream(
        vault, io.BytesIO(patterned(5000, 8)), case.id, original_name="d.bin"
    )
    assert doomed.item.blob is not None and kept.item.blob is not None
    blob_id = doomed.item.blob.blob_id
    (key,) = vault.db.execute("SELECT key FROM blobs WHERE blob_id = ?", (blob_id,)).fetchone()
    key = bytes(key)
    assert any(key in plain for plain in _decrypted_slots(vault))

    evidence.delete_item(vault, doomed.item)

    assert not blob_file(vault_path, blob_id).exists()
    for plain in _decrypted_slots(vault):
        assert key not in plain
    (kept_key,) = vault.db.execute(
        "SELECT key FROM blobs WHERE blob_id = ?", (kept.item.blob.blob_id,)
    ).fetchone()
    assert all(bytes(kept_key) in plain for plain in _decrypted_slots(vault))
    assert vault.read_blob_bytes(kept.item.blob.blob_id) == b"kept"
    assert vault.check().ok
