"""Hostile input, property-based: absurd KDF parameters, oversize lengths, random bytes as header,
metadata or blob. Always a ``VaultDamaged`` / ``WrongSecret``-type ``AnsimError`` -- never another
exception, never plaintext -- and absurd parameters are refused before Argon2id ever runs."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests._vault_helpers import CHUNK, blob_file, create_vault, open_vault, patterned
from tests.conftest import PASSPHRASE
from vault import store
from vault.crypto import kdf, stream
from vault.crypto.kdf import FLOOR, KdfParams
from vault.crypto.keys import Subkeys
from vault.errors import (
    AnsimError,
    DeviceBindingError,
    UnsafeParameters,
    VaultDamaged,
    WrongSecret,
)
from vault.header import (
    CHECKSUM_OFFSET,
    HEADER_SIZE,
    MAC_OFFSET,
    MAGIC,
    SLOT_SIZE,
    SLOTS_OFFSET,
    Header,
)
from vault.header import parse as parse_header
from vault.store import META_FILES, Vault

# A random header may also claim a device-bound slot; then the honest answer is that this
# computer cannot open it (DeviceBindingError, with the recovery-code advice).
EXPECTED = (VaultDamaged, WrongSecret, DeviceBindingError)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@dataclass(frozen=True)
class Base:
    path: Path
    header: bytes
    blob_id: str
    content: bytes


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    path = tmp_path_factory.mktemp("hostile") / "vault"
    v, _ = create_vault(path)
    with v:
        content = patterned(2 * CHUNK + 10, seed=4)
        with v.transaction():
            ref, _ = v.put_bytes(content)
    return Base(path, (path / "h").read_bytes(), ref.blob_id, content)


@pytest.fixture
def work(base: Base, tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(base.path, target)
    return target


@pytest.fixture
def opened(work: Path) -> Iterator[Vault]:
    """One unlock shared by every example of a property (blob files are read from disk each
    time)."""
    with open_vault(work) as v:
        yield v


@contextmanager
def argon2_calls() -> Iterator[list[KdfParams]]:
    """Record every Argon2id the vault builds (a spy on the real class, which still runs)."""
    calls: list[KdfParams] = []
    real = kdf.__dict__["Argon2id"]

    def spy(**kw: object) -> object:
        calls.append(KdfParams(int(kw["memory_cost"]), int(kw["iterations"]), int(kw["lanes"])))  # type: ignore[call-overload]
        return real(**kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kdf, "Argon2id", spy)
        yield calls


def _with_checksum(body: bytes, mac: bytes = b"\0" * 32) -> bytes:
    body = body[:CHECKSUM_OFFSET]
    return body + hashlib.sha256(body).digest() + mac


def _write_both(path: Path, data: bytes) -> None:
    for name in ("h", "h2"):
        (path / name).write_bytes(data)


def _open_expecting_refusal(path: Path) -> AnsimError:
    try:
        v = open_vault(path)
    except EXPECTED as exc:
        return exc
    v.lock()
    raise AssertionError("a hostile header was accepted")


# ---------------------------------------------------------------------------- KDF parameters
u32 = st.integers(0, 2**32 - 1)


@HYPOTHESIS
@given(memory=u32, iterations=u32, lanes=st.integers(0, 255), slot=st.sampled_from([0, 1]))
def test_absurd_kdf_parameters_are_refused_before_argon2_runs(
    base: Base, work: Path, memory: int, iterations: int, lanes: int, slot: int
) -> None:
    params = KdfParams(memory, iterations, lanes)
    try:
        params.check()
        acceptable = True
    except UnsafeParameters:
        acceptable = False
    assume(not acceptable)
    header = parse_header(base.header).header
    forged = header.with_slot(slot, replace(header.slots[slot], params=params))
    _write_both(work, forged.body() + base.header[MAC_OFFSET:])
    with argon2_calls() as calls:
        with pytest.raises(UnsafeParameters if slot == 0 else EXPECTED) as err:
            Vault.open(work, PASSPHRASE) if slot == 0 else Vault.open(
                work, recovery_code="AAAA-AAAA"
            )
        assert calls == []
    assert err.value.title
    assert "safe range" in err.value.what or isinstance(err.value, UnsafeParameters)


def test_the_largest_accepted_work_is_bounded() -> None:
    """What the bounds still allow is a few seconds of work, not minutes (checked by structure:
    the product of memory and passes is capped)."""
    worst = KdfParams(kdf.MAX_MEMORY_KIB, kdf.MAX_WORK_KIB // kdf.MAX_MEMORY_KIB, 1)
    worst.check()
    with pytest.raises(UnsafeParameters):
        KdfParams(kdf.MAX_MEMORY_KIB, worst.iterations + 1, 1).check()
    with pytest.raises(UnsafeParameters):
        KdfParams(kdf.MAX_MEMORY_KIB + 1, 3, 1).check()
    with pytest.raises(UnsafeParameters):
        KdfParams(kdf.MIN_MEMORY_KIB, kdf.MAX_ITERATIONS + 1, 1).check()
    with pytest.raises(UnsafeParameters):
        kdf.derive(b"x", b"\0" * 16, KdfParams(1, 1, 1))


# ---------------------------------------------------------------------------- header bytes
@HYPOTHESIS
@given(data=st.binary(min_size=0, max_size=HEADER_SIZE + 10))
def test_random_bytes_as_header(work: Path, data: bytes) -> None:
    _write_both(work, data)
    _open_expecting_refusal(work)


@settings(HYPOTHESIS, max_examples=15)
@given(
    body=st.binary(min_size=CHECKSUM_OFFSET - 12, max_size=CHECKSUM_OFFSET - 12),
    mac=st.binary(min_size=32, max_size=32),
)
def test_random_header_with_valid_magic_version_and_checksum(
    work: Path, body: bytes, mac: bytes
) -> None:
    """Goes past the checksum into the fields and slots: flags, metadata slot and slot types are
    made valid, and in-range slot parameters are pinned to the floor so the property stays fast
    (out-of-range ones are refused before Argon2id)."""
    raw = bytearray(MAGIC + b"\x00\x01\x00\x00" + body)
    raw[36] %= 2  # metadata slot
    for i in range(4):
        off = SLOTS_OFFSET + i * SLOT_SIZE
        raw[off] %= 4  # slot type
        lanes, memory, iterations = raw[off + 1], raw[off + 4 : off + 8], raw[off + 8 : off + 12]
        params = KdfParams(int.from_bytes(memory, "big"), int.from_bytes(iterations, "big"), lanes)
        try:
            params.check()
        except UnsafeParameters:
            continue
        raw[off + 1] = FLOOR.lanes
        raw[off + 4 : off + 8] = FLOOR.memory_kib.to_bytes(4, "big")
        raw[off + 8 : off + 12] = FLOOR.iterations.to_bytes(4, "big")
    _write_both(work, _with_checksum(bytes(raw), mac))
    _open_expecting_refusal(work)


def test_oversized_sparse_header_is_refused_without_reading_it(work: Path) -> None:
    for name in ("h", "h2"):
        with open(work / name, "r+b") as f:
            f.truncate(8 * 1024**3)  # sparse: reading it whole would need 8 GiB
    err = _open_expecting_refusal(work)
    assert "wrong size" in err.what


# ---------------------------------------------------------------------------- metadata bytes
@pytest.fixture
def meta_keys(work: Path) -> tuple[Header, Subkeys]:
    with open_vault(work) as v:
        return v.header, v._s.keys


@HYPOTHESIS
@given(data=st.binary(max_size=3000), keep_prefix=st.booleans())
def test_random_bytes_as_metadata(
    work: Path, meta_keys: tuple[Header, Subkeys], data: bytes, keep_prefix: bool
) -> None:
    """Through the loader every unlock uses: first without the key (the header's hash no longer
    matches), then as if the key holder's header vouched for the bytes (the metadata's own
    version, generation and AEAD checks refuse them)."""
    header, keys = meta_keys
    active = work / META_FILES[header.meta_slot]
    original = active.read_bytes()
    meta = (original[:14] + data) if keep_prefix else data
    active.write_bytes(meta)
    try:
        with pytest.raises(VaultDamaged) as err:
            store._load_metadata(work, header, keys)
        assert err.value.part == "metadata"
        vouched = replace(header, meta_sha256=hashlib.sha256(meta).digest())
        with pytest.raises(VaultDamaged) as err:
            store._load_metadata(work, vouched, keys)
        assert err.value.part == "metadata"
    finally:
        active.write_bytes(original)


def test_oversized_sparse_metadata_is_refused_without_reading_it(work: Path) -> None:
    active = parse_header((work / "h").read_bytes()).header.meta_slot
    with open(work / META_FILES[active], "r+b") as f:
        f.truncate(3 * 1024**3)
    err = _open_expecting_refusal(work)
    assert isinstance(err, VaultDamaged) and err.part == "metadata"


# ---------------------------------------------------------------------------- blob bytes
@HYPOTHESIS
@given(
    data=st.binary(max_size=3 * (CHUNK + 16)),
    shape=st.sampled_from(["random", "right header", "right length", "right both"]),
)
def test_random_bytes_as_blob(base: Base, opened: Vault, data: bytes, shape: str) -> None:
    work = opened.path
    target = blob_file(work, base.blob_id)
    size = stream.ciphertext_size(len(base.content))
    if shape in ("right length", "right both"):
        data = (data * (size // max(1, len(data)) + 1))[:size] if data else os.urandom(size)
    if shape in ("right header", "right both"):
        data = stream.make_header(bytes.fromhex(base.blob_id)) + data[stream.HEADER_LEN :]
    target.write_bytes(data)
    released: list[bytes] = []
    with pytest.raises(VaultDamaged) as err:
        for chunk in opened.read_blob(base.blob_id):
            released.append(chunk)
    assert released == []  # random bytes never authenticate, so nothing comes out
    assert err.value.part == "a stored file"
    assert not opened.check().ok


def test_oversized_sparse_blob_is_refused_before_decrypting(base: Base, work: Path) -> None:
    with open(blob_file(work, base.blob_id), "r+b") as f:
        f.truncate(6 * 1024**3)
    with open_vault(work) as v, pytest.raises(VaultDamaged) as err:
        next(iter(v.read_blob(base.blob_id)))
    assert "wrong length" in err.value.what
