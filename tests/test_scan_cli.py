"""The scan commands through the real ``ansim`` entry point, against a loopback server."""

from __future__ import annotations

import json
from pathlib import Path

from tests._scan_server import Route, ScanServer, encode, photo
from tests.conftest import PASSPHRASE, run_cli

JPEG = {"Content-Type": "image/jpeg"}


def _cli(vault: Path, *args: str) -> str:
    r = run_cli("--vault", str(vault), *args, "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_scan_review_takedown_recheck_hashes(cli_vault: Path, tmp_path: Path) -> None:
    for seed in (1, 2):
        (tmp_path / f"mine{seed}.png").write_bytes(encode(photo(seed), "PNG"))
    _cli(cli_vault, "add", str(tmp_path / "mine1.png"), str(tmp_path / "mine2.png"))
    with ScanServer() as srv:
        srv.routes["/a.jpg"] = Route(encode(photo(1).resize((320, 240))), headers=JPEG)
        srv.routes["/b.jpg"] = Route(encode(photo(2), quality=50), headers=JPEG)
        srv.routes["/c.jpg"] = Route(encode(photo(60)), headers=JPEG)
        srv.routes["/page.html"] = Route(
            b"<img src='/a.jpg'><img src='/b.jpg'><img src='/c.jpg'><img src='/gone.jpg'>",
            headers={"Content-Type": "text/html"})
        listing = tmp_path / "urls.txt"
        listing.write_text(f"# found by a friend\n{srv.url('/page.html')}\n", encoding="utf-8")

        report = json.loads(_cli(cli_vault, "scan", "--urls", str(listing), "--json"))
        found = {Path(s["media_url"]).name: s for s in report["sightings"]}
        assert set(found) == {"a.jpg", "b.jpg"}
        assert found["a.jpg"]["matched_exhibit"] == "E0001"
        assert [e["code"] for e in report["errors"]] == ["http_status"]
        assert report["progress"]["checked"] == 4

        assert found["a.jpg"]["status"] == "needs_review"
        _cli(cli_vault, "confirm", found["a.jpg"]["id"])
        assert "not be raised again" in _cli(cli_vault, "--lang", "en", "reject",
                                             found["b.jpg"]["id"])

        td = json.loads(_cli(cli_vault, "takedown", "new", found["a.jpg"]["id"], "--to", "d4u",
                             "--channel", "email", "--json"))
        updated = json.loads(_cli(cli_vault, "takedown", "update", td["id"], "removed",
                                  "--ticket", "T-9", "--json"))
        assert [h["status"] for h in updated["history"]] == ["drafted", "removed"]
        notice = _cli(cli_vault, "takedown", "draft", td["id"], "--lang", "ko")
        assert "중앙디지털성범죄피해자지원센터" in notice and srv.url("/a.jpg") in notice
        # The picture comes back: the re-check says so and the takedown is 'reappeared'.
        checked = json.loads(_cli(cli_vault, "recheck", "--json"))
        assert [r["outcome"] for r in checked["rechecks"]] == ["online"]
        assert checked["reappeared"] == [td["id"]]

    out = tmp_path / "hashes.csv"
    said = _cli(cli_vault, "--lang", "en", "hashes", found["a.jpg"]["case_id"], "--out", str(out),
                "--format", "csv")
    assert "hashes only" in said
    assert out.read_text(encoding="utf-8").count("\n") == 1 + 3  # 2 originals + 1 confirmed


def test_scan_usage_errors_are_calm(cli_vault: Path, tmp_path: Path) -> None:
    bad = tmp_path / "urls.txt"
    bad.write_text("http://127.0.0.1/ok.jpg\nnot a url\n", encoding="utf-8")
    r = run_cli("--vault", str(cli_vault), "scan", "--urls", str(bad), "--passphrase-stdin",
                stdin=PASSPHRASE + "\n")
    assert r.returncode != 0 and "lines 2" in r.stderr and "Traceback" not in r.stderr


def test_quick_folder_scan_says_what_it_may_have_missed(cli_vault: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.png").write_bytes(encode(photo(3), "PNG"))
    _cli(cli_vault, "add", str(tmp_path / "mine.png"))
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "crop.jpg").write_bytes(encode(photo(3).crop((0, 0, 480, 360))))
    (folder / "small.jpg").write_bytes(encode(photo(3).resize((320, 240))))
    quick = json.loads(_cli(cli_vault, "scan", "--folder", str(folder), "--quick", "--json"))
    assert quick["mode"] == "quick"
    assert [s["media_url"] for s in quick["sightings"]] == ["small.jpg"]
    text = _cli(cli_vault, "--lang", "en", "scan", "--folder", str(folder), "--quick")
    assert "This was a quick scan" in text and "may have been missed" in text
    thorough = json.loads(_cli(cli_vault, "scan", "--folder", str(folder), "--json"))
    assert thorough["mode"] == "thorough" and thorough["already_known"] == 1
    assert [s["media_url"] for s in thorough["sightings"]] == ["crop.jpg"]
    assert "quick scan" not in _cli(cli_vault, "--lang", "en", "scan", "--folder", str(folder))
