"""Export choices and failure modes: item selection, hash-only, EXIF, sightings, determinism,
cancelling, damaged vault content, unsafe output folders; and the CLI commands."""

from __future__ import annotations

import filecmp
import io
import json
import os
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import bagit
import pytest

from exporters.bundle import ExportOptions, ExportStopped, export_case, verify_bundle
from exporters.bundle.deterministic_zip import FIXED_TIME, zip_bag
from tests.conftest import PASSPHRASE
from tests.test_bundle_fixtures import Sealed, make_vault, populate, shared_seal
from ui.cli import common
from ui.cli.main import main as cli_main
from vault import custody, repo
from vault.errors import ExportError, InputRejected, NotFound, VaultDamaged
from vault.records import Case, EvidenceItem, Sighting, Takedown, TakedownStatus
from vault.store import Vault


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    return shared_seal(tmp_path_factory)


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, Case]]:
    """A vault of this module's own, which these tests may change."""
    vault = make_vault(tmp_path_factory.mktemp("options") / "vault")
    try:
        yield vault, populate(vault)
    finally:
        vault.lock()


def opts(out: Path, **kw: object) -> ExportOptions:
    kw.setdefault("include_complaint", False)
    return ExportOptions(out_dir=out, **kw)  # type: ignore[arg-type]


def item(vault: Vault, case: Case, exhibit: str) -> EvidenceItem:
    items = repo.list_records(vault.db, EvidenceItem, case.id)
    return next(i for i in items if i.exhibit == exhibit)


# ------------------------------------------------------------------------------ determinism
def test_zipping_the_same_bag_twice_gives_identical_bytes(sealed: Sealed, tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    zip_bag(sealed.bag, first, sealed.bag.name)
    copy = tmp_path / "copy" / sealed.bag.name
    shutil.copytree(sealed.bag, copy)  # new inodes, new times: only the contents are the same
    os.utime(copy / "bag-info.txt", (0, 0))
    zip_bag(copy, second, sealed.bag.name)
    assert first.read_bytes() == second.read_bytes() == sealed.zip.read_bytes()
    with zipfile.ZipFile(first) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names, key=lambda n: n.encode())
    assert {i.date_time for i in infos} == {FIXED_TIME}
    modes = {i.filename.split("/", 1)[1]: (i.external_attr >> 16) & 0o777 for i in infos}
    assert modes.pop("verify/verify.sh") == 0o755 and set(modes.values()) == {0o644}


def test_exporting_twice_changes_only_what_names_the_export(
    own: tuple[Vault, Case], tmp_path: Path
) -> None:
    vault, case = own
    one = export_case(vault, case, opts(tmp_path / "one"))
    two = export_case(vault, case, opts(tmp_path / "two"))
    assert one.bundle_id != two.bundle_id
    differ: list[str] = []
    for path in sorted(one.bag_path.rglob("*")):
        rel = path.relative_to(one.bag_path)
        if path.is_file() and not filecmp.cmp(path, two.bag_path / rel, shallow=False):
            differ.append(rel.as_posix())
    assert set(differ) <= {
        "bag-info.txt",  # bundle id, export time, custody head
        "data/custody/custody-log.jsonl",  # the earlier export, and the new export entry
        "manifest-sha256.txt",  # the custody log's hash
        "tagmanifest-sha256.txt",
        "tagmanifest-sha256.txt.p7s",  # ECDSA signatures are randomised
        "verify/HOW-TO-VERIFY.en.txt",  # bundle id and time
        "verify/HOW-TO-VERIFY.ko.txt",
    }
    assert "data/custody/custody-log.jsonl" in differ
    assert not any(d.startswith("data/evidence/") or d.startswith("data/index/") for d in differ)


# ------------------------------------------------------------------------------ choices
def test_hash_only_bundle_has_records_but_no_originals(
    own: tuple[Vault, Case], tmp_path: Path
) -> None:
    vault, case = own
    result = export_case(vault, case, opts(tmp_path, include_originals=False))
    files = {p.name for p in (result.bag_path / "data/evidence").rglob("*") if p.is_file()}
    assert files == {"item.json"}
    record = json.loads((result.bag_path / "data/evidence/E0002/item.json").read_text("utf-8"))
    assert record["original_included"] is False and record["file"] == ""
    assert record["sha256"] == item(vault, case, "E0002").sha256
    bagit.Bag(str(result.bag_path)).validate()
    assert verify_bundle(result.bag_path).ok
    assert "Ansim-Originals: hash-only" in (result.bag_path / "bag-info.txt").read_text("utf-8")


def test_choosing_items(own: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, case = own
    chosen = export_case(vault, case, opts(tmp_path / "a", items=("E0002", "1")))
    assert chosen.exhibits == ("E0001", "E0002")
    marked = export_case(vault, case, opts(tmp_path / "b", marked_only=True))
    assert marked.exhibits == ("E0001", "E0002", "E0003") and marked.unmarked == ()
    by_id = export_case(vault, case, opts(tmp_path / "c", items=(item(vault, case, "E0003").id,)))
    assert by_id.exhibits == ("E0003",)
    with pytest.raises(NotFound):
        export_case(vault, case, opts(tmp_path / "d", items=("E0099",)))
    with pytest.raises(ExportError):
        export_case(vault, case, opts(tmp_path / "e", items=("E0004",), marked_only=True))
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_sensitive_exif_only_when_asked(own: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, case = own
    result = export_case(vault, case, opts(tmp_path, items=("E0001",), include_sensitive_exif=True))
    record = (result.bag_path / "data/evidence/E0001/item.json").read_text("utf-8")
    exif = json.loads(record)["exif"]
    assert exif["GPSLatitude"] == "37.0, 33.0, 59.4" and exif["BodySerialNumber"] == "SN-12345"


def test_sightings_and_takedowns_travel_with_their_items(
    own: tuple[Vault, Case], tmp_path: Path
) -> None:
    vault, case = own
    photo = item(vault, case, "E0001")
    sighting = Sighting(
        id=repo.new_id(), case_id=case.id, item_id=photo.id, matched_item_id=photo.id,
        page_url="https://example.invalid/board/7", media_url="https://example.invalid/m.jpg",
        final_url="https://example.invalid/m.jpg", http_status=200,
        headers={"content-type": "image/jpeg"}, retrieved_utc="2026-01-02T00:00:00Z",
        sha256=photo.sha256, md5=photo.md5, band="strong", score=1.0, matched_how="exact",
    )
    takedown = Takedown(
        id=repo.new_id(), case_id=case.id, sighting_ids=(sighting.id,), recipient="KCSC",
        channel="web_form", date="2026-01-03", status=TakedownStatus.SENT,
    )
    with vault.transaction() as db:
        repo.put(db, sighting)
        repo.put(db, takedown)
        vault.log("sighting_recorded", sighting.id, {"case": case.id})
    result = export_case(vault, case, opts(tmp_path, items=("E0001",)))
    lines = (result.bag_path / "data/sightings/sightings.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["page_url"] for x in lines] == [sighting.page_url]
    takedowns = (result.bag_path / "data/takedowns/takedowns.jsonl").read_text("utf-8")
    assert json.loads(takedowns)["recipient"] == "KCSC"
    chain = (result.bag_path / "data/custody/custody-log.jsonl").read_text("utf-8")
    assert "sighting_recorded" in chain
    other = export_case(vault, case, opts(tmp_path / "other", items=("E0002",)))
    assert not (other.bag_path / "data/sightings").exists()


# ------------------------------------------------------------------------------ failures
def _state(vault: Vault, case: Case) -> tuple[tuple[int, str], str]:
    counter = vault.db.execute(
        "SELECT value FROM counters WHERE name = ?", (f"export:{case.id}",)
    ).fetchone()
    return custody.head(vault.db), str(counter)


def test_cancelling_leaves_nothing_behind(own: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, case = own
    before = _state(vault, case)
    calls = {"n": 0}

    def cancel_after_a_few_chunks() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(ExportStopped):
        export_case(
            vault, case, opts(tmp_path, make_zip=True), should_cancel=cancel_after_a_few_chunks
        )
    assert list(tmp_path.iterdir()) == []
    assert _state(vault, case) == before


def test_a_damaged_original_stops_the_export_cleanly(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault")
    try:
        case = populate(vault)
        video = item(vault, case, "E0002")
        assert video.blob is not None
        blob = tmp_path / "vault" / "blobs" / video.blob.blob_id[:2] / video.blob.blob_id
        data = bytearray(blob.read_bytes())
        data[200] ^= 0x01
        blob.write_bytes(bytes(data))
        before = _state(vault, case)
        with pytest.raises(VaultDamaged):
            export_case(vault, case, opts(tmp_path / "out", make_zip=True))
        assert list((tmp_path / "out").iterdir()) == []
        assert _state(vault, case) == before
    finally:
        vault.lock()


def test_output_inside_the_vault_is_refused(own: tuple[Vault, Case]) -> None:
    vault, case = own
    with pytest.raises(InputRejected):
        export_case(vault, case, opts(vault.path / "exports"))
    assert not (vault.path / "exports").exists() or not any((vault.path / "exports").iterdir())


def test_an_existing_folder_is_never_overwritten(own: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, case = own
    first = export_case(vault, case, opts(tmp_path, items=("E0003",)))
    number = int(first.bag_path.name.rsplit("-", 1)[1]) + 1
    squatter = tmp_path / f"ansim-bundle-{case.id}-{number:04d}"
    squatter.mkdir()
    (squatter / "mine.txt").write_text("someone else's", "utf-8")
    second = export_case(vault, case, opts(tmp_path, items=("E0003",)))
    assert second.bag_path.name == f"{squatter.name}-2"
    assert (squatter / "mine.txt").read_text("utf-8") == "someone else's"


# ------------------------------------------------------------------------------ CLI
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    """The real CLI entry point, in this process (passphrase on standard input)."""
    monkeypatch.setattr(common, "_stdin_lines", None)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSPHRASE + "\n"))
    code = cli_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_export_and_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = make_vault(tmp_path / "vault")
    try:
        case = populate(vault)
    finally:
        vault.lock()
    base = ("--vault", str(tmp_path / "vault"), "--passphrase-stdin")
    code, out, err = run_main(
        monkeypatch, capsys, *base, "export", case.id, "--out", str(tmp_path / "out"),
        "--zip", "--lang", "en", "--no-complaint",
    )
    assert code == 0, err
    assert "The sealed bundle is ready: 4 item(s)" in out
    assert "Included although not marked for export: E0004." in out
    fingerprint = out.split("Certificate fingerprint (SHA-256): ", 1)[1].split()[0]
    zip_path = Path(out.split("Zip:    ", 1)[1].splitlines()[0])
    assert zip_path.is_file() and zip_path.parent == tmp_path / "out"

    code, out, _ = run_main(
        monkeypatch, capsys, "verify", str(zip_path), "--fingerprint", fingerprint, "--lang", "ko"
    )
    assert code == 0 and "검증 통과" in out

    code, out, _ = run_main(
        monkeypatch, capsys, *base, "export", "--out", str(tmp_path / "out"), "--hash-only",
        "--items", "E0001", "--json", "--no-complaint",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["exhibits"] == ["E0001"] and doc["zip"] is None
    assert verify_bundle(Path(doc["bag"])).ok

    code, _, err = run_main(
        monkeypatch, capsys, *base, "export", "--out", str(tmp_path / "x"), "--items", "E1",
        "--marked-only", "--lang", "en",
    )
    assert code == common.EXIT_USAGE and "--marked-only" in err


def test_cli_verify_of_a_missing_bundle_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.zip")
    code, _, err = run_main(monkeypatch, capsys, "verify", missing, "--lang", "en")
    assert code == common.EXIT_ERROR
    assert "There is no bundle at that path." in err
