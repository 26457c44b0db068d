"""Hash list export: PDQ lines for HMA, every hash in CSV, nothing else leaves."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image

from exporters.hashlists import export_hashlist, hash_rows
from tests._scan_server import Route, ScanServer, encode, photo
from vault import cases, evidence, sightings
from vault.errors import ExportError, InputRejected
from vault.fingerprints import ImageFingerprint
from vault.scanning import FetchPolicy, UrlListSource, run_scan
from vault.store import Vault


def _case(vault: Vault) -> tuple[str, list[str]]:
    case = cases.create_case(vault, "Hash list", "D")
    ids = []
    for name, data in (("secret-name-one.png", encode(photo(1), "PNG")),
                       ("secret-name-two.jpg", encode(photo(2))),
                       ("flat.png", encode(Image.new("RGB", (200, 200), (90, 90, 90)), "PNG"))):
        ids.append(evidence.add_stream(vault, io.BytesIO(data), case.id,
                                       original_name=name).item.id)
    return case.id, ids


def _pdq(vault: Vault, item_id: str) -> str:
    fp = evidence.fingerprint_of(vault, item_id)
    assert isinstance(fp, ImageFingerprint)
    return fp.pdq


def test_hma_lines_and_csv(vault: Vault, tmp_path: Path) -> None:
    case_id, ids = _case(vault)
    with ScanServer() as srv:
        srv.routes["/copy.jpg"] = Route(encode(photo(1).resize((320, 240))),
                                        headers={"Content-Type": "image/jpeg"})
        report = run_scan(vault, UrlListSource((srv.url("/copy.jpg"),)), case_id=case_id,
                          policy=FetchPolicy(per_host_interval_s=0.0))
    (found,) = report.sightings
    sightings.confirm(vault, found.id)

    hma = export_hashlist(vault, case_id, tmp_path / "list.txt", fmt="hma")
    lines = (tmp_path / "list.txt").read_text(encoding="utf-8").splitlines()
    expected = {f"pdq,{_pdq(vault, ids[0])}", f"pdq,{_pdq(vault, ids[1])}",
                f"pdq,{_pdq(vault, found.item_id)}"}
    assert set(lines) == expected and len(lines) == 3  # the flat picture's PDQ is unreliable
    assert hma.lines == 3 and hma.items == 4

    export_hashlist(vault, case_id, tmp_path / "list.csv", fmt="csv")
    text = (tmp_path / "list.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    items = {i.id: i for i in evidence.list_items(vault, case_id)}
    assert [(r["exhibit"], r["origin"]) for r in rows] == [
        ("E0001", "original"), ("E0002", "original"), ("E0003", "original"),
        (items[found.item_id].exhibit, "sighting")]
    assert rows[0]["sha256"] == items[ids[0]].sha256 and rows[0]["md5"] == items[ids[0]].md5
    assert rows[2]["pdq"] == "" and rows[1]["pdq"] == _pdq(vault, ids[1])
    for secret in ("secret-name", "flat.png", "Hash list", srv.url("/"), "127.0.0.1"):
        assert secret not in text and secret not in "\n".join(lines)
    logged = [a for (a,) in vault.db.execute("SELECT action FROM custody")]
    assert logged.count("hashes_exported") == 2


def test_unconfirmed_sightings_and_overwrites(vault: Vault, tmp_path: Path) -> None:
    case_id, _ids = _case(vault)
    assert [r.origin for r in hash_rows(vault, case_id)] == ["original"] * 3
    out = tmp_path / "h.txt"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists"):
        export_hashlist(vault, case_id, out)
    assert out.read_text(encoding="utf-8") == "keep me"
    with pytest.raises(InputRejected):
        export_hashlist(vault, case_id, tmp_path / "x", fmt="xml")
    empty = cases.create_case(vault, "Empty", "E")
    with pytest.raises(ExportError, match="no pictures"):
        export_hashlist(vault, empty.id, tmp_path / "e.txt")


def test_cli_offers_exactly_the_exporters_formats() -> None:
    from exporters.hashlists import FORMATS
    from ui.cli.scan_cmds import HASH_FORMATS

    assert HASH_FORMATS == FORMATS
