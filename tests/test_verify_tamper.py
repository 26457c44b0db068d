"""Tamper matrix: each change to a sealed bundle is caught by the tools that should catch it.

For every tampering, ``ansim verify`` (on the folder and on a zip of it) names the problem,
``sha256sum -c`` on each manifest and ``openssl cms -verify`` pass or fail exactly where they
should, and the script in ``verify/`` fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from exporters.bundle import verify_bundle
from exporters.bundle.deterministic_zip import zip_bag
from tests.conftest import run_cli
from tests.test_bundle_fixtures import (
    Sealed,
    copy_bag,
    openssl_verify,
    run_script,
    sha256sum_check,
    shared_seal,
    tools_only_path,
)
from vault.signing import make_export_key

PHOTO = "data/evidence/E0001/사진 1.jpg"
VIDEO = "data/evidence/E0002/clip.mp4"
ITEM = "data/evidence/E0002/item.json"


def other_certificate_pem() -> bytes:
    return make_export_key("cd" * 16).cert_pem


def flip_byte(path: Path, offset: int = -20) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def change_tagmanifest(bag: Path) -> None:
    path = bag / "tagmanifest-sha256.txt"
    text = path.read_text("utf-8")
    first = text[0]
    path.write_text(("0" if first != "0" else "1") + text[1:], "utf-8")


@dataclass(frozen=True)
class Tamper:
    change: Callable[[Path], object]
    problems: frozenset[tuple[str, str]]  # (code, path) that ansim verify must report
    manifest_ok: bool
    tagmanifest_ok: bool
    openssl_ok: bool


TAMPERS: dict[str, Tamper] = {
    "original_byte": Tamper(
        lambda b: flip_byte(b / PHOTO),
        frozenset({("changed", PHOTO), ("item_mismatch", PHOTO)}),
        manifest_ok=False, tagmanifest_ok=True, openssl_ok=True,
    ),
    "item_json": Tamper(
        lambda b: edit_text(b / ITEM, '"mime": "', '"mime": "x'),
        frozenset({("changed", ITEM)}),
        manifest_ok=False, tagmanifest_ok=True, openssl_ok=True,
    ),
    "bag_info": Tamper(
        lambda b: edit_text(b / "bag-info.txt", "Ansim-Items: 4", "Ansim-Items: 3"),
        frozenset({("changed", "bag-info.txt")}),
        manifest_ok=True, tagmanifest_ok=False, openssl_ok=True,
    ),
    "tagmanifest": Tamper(
        change_tagmanifest,
        frozenset({("signature_invalid", "tagmanifest-sha256.txt.p7s")}),
        manifest_ok=True, tagmanifest_ok=False, openssl_ok=False,
    ),
    "signature": Tamper(
        lambda b: flip_byte(b / "tagmanifest-sha256.txt.p7s", -5),
        frozenset({("signature_invalid", "tagmanifest-sha256.txt.p7s")}),
        manifest_ok=True, tagmanifest_ok=True, openssl_ok=False,
    ),
    "removed_file": Tamper(
        lambda b: (b / VIDEO).unlink(),
        frozenset({("missing", VIDEO)}),
        manifest_ok=False, tagmanifest_ok=True, openssl_ok=True,
    ),
    "added_file": Tamper(
        lambda b: (b / "data/evidence/E0002/extra.jpg").write_bytes(b"planted"),
        frozenset({("extra", "data/evidence/E0002/extra.jpg")}),
        manifest_ok=True, tagmanifest_ok=True, openssl_ok=True,
    ),
    "renamed_file": Tamper(
        lambda b: (b / VIDEO).rename(b / "data/evidence/E0002/clip-2.mp4"),
        frozenset({("renamed", VIDEO)}),
        manifest_ok=False, tagmanifest_ok=True, openssl_ok=True,
    ),
    "added_tag_file": Tamper(
        lambda b: (b / "verify/README-first.txt").write_text("trust me", "utf-8"),
        frozenset({("unsigned_file", "verify/README-first.txt")}),
        manifest_ok=True, tagmanifest_ok=True, openssl_ok=True,
    ),
    "replaced_certificate": Tamper(
        lambda b: (b / "verify/ansim-export-certificate.pem").write_bytes(other_certificate_pem()),
        frozenset(
            {
                ("changed", "verify/ansim-export-certificate.pem"),
                ("fingerprint_recorded", "bag-info.txt"),
            }
        ),
        manifest_ok=True, tagmanifest_ok=False, openssl_ok=False,
    ),
    "removed_signature": Tamper(
        lambda b: (b / "tagmanifest-sha256.txt.p7s").unlink(),
        frozenset({("unsigned", "tagmanifest-sha256.txt.p7s")}),
        manifest_ok=True, tagmanifest_ok=True, openssl_ok=False,
    ),
}


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    return shared_seal(tmp_path_factory)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tools_only_path(tmp_path_factory.mktemp("bin"))


def _found(bundle: Path) -> set[tuple[str, str]]:
    report = verify_bundle(bundle)
    assert not report.ok
    return {(p.code, p.path) for p in report.problems}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampering_is_caught_where_it_should_be(
    name: str, sealed: Sealed, tools: Path, tmp_path: Path
) -> None:
    tamper = TAMPERS[name]
    bag = copy_bag(sealed.bag, tmp_path)
    tamper.change(bag)

    found = _found(bag)
    assert tamper.problems <= found, found
    zipped = tmp_path / "tampered.zip"
    zip_bag(bag, zipped, bag.name)
    assert tamper.problems <= _found(zipped)

    assert (sha256sum_check(bag, "manifest-sha256.txt").returncode == 0) == tamper.manifest_ok
    assert (sha256sum_check(bag, "tagmanifest-sha256.txt").returncode == 0) == (
        tamper.tagmanifest_ok
    )
    assert (openssl_verify(bag).returncode == 0) == tamper.openssl_ok

    script = run_script(bag, tools)
    assert script.returncode == 1, script.stdout
    assert "RESULT: the bundle FAILED verification" in script.stdout
    assert script.stdout.count("FAIL  ") >= 1


def test_several_problems_are_all_reported(sealed: Sealed, tmp_path: Path) -> None:
    bag = copy_bag(sealed.bag, tmp_path)
    names = ("original_byte", "removed_file", "added_file", "bag_info", "signature")
    for name in names:
        TAMPERS[name].change(bag)
    found = _found(bag)
    for name in names:
        assert TAMPERS[name].problems <= found, name


def test_expected_fingerprint_mismatch_is_a_problem(sealed: Sealed) -> None:
    report = verify_bundle(sealed.bag, expected_fingerprint="AA:BB")
    assert [p.code for p in report.problems] == ["fingerprint_expected"]
    good = verify_bundle(sealed.bag, expected_fingerprint=sealed.result.cert_fingerprint.lower())
    assert good.ok


def test_cli_names_each_problem_in_korean_and_exits_nonzero(sealed: Sealed, tmp_path: Path) -> None:
    bag = copy_bag(sealed.bag, tmp_path)
    TAMPERS["renamed_file"].change(bag)
    TAMPERS["bag_info"].change(bag)
    result = run_cli("verify", str(bag), "--lang", "ko")
    assert result.returncode != 0
    assert "검증 실패" in result.stdout
    assert "이름이 바뀜: data/evidence/E0002/clip.mp4 → data/evidence/E0002/clip-2.mp4" in (
        result.stdout
    )
    assert "봉인 후 변경됨(해시 불일치): bag-info.txt" in result.stdout
    report = verify_bundle(bag).to_json("en")
    assert report["ok"] is False
    problems = report["problems"]
    assert isinstance(problems, list)
    codes = {p["code"] for p in problems}
    assert codes >= {"renamed", "changed"}


def test_files_an_os_drops_into_folders_are_named_but_do_not_fail(
    sealed: Sealed, tools: Path, tmp_path: Path
) -> None:
    bag = copy_bag(sealed.bag, tmp_path)
    (bag / "data/evidence/E0001/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (bag / "._bag-info.txt").write_bytes(b"AppleDouble")
    (bag / "verify/Thumbs.db").write_bytes(b"thumbs")
    report = verify_bundle(bag)
    assert report.ok, report.problems
    assert report.ignored == (
        "._bag-info.txt",
        "data/evidence/E0001/.DS_Store",
        "verify/Thumbs.db",
    )
    script = run_script(bag, tools)
    assert script.returncode == 0, script.stdout
    assert "ignored (made by the operating system)" in script.stdout
    # A file with the name of real evidence is never waved through.
    (bag / "data/evidence/E0001/photo.DS_Store").write_bytes(b"planted")
    assert not verify_bundle(bag).ok


CUSTODY = "data/custody/custody-log.jsonl"


def _rehash_manifests(bag: Path) -> None:
    """Make ``sha256sum -c`` pass again after an edit, as a careful forger would: only the
    signature (and the custody chain) can still tell."""
    import hashlib

    for manifest, entry in (("manifest-sha256.txt", CUSTODY),
                            ("tagmanifest-sha256.txt", "manifest-sha256.txt")):
        digest = hashlib.sha256((bag / entry).read_bytes()).hexdigest()
        lines = (bag / manifest).read_text("utf-8").splitlines()
        lines = [f"{digest}  {entry}" if line.endswith(f"  {entry}") else line for line in lines]
        (bag / manifest).write_text("\n".join(lines) + "\n", "utf-8")


def _drop_last(lines: list[str]) -> list[str]:
    return lines[:-1]


def _edit_middle(lines: list[str]) -> list[str]:
    assert '"action":"imported"' in lines[1]
    return [lines[0], lines[1].replace('"action":"imported"', '"action":"viewed"'), *lines[2:]]


def _swap(lines: list[str]) -> list[str]:
    return [lines[1], lines[0], *lines[2:]]


@pytest.mark.parametrize("edit,broken", [(_drop_last, ""), (_edit_middle, " 2"),
                                         (_swap, " 1 2 3")])
def test_script_recomputes_the_custody_chain(
    edit: Callable[[list[str]], list[str]], broken: str, sealed: Sealed, tools: Path,
    tmp_path: Path,
) -> None:
    good = run_script(sealed.bag, tools)
    lines = (sealed.bag / CUSTODY).read_text("utf-8").splitlines()
    assert len(lines) >= 3
    assert f"OK    custody chain recomputed: {len(lines)} entries" in good.stdout, good.stdout

    bag = copy_bag(sealed.bag, tmp_path)
    (bag / CUSTODY).write_text("\n".join(edit(lines)) + "\n", "utf-8")
    _rehash_manifests(bag)
    assert sha256sum_check(bag, "manifest-sha256.txt").returncode == 0
    assert sha256sum_check(bag, "tagmanifest-sha256.txt").returncode == 0
    script = run_script(bag, tools)
    assert script.returncode == 1
    assert "FAIL  custody chain does not recompute" in script.stdout, script.stdout
    assert "FAIL  signature does not verify" in script.stdout
    if broken:
        assert f"lines that do not chain / 연결이 끊긴 줄:{broken}\n" in script.stdout
    else:
        assert "last hash differs from Ansim-Custody-Head" in script.stdout
        assert f"{len(lines) - 1} entries, bag-info.txt says {len(lines)}" in script.stdout
    codes = {p.code for p in verify_bundle(bag).problems}
    assert "signature_invalid" in codes and any(c.startswith("custody_") for c in codes), codes


def test_a_signature_outside_its_certificates_validity_is_a_problem(
    sealed: Sealed, tmp_path: Path
) -> None:
    """Re-sealed consistently (certificate, bag-info fingerprint, tag manifest, signature) with a
    key whose certificate is only valid from 2100: every hash and the signature check out, but
    the signing time lies outside the certificate's validity, and that is reported."""
    import datetime as dt
    import hashlib

    from exporters.bundle.cms import sign_detached

    bag = copy_bag(sealed.bag, tmp_path)
    future = make_export_key("ef" * 16, dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    edit_text(bag / "bag-info.txt", sealed.result.cert_fingerprint, future.fingerprint)
    (bag / "verify/ansim-export-certificate.pem").write_bytes(future.cert_pem)
    lines = (bag / "tagmanifest-sha256.txt").read_text("utf-8").splitlines()
    out = []
    for line in lines:
        digest, name = line.split("  ", 1)
        out.append(f"{hashlib.sha256((bag / name).read_bytes()).hexdigest()}  {name}")
    (bag / "tagmanifest-sha256.txt").write_text("\n".join(out) + "\n", "utf-8")
    (bag / "tagmanifest-sha256.txt.p7s").write_bytes(
        sign_detached(future, (bag / "tagmanifest-sha256.txt").read_bytes()))

    report = verify_bundle(bag)
    assert [(p.code, p.path) for p in report.problems] == [
        ("certificate_not_valid_then", "verify/ansim-export-certificate.pem")
    ]
    (problem,) = report.problems
    assert problem.detail.startswith(str(dt.datetime.now(dt.UTC).year))
    assert "outside the period its certificate is valid for" in problem.text("en")
    assert "유효 기간 밖" in problem.text("ko")
    assert openssl_verify(bag).returncode != 0  # openssl refuses a certificate not yet valid
    good = verify_bundle(sealed.bag)
    assert good.ok, good.problems
