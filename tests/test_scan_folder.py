"""Folder scans: nested trees, symbolic links (no loops), unreadable and damaged files, files
over the size cap, files that are not pictures."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests._scan_server import encode, photo, screenshot_of
from vault import cases, custody, evidence
from vault.records import Case, EvidenceItem, ItemKind
from vault.scanning import FolderSource, run_scan
from vault.scanning.folder import FolderFile, FolderSkip, walk_folder
from vault.store import Vault


def _one_resized_copy(vault: Vault, tmp_path: Path) -> tuple[Case, EvidenceItem, Path]:
    """A case with one picture, and a folder holding one resized copy of it (``copy.jpg``)."""
    case = cases.create_case(vault, "Phone dump", "C")
    original = evidence.add_stream(vault, io.BytesIO(encode(photo(1), "PNG")), case.id,
                                   original_name="o1.png").item
    root = tmp_path / "dump"
    root.mkdir()
    (root / "copy.jpg").write_bytes(encode(photo(1).resize((400, 300))))
    return case, original, root


def _tree(root: Path) -> None:
    o1, o2 = photo(1), photo(2)
    (root / "DCIM" / "Camera" / "old").mkdir(parents=True)
    (root / "Download").mkdir()
    (root / "DCIM" / "Camera" / "IMG_0001.jpg").write_bytes(encode(o1.resize((400, 300))))
    (root / "DCIM" / "Camera" / "old" / "IMG_0002.png").write_bytes(
        encode(screenshot_of(o2), "PNG"))
    (root / "DCIM" / "Camera" / "IMG_0003.jpg").write_bytes(encode(photo(50)))
    (root / "Download" / "meme.jpg").write_bytes(encode(photo(51)))
    (root / "Download" / "notes.txt").write_text("shopping list", encoding="utf-8")
    (root / "Download" / "damaged.jpg").write_bytes(encode(photo(52))[:600])
    big = root / "Download" / "huge.jpg"
    with big.open("wb") as fh:
        fh.write(encode(photo(53))[:64])
        fh.truncate(3 << 20)
    os.symlink(root, root / "DCIM" / "loop")  # a link back to the top: must not loop
    os.symlink(root / "DCIM" / "Camera" / "IMG_0001.jpg", root / "Download" / "same.jpg")
    os.symlink(root / "nowhere.jpg", root / "Download" / "broken.jpg")


def test_walk_visits_each_file_once_and_explains_skips(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = list(walk_folder(tmp_path, max_file_bytes=1 << 20))
    files = sorted(f.rel for f in found if isinstance(f, FolderFile))
    assert files == ["DCIM/Camera/IMG_0001.jpg", "DCIM/Camera/IMG_0003.jpg",
                     "DCIM/Camera/old/IMG_0002.png", "Download/damaged.jpg", "Download/meme.jpg"]
    skips = {s.rel: s for s in found if isinstance(s, FolderSkip)}
    assert skips["DCIM/loop"].error is False and "loop" in skips["DCIM/loop"].reason
    assert skips["Download/broken.jpg"].error is True
    huge = skips["Download/huge.jpg"]
    assert huge.error is False and "1 MiB" in huge.reason
    assert skips["Download/notes.txt"].reason == "not a picture or video"


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_folder_scan_records_the_copies(vault: Vault, tmp_path: Path, processes: bool) -> None:
    case = cases.create_case(vault, "Phone dump", "C")
    originals = []
    for seed in (1, 2, 3):
        res = evidence.add_stream(vault, io.BytesIO(encode(photo(seed), "PNG")), case.id,
                                  original_name=f"o{seed}.png")
        originals.append(res.item)
    root = tmp_path / "dump"
    root.mkdir()
    _tree(root)
    report = run_scan(vault, FolderSource(root, max_file_bytes=1 << 20), case_id=case.id,
                      processes=processes)
    got = {s.media_url: (s.matched_item_id, s.matched_how) for s in report.sightings}
    assert got == {
        "DCIM/Camera/IMG_0001.jpg": (originals[0].id, "whole"),
        "DCIM/Camera/old/IMG_0002.png": (originals[1].id, "keypoints"),
    }
    assert {e.where: e.code for e in report.errors} == {
        "Download/damaged.jpg": "unreadable", "Download/broken.jpg": "unreadable"}
    assert {e.where: e.code for e in report.skipped} == {
        "DCIM/loop": "loop", "Download/huge.jpg": "over_cap"}
    for s in report.sightings:
        copy = evidence.get_item(vault, s.item_id)
        assert copy.kind == ItemKind.SIGHTING
        assert copy.original_name == s.media_url and str(tmp_path) not in copy.description
        assert s.http_status == 0 and s.page_url == "" and s.headers == {}
        data = (root / s.media_url).read_bytes()
        assert vault.read_blob_bytes(copy.blob.blob_id) == data  # type: ignore[union-attr]
    assert report.progress.seen == 5 and report.progress.checked == 5


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="the superuser can read every file")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked.jpg"
    locked.write_bytes(encode(photo(5)))
    locked.chmod(0)
    try:
        (skip,) = list(walk_folder(tmp_path, max_file_bytes=1 << 20))
    finally:
        locked.chmod(0o600)
    assert isinstance(skip, FolderSkip) and skip.error and "not let Ansim read" in skip.reason


def test_folder_scan_falls_back_to_threads_when_processes_cannot_start(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host where worker processes cannot start (a terminal UI replaced stderr) still scans."""
    import vault.scanning.runner as runner

    def refuse(*_a: object, **_k: object) -> None:
        raise ValueError("bad value(s) in fds_to_keep")

    monkeypatch.setattr(runner, "ProcessPoolExecutor", refuse)
    case, original, root = _one_resized_copy(vault, tmp_path)
    report = run_scan(vault, FolderSource(root), case_id=case.id, processes=True)
    assert [(s.media_url, s.matched_item_id) for s in report.sightings] == [
        ("copy.jpg", original.id)]
    assert report.errors == ()


def test_batched_worker_processes_report_each_file(vault: Vault, tmp_path: Path) -> None:
    """Files go to worker processes in batches: every file is still checked and reported on
    its own (a damaged file costs only itself), and a stop keeps what was found."""
    import threading

    from vault.scanning.progress import ScanProgress
    from vault.scanning.runner import PROCESS_BATCH

    case = cases.create_case(vault, "Batches", "B")
    original = evidence.add_stream(vault, io.BytesIO(encode(photo(1), "PNG")), case.id,
                                   original_name="o1.png").item
    root = tmp_path / "many"
    root.mkdir()
    n = 3 * PROCESS_BATCH + 3
    for k in range(n):
        data = encode(photo(1).resize((400, 300))) if k in (2, n - 1) else encode(photo(60 + k))
        (root / f"f{k:03d}.jpg").write_bytes(data[:700] if k == 5 else data)
    report = run_scan(vault, FolderSource(root), case_id=case.id, processes=True, workers=2)
    assert sorted(s.media_url for s in report.sightings) == ["f002.jpg", f"f{n - 1:03d}.jpg"]
    assert {s.matched_item_id for s in report.sightings} == {original.id}
    assert [e.where for e in report.errors] == ["f005.jpg"]
    assert report.progress.checked == n and not report.cancelled

    stop = threading.Event()

    def on_progress(p: ScanProgress) -> None:
        if p.checked >= 3:
            stop.set()

    for k in range(n, 12 * PROCESS_BATCH):
        (root / f"f{k:03d}.jpg").write_bytes(encode(photo(60 + k)))
    stopped = run_scan(vault, FolderSource(root), case_id=case.id, processes=True, workers=2,
                       on_progress=on_progress, cancel=stop)
    assert stopped.cancelled
    assert 3 <= stopped.progress.checked < 12 * PROCESS_BATCH


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_quick_scan_compares_hashes_only_and_says_so(
    vault: Vault, tmp_path: Path, processes: bool
) -> None:
    """A quick scan finds the resized copy and the picture inside a screenshot (their hashes
    match) but not an off-centre crop (only the keypoint stage finds it); a thorough scan
    afterwards finds the crop too. Both scans' custody entries say how deep they looked."""
    case = cases.create_case(vault, "Phone dump", "C")
    originals = [evidence.add_stream(vault, io.BytesIO(encode(photo(seed), "PNG")), case.id,
                                     original_name=f"o{seed}.png").item for seed in (1, 2, 3)]
    root = tmp_path / "dump"
    (root / "sub").mkdir(parents=True)
    (root / "resized.jpg").write_bytes(encode(photo(1).resize((400, 300))))
    (root / "sub" / "screenshot.png").write_bytes(encode(screenshot_of(photo(2)), "PNG"))
    (root / "sub" / "crop.jpg").write_bytes(encode(photo(3).crop((0, 0, 480, 360))))
    (root / "other.jpg").write_bytes(encode(photo(50)))
    quick = run_scan(vault, FolderSource(root), case_id=case.id, processes=processes,
                     quick=True)
    assert quick.quick is True and quick.progress.checked == 4 and not quick.errors
    assert {s.media_url: (s.matched_item_id, s.matched_how) for s in quick.sightings} == {
        "resized.jpg": (originals[0].id, "whole"),
        "sub/screenshot.png": (originals[1].id, "region")}

    thorough = run_scan(vault, FolderSource(root), case_id=case.id, processes=processes)
    assert thorough.quick is False and thorough.already_known == 2
    assert {s.media_url: (s.matched_item_id, s.matched_how) for s in thorough.sightings} == {
        "sub/crop.jpg": (originals[2].id, "keypoints")}
    depths = [e.details["mode"] for e in custody.entries(vault.db) if e.action == "scanned"]
    assert depths == ["quick", "thorough"]


def test_quick_fingerprints_have_no_keypoints_and_never_compute_them(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick scan's candidates are fingerprinted without the ORB pass, in worker processes
    and in threads alike (the keypoint stage cannot run on them by accident)."""
    from vault.fingerprints import keypoints
    from vault.scanning.runner import fingerprint_path

    case, original, root = _one_resized_copy(vault, tmp_path)
    thorough_fp = fingerprint_path(str(root / "copy.jpg"), "image").fingerprint
    quick_fp = fingerprint_path(str(root / "copy.jpg"), "image", True).fingerprint
    assert thorough_fp is not None and thorough_fp.keypoints is not None
    assert quick_fp is not None and quick_fp.keypoints is None

    def no_orb(*_a: object, **_k: object) -> None:
        raise AssertionError("a quick scan computed keypoints")

    monkeypatch.setattr(keypoints, "extract", no_orb)
    report = run_scan(vault, FolderSource(root), case_id=case.id, processes=False, quick=True)
    assert report.errors == ()
    assert [(s.media_url, s.matched_item_id) for s in report.sightings] == [
        ("copy.jpg", original.id)]
