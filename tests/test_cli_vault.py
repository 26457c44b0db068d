"""The vault commands through the real ``ansim`` entry point in a subprocess."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests._vault_helpers import folder_state, open_vault
from tests.conftest import PASSPHRASE, run_cli

RECOVERY_RE = re.compile(r"\b([A-Z2-9]{4}(?:-[A-Z2-9]{4}){7})\b")
FAST = ("--kdf-memory", "64", "--kdf-iterations", "3")


def ansim(vault: Path, *args: str, stdin: str = PASSPHRASE + "\n") -> tuple[int, str, str]:
    r = run_cli("--vault", str(vault), *args, stdin=stdin)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, r.stdout, r.stderr


def test_init_prints_the_recovery_code_once_and_it_works(tmp_path: Path) -> None:
    path = tmp_path / "v"
    code, out, err = ansim(path, "init", "--passphrase-stdin", *FAST)
    assert code == 0, err
    found = RECOVERY_RE.findall(out)
    assert len(found) == 1
    recovery = found[0]
    assert "shown only this once" in out
    assert recovery not in err
    # The code is nowhere in the vault folder (only its Argon2id-wrapped slot is).
    raw = recovery.replace("-", "").encode()
    for p in path.rglob("*"):
        if p.is_file():
            assert raw not in p.read_bytes() and recovery.encode() not in p.read_bytes()
    # A second init refuses to touch the existing vault.
    before = folder_state(path)
    code, _, err = ansim(path, "init", "--passphrase-stdin", *FAST)
    assert code == 1 and "A vault already exists" in err
    assert folder_state(path) == before
    # recover: code, then the new passphrase twice is not needed with --passphrase-stdin
    code, out, err = ansim(
        path, "recover", "--passphrase-stdin", stdin=f"{recovery.lower()}\nnew pass 새 암호\n"
    )
    assert code == 0, err
    assert "new passphrase" in out
    code, _, err = ansim(path, "list", "--passphrase-stdin")
    assert code == 3 and "does not open this vault" in err
    code, out, err = ansim(path, "log", "--json", "--passphrase-stdin", stdin="new pass 새 암호\n")
    assert code == 0, err
    actions = [e["action"] for e in json.loads(out)]
    assert actions[0] == "vault_created"
    assert actions[-2:] == ["passphrase_reset", "recovered_with_code"]
    assert [e["seq"] for e in json.loads(out)] == list(range(1, len(actions) + 1))


def test_wrong_passphrase_exit_3_and_not_one_byte_changes(cli_vault: Path) -> None:
    before = folder_state(cli_vault)
    for command in (["list"], ["check"], ["passwd"], ["log", "--json"]):
        code, out, err = ansim(cli_vault, *command, "--passphrase-stdin", stdin="wrong\nx\nx\n")
        assert code == 3, (command, err)
        assert "That passphrase (or recovery code) does not open this vault." in err
        assert "Nothing was changed" in err
        assert out == ""
    code, _, err = ansim(cli_vault, "recover", "--passphrase-stdin", stdin="AAAA-BBBB\nnew\n")
    assert code == 3, err
    assert folder_state(cli_vault) == before


def test_add_list_show_log_check_json(cli_vault: Path, tmp_path: Path) -> None:
    f = tmp_path / "photo.jpg"
    f.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    code, out, err = ansim(cli_vault, "add", str(f), "--note", "first note", "--json",
                           "--passphrase-stdin")
    assert code == 0, err
    item_id = json.loads(out)["results"][0]["id"]

    code, out, err = ansim(cli_vault, "list", "--json", "--passphrase-stdin")
    assert code == 0, err
    listed = json.loads(out)
    assert [i["id"] for i in listed] == [item_id]
    assert listed[0]["original_name"] == "photo.jpg"

    code, out, err = ansim(cli_vault, "show", item_id[:6], "--json", "--passphrase-stdin")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["exhibit"] == "E0001"
    assert [n["text"] for n in shown["notes"]] == ["first note"]
    assert "imported" in [e["action"] for e in shown["custody"]]

    code, out, err = ansim(cli_vault, "check", "--json", "--passphrase-stdin")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["problems"] == []
    assert report["blobs_checked"] == 1
    assert report["custody_entries"] >= 4

    code, out, err = ansim(cli_vault, "show", "ffffffffffff", "--passphrase-stdin")
    assert code == 5 and "not found" in err


def test_passwd_reads_old_then_new_from_stdin(cli_vault: Path) -> None:
    code, out, err = ansim(cli_vault, "passwd", "--passphrase-stdin",
                           stdin=f"{PASSPHRASE}\nsecond one\n")
    assert code == 0, err
    assert "changed" in out
    code, _, err = ansim(cli_vault, "check", "--passphrase-stdin")
    assert code == 3
    code, _, err = ansim(cli_vault, "check", "--passphrase-stdin", stdin="second one\n")
    assert code == 0, err


def test_no_terminal_and_no_stdin_flag_is_refused(cli_vault: Path) -> None:
    code, out, err = ansim(cli_vault, "list", stdin="")
    assert code == 2
    assert "No terminal to type the passphrase into." in err
    assert "--passphrase-stdin" in err
    code, _, err = ansim(cli_vault, "list", "--passphrase-stdin", stdin="")
    assert code == 2 and "ran out" in err


def test_second_writer_gets_vault_in_use_and_lock_sweeps(cli_vault: Path) -> None:
    with open_vault(cli_vault):
        code, _, err = ansim(cli_vault, "list", "--passphrase-stdin")
        assert code == 6
        assert "The vault is open in another Ansim window or command." in err
        code, _, err = ansim(cli_vault, "lock")
        assert code == 6
    (cli_vault / "tmp" / ("0" * 32)).write_bytes(b"ciphertext left by a crash")
    code, out, err = ansim(cli_vault, "lock", stdin="")
    assert code == 0, err
    assert "Nothing stays unlocked between commands" in out
    assert list((cli_vault / "tmp").iterdir()) == []


def test_commands_on_a_folder_without_a_vault(tmp_path: Path) -> None:
    code, _, err = ansim(tmp_path / "nothing", "list", "--passphrase-stdin")
    assert code == 1 and "There is no Ansim vault in that folder." in err


def test_init_bind_device_without_a_password_store_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bound"
    r = run_cli(
        "--vault", str(path), "init", "--bind-device", "--passphrase-stdin", *FAST,
        stdin=PASSPHRASE + "\n",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert r.returncode == 1
    assert "This computer's password store cannot be used to remember the vault." in r.stderr
    assert "You can still use the vault with your passphrase." in r.stderr
    assert not path.exists()
