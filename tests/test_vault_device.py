"""Device binding against a real Secret Service (gnome-keyring under dbus-run-session), and the
headless path where no safe password store exists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null

from tests._vault_helpers import folder_state, isolated_env
from tests.conftest import PASSPHRASE, REPO
from vault import device
from vault.crypto.kdf import FLOOR
from vault.errors import DeviceBindingError
from vault.store import Vault

HAVE_SECRET_SERVICE = bool(
    shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")
)

# Runs inside a private D-Bus session with an unlocked gnome-keyring; prints one JSON object.
SESSION_SCRIPT = """
import json, subprocess, sys
from pathlib import Path
import keyring
from vault import device
from vault.crypto.kdf import FLOOR
from vault.errors import DeviceBindingError, WrongSecret
from vault.store import Vault

path, pw = Path(sys.argv[1]), sys.argv[2]
out = {"backend": type(keyring.get_keyring()).__module__}
v, code = Vault.create(path, pw, params=FLOOR, bind_device=True)
vault_id = bytes.fromhex(v.vault_id)
out["bound"] = v.device_bound
out["entry_stored"] = device.load_secret(vault_id) is not None
v.lock()
with Vault.open(path, pw) as v:
    out["opens_with_passphrase"] = v.device_bound
    v.change_passphrase(pw + " 2")
with Vault.open(path, pw + " 2") as v:
    out["passwd_keeps_binding"] = v.device_bound
# The copy of the folder is no use without this computer's store: remove the entry.
keyring.delete_password(device.SERVICE, vault_id.hex())
try:
    Vault.open(path, pw + " 2")
    out["without_entry"] = "opened"
except DeviceBindingError as exc:
    out["without_entry"] = exc.message()
r = subprocess.run(
    [sys.executable, "-m", "ui.cli.main", "--vault", str(path), "recover", "--passphrase-stdin"],
    input=f"{code}\\nafter recovery\\n", capture_output=True, text=True,
)
out["recover_exit"] = r.returncode
out["recover_err"] = r.stderr
with Vault.open(path, "after recovery") as v:
    out["after_recovery_bound"] = v.device_bound
# A second vault, still bound, for the parent (which has no password store) to try.
v2, code2 = Vault.create(path.parent / "bound", pw, params=FLOOR, bind_device=True)
v2.lock()
out["code2"] = code2
print(json.dumps(out))
"""


@pytest.mark.keyring
def test_device_binding_with_a_real_secret_service(tmp_path: Path) -> None:
    if not HAVE_SECRET_SERVICE:
        pytest.skip("gnome-keyring-daemon and dbus-run-session are not installed")
    env = isolated_env(tmp_path / "iso")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    script = tmp_path / "session.py"
    script.write_text(SESSION_SCRIPT, encoding="utf-8")
    shell = (
        "echo -n unlock-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        'exec "$0" "$@"'
    )
    r = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell, sys.executable, str(script),
         str(tmp_path / "vault"), PASSPHRASE],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["backend"] == "keyring.backends.SecretService"
    assert out["bound"] and out["entry_stored"]
    assert out["opens_with_passphrase"] and out["passwd_keeps_binding"]
    assert "this computer's password store has no entry for it" in out["without_entry"]
    assert "recovery code" in out["without_entry"]
    assert out["recover_exit"] == 0, out["recover_err"]
    assert out["after_recovery_bound"] is False

    # Here (no D-Bus session, keyring's fail backend): the bound vault says what to do, and the
    # recovery code opens it.
    with use_keyring(fail.Keyring()):
        with pytest.raises(DeviceBindingError) as err:
            Vault.open(tmp_path / "bound", PASSPHRASE)
        assert "recovery code" in err.value.next_step
        with Vault.open(tmp_path / "bound", recovery_code=out["code2"]) as v:
            assert v.device_bound


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """A real (if careless) backend that keeps secrets in a plain file, like keyrings.alt's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file = path

    def _load(self) -> dict[str, str]:
        return json.loads(self.file.read_text()) if self.file.exists() else {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.file.write_text(json.dumps({**self._load(), f"{service}/{username}": password}))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}/{username}", None)
        self.file.write_text(json.dumps(data))


@pytest.fixture(autouse=True)
def _restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


class use_keyring:  # noqa: N801 - reads like a with-statement helper
    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def __enter__(self) -> None:
        self.before = keyring.get_keyring()
        keyring.set_keyring(self.backend)

    def __exit__(self, *exc: object) -> None:
        keyring.set_keyring(self.before)


@pytest.mark.parametrize("kind", ["fail", "null", "plaintext"])
def test_unsafe_password_stores_are_refused_and_nothing_is_left(
    tmp_path: Path, kind: str
) -> None:
    backend = {
        "fail": lambda: fail.Keyring(),
        "null": lambda: null.Keyring(),
        "plaintext": lambda: PlaintextKeyring(tmp_path / "secrets.json"),
    }[kind]()
    new_folder = tmp_path / "new"
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    with use_keyring(backend):
        for target in (new_folder, empty_folder):
            with pytest.raises(DeviceBindingError) as err:
                Vault.create(target, PASSPHRASE, params=FLOOR, bind_device=True)
            assert "No safe password store was found" in err.value.what
            assert "You can still use the vault with your passphrase." in err.value.next_step
        assert not new_folder.exists()
        assert folder_state(empty_folder) == {}
        assert not (tmp_path / "secrets.json").exists()
        # The plain passphrase path works on the same machine.
        v, code = Vault.create(new_folder, PASSPHRASE, params=FLOOR)
        v.lock()
        with Vault.open(new_folder, PASSPHRASE) as v:
            assert not v.device_bound
            with pytest.raises(DeviceBindingError):
                v.set_device_binding(True, PASSPHRASE)
        with Vault.open(new_folder, recovery_code=code) as v:
            assert v.check().ok


def test_a_store_that_does_not_keep_the_secret_is_refused(tmp_path: Path) -> None:
    class Forgetful(PlaintextKeyring):
        """Saves without error but returns nothing (a broken or locked store)."""

        def get_password(self, service: str, username: str) -> str | None:
            return None

    with use_keyring(Forgetful(tmp_path / "kept.json")), pytest.raises(DeviceBindingError) as err:
        Vault.create(tmp_path / "v", PASSPHRASE, params=FLOOR, bind_device=True)
    assert "did not keep the secret" in err.value.what
    assert not (tmp_path / "v").exists()


def test_deleting_a_secret_without_any_store_is_harmless() -> None:
    with use_keyring(fail.Keyring()):
        device.delete_secret(os.urandom(16))
