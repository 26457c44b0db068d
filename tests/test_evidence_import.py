"""Evidence items through the real API: every field, EXIF, fingerprints, duplicates, derived
copies, deletion, and the hostile inputs a victim's Downloads folder can hold."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests._evidence_helpers import (
    LENS_SERIAL,
    OWNER,
    SERIAL,
    photo,
    png_bomb,
    truncated,
    write_mp4,
)
from tests.conftest import PASSPHRASE
from vault import cases, custody, evidence, fingerprint_docs, notes, repo
from vault.clock import fixed_clock
from vault.collect.importer import ImportOptions, ImportProgress, Outcome, import_paths
from vault.crypto.kdf import FLOOR
from vault.errors import InputRejected
from vault.fingerprints import ImageFingerprint
from vault.records import CaptureMethod, EvidenceItem, ItemKind, Source
from vault.store import Vault

FULL_SOURCE = Source(
    url="https://board.example/view/123?x=1",
    platform="ExampleBoard",
    post_title="게시물 제목 title",
    uploader_id="uploader_42",
    uploader_nickname="닉네임",
    uploader_profile_url="https://board.example/u/uploader_42",
    posted_at="2024.03.01 21:15",
    posted_at_timezone="Asia/Seoul",
)


@pytest.fixture(scope="module")
def shared_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One real vault for the tests that only add to it (each in a case of its own), so the
    suite does not pay for a key derivation per test."""
    path = tmp_path_factory.mktemp("evidence") / "vault"
    v, _code = Vault.create(
        path, PASSPHRASE, params=FLOOR, clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    try:
        yield v
    finally:
        v.lock()


@pytest.fixture
def sv(shared_vault: Vault) -> Vault:
    return shared_vault


@pytest.fixture
def case_id(sv: Vault) -> str:
    return cases.create_case(sv, "Case A", "가명").id


def _blobs(v: Vault) -> set[str]:
    """Evidence blobs (keypoint records of fingerprints live in blobs of their own)."""
    return set(v.blob_ids()) - fingerprint_docs.fingerprint_blob_ids(v.db)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_every_item_field_round_trips_through_the_vault(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    case_id = cases.create_case(vault, "Round trip").id
    src = _write(tmp_path / "사진.jpg", photo())
    res = evidence.add_file(
        vault,
        src,
        case_id,
        source=FULL_SOURCE,
        description="캡처 설명",
        captured_by="상담원 A",
        tags=("first", "둘째"),
        include_in_export=False,
    )
    item = res.item
    assert not res.is_duplicate
    assert item.kind == ItemKind.IMAGE and item.mime == "image/jpeg"
    assert item.original_name == "사진.jpg"
    assert item.size == src.stat().st_size
    assert item.exhibit == "E0001" and item.exhibit_ko == "갑 제1호증"
    assert item.imported_utc == "2026-01-02T00:00:01Z" or item.imported_utc.startswith("2026-01-02")
    assert item.imported_offset_minutes == 540
    assert item.capture_time == "2024-03-01T21:15:09+09:00"
    assert item.capture_time_source == "exif"
    assert item.capture_method == CaptureMethod.FILE_IMPORT
    assert item.width == 320 and item.height == 240
    assert item.file_modified_utc.endswith("Z")
    assert item.exif["Orientation"] == "6" and evidence.orientation(item) == 6
    import hashlib

    assert item.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert item.md5 == hashlib.md5(src.read_bytes(), usedforsecurity=False).hexdigest()

    vault.lock()
    with Vault.open(vault_path, PASSPHRASE) as again:
        back = evidence.get_item(again, item.id)
        assert back == item
        for f in fields(EvidenceItem):
            assert getattr(back, f.name) == getattr(item, f.name), f.name
        assert b"".join(again.read_blob(back.blob.blob_id)) == src.read_bytes()  # type: ignore[union-attr]
        fp = evidence.fingerprint_of(again, item.id)
        assert isinstance(fp, ImageFingerprint) and fp.sha256 == item.sha256


def test_sensitive_exif_stays_in_the_vault_and_out_of_exports(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    item = evidence.add_file(sv, _write(tmp_path / "a.jpg", photo()), case_id).item
    assert item.exif["BodySerialNumber"] == SERIAL
    assert item.exif["LensSerialNumber"] == LENS_SERIAL
    assert item.exif["CameraOwnerName"] == OWNER
    assert "GPSLatitude" in item.exif
    safe = evidence.exportable_exif(item)
    assert safe["DateTimeOriginal"] == "2024:03:01 21:15:09" and safe["Orientation"] == "6"
    assert not [k for k in safe if k.startswith("GPS")]
    assert SERIAL not in safe.values() and OWNER not in safe.values()
    assert evidence.exportable_exif(item, include_sensitive=True) == item.exif
    assert set(evidence.sensitive_exif_fields(item)) >= {
        "BodySerialNumber",
        "LensSerialNumber",
        "CameraOwnerName",
        "GPSLatitude",
    }


def test_entered_capture_time_wins_and_exif_without_offset_stays_local(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    a = _write(tmp_path / "a.jpg", photo(seed=2, offset=""))
    b = _write(tmp_path / "b.jpg", photo(seed=3))
    item_a = evidence.add_file(sv, a, case_id).item
    assert item_a.capture_time == "2024-03-01T21:15:09"
    item_b = evidence.add_file(sv, b, case_id, capture_time="2024-02-02T10:00:00+09:00").item
    assert (item_b.capture_time, item_b.capture_time_source) == (
        "2024-02-02T10:00:00+09:00",
        "entered",
    )


def test_mime_and_kind_come_from_the_bytes_not_the_name(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    png_named_txt = _write(tmp_path / "notes.txt", photo(fmt="PNG", exif=False))
    pdf_named_jpg = _write(tmp_path / "photo.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")
    text = _write(tmp_path / "chat", "대화 내용 안녕하세요\n".encode() * 10)
    a = evidence.add_file(sv, png_named_txt, case_id).item
    b = evidence.add_file(sv, pdf_named_jpg, case_id).item
    c = evidence.add_file(sv, text, case_id).item
    assert (a.mime, a.kind) == ("image/png", ItemKind.IMAGE)
    assert (b.mime, b.kind) == ("application/pdf", ItemKind.DOCUMENT)
    assert (c.mime, c.kind) == ("text/plain", ItemKind.DOCUMENT)
    assert evidence.fingerprint_of(sv, b.id) is None


def test_duplicates_are_reported_and_logged_not_stored_twice(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    data = photo(seed=7)
    blobs_before = _blobs(sv)
    first = evidence.add_file(sv, _write(tmp_path / "one.jpg", data), case_id)
    again = evidence.add_file(sv, _write(tmp_path / "copy.jpg", data), case_id)
    assert again.is_duplicate and again.duplicate_of == first.item
    assert len(evidence.list_items(sv, case_id)) == 1
    assert len(_blobs(sv) - blobs_before) == 1
    actions = [e.action for e in custody.entries(sv.db, first.item.id)]
    assert actions == ["imported", "import_duplicate"]
    other_case = cases.create_case(sv, "Case B").id
    in_other = evidence.add_file(sv, tmp_path / "one.jpg", other_case)
    assert not in_other.is_duplicate
    assert in_other.item.exhibit == "E0001" and in_other.item.case_id == other_case
    assert in_other.item.blob == first.item.blob and len(_blobs(sv) - blobs_before) == 1
    assert evidence.fingerprint_of(sv, in_other.item.id) is not None
    assert in_other.item.capture_time == first.item.capture_time


def test_broken_and_hostile_images_are_kept_and_flagged(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    """Decision: the original bytes are evidence, so an image that cannot be decoded is stored
    as it is, flagged, and never decoded again; nothing escapes as a warning or exception."""
    bomb = _write(tmp_path / "bomb.png", png_bomb())
    cut = _write(tmp_path / "cut.jpg", truncated(photo(640, 480, seed=5)))
    junk = _write(tmp_path / "junk.jpg", b"\xff\xd8\xff\xe0" + os.urandom(5000))
    results = {
        p.name: evidence.add_file(sv, p, case_id).item for p in (bomb, cut, junk)
    }
    assert results["bomb.png"].flags == ("image_too_large",)
    assert results["cut.jpg"].flags == ("image_unreadable",)
    assert results["junk.jpg"].flags == ("image_unreadable",)
    assert results["cut.jpg"].capture_time == "2024-03-01T21:15:09+09:00"  # EXIF came first
    for path in (bomb, cut, junk):
        item = results[path.name]
        assert item.kind == ItemKind.IMAGE
        assert item.blob is not None
        assert sv.read_blob_bytes(item.blob.blob_id) == path.read_bytes()
        assert evidence.fingerprint_of(sv, item.id) is None
        assert evidence.FLAG_TEXT[item.flags[0]]


def test_empty_and_unreadable_paths_are_refused_clearly(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    empty = _write(tmp_path / "empty.jpg", b"")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    folder = tmp_path / "folder"
    folder.mkdir()
    blobs_before = _blobs(sv)
    expected = {
        empty: "empty",
        fifo: "not a regular file",
        loop: "loop",
        dangling: "not there any more",
        folder: "folder",
        tmp_path / "missing.jpg": "not there any more",
    }
    for path, words in expected.items():
        with pytest.raises(InputRejected) as info:
            evidence.add_file(sv, path, case_id)
        assert words in info.value.what
        assert str(tmp_path) not in info.value.message()
    assert evidence.list_items(sv, case_id) == []
    assert _blobs(sv) == blobs_before
    assert list((sv.path / "tmp").iterdir()) == []


def test_a_file_changing_while_it_is_read_is_not_kept(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    path = _write(tmp_path / "growing.bin", os.urandom(600_000))
    blobs_before = _blobs(sv)

    def grow(_n: int) -> None:
        with open(path, "ab") as f:
            f.write(b"more")

    with pytest.raises(InputRejected) as info:
        evidence.add_file(sv, path, case_id, on_progress=grow)
    assert "changed while" in info.value.what
    assert evidence.list_items(sv, case_id) == [] and _blobs(sv) == blobs_before
    assert list((sv.path / "tmp").iterdir()) == []
    ok = evidence.add_file(sv, path, case_id)
    assert ok.item.size == path.stat().st_size


def test_a_huge_sparse_file_streams_in_constant_memory(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    size = 128 * 1024 * 1024 + 17
    with open(big, "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypmp42")
        f.truncate(size)
    tracemalloc.start()
    try:
        item = evidence.add_file(sv, big, case_id, fingerprint=False).item
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert item.size == size and item.kind == ItemKind.VIDEO
    assert peak < 32 * 1024 * 1024  # streamed: far below the file's size
    assert item.blob is not None
    total = sum(len(c) for c in sv.read_blob(item.blob.blob_id))
    assert total == size


def test_derived_copies_point_at_the_original(sv: Vault, case_id: str, tmp_path: Path) -> None:
    original = evidence.add_file(sv, _write(tmp_path / "a.jpg", photo()), case_id).item
    blurred = photo(80, 60, seed=99, exif=False)
    copy = evidence.add_derived(sv, original, blurred, derivation="blurred_preview").item
    assert copy.derived_from == original.id
    assert copy.derived_from_sha256 == original.sha256
    assert copy.derivation == "blurred_preview" and not copy.include_in_export
    assert evidence.derived_copies(sv, original) == [copy]
    assert evidence.get_item(sv, original.id) == original
    with pytest.raises(InputRejected):
        evidence.add_derived(sv, original, blurred, derivation=" ")


def test_editing_changes_only_descriptive_fields(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    item = evidence.add_file(sv, _write(tmp_path / "a.jpg", photo()), case_id).item
    edited = evidence.update_item(
        sv,
        item,
        description="new",
        tags=("x",),
        source=replace(FULL_SOURCE, platform="Other"),
        capture_time="2024-01-01",
        include_in_export=False,
    )
    assert edited.capture_time_source == "entered"
    assert evidence.get_item(sv, item.id) == edited
    assert edited.sha256 == item.sha256 and edited.blob == item.blob
    with pytest.raises(InputRejected):
        evidence.update_item(sv, item, sha256="0" * 64)
    assert custody.entries(sv.db, item.id)[-1].details == {
        "fields": sorted(
            ["description", "tags", "source", "capture_time", "capture_time_source",
             "include_in_export"]
        )
    }


def test_deleting_an_item_crypto_shreds_and_leaves_a_custody_entry(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    item = evidence.add_file(sv, _write(tmp_path / "a.jpg", photo(seed=31)), case_id).item
    assert item.blob is not None
    blob_file = sv.path / "blobs" / item.blob.blob_id[:2] / item.blob.blob_id
    assert blob_file.exists()
    evidence.delete_item(sv, item, reason="asked by the victim")
    assert not blob_file.exists()
    assert item.blob.blob_id not in sv.blob_ids()
    assert repo.get_fingerprint(sv.db, item.id) is None
    last = custody.entries(sv.db, item.id)[-1]
    assert last.action == "deleted"
    assert last.details["crypto_shredded"] is True
    assert last.details["reason"] == "asked by the victim"
    assert sv.check().ok


def test_add_stream_refuses_empty_input_and_leaves_nothing(sv: Vault, case_id: str) -> None:
    blobs_before = _blobs(sv)
    with pytest.raises(InputRejected):
        evidence.add_stream(sv, io.BytesIO(b""), case_id, original_name="x")
    assert _blobs(sv) == blobs_before and list((sv.path / "tmp").iterdir()) == []


# ---------------------------------------------------------------------- folders
def _evidence_folder(root: Path) -> Path:
    top = root / "Downloads"
    (top / "chats" / "2024").mkdir(parents=True)
    (top / "a.jpg").write_bytes(photo(seed=1))
    (top / "copy of a.jpg").write_bytes(photo(seed=1))
    (top / "chats" / "b.png").write_bytes(photo(seed=2, fmt="PNG", exif=False))
    (top / "chats" / "2024" / "log.txt").write_text("대화 기록\n", encoding="utf-8")
    (top / "empty.txt").write_bytes(b"")
    (top / "loop").symlink_to(top / "loop")
    (top / "to-parent").symlink_to(top, target_is_directory=True)
    (top / "cut.jpg").write_bytes(truncated(photo(seed=3)))
    return top


def test_folder_import_reports_every_file_and_continues(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    top = _evidence_folder(tmp_path)
    seen: list[ImportProgress] = []
    report = import_paths(
        sv,
        [top],
        case_id,
        ImportOptions(source=FULL_SOURCE, tags=("batch",), note="from Downloads"),
        on_progress=seen.append,
    )
    by_name = {r.path.name: r for r in report.results}
    assert set(by_name) == {
        "a.jpg", "copy of a.jpg", "b.png", "log.txt", "empty.txt", "loop", "to-parent", "cut.jpg"
    }
    assert by_name["a.jpg"].outcome == Outcome.ADDED
    assert by_name["copy of a.jpg"].outcome == Outcome.DUPLICATE
    assert by_name["copy of a.jpg"].item == by_name["a.jpg"].item
    assert by_name["cut.jpg"].outcome == Outcome.ADDED
    assert by_name["cut.jpg"].flags == ("image_unreadable",)
    for bad in ("empty.txt", "loop", "to-parent"):
        assert by_name[bad].outcome == Outcome.FAILED and by_name[bad].error is not None
    assert (report.added, report.duplicates, report.failed) == (4, 1, 3)
    log_item = by_name["log.txt"].item
    assert log_item is not None and log_item.original_folder == "Downloads/chats/2024"
    assert log_item.source == FULL_SOURCE and log_item.tags == ("batch",)
    notes_for = [n.item_id for n in notes.list_notes(sv, case_id)]
    assert sorted(notes_for) == sorted(
        r.item.id for r in report.results if r.outcome == Outcome.ADDED and r.item
    )
    assert seen[-1].files_done == seen[-1].files_total == 8
    assert seen[-1].bytes_done == seen[-1].bytes_total
    done = [p.bytes_done for p in seen]
    assert done == sorted(done)


def test_a_file_vanishing_mid_import_fails_alone(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    top = tmp_path / "in"
    top.mkdir()
    (top / "1.bin").write_bytes(os.urandom(300_000))
    (top / "2.bin").write_bytes(os.urandom(1000))
    (top / "3.bin").write_bytes(os.urandom(1000))

    def delete_second(p: ImportProgress) -> None:
        if p.current is not None and p.current.name == "1.bin" and (top / "2.bin").exists():
            (top / "2.bin").unlink()

    report = import_paths(sv, [top], case_id, on_progress=delete_second)
    outcomes = [(r.path.name, r.outcome) for r in report.results]
    assert outcomes == [
        ("1.bin", Outcome.ADDED),
        ("2.bin", Outcome.FAILED),
        ("3.bin", Outcome.ADDED),
    ]


def test_import_can_be_cancelled_and_keeps_what_finished(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    paths = [_write(tmp_path / f"{i}.bin", os.urandom(200_000)) for i in range(3)]
    blobs_before = _blobs(sv)
    state = {"files": 0}

    def progress(p: ImportProgress) -> None:
        state["files"] = p.files_done

    report = import_paths(
        sv, paths, case_id, on_progress=progress, cancelled=lambda: state["files"] >= 1
    )
    assert report.cancelled and [r.outcome for r in report.results] == [Outcome.ADDED]
    assert len(evidence.list_items(sv, case_id)) == 1 and len(_blobs(sv) - blobs_before) == 1
    assert list((sv.path / "tmp").iterdir()) == []


def test_remove_originals_only_after_a_verified_import(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    keep_dir = tmp_path / "elsewhere"
    keep_dir.mkdir()
    real = _write(keep_dir / "real.jpg", photo(seed=11))
    top = tmp_path / "Downloads"
    top.mkdir()
    a = _write(top / "a.jpg", photo(seed=12))
    link = top / "shortcut.jpg"
    link.symlink_to(real)
    data_a = a.read_bytes()
    report = import_paths(sv, [top], case_id, ImportOptions(remove_originals=True))
    by_name = {r.path.name: r for r in report.results}
    assert by_name["a.jpg"].removal is not None and by_name["a.jpg"].removal.removed
    assert not a.exists() and list(top.iterdir()) == [link]
    assert by_name["shortcut.jpg"].removal is not None
    assert not by_name["shortcut.jpg"].removal.removed and real.exists()
    item = by_name["a.jpg"].item
    assert item is not None and item.blob is not None
    assert sv.read_blob_bytes(item.blob.blob_id) == data_a
    assert [e.action for e in custody.entries(sv.db, item.id)][-1] == "original_removed"
    assert report.removed == 1


def test_secure_remove_keeps_a_file_that_changed(tmp_path: Path) -> None:
    from vault.collect.remove import secure_remove

    path = _write(tmp_path / "x.bin", b"original bytes")
    kept = secure_remove(path, "0" * 64)
    assert not kept.removed and path.read_bytes() == b"original bytes"
    import hashlib

    gone = secure_remove(path, hashlib.sha256(b"original bytes").hexdigest())
    assert gone.removed and list(tmp_path.iterdir()) == []


def test_fingerprints_are_stored_as_json_in_the_same_transaction(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    item = evidence.add_file(sv, _write(tmp_path / "p.png", photo(fmt="PNG")), case_id).item
    doc = repo.get_fingerprint(sv.db, item.id)
    assert doc is not None
    assert fingerprint_docs.document(sv, doc)["sha256"] == item.sha256
    entries = custody.entries(sv.db, item.id)
    assert [e.action for e in entries] == ["imported"]


def test_videos_are_fingerprinted_from_the_original_file(
    sv: Vault, case_id: str, tmp_path: Path
) -> None:
    pytest.importorskip("av")
    import numpy as np
    from PIL import Image

    from vault.fingerprints import VideoFingerprint

    scenes = [
        np.asarray(Image.open(io.BytesIO(photo(160, 120, seed=90 + k, exif=False))))
        for k in range(3)
    ]
    path = tmp_path / "clip.mp4"
    write_mp4(path, scenes)
    item = evidence.add_file(sv, path, case_id).item
    assert item.kind == ItemKind.VIDEO and item.mime.startswith("video/")
    assert item.flags == ()
    fp = evidence.fingerprint_of(sv, item.id)
    assert isinstance(fp, VideoFingerprint) and fp.sha256 == item.sha256 and fp.frames


def test_a_home_folder_name_is_not_recorded(tmp_path: Path) -> None:
    from vault.collect.folder import expand

    home_like = tmp_path / Path.home().name
    home_like.mkdir()
    (home_like / "a.txt").write_text("a")
    (found,) = expand([home_like])
    assert found.folder == "folder"


def test_an_image_too_big_to_hold_is_kept_and_probed_from_its_header(
    sv: Vault, case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence, "FINGERPRINT_MAX_BYTES", 100_000)
    data = photo(1200, 900, seed=95)
    assert len(data) > 100_000
    item = evidence.add_file(sv, _write(tmp_path / "big.jpg", data), case_id).item
    assert item.flags == (evidence.FLAG_NOT_CHECKED,)
    assert (item.width, item.height) == (1200, 900)
    assert item.capture_time == "2024-03-01T21:15:09+09:00"
    assert evidence.fingerprint_of(sv, item.id) is None


def test_items_need_an_existing_case(sv: Vault) -> None:
    from vault.errors import NotFound

    with pytest.raises(NotFound):
        evidence.add_stream(sv, io.BytesIO(b"data"), "no-such-case", original_name="x")
