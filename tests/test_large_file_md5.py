"""A large file's MD5 is left for later at import and filled in when it is first needed.

Import hashes MD5 on the way in only up to ``store.MD5_INLINE_LIMIT`` (one core's MD5 speed
would otherwise bound every large import). A video's fingerprint reads the whole file anyway
and supplies it; anything else gets it at export, read back from the vault. Real vaults on disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

import vault.store as store
from exporters.bundle import ExportOptions, export_case
from exporters.hashlists import hash_rows
from tests._evidence_helpers import write_mp4
from tests.conftest import PASSPHRASE, run_cli
from vault import cases, custody, evidence, repo
from vault.records import EvidenceItem
from vault.store import Vault


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _blob_md5(vault: Vault, blob_id: str) -> str:
    row = vault.db.execute("SELECT md5 FROM blobs WHERE blob_id = ?", (blob_id,)).fetchone()
    return str(row[0])


def test_md5_is_hashed_inline_up_to_the_limit_and_left_empty_past_it(vault: Vault) -> None:
    at_limit = os.urandom(store.MD5_INLINE_LIMIT)
    with vault.transaction():
        ref, _ = vault.put_bytes(at_limit)
        bigger, _ = vault.put_bytes(at_limit + b"!")
    assert ref.md5 == md5(at_limit) == _blob_md5(vault, ref.blob_id)
    assert bigger.md5 == "" == _blob_md5(vault, bigger.blob_id)
    assert bigger.sha256 == hashlib.sha256(at_limit + b"!").hexdigest()
    assert vault.compute_md5(bigger.blob_id) == md5(at_limit + b"!")


def test_a_large_document_gets_its_md5_at_export_logged_and_kept(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MD5_INLINE_LIMIT", 1024 * 1024)
    data = os.urandom(3 * 1024 * 1024 + 5)
    case = cases.create_case(vault, "Large file", "L")
    item = evidence.add_stream(vault, io.BytesIO(data), case.id, original_name="big.bin").item
    assert item.md5 == "" and item.blob is not None and item.blob.md5 == ""

    result = export_case(vault, case, ExportOptions(out_dir=tmp_path / "out"))
    want = md5(data)
    with open(result.bag_path / "data" / "hashes" / "hashes.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[1][0] == item.exhibit and rows[1][-1] == want
    (doc_path,) = (result.bag_path / "data").glob("evidence/*/item.json")
    assert json.loads(doc_path.read_text(encoding="utf-8"))["md5"] == want

    stored = repo.get(vault.db, EvidenceItem, item.id)
    assert stored.md5 == want and stored.blob is not None and stored.blob.md5 == want
    assert _blob_md5(vault, item.blob.blob_id) == want
    actions = [e.action for e in custody.entries(vault.db, item.id)]
    assert actions == ["imported", "md5_computed"]

    # The next export needs nothing more; the same bytes added again carry the MD5 at once.
    export_case(vault, case, ExportOptions(out_dir=tmp_path / "out2"))
    assert [e.action for e in custody.entries(vault.db, item.id)] == actions
    other = cases.create_case(vault, "Second case", "M")
    again = evidence.add_stream(vault, io.BytesIO(data), other.id, original_name="b.bin").item
    assert again.md5 == want


def test_a_large_video_takes_its_md5_from_its_fingerprint(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("av")
    import numpy as np

    monkeypatch.setattr(store, "MD5_INLINE_LIMIT", 1024)
    path = tmp_path / "clip.mp4"
    rng = np.random.default_rng(7)
    write_mp4(path, [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(3)])
    video = path.read_bytes()
    assert len(video) > 1024
    case = cases.create_case(vault, "Video", "V")
    item = evidence.add_file(vault, path, case.id).item
    want = md5(video)
    assert item.md5 == want and item.blob is not None and item.blob.md5 == want
    assert _blob_md5(vault, item.blob.blob_id) == want
    (row,) = hash_rows(vault, case.id)
    assert row.md5 == want
    assert [e.action for e in custody.entries(vault.db, item.id)] == ["imported"]


def test_cli_show_says_when_the_md5_is_still_to_come(tmp_path: Path) -> None:
    vault_dir = tmp_path / "v"
    vault, _ = Vault.create(vault_dir, PASSPHRASE, params=store.kdf.FLOOR)
    try:
        case = cases.create_case(vault, "Large file", "L")
        big = os.urandom(store.MD5_INLINE_LIMIT + 1)
        item = evidence.add_stream(vault, io.BytesIO(big), case.id, original_name="b.bin").item
    finally:
        vault.lock()
    base = ("--vault", str(vault_dir), "--passphrase-stdin")
    shown = run_cli(*base, "show", item.exhibit, "--case", case.id, stdin=PASSPHRASE + "\n")
    assert shown.returncode == 0, shown.stderr
    assert "not computed yet" in shown.stdout
    as_json = run_cli(*base, "show", item.exhibit, "--case", case.id, "--json",
                      stdin=PASSPHRASE + "\n")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["md5"] == ""
