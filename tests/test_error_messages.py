"""Real failures, told in the person's language: the CLI with ``--lang ko`` prints the title, what
happened and what to do next in Korean with no English sentence left, and with ``--lang en`` in
English. Every failure here is real (a wrong passphrase, a damaged file inside the vault, a disk
that reports it is full, a file that vanished, a tampered bundle); nothing is mocked except the
one operating-system call that reports the full disk."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import PASSPHRASE, REPO, run_cli
from vault import i18n, repo
from vault.errors import (
    AnsimError,
    InputRejected,
    Sentence,
    StorageFull,
    ValueRejected,
    VaultDamaged,
    WrongSecret,
)
from vault.records import EvidenceItem, Note
from vault.store import HEADER_FILES, Vault

pytestmark = pytest.mark.timeout(300)

# Three or more Latin words in a row is an English sentence (or the rest of one). Quoted
# commands ('ansim check') and option names (--passphrase-stdin) are not sentences.
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;()]+[A-Za-z]{2,}){2,}")
_QUOTED = re.compile(r"'[^']*'|--[a-z-]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def english_left(text: str) -> list[str]:
    return _ENGLISH_RUN.findall(_QUOTED.sub("", text))


def assert_all_korean(text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was printed"
    assert english_left(text) == [], text
    for line in lines:
        assert _HANGUL.search(line), line


def assert_no_korean(text: str) -> None:
    assert text.strip()
    assert not _HANGUL.search(text), text


def cli(vault: Path, lang: str, *args: str, stdin: str = PASSPHRASE + "\n") -> tuple[int, str]:
    r = run_cli("--vault", str(vault), "--lang", lang, "--passphrase-stdin", *args, stdin=stdin)
    return r.returncode, r.stderr


def expected(exc: AnsimError, lang: str) -> tuple[str, str, str]:
    return i18n.error_text(exc, lang)


def _picture(path: Path) -> Path:
    Image.new("RGB", (48, 32), (120, 30, 30)).save(path)
    return path


@pytest.fixture
def with_item(cli_vault: Path, tmp_path: Path) -> Path:
    r = run_cli("--vault", str(cli_vault), "--passphrase-stdin", "add",
                str(_picture(tmp_path / "photo.png")), stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr
    return cli_vault


# ------------------------------------------------------------------ real failures, both languages
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_wrong_passphrase(cli_vault: Path, lang: str) -> None:
    code, err = cli(cli_vault, lang, "list", stdin="not the passphrase\n")
    assert code == 3
    title, _what, nxt = expected(WrongSecret(), lang)
    assert title in err and nxt in err
    if lang == "ko":
        assert_all_korean(err)
    else:
        assert "does not open this vault" in err
        assert_no_korean(err)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_damaged_stored_file(with_item: Path, tmp_path: Path, lang: str) -> None:
    with Vault.open(with_item, PASSPHRASE) as v:  # the original's blob, not its fingerprint's
        (item,) = repo.list_records(v.db, EvidenceItem)
        assert item.blob is not None
        blob = with_item / "blobs" / item.blob.blob_id[:2] / item.blob.blob_id
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0x01
    blob.write_bytes(bytes(data))

    code, err = cli(with_item, lang, "extract", "E0001", "--out", str(tmp_path / f"out-{lang}"))
    assert code == 4
    assert not (tmp_path / f"out-{lang}").exists()
    cat = i18n.catalog(lang)
    assert cat["error.VaultDamaged.title"] in err
    assert cat["error.part.blob"] in err
    assert cat["error.what.blob_tampered"] in err
    assert cat["error.VaultDamaged.next"] in err

    check = run_cli("--vault", str(with_item), "--lang", lang, "--passphrase-stdin", "check",
                    stdin=PASSPHRASE + "\n")
    assert check.returncode == 4
    assert cat["error.what.blob_tampered"] in check.stdout
    if lang == "ko":
        assert_all_korean(err)
        assert_all_korean(check.stdout)
    else:
        assert "Affected: a stored file." in err
        assert_no_korean(err + check.stdout)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_both_headers_damaged(cli_vault: Path, lang: str) -> None:
    for name in HEADER_FILES:
        data = bytearray((cli_vault / name).read_bytes())
        data[200] ^= 0xFF
        (cli_vault / name).write_bytes(bytes(data))
    code, err = cli(cli_vault, lang, "list")
    assert code == 4
    cat = i18n.catalog(lang)
    # the reason of each copy is translated inside the sentence about both copies
    assert cat["error.what.header_checksum"] in err
    assert cat["error.part.header"] in err
    if lang == "ko":
        assert_all_korean(err)
    else:
        assert "Neither copy of the vault header can be read." in err
        assert_no_korean(err)


_FULL_DISK = (
    "import errno, os, sys\n"
    "def _full(fd):\n"
    "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
    "os.fsync = _full\n"
    "from ui.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_full_disk(cli_vault: Path, lang: str) -> None:
    """The real CLI in a process whose ``os.fsync`` reports a full disk."""
    r = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "--vault", str(cli_vault), "--lang", lang,
         "--passphrase-stdin", "note", "a note that cannot be saved"],
        input=PASSPHRASE + "\n", capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert r.returncode == 7, r.stderr
    title, what, nxt = expected(StorageFull("", key="disk_full"), lang)
    assert title in r.stderr and what in r.stderr and nxt in r.stderr
    if lang == "ko":
        assert_all_korean(r.stderr)
    else:
        assert "no free space left on the disk" in r.stderr
        assert_no_korean(r.stderr)
    with Vault.open(cli_vault, PASSPHRASE) as v:  # nothing was lost or half-written
        from vault import repo

        assert repo.list_records(v.db, Note) == []
        assert v.check().ok


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_file_vanished_before_import(cli_vault: Path, tmp_path: Path, lang: str) -> None:
    kept = _picture(tmp_path / "kept.png")
    gone = _picture(tmp_path / "gone.png")
    gone.unlink()
    r = run_cli("--vault", str(cli_vault), "--lang", lang, "--passphrase-stdin", "add",
                str(kept), str(gone), stdin=PASSPHRASE + "\n")
    out = r.stdout + r.stderr
    assert r.returncode == 1
    assert i18n.t("evidence.why.missing", lang) in out
    # the name the person chose is shown (it is theirs), the rest is their language
    text = out.replace("kept.png", "").replace("gone.png", "")
    if lang == "ko":
        assert_all_korean(text)
    else:
        assert "not there any more" in out
        assert_no_korean(text)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_tampered_bundle(with_item: Path, tmp_path: Path, lang: str) -> None:
    out_dir = tmp_path / "bundles"
    r = run_cli("--vault", str(with_item), "--passphrase-stdin", "export", "--out", str(out_dir),
                "--no-complaint", stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr
    (bag,) = out_dir.iterdir()
    (original,) = [p for p in (bag / "data" / "evidence" / "E0001").iterdir()
                   if p.name != "item.json"]
    original.write_bytes(original.read_bytes() + b"x")

    v = run_cli("--lang", lang, "verify", str(bag))
    assert v.returncode == 4
    marker = i18n.catalog(lang)["export.cli.verify_failed"].split("{")[0]
    problems = v.stdout.split(marker)[1]
    problems = problems.replace(original.relative_to(bag).as_posix(), "")
    if lang == "ko":
        assert_all_korean(problems)
    else:
        assert_no_korean(problems)

    missing = run_cli("--lang", lang, "verify", str(tmp_path / "no-such-bundle"))
    assert missing.returncode != 0
    if lang == "ko":
        assert_all_korean(missing.stderr)
    else:
        assert_no_korean(missing.stderr)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_typed_values_refused(cli_vault: Path, lang: str) -> None:
    for args in (
        ("add-link", "https://example.org/a b"),
        ("add-link", "https://example.org/a", "--seen-at", "yesterday evening"),
        ("case", "show", "ZZZZZZ"),
    ):
        code, err = cli(cli_vault, lang, *args)
        assert code != 0, args
        if lang == "ko":
            assert_all_korean(err)
        else:
            assert_no_korean(err)
    code, err = cli(cli_vault, lang, "add-link", "https://example.org/a", "--seen-at", "later")
    assert expected(ValueRejected(), lang)[0] in err
    assert i18n.t("error.word.seen_at", lang) in err


# ------------------------------------------------------------------ the mechanism itself
def test_without_a_key_the_english_text_is_kept() -> None:
    exc = InputRejected("Something specific happened.", next_step="Do this specific thing.")
    assert i18n.error_text(exc, "ko") == (
        i18n.t("error.InputRejected.title", "ko"),
        "Something specific happened.",
        "Do this specific thing.",
    )


def test_a_key_translates_what_and_next_with_parameters() -> None:
    exc = ValueRejected(
        "When you saw it was not understood.",
        next_step="Write it like 2024-03-01 or 2024-03-01 21:15 (optionally +09:00).",
        key="date_not_understood",
        field_key="seen_at",
    )
    assert str(exc).startswith("That could not be accepted. When you saw it was not understood.")
    title, what, nxt = i18n.error_text(exc, "ko")
    assert what == i18n.t("error.what.date_not_understood", "ko", field="본 날짜와 시각")
    assert nxt == i18n.t("error.next.date_not_understood", "ko")
    assert i18n.error_text(exc, "en") == (exc.title, exc.what, exc.next_step)
    assert isinstance(exc, InputRejected)  # callers catching InputRejected still catch it


def test_damage_names_the_part_in_the_language() -> None:
    exc = VaultDamaged("evidence item E0003", "The stored copy does not match the hash "
                       "recorded when it was added.", key="exhibit_hash", part_key="exhibit",
                       exhibit="E0003")
    assert exc.part == "evidence item E0003"
    assert i18n.error_text(exc, "en")[1] == exc.what
    assert i18n.error_text(exc, "ko")[1].startswith("영향을 받은 부분: 증거 E0003.")


def test_a_subclass_reusing_its_parents_sentence_is_translated() -> None:
    from vault.collect.folder import FileRejected

    exc = FileRejected("empty", "The file is empty (0 bytes); there is nothing to keep.")
    title, what, nxt = i18n.error_text(exc, "ko")
    assert (title, what) == (i18n.t("error.InputRejected.title", "ko"),
                             i18n.t("error.what.file.empty", "ko"))
    assert _HANGUL.search(nxt)


def test_sentence_is_a_string_that_knows_its_translation() -> None:
    s = Sentence("entry 4 was changed after it was written", "error.what.chain_changed", seq=4)
    assert s == "entry 4 was changed after it was written"
    assert i18n.sentence(s, "ko") == "4번 기록이 작성된 뒤에 바뀌었습니다"
    assert i18n.sentence("plain text", "ko") == "plain text"


# ------------------------------------------------------------------ every key used exists
_OWNED = [
    "vault/store.py", "vault/header.py", "vault/durable.py", "vault/device.py", "vault/custody.py",
    "vault/evidence.py", "vault/cases.py", "vault/notes.py", "vault/links.py", "vault/repo.py",
    "vault/signing.py", "ui/cli/common.py", "vault/takedowns.py", "ui/cli/evidence_cmds.py",
    "ui/cli/scan_cmds.py", "ui/cli/vault_cmds.py", "ui/cli/export_cmds.py",
    "ui/cli/complaint_cmds.py", "ui/cli/demo_cmds.py", *sorted(
        str(p.relative_to(REPO)) for d in ("vault/crypto", "vault/collect", "exporters/bundle",
                                           "exporters/complaint", "vault/scanning",
                                           "exporters/hashlists") for p in (REPO / d).glob("*.py")
    ),
]


def _sources() -> str:
    return "\n".join((REPO / f).read_text(encoding="utf-8") for f in _OWNED)


def test_every_key_a_raise_site_names_is_in_both_catalogs() -> None:
    src = _sources()
    wanted = {f"error.what.{k}" for k in re.findall(r'\bkey="([a-z_.]+)"', src)}
    wanted |= {f"error.part.{k}" for k in re.findall(r'\bpart_key="([a-z_]+)"', src)}
    wanted |= {f"error.what.file.{r}" for r in re.findall(r'FileRejected\(\s*"([a-z_]+)"', src)}
    wanted |= set(re.findall(r'"(error\.(?:what|part)\.[a-z_.]+)"', src))
    wanted |= {f"error.word.cms.{r}" for r in re.findall(r'CmsInvalid\("([a-z_]+)"\)', src)}
    from vault import notes, repo
    from vault.collect import dates

    words = {*dates._FIELD_WORDS.values(), *notes._FIELD_WORDS.values(), *repo._NAMES.values()}
    wanted |= {f"error.word.{w}" for w in words}
    assert len(wanted) > 80
    for lang in i18n.LANGS:
        assert sorted(k for k in wanted if k not in i18n.catalog(lang)) == [], lang


def test_english_catalog_matches_the_raise_site_wording() -> None:
    """The English catalog text is the sentence written at the raise site, so logs, ``str(exc)``
    and the English screen say the same thing."""
    src = " ".join(_sources().split())
    en = i18n.catalog("en")
    for key, text in en.items():
        if key.startswith("error.what.") and "{" not in text:
            assert f'"{text}"' in src or text[:40] in src, key


def test_a_failure_carried_in_a_result_is_translated_by_the_front_end() -> None:
    from vault.errors import NetworkError

    exc = NetworkError("The timestamp server could not be reached.", key="tsa_unreachable")
    carried = exc.as_sentence()
    assert carried == "The timestamp server could not be reached."
    assert i18n.sentence(carried, "ko") == i18n.t("error.what.tsa_unreachable", "ko")
    assert NetworkError("Plain English only.").as_sentence() == "Plain English only."
