"""The sealed bundle as built: checked with the reference tools a lawyer or archivist would use
(LoC ``bagit``, ``sha256sum -c``, ``openssl cms -verify``, the verify script with only standard
tools on PATH) and for what must and must not be inside it."""

from __future__ import annotations

import csv
import getpass
import io
import json
from pathlib import Path

import bagit
import pytest

from exporters.bundle import verify_bundle
from exporters.bundle.public_chain import check as check_chain
from tests.test_bundle_fixtures import (
    HOSTILE_NAME,
    JPEG,
    VIDEO_BYTES,
    Sealed,
    open_vault,
    openssl_verify,
    run_script,
    sha256sum_check,
    shared_seal,
    tools_only_path,
)
from vault import custody


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    return shared_seal(tmp_path_factory)


def test_loc_bagit_library_validates_the_bag(sealed: Sealed) -> None:
    bag = bagit.Bag(str(sealed.bag))
    bag.validate()  # raises BagValidationError with every problem otherwise
    assert bag.info["External-Identifier"] == sealed.result.bundle_id
    result = sealed.result
    assert bag.info["Payload-Oxum"] == f"{result.payload_bytes}.{result.payload_files}"


@pytest.mark.parametrize("manifest", ["manifest-sha256.txt", "tagmanifest-sha256.txt"])
def test_sha256sum_checks_pass_inside_the_bag(sealed: Sealed, manifest: str) -> None:
    result = sha256sum_check(sealed.bag, manifest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout


def test_openssl_verifies_the_detached_signature(sealed: Sealed) -> None:
    result = openssl_verify(sealed.bag)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_verify_script_runs_with_only_standard_tools(sealed: Sealed, tmp_path: Path) -> None:
    tools = tools_only_path(tmp_path / "bin")
    result = run_script(sealed.bag, tools, "--fingerprint", sealed.result.cert_fingerprint)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RESULT: all checks passed" in result.stdout
    assert result.stdout.count("OK    ") == 7
    wrong = run_script(sealed.bag, tools, "--fingerprint", "00:11:22")
    assert wrong.returncode == 1
    assert "does NOT match the fingerprint you gave" in wrong.stdout


def test_ansim_verify_passes_for_folder_and_zip(sealed: Sealed) -> None:
    for target in (sealed.bag, sealed.zip):
        report = verify_bundle(target, expected_fingerprint=sealed.result.cert_fingerprint)
        assert report.ok, report.problems
        assert report.signature_valid
        assert report.bundle_id == sealed.result.bundle_id
        assert report.payload_files == sealed.result.payload_files
        assert report.custody_entries > 0


def test_originals_are_byte_identical_and_records_match(sealed: Sealed) -> None:
    evidence_dir = sealed.bag / "data" / "evidence"
    assert (evidence_dir / "E0001" / "사진 1.jpg").read_bytes() == JPEG
    assert (evidence_dir / "E0002" / "clip.mp4").read_bytes() == VIDEO_BYTES
    record = json.loads((evidence_dir / "E0001" / "item.json").read_text("utf-8"))
    assert record["exhibit_ko"] == "갑 제1호증"
    assert record["file"] == "사진 1.jpg" and record["original_included"] is True
    assert record["source"]["url"] == "https://example.invalid/post/1"
    # The file name that tried to climb out of its folder stays inside it, cleaned.
    hostile = json.loads((evidence_dir / "E0003" / "item.json").read_text("utf-8"))
    assert hostile["original_name"] == HOSTILE_NAME
    assert "/" not in hostile["file"] and "%" not in hostile["file"]
    assert (evidence_dir / "E0003" / hostile["file"]).read_bytes() == b"chat log\n"


def test_unmarked_items_are_still_exported_when_all_are_chosen(sealed: Sealed) -> None:
    assert sealed.result.exhibits == ("E0001", "E0002", "E0003", "E0004")


def test_sensitive_exif_is_left_out_by_default(sealed: Sealed) -> None:
    record = json.loads((sealed.bag / "data/evidence/E0001/item.json").read_text("utf-8"))
    assert record["exif"] == {"Make": "TestCam"}


def test_no_local_paths_or_user_names_anywhere(sealed: Sealed) -> None:
    paths = [str(sealed.vault_path.parent).encode(), str(Path.home()).encode()]
    user = getpass.getuser().encode()
    for path in sealed.bag.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for needle in paths:
            assert needle not in data, (path.name, needle)
        # verify/ holds fixed texts (which say "root certificate"); everything else is made
        # from the vault and must not carry the OS user name.
        if "verify" not in path.relative_to(sealed.bag).parts and len(user) >= 3:
            assert user not in data, path.name
    info = (sealed.bag / "bag-info.txt").read_text("utf-8")
    assert "Test case" not in info and "Pseudonym" not in info


def test_evidence_csv_opens_in_excel_and_defuses_formulas(sealed: Sealed) -> None:
    raw = (sealed.bag / "data/index/evidence.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "증거번호"  # first language of the export (ko)
    by_exhibit = {r[0]: r for r in rows[1:]}
    assert by_exhibit["E0001"][7] == sealed_sha(sealed, "E0001")
    assert by_exhibit["E0001"][13].startswith("'=")  # description cell cannot run as a formula
    lines = (sealed.bag / "data/index/evidence.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["exhibit"] for x in lines] == ["E0001", "E0002", "E0003", "E0004"]


def sealed_sha(sealed: Sealed, exhibit: str) -> str:
    doc = json.loads((sealed.bag / f"data/evidence/{exhibit}/item.json").read_text("utf-8"))
    return str(doc["sha256"])


def test_hash_list_names_every_original(sealed: Sealed) -> None:
    raw = (sealed.bag / "data/hashes/hashes.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))[1:]
    assert [r[0] for r in rows] == ["E0001", "E0002", "E0003", "E0004"]
    assert rows[1][3] == sealed_sha(sealed, "E0002")


def test_custody_chain_is_public_and_the_export_is_in_the_vault_log(sealed: Sealed) -> None:
    data = (sealed.bag / "data/custody/custody-log.jsonl").read_bytes()
    entries = [json.loads(x) for x in data.splitlines()]
    info = bagit.Bag(str(sealed.bag)).info
    result = check_chain(data, info["Ansim-Custody-Head"], int(info["Ansim-Custody-Entries"]))
    assert result.problems == ()
    assert entries[-1]["action"] == "exported"
    assert entries[-1]["details"]["bundle_id"] == sealed.result.bundle_id
    assert {e["action"] for e in entries[:-1]} >= {"imported"}
    with open_vault(sealed) as vault:
        logged = [
            e
            for e in custody.entries(vault.db)
            if e.action == "exported" and e.details["bundle_id"] == sealed.result.bundle_id
        ]
        assert vault.check().ok
    assert len(logged) == 1
    assert logged[0].details["bundle_id"] == sealed.result.bundle_id
    assert logged[0].seq == entries[-1]["vault_seq"]
    tagmanifest = (sealed.bag / "tagmanifest-sha256.txt").read_bytes()
    import hashlib

    assert logged[0].details["tagmanifest_sha256"] == hashlib.sha256(tagmanifest).hexdigest()


def test_complaint_documents_are_included_when_available(sealed: Sealed) -> None:
    pdfs = sorted(p.name for p in (sealed.bag / "data/complaint").glob("*.pdf"))
    info = bagit.Bag(str(sealed.bag)).info
    if pdfs:
        assert info["Ansim-Complaint"] == "included"
    else:
        assert info["Ansim-Complaint"].startswith("not included")


def test_tag_manifest_covers_every_tag_file_but_its_own_signature(sealed: Sealed) -> None:
    listed = {
        line.split("  ", 1)[1]
        for line in (sealed.bag / "tagmanifest-sha256.txt").read_text("utf-8").splitlines()
    }
    tag_files = {
        p.relative_to(sealed.bag).as_posix()
        for p in sealed.bag.rglob("*")
        if p.is_file() and not p.relative_to(sealed.bag).as_posix().startswith("data/")
    }
    assert tag_files - listed == {"tagmanifest-sha256.txt", "tagmanifest-sha256.txt.p7s"}
    assert (sealed.bag / "verify/verify.sh").stat().st_mode & 0o111
