"""Blobs survive the trip into the vault and back at every size boundary of the STREAM format."""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from pathlib import Path

from tests._vault_helpers import CHUNK, blob_file, create_vault, open_vault, patterned
from tests.conftest import PASSPHRASE, run_cli
from vault.crypto import stream
from vault.store import Vault

SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK - 1, 3 * CHUNK, 3 * CHUNK + 1]
# encrypt_stream reads and writes in blocks of several chunks: the block edges too.
BLOCK_SIZES = [stream.BLOCK - 1, stream.BLOCK, stream.BLOCK + 1, 2 * stream.BLOCK + CHUNK - 1]


def test_put_read_extract_round_trip(vault: Vault, vault_path: Path, tmp_path: Path) -> None:
    refs = {}
    for size in SIZES + BLOCK_SIZES:
        data = patterned(size, seed=size)
        with vault.transaction():
            ref, duplicate = vault.put_bytes(data)
        assert not duplicate
        assert ref.size == size
        assert ref.sha256 == hashlib.sha256(data).hexdigest()
        assert ref.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()

        chunks = list(vault.read_blob(ref.blob_id))
        assert b"".join(chunks) == data, size
        assert all(len(c) <= CHUNK for c in chunks)
        assert len(chunks) == max(1, -(-size // CHUNK))

        on_disk = blob_file(vault_path, ref.blob_id)
        assert on_disk.stat().st_size == stream.ciphertext_size(size)
        if size >= 16:
            assert data[:16] not in on_disk.read_bytes()

        out = tmp_path / f"out-{size}.bin"
        vault.extract_blob(ref.blob_id, out)
        assert out.read_bytes() == data
        refs[size] = ref
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []

    vault.lock()
    with open_vault(vault_path) as again:
        for size, ref in refs.items():
            assert again.read_blob_bytes(ref.blob_id) == patterned(size, seed=size)
        assert again.check().ok


def test_short_reads_from_a_pipe(vault: Vault) -> None:
    """A pipe returns short reads; chunk boundaries must not depend on them."""
    data = patterned(2 * CHUNK + 12345, seed=7)
    r, w = os.pipe()

    def feed() -> None:
        with os.fdopen(w, "wb", buffering=0) as out:
            for i in range(0, len(data), 1000):
                out.write(data[i : i + 1000])

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(r, "rb", buffering=0) as src, vault.transaction():
        ref, _ = vault.put_blob(src)  # type: ignore[arg-type]
    writer.join()
    assert vault.read_blob_bytes(ref.blob_id) == data


def test_on_chunk_sees_every_plaintext_byte_once(vault: Vault) -> None:
    data = patterned(CHUNK * 2 + 5, seed=3)
    seen: list[bytes] = []
    with vault.transaction():
        vault.put_blob(io.BytesIO(data), on_chunk=seen.append)
    assert b"".join(seen) == data


def test_duplicate_content_is_stored_once(vault: Vault, vault_path: Path) -> None:
    data = patterned(CHUNK + 1, seed=11)
    with vault.transaction():
        first, dup1 = vault.put_bytes(data)
    with vault.transaction():
        second, dup2 = vault.put_bytes(data)
    assert (dup1, dup2) == (False, True)
    assert second.blob_id == first.blob_id
    assert len([p for p in (vault_path / "blobs").rglob("*") if p.is_file()]) == 1
    assert list((vault_path / "tmp").iterdir()) == []
    assert vault.find_duplicate(first.sha256) == first


def test_same_content_in_two_vaults_gives_unrelated_ciphertext(tmp_path: Path) -> None:
    data = patterned(CHUNK, seed=5)
    blobs = []
    for name in ("a", "b"):
        v, _ = create_vault(tmp_path / name)
        with v, v.transaction():
            ref, _ = v.put_bytes(data)
            blobs.append(blob_file(tmp_path / name, ref.blob_id).read_bytes())
    assert blobs[0][stream.HEADER_LEN :] != blobs[1][stream.HEADER_LEN :]


def test_cli_add_and_extract_at_size_boundaries(cli_vault: Path, tmp_path: Path) -> None:
    # Empty files are refused by 'add' (nothing to keep as evidence); the 0-byte blob round trip
    # is covered above.
    sizes = [1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 1]
    src = tmp_path / "src"
    src.mkdir()
    files = []
    for size in sizes:
        f = src / f"file-{size}.bin"
        f.write_bytes(patterned(size, seed=1000 + size))
        files.append(f)
    r = run_cli(
        "--vault", str(cli_vault), "add", *map(str, files), "--json", "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["results"]
    assert [x["duplicate"] for x in results] == [False] * len(sizes)
    out = tmp_path / "out"
    out.mkdir()
    for f, res in zip(files, results, strict=True):
        target = out / f.name
        r = run_cli(
            "--vault", str(cli_vault), "extract", res["id"], "--out", str(target),
            "--passphrase-stdin", stdin=PASSPHRASE + "\n",
        )
        assert r.returncode == 0, r.stderr
        assert target.read_bytes() == f.read_bytes()
    r = run_cli("--vault", str(cli_vault), "check", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stdout + r.stderr


def _chunk_by_chunk(key: bytes, blob_id: bytes, data: bytes) -> bytes:
    """The STREAM layout written out one chunk at a time, straight from docs/vault-format.md."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = stream.make_header(blob_id)
    aead = AESGCM(key)
    pieces = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    out = [header]
    for i, piece in enumerate(pieces):
        nonce = i.to_bytes(11, "big") + (b"\x01" if i == len(pieces) - 1 else b"\x00")
        out.append(aead.encrypt(nonce, piece, header))
    return b"".join(out)


def test_block_wise_encryption_writes_the_documented_layout() -> None:
    key, blob_id = os.urandom(32), os.urandom(16)
    for size in SIZES + BLOCK_SIZES:
        data = patterned(size, seed=size + 7)
        out = io.BytesIO()
        seen: list[bytes] = []
        assert stream.encrypt_stream(key, blob_id, io.BytesIO(data), out, seen.append) == size
        assert out.getvalue() == _chunk_by_chunk(key, blob_id, data), size
        assert b"".join(seen) == data
        assert b"".join(stream.decrypt_stream(key, blob_id, io.BytesIO(out.getvalue()))) == data
