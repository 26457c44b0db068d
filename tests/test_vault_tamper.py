"""The tamper matrix: every part of the vault, edited from outside, gives a clear error that names
the part, and never releases unauthenticated plaintext."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests._vault_helpers import CHUNK, blob_file, create_vault, flip_bit, open_vault, patterned
from tests.conftest import PASSPHRASE, run_cli
from vault import cases, evidence
from vault.crypto import stream
from vault.crypto.kdf import KdfParams
from vault.errors import UnsafeParameters, VaultDamaged, WrongSecret
from vault.header import CHECKSUM_OFFSET, MAC_OFFSET, SLOT_SIZE, SLOTS_OFFSET, Header
from vault.header import parse as parse_header
from vault.store import META_FILES, Vault

BLOB_SIZE = 3 * CHUNK + 100  # four chunks: first, two middle, a short last one
FRAME = CHUNK + stream.TAG_LEN


@dataclass(frozen=True)
class Pristine:
    path: Path
    recovery: str
    item_ids: tuple[str, str]
    blob_ids: tuple[str, str]
    contents: tuple[bytes, bytes]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    path = tmp_path_factory.mktemp("pristine") / "vault"
    vault, recovery = create_vault(path)
    with vault:
        case = cases.create_case(vault, "case")
        items = []
        contents = (patterned(BLOB_SIZE, 1), patterned(BLOB_SIZE, 2))
        for i, data in enumerate(contents):
            res = evidence.add_stream(vault, io.BytesIO(data), case.id, original_name=f"{i}.bin")
            items.append(res.item)
    return Pristine(
        path,
        recovery,
        (items[0].id, items[1].id),
        tuple(i.blob.blob_id for i in items if i.blob),  # type: ignore[arg-type]
        contents,
    )


@pytest.fixture
def copy(pristine: Pristine, tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(pristine.path, target)
    return target


def problems_of(path: Path) -> list[tuple[str, str]]:
    with open_vault(path) as v:
        return [(p.part, p.message) for p in v.check().problems]


# ---------------------------------------------------------------------------- header
SLOT_PASS = SLOTS_OFFSET
SLOT_RECOVERY = SLOTS_OFFSET + SLOT_SIZE
HEADER_REGIONS = {
    "magic": 0,
    "version": 9,
    "flags": 11,
    "vault id": 12,
    "generation": 28,
    "metadata slot": 36,
    "reserved": 38,
    "metadata hash": 40,
    "custody length": 79,
    "custody head": 80,
    "passphrase slot type": SLOT_PASS,
    "passphrase slot memory": SLOT_PASS + 6,
    "passphrase slot iterations": SLOT_PASS + 11,
    "passphrase slot salt": SLOT_PASS + 12,
    "passphrase slot wrapped key": SLOT_PASS + 40,
    "passphrase slot tag": SLOT_PASS + 87,
    "recovery slot": SLOT_RECOVERY + 30,
    "empty slot": SLOTS_OFFSET + 2 * SLOT_SIZE + 5,
    "padding": 2000,
    "checksum": CHECKSUM_OFFSET + 3,
    "mac": MAC_OFFSET + 31,
}


def test_each_damaged_region_of_one_header_copy_is_named(pristine: Pristine, copy: Path) -> None:
    """``check`` re-reads both copies from disk, so one unlock covers every region."""
    with open_vault(copy) as v:
        for name in ("h", "h2"):
            for region, offset in HEADER_REGIONS.items():
                original = (copy / name).read_bytes()
                flip_bit(copy / name, offset)
                problems = [(p.part, p.message) for p in v.check().problems]
                (copy / name).write_bytes(original)
                assert problems, (name, region)
                assert {part for part, _ in problems} == {f"header copy '{name}'"}, problems
        assert v.check().ok


@pytest.mark.parametrize(
    "region", ["magic", "generation", "passphrase slot salt", "recovery slot", "checksum", "mac"]
)
@pytest.mark.parametrize("name", ["h", "h2"])
def test_vault_opens_from_the_other_copy(
    pristine: Pristine, copy: Path, region: str, name: str
) -> None:
    flip_bit(copy / name, HEADER_REGIONS[region])
    with open_vault(copy) as v:
        assert v.read_blob_bytes(pristine.blob_ids[0]) == pristine.contents[0]
        assert {p.part for p in v.check().problems} == {f"header copy '{name}'"}


EXPECTED_BOTH = {
    "magic": "not an Ansim vault header",
    "version": "older format version",
    "mac": "failed its integrity check",
}


@pytest.mark.parametrize("region", list(HEADER_REGIONS))
def test_both_header_copies_damaged_is_never_a_wrong_passphrase(copy: Path, region: str) -> None:
    for name in ("h", "h2"):
        flip_bit(copy / name, HEADER_REGIONS[region])
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert err.value.part == "header"
    assert EXPECTED_BOTH.get(region, "checksum does not match") in err.value.what
    assert not isinstance(err.value, UnsafeParameters)


def _forge(path: Path, change: Callable[[Header], Header]) -> None:
    """Rewrite a header copy the way an attacker without the key can: edit fields, recompute the
    unkeyed checksum, keep the old MAC (which they cannot compute)."""
    data = path.read_bytes()
    header = change(parse_header(data).header)
    path.write_bytes(header.body() + data[MAC_OFFSET:])


def _with_params(params: KdfParams) -> Callable[[Header], Header]:
    return lambda h: h.with_slot(0, replace(h.slots[0], params=params))


STRONGER = KdfParams(64 * 1024, 4, 1)
WEAKER = KdfParams(64 * 1024, 3, 1)


@pytest.fixture
def stronger(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "strong"
    v, recovery = Vault.create(path, PASSPHRASE, params=STRONGER)
    v.lock()
    return path, recovery


def test_downgraded_kdf_params_in_one_copy_are_ignored_and_named(
    stronger: tuple[Path, str],
) -> None:
    path, _ = stronger
    _forge(path / "h", _with_params(WEAKER))
    with open_vault(path) as v:
        assert v.header.slots[0].params == STRONGER
        assert [(p.part, p.message) for p in v.check().problems] == [
            ("header copy 'h'", "failed its integrity check")
        ]


def test_downgraded_kdf_params_in_both_copies_never_open(stronger: tuple[Path, str]) -> None:
    """The slot's AAD binds its parameters, so weaker parameters can never unwrap the key: the
    passphrase is refused (without the key the header cannot be authenticated, so this looks
    like a wrong passphrase), and the recovery code, which still opens its own slot, names the
    header."""
    path, recovery = stronger
    for name in ("h", "h2"):
        _forge(path / name, _with_params(WEAKER))
    with pytest.raises(WrongSecret):
        open_vault(path)
    with pytest.raises(VaultDamaged) as err:
        Vault.open(path, recovery_code=recovery)
    assert err.value.part == "header"
    assert "integrity" in err.value.what


def test_kdf_params_below_the_floor_are_refused_by_name(copy: Path) -> None:
    for name in ("h", "h2"):
        _forge(copy / name, _with_params(KdfParams(8, 1, 1)))
    with pytest.raises(UnsafeParameters) as err:
        open_vault(copy)
    assert "safe range" in err.value.what


def test_older_format_version_is_refused_by_name(copy: Path) -> None:
    for name in ("h", "h2"):
        _forge(copy / name, lambda h: replace(h, version=0))
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert "older format version (0)" in err.value.what


def test_missing_header_copy_is_named(copy: Path) -> None:
    (copy / "h").unlink()
    assert problems_of(copy) == [("header copy 'h'", "is missing")]


def test_header_of_the_wrong_size_is_named(copy: Path) -> None:
    with open(copy / "h", "ab") as f:
        f.write(b"\0")
    assert problems_of(copy) == [("header copy 'h'", "The header has the wrong size.")]


# ---------------------------------------------------------------------------- metadata
def _active_meta(path: Path) -> Path:
    slot = parse_header((path / "h").read_bytes()).header.meta_slot
    return path / META_FILES[slot]


@pytest.mark.parametrize("where", ["magic", "generation", "ciphertext", "tag"])
def test_metadata_bit_flips_are_named(copy: Path, where: str) -> None:
    meta = _active_meta(copy)
    size = meta.stat().st_size
    offset = {"magic": 0, "generation": 13, "ciphertext": size // 2, "tag": size - 1}[where]
    flip_bit(meta, offset)
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert err.value.part == "metadata"
    expected = "failed its integrity check" if where == "ciphertext" else "does not match"
    assert expected in err.value.what


def test_metadata_rolled_back_to_the_older_slot_is_named(copy: Path) -> None:
    meta = _active_meta(copy)
    other = copy / META_FILES[1 - META_FILES.index(meta.name)]
    shutil.copyfile(other, meta)
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert err.value.part == "metadata"


def test_metadata_cut_short_or_missing_is_named(copy: Path) -> None:
    meta = _active_meta(copy)
    meta.write_bytes(meta.read_bytes()[:100])
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert err.value.part == "metadata"
    meta.unlink()
    with pytest.raises(VaultDamaged) as err:
        open_vault(copy)
    assert "missing" in err.value.what


# ---------------------------------------------------------------------------- blobs
H = stream.HEADER_LEN
BLOB_EDITS = {
    "blob header magic": lambda d: _flip(d, 0),
    "blob header chunk size": lambda d: _flip(d, 5),
    "blob header id": lambda d: _flip(d, 10),
    "first chunk": lambda d: _flip(d, H + 100),
    "first chunk tag": lambda d: _flip(d, H + FRAME - 1),
    "middle chunk": lambda d: _flip(d, H + FRAME + 5000),
    "middle chunk tag": lambda d: _flip(d, H + 2 * FRAME - 3),
    "last chunk": lambda d: _flip(d, H + 3 * FRAME + 10),
    "last chunk tag": lambda d: _flip(d, len(d) - 1),
    "cut at a chunk boundary": lambda d: d[: H + 3 * FRAME],
    "cut inside a chunk": lambda d: d[: H + FRAME + 777],
    "cut to the header": lambda d: d[:H],
    "emptied": lambda d: b"",
    "one trailing byte": lambda d: d + b"\0",
    "a trailing chunk": lambda d: d + d[H : H + FRAME],
    "swapped middle chunks": lambda d: (
        d[: H + FRAME] + d[H + 2 * FRAME : H + 3 * FRAME] + d[H + FRAME : H + 2 * FRAME]
        + d[H + 3 * FRAME :]
    ),
    "first chunk repeated": lambda d: d[: H + FRAME] + d[H : H + FRAME] + d[H + 2 * FRAME :],
    "last chunk dropped, middle one moved to the end": lambda d: (
        d[: H + 2 * FRAME] + d[H + FRAME : H + 2 * FRAME]
    )[: len(d)],
}


def _flip(data: bytes, offset: int) -> bytes:
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


def _read_until_failure(v: Vault, blob_id: str) -> tuple[list[bytes], VaultDamaged | None]:
    released: list[bytes] = []
    try:
        for chunk in v.read_blob(blob_id):
            released.append(chunk)
    except VaultDamaged as exc:
        return released, exc
    return released, None


def test_blob_tampering_is_caught_and_releases_only_authentic_chunks(
    pristine: Pristine, copy: Path, tmp_path: Path
) -> None:
    """Blob files are read from disk on every access, so one unlock covers every edit."""
    target = blob_file(copy, pristine.blob_ids[0])
    pristine_bytes = target.read_bytes()
    original = pristine.contents[0]
    out = tmp_path / "extracted.bin"
    with open_vault(copy) as v:
        for edit, change in BLOB_EDITS.items():
            target.write_bytes(change(pristine_bytes))
            released, error = _read_until_failure(v, pristine.blob_ids[0])
            assert error is not None, edit
            assert error.part == "a stored file"
            # Whatever came out before the failure is exactly the authentic start of the file.
            assert b"".join(released) == original[: sum(map(len, released))], edit
            assert all(len(c) == CHUNK for c in released), edit
            with pytest.raises(VaultDamaged):
                v.extract_blob(pristine.blob_ids[0], out)
            assert list(tmp_path.glob("*extracted*")) == [], edit
            problems = v.check().problems
            assert [p.part for p in problems] == [f"stored file {pristine.blob_ids[0][:8]}"], edit
            # The other evidence is untouched and still readable.
            assert v.read_blob_bytes(pristine.blob_ids[1]) == pristine.contents[1]
        target.write_bytes(pristine_bytes)
        assert v.check().ok


def test_wrong_length_is_reported_before_any_decryption(pristine: Pristine, copy: Path) -> None:
    target = blob_file(copy, pristine.blob_ids[0])
    target.write_bytes(target.read_bytes()[:-1])
    with open_vault(copy) as v:
        released, error = _read_until_failure(v, pristine.blob_ids[0])
    assert released == []
    assert error is not None and "wrong length" in error.what


def test_blob_swapped_for_another_is_named(pristine: Pristine, copy: Path) -> None:
    a, b = (blob_file(copy, i) for i in pristine.blob_ids)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    with open_vault(copy) as v:
        for blob_id in pristine.blob_ids:
            released, error = _read_until_failure(v, blob_id)
            assert released == []
            assert error is not None and "swapped" in error.what
        assert len(v.check().problems) == 2


def test_chunk_spliced_in_from_another_blob_is_caught(pristine: Pristine, copy: Path) -> None:
    a, b = (blob_file(copy, i) for i in pristine.blob_ids)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_a[: H + FRAME] + data_b[H + FRAME : H + 2 * FRAME] + data_a[H + 2 * FRAME :])
    with open_vault(copy) as v:
        released, error = _read_until_failure(v, pristine.blob_ids[0])
    assert error is not None
    assert b"".join(released) == pristine.contents[0][:CHUNK]


def test_missing_blob_file_is_named(pristine: Pristine, copy: Path) -> None:
    blob_file(copy, pristine.blob_ids[0]).unlink()
    with open_vault(copy) as v:
        with pytest.raises(VaultDamaged) as err:
            v.read_blob_bytes(pristine.blob_ids[0])
        assert "missing" in err.value.what
        assert [(p.part, p.message) for p in v.check().problems] == [
            (f"stored file {pristine.blob_ids[0][:8]}", "is missing")
        ]


# ---------------------------------------------------------------------------- custody log
def _custody_rows(v: Vault) -> list[tuple[object, ...]]:
    return list(v.db.execute("SELECT * FROM custody ORDER BY seq"))


def _tamper_custody(path: Path, how: str) -> None:
    """Edit the log as a key holder could (through the vault's own database) and commit."""
    with open_vault(path) as v:
        rows = _custody_rows(v)
        assert len(rows) >= 4
        if how == "truncated":
            v.db.execute("DELETE FROM custody WHERE seq >= ?", (rows[-2][0],))
        elif how == "entry removed":
            v.db.execute("DELETE FROM custody WHERE seq = 2")
        elif how == "reordered":
            r2, r3 = rows[1], rows[2]
            cols = "utc, offset_minutes, actor, action, subject, details, prev_hash, entry_hash, "
            cols += "mac"
            for target, source in ((2, r3), (3, r2)):
                v.db.execute(
                    f"UPDATE custody SET ({cols}) = (?,?,?,?,?,?,?,?,?) WHERE seq = ?",  # noqa: S608
                    (*source[1:], target),
                )
        elif how == "entry edited":
            v.db.execute("UPDATE custody SET action = 'viewed' WHERE seq = 2")
        elif how == "details edited":
            details = json.loads(str(rows[2][6]))
            details["size"] = 1
            v.db.execute(
                "UPDATE custody SET details = ? WHERE seq = 3", (json.dumps(details),)
            )
        v.commit()


@pytest.mark.parametrize(
    "how", ["truncated", "entry removed", "reordered", "entry edited", "details edited"]
)
def test_custody_tampering_is_named_by_check(copy: Path, how: str) -> None:
    _tamper_custody(copy, how)
    problems = problems_of(copy)
    assert problems and all(part == "custody log" for part, _ in problems), problems


def test_cli_check_names_custody_tampering(copy: Path) -> None:
    _tamper_custody(copy, "reordered")
    r = run_cli("--vault", str(copy), "check", "--json", "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 4, r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is False
    assert {p["part"] for p in report["problems"]} == {"custody log"}


def test_custody_entries_keep_working_after_a_truncation_is_found(copy: Path) -> None:
    """The evidence stays reachable and new entries still chain to the head the header vouches
    for; the gap stays visible."""
    _tamper_custody(copy, "truncated")
    with open_vault(copy) as v:
        with v.transaction():
            v.log("viewed", "x")
        assert any("does not end where" in p.message for p in v.check().problems) or any(
            "missing" in p.message for p in v.check().problems
        )


# ---------------------------------------------------------------------------- through the CLI
def test_cli_extract_of_a_tampered_blob_fails_cleanly(
    pristine: Pristine, copy: Path, tmp_path: Path
) -> None:
    target = blob_file(copy, pristine.blob_ids[0])
    target.write_bytes(BLOB_EDITS["middle chunk"](target.read_bytes()))
    out = tmp_path / "out.bin"
    r = run_cli(
        "--vault", str(copy), "extract", pristine.item_ids[0], "--out", str(out),
        "--passphrase-stdin", stdin=PASSPHRASE,
    )
    assert r.returncode == 4
    assert "Part of the vault failed its integrity check." in r.stderr
    assert "a stored file" in r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == [copy]
    r = run_cli("--vault", str(copy), "check", "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 4
    assert f"stored file {pristine.blob_ids[0][:8]}: The encrypted file was changed" in r.stdout


def test_cli_check_names_a_damaged_header_copy_and_both(copy: Path) -> None:
    flip_bit(copy / "h2", 200)
    r = run_cli("--vault", str(copy), "check", "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 4
    assert "header copy 'h2': The header is damaged" in r.stdout
    flip_bit(copy / "h", 200)
    r = run_cli("--vault", str(copy), "check", "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 4
    assert "Affected: header. Neither copy of the vault header can be read." in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_check_on_damaged_metadata(copy: Path) -> None:
    meta = _active_meta(copy)
    flip_bit(meta, meta.stat().st_size // 3)
    r = run_cli("--vault", str(copy), "check", "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 4
    assert "Affected: metadata." in r.stderr


def test_pristine_copy_is_clean(pristine: Pristine, copy: Path) -> None:
    """The baseline the matrix compares against: an untouched copy checks out."""
    assert problems_of(copy) == []
    with open_vault(copy) as v:
        for blob_id, data in zip(pristine.blob_ids, pristine.contents, strict=True):
            assert hashlib.sha256(v.read_blob_bytes(blob_id)).digest() == hashlib.sha256(
                data
            ).digest()
