"""Complaint documents built from a real vault: signed with the export key, checked with pdfsig
and pyHanko, tamper-evident, citing the vault's own exhibit numbers and hashes; and the CLI."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from exporters.complaint import (
    OutputExists,
    OutputFolderMissing,
    ResidentNumberNeedsRealName,
    UnsupportedDocument,
    build_documents,
    export_complaint,
)
from tests._complaint_helpers import pdffonts, pdfsig, pdftotext, png, populate, squash
from tests.conftest import PASSPHRASE, run_cli
from vault import cases, evidence, repo
from vault.clock import fixed_clock
from vault.crypto.kdf import FLOOR
from vault.records import Case, EvidenceItem
from vault.signing import load_export_key
from vault.store import Vault


def _validate(pdf: bytes, vault: Vault) -> tuple[bool, bool]:
    """(intact, valid) of the one signature, trusting only this vault's export certificate."""
    cert = asn1_x509.Certificate.load(load_export_key(vault).cert_der)
    reader = PdfFileReader(io.BytesIO(pdf))
    [sig] = reader.embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[cert]))
    return bool(status.intact), bool(status.valid)


@pytest.fixture(scope="module")
def shared_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One real vault for the read-only tests of this module (each adds its own case)."""
    vault, _ = Vault.create(
        tmp_path_factory.mktemp("complaint") / "vault",
        PASSPHRASE,
        params=FLOOR,
        clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC)),
    )
    try:
        yield vault
    finally:
        vault.lock()


@pytest.fixture(scope="module")
def built(shared_vault: Vault) -> tuple[Case, dict[str, bytes]]:
    case = populate(shared_vault, n_exhibits=3, n_sightings=2)
    docs = build_documents(
        shared_vault, case, bundle_id="bag-42", formats=("pdf", "docx", "txt")
    )
    return case, dict(docs)


@pytest.fixture
def documents(built: tuple[Case, dict[str, bytes]]) -> dict[str, bytes]:
    return built[1]


@pytest.fixture
def vault(shared_vault: Vault) -> Vault:
    return shared_vault


def test_build_documents_returns_signed_pdfs_and_editable_versions(
    documents: dict[str, bytes],
) -> None:
    assert sorted(documents) == [
        "complaint-ko.docx",
        "complaint-ko.pdf",
        "complaint-ko.txt",
        "incident-report-en.docx",
        "incident-report-en.pdf",
        "incident-report-en.txt",
    ]
    assert documents["complaint-ko.pdf"].startswith(b"%PDF-")


def test_signature_is_valid_in_pdfsig_and_pyhanko(
    vault: Vault, documents: dict[str, bytes], tmp_path: Path
) -> None:
    for name in ("complaint-ko.pdf", "incident-report-en.pdf"):
        path = tmp_path / name
        path.write_bytes(documents[name])
        result = pdfsig(path)
        assert result.returncode == 0, result.stderr
        assert "Signature is Valid." in result.stdout
        assert "Total document signed" in result.stdout
        assert _validate(documents[name], vault) == (True, True)
        assert all(row[-5] == "yes" for row in pdffonts(path))


def test_a_flipped_byte_makes_the_signature_invalid(
    vault: Vault, documents: dict[str, bytes], tmp_path: Path
) -> None:
    pdf = bytearray(documents["complaint-ko.pdf"])
    # Flip one byte inside the signed range: the text of a content stream near the start.
    at = pdf.index(b"stream", 200) + 20
    pdf[at] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(pdf))
    result = pdfsig(path)
    assert "Signature is Valid." not in result.stdout
    assert _validate(bytes(pdf), vault)[0] is False


def test_cover_carries_the_export_certificate_and_bundle(
    vault: Vault, documents: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(documents["complaint-ko.pdf"])
    cover = squash(pdftotext(path, first=1, last=1))
    assert squash(load_export_key(vault).fingerprint) in cover
    assert "bag-42" in cover


def test_exhibits_cite_the_vaults_numbers_and_hashes(
    vault: Vault, built: tuple[Case, dict[str, bytes]], tmp_path: Path
) -> None:
    case, documents = built
    items = repo.list_records(vault.db, EvidenceItem, case.id)
    assert len(items) == 5  # 3 originals + 2 downloaded re-uploads
    for name in ("complaint-ko.pdf", "incident-report-en.pdf"):
        path = tmp_path / name
        path.write_bytes(documents[name])
        text = squash(pdftotext(path))
        for item in items:
            assert item.sha256 in text
            number = squash(item.exhibit_ko) if name.startswith("complaint") else item.exhibit
            assert number in text
    ko = documents["complaint-ko.txt"].decode()
    assert "REQ-77" in ko and "협박죄" in ko  # the takedown and the chosen statute (형법 제283조)


def test_pseudonymous_by_default_and_real_name_only_when_asked(vault: Vault) -> None:
    case = populate(vault, n_exhibits=1, n_sightings=0)
    [(_, pseudo)] = build_documents(vault, case, langs=("ko",), formats=("txt",))
    assert "김안심 (가명)" in pseudo.decode() and "홍길순" not in pseudo.decode()
    with pytest.raises(ResidentNumberNeedsRealName):
        build_documents(
            vault, case, langs=("ko",), formats=("txt",), resident_number="9001012345678"
        )
    [(_, real)] = build_documents(
        vault, case, langs=("ko",), formats=("txt",), pseudonymous=False,
        resident_number="9001012345678",
    )
    assert "홍길순" in real.decode() and "900101-2345678" in real.decode()
    # The resident number was only passed through: nothing in the vault holds it.
    dump = "\n".join(vault.db.iterdump())
    assert "2345678" not in dump


def test_thumbnails_only_when_asked(vault: Vault) -> None:
    case = populate(vault, n_exhibits=2, n_sightings=0)
    [(_, plain)] = build_documents(vault, case, langs=("en",), formats=("docx",))
    [(_, thumbs)] = build_documents(
        vault, case, langs=("en",), formats=("docx",), include_thumbnails=True
    )
    assert b"word/media/" not in plain
    assert b"word/media/" in thumbs


def test_export_writes_a_new_file_and_logs_custody(vault: Vault, tmp_path: Path) -> None:
    case = populate(vault, n_exhibits=2, n_sightings=1)
    out = tmp_path / "draft.pdf"
    result = export_complaint(vault, case, out, lang="ko", station="서울강남경찰서")
    assert result.path == out and out.read_bytes().startswith(b"%PDF-")
    assert result.exhibits == 3 and result.signed
    last = vault.db.execute("SELECT action, details FROM custody ORDER BY seq DESC").fetchone()
    assert last[0] == "complaint_exported"
    details = json.loads(last[1])
    assert details["lang"] == "ko" and details["pseudonymous"] is True
    assert str(tmp_path) not in last[1]  # no local paths in the custody log
    with pytest.raises(OutputExists):
        export_complaint(vault, case, out, lang="ko")
    assert not list(tmp_path.glob(".*partial"))
    into_folder = export_complaint(vault, case, tmp_path, lang="en", fmt="txt")
    assert into_folder.path == tmp_path / "incident-report-en.txt"
    if os.name == "posix":
        assert (into_folder.path.stat().st_mode & 0o077) == 0  # private to the user
    with pytest.raises(OutputFolderMissing):
        export_complaint(vault, case, tmp_path / "missing" / "x.pdf", lang="ko")


def test_cli_complaint(cli_vault: Path, tmp_path: Path) -> None:
    image = tmp_path / "capture.png"
    image.write_bytes(png(7))
    r = run_cli("--vault", str(cli_vault), "add", str(image), "--passphrase-stdin",
                stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr

    pdf = tmp_path / "고소장.pdf"
    r = run_cli("--vault", str(cli_vault), "--lang", "ko", "complaint", "--out", str(pdf),
                "--station", "서울마포경찰서", "--json", "--passphrase-stdin",
                stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["signed"] is True
    assert "서울마포경찰서귀중" in squash(pdftotext(pdf))
    assert "Signature is Valid." in pdfsig(pdf).stdout

    # Never overwrites; a resident number needs the real-name version (refused before unlock).
    r = run_cli("--vault", str(cli_vault), "--lang", "en", "complaint", "--out", str(pdf),
                "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert r.returncode != 0 and "already exists" in r.stderr
    r = run_cli("--vault", str(cli_vault), "complaint", "--out", str(tmp_path / "x.pdf"),
                "--resident-number-prompt", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert r.returncode == 1 and "real-name" in r.stderr

    real = tmp_path / "real.txt"
    r = run_cli("--vault", str(cli_vault), "--lang", "ko", "complaint", "--out", str(real),
                "--real-name", "--resident-number-prompt", "--passphrase-stdin",
                stdin=PASSPHRASE + "\n900101-2345678\n")
    assert r.returncode == 0, r.stderr
    text = real.read_text(encoding="utf-8")
    assert "900101-2345678" in text and "3. 고소취지" in text


def test_build_documents_rejects_unknown_formats(vault: Vault) -> None:
    case = cases.create_case(vault, "빈 사건", pseudonym="가명")
    with pytest.raises(UnsupportedDocument):
        build_documents(vault, case, formats=("odt",))
    [(name, pdf)] = build_documents(vault, case, langs=("ko",))
    assert name == "complaint-ko.pdf" and pdf.startswith(b"%PDF-")
    assert not evidence.list_items(vault, case.id)
