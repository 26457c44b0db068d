"""Scans, re-checks, takedowns, hash lists and the CLI tell their failures in the person's
language. Every failure is real: a closed port, a loopback server answering 404 / 403, a file
that is already there, an id that does not exist. Nothing is mocked."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests._scan_server import Route, ScanServer, encode, photo
from tests.conftest import PASSPHRASE, REPO, run_cli
from tests.test_error_messages import assert_all_korean, assert_no_korean
from vault import cases, i18n, takedowns
from vault.errors import AnsimError, InputRejected
from vault.scanning.fetcher import FetchFailed, status_kind
from vault.store import Vault, is_vault

pytestmark = pytest.mark.timeout(300)


def cli(vault: Path, lang: str, *args: str) -> tuple[int, str, str]:
    r = run_cli("--vault", str(vault), "--lang", lang, "--passphrase-stdin", *args,
                stdin=PASSPHRASE + "\n")
    return r.returncode, r.stdout, r.stderr


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released without listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def with_picture(cli_vault: Path, tmp_path: Path) -> Path:
    (tmp_path / "mine.png").write_bytes(encode(photo(7), "PNG"))
    code, _out, err = cli(cli_vault, "en", "add", str(tmp_path / "mine.png"))
    assert code == 0, err
    return cli_vault


def _case_id(vault: Path) -> str:
    code, out, err = cli(vault, "en", "case", "list", "--json")
    assert code == 0, err
    (case,) = json.loads(out)
    return str(case["id"])


# ------------------------------------------------------------------ through the real CLI
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_show_an_id_that_does_not_exist(cli_vault: Path, lang: str) -> None:
    code, _out, err = cli(cli_vault, lang, "show", "NOSUCHID")
    assert code == 5, err
    assert i18n.t("error.what.no_id", lang, ref="NOSUCHID") in err
    if lang == "ko":
        assert "보관함에 ID가 'NOSUCHID'인 것이 없습니다." in err
        assert_all_korean(err)
    else:
        assert "Nothing in the vault has the id 'NOSUCHID'." in err
        assert_no_korean(err)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_scan_of_unreachable_addresses_reports_each_reason(
    with_picture: Path, tmp_path: Path, lang: str
) -> None:
    with ScanServer() as srv:
        srv.routes["/gone.jpg"] = Route(b"", status=404)
        srv.routes["/private.jpg"] = Route(b"", status=403)
        dead = f"http://127.0.0.1:{_closed_port()}/x.jpg"
        listing = tmp_path / "urls.txt"
        listing.write_text(f"{dead}\n{srv.url('/gone.jpg')}\n{srv.url('/private.jpg')}\n",
                           encoding="utf-8")
        code, out, err = cli(with_picture, lang, "scan", "--urls", str(listing), "--timeout", "30")
        urls = (dead, srv.url("/gone.jpg"), srv.url("/private.jpg"))
    assert code == 0, err
    cat = i18n.catalog(lang)
    if lang == "ko":  # the per-address sentences of the scan report (scan.issue.<code>)
        assert cat["scan.issue.unreachable"] in out
        assert i18n.t("scan.issue.http_status", lang, status=404) in out
        assert i18n.t("scan.issue.http_status", lang, status=403) in out
    else:  # the raise site's own sentence, which is also the English catalog text
        assert i18n.t("error.what.fetch.http.not_there", lang, status=404) in out
        assert i18n.t("error.what.fetch.http.refused", lang, status=403) in out
    # the lines about the three addresses, without the addresses (they are the person's own)
    lines = [line for line in out.splitlines() if any(u in line for u in urls)]
    assert len(lines) == 3, out
    text = "\n".join(lines)
    for u in urls:
        text = text.replace(u, "")
    if lang == "ko":
        assert_all_korean(text)
    else:
        assert "could not be reached" in text
        assert_no_korean(out)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_hash_list_never_overwrites(with_picture: Path, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "hashes.csv"
    out.write_text("kept\n", encoding="utf-8")
    code, _out, err = cli(with_picture, lang, "hashes", _case_id(with_picture), "--out", str(out),
                          "--format", "csv")
    assert code != 0
    assert out.read_text(encoding="utf-8") == "kept\n"
    assert i18n.t("error.what.output_exists", lang) in err
    assert i18n.t("error.next.output_exists", lang) in err
    if lang == "ko":
        assert_all_korean(err)
    else:
        assert "never overwrites" in err
        assert_no_korean(err)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_scan_refusals_before_anything_is_fetched(
    cli_vault: Path, tmp_path: Path, lang: str
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("http://127.0.0.1/ok.jpg\nnot a url\nftp://x/\n", encoding="utf-8")
    refusals = [
        ("scan", "--urls", str(tmp_path / "no-such-list.txt")),  # the list is not there
        ("scan", "--urls", str(listing)),  # lines 2 and 3 are not web addresses
        ("scan", "--folder", str(tmp_path / "no-such-folder")),
        ("scan", "--urls", str(listing), "--timeout", "0"),
    ]
    for args in refusals:
        code, _out, err = cli(cli_vault, lang, *args)
        assert code != 0, args
        assert "Traceback" not in err
        if lang == "ko":
            assert_all_korean(err)
        else:
            assert_no_korean(err)
    code, _out, err = cli(cli_vault, lang, "scan", "--urls", str(listing))
    assert i18n.t("error.what.url_list_bad_lines", lang, lines="2, 3") in err


def test_an_empty_passphrase_is_refused_in_korean(vault_path: Path) -> None:
    r = run_cli("--vault", str(vault_path), "--lang", "ko", "--passphrase-stdin", "init",
                stdin="\n\n")
    assert r.returncode != 0
    assert i18n.t("error.what.passphrase_empty", "ko") in r.stderr
    assert_all_korean(r.stderr)
    assert not is_vault(vault_path)


# ------------------------------------------------------------------ the use cases themselves
def test_takedown_refusals_are_translated(vault: Vault) -> None:
    case = cases.create_case(vault, "Case")
    refusals: list[AnsimError] = []
    calls: tuple[Callable[[], object], ...] = (
        lambda: takedowns.new_takedown(vault, case.id, ["x"], " ", "email"),
        lambda: takedowns.new_takedown(vault, case.id, [], "d4u", "email"),
        lambda: takedowns.update_takedown(vault, "x", "nonsense"),
    )
    for call in calls:
        with pytest.raises(InputRejected) as info:
            call()
        refusals.append(info.value)
    for exc in refusals:
        assert exc.key, exc
        title, what, nxt = i18n.error_text(exc, "ko")
        assert_all_korean("\n".join((title, what.split(":")[0], nxt)))
        assert i18n.error_text(exc, "en")[1] == exc.what  # English is the raise site's sentence


_FETCH_SOURCES = ("vault/scanning/fetcher.py", "vault/scanning/crawl.py",
                  "vault/scanning/recheck.py")


def test_every_fetch_failure_has_text_in_both_languages() -> None:
    src = "\n".join((REPO / f).read_text(encoding="utf-8") for f in _FETCH_SOURCES)
    reasons = set(re.findall(r'FetchFailed\(\s*"([a-z_]+)"', src))
    keys = set(re.findall(r'key="(fetch\.[a-z_.]+)"', src))
    assert {"off_site", "timeout", "unreachable", "too_large", "http_status"} <= reasons
    wanted = {f"error.what.fetch.{r}" for r in reasons - {"http_status"}}
    wanted |= {f"error.what.{k}" for k in keys}
    wanted |= {f"error.what.fetch.http.{status_kind(s)}" for s in (404, 403, 451, 429, 503, 418)}
    for lang in i18n.LANGS:
        assert sorted(k for k in wanted if k not in i18n.catalog(lang)) == [], lang


@pytest.mark.parametrize("status", [404, 410, 401, 403, 451, 429, 500, 503, 418])
def test_http_sentences_match_the_english_catalog(status: int) -> None:
    from vault.scanning.fetcher import _status_sentence

    exc = FetchFailed("http_status", _status_sentence(status), status=status,
                      key=f"fetch.http.{status_kind(status)}")
    assert i18n.error_text(exc, "en")[1] == exc.what
    assert str(status) in i18n.error_text(exc, "ko")[1]
    assert_all_korean(i18n.error_text(exc, "ko")[1])


def test_too_large_names_the_limit_in_both_languages() -> None:
    from vault.scanning.fetcher import _mib, _too_large

    cap = 3 * 1024 * 1024
    exc = FetchFailed("too_large", _too_large(cap), mib=_mib(cap))
    assert i18n.error_text(exc, "en")[1] == exc.what
    assert "3 MiB" in i18n.error_text(exc, "ko")[1]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_folder_scan_of_a_wrong_path_says_what_to_check(
    with_picture: Path, tmp_path: Path, lang: str
) -> None:
    """A mistyped folder, or a file given as the folder: said plainly, with what to do."""
    for target, key in ((tmp_path / "no-such-folder", "folder_missing"),
                        (tmp_path / "mine.png", "folder_is_file")):
        code, _out, err = cli(with_picture, lang, "scan", "--folder", str(target))
        assert code != 0 and "Traceback" not in err
        assert i18n.t(f"error.what.{key}", lang) in err
        assert i18n.t(f"error.next.{key}", lang) in err
        assert i18n.t("error.InputRejected.title", lang) not in err  # not "this file ..."
        if lang == "ko":
            assert_all_korean(err)
        else:
            assert_no_korean(err)
