"""Remove an original (e.g. from Downloads) after it is safely in the vault.

"Secure" removal here means: the file is first checked to still hold exactly the bytes the
vault holds, then overwritten in place with random bytes, flushed to the disk, renamed to a
random name and deleted. That removes the ordinary ways of getting it back (the recycle bin,
undelete tools on a hard disk). It cannot promise more, and the user is told so
(:data:`HONEST_WARNING`): SSDs and flash memory move data around internally, file systems with
snapshots or copy-on-write (APFS, Btrfs, ZFS, Time Machine, Windows restore points) keep older
copies, and cloud sync (iCloud, OneDrive, Google Drive, Dropbox) may have uploaded it already.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from vault.errors import InputRejected
from vault.store import Vault

HONEST_WARNING = (
    "Removing a file this way stops ordinary recovery, but SSDs, backups, snapshots and cloud "
    "sync (iCloud, OneDrive, Google Drive, Dropbox) may still keep copies. Check those too, "
    "and delete the copies in any chat apps yourself."
)
_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Removal:
    """What happened to one original: removed, or kept with the reason."""

    removed: bool
    reason: str = ""


def _sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            sha.update(block)
    return sha.hexdigest()


def secure_remove(path: Path, expected_sha256: str) -> Removal:
    """Overwrite and delete ``path`` if it still holds the bytes with ``expected_sha256``.

    Never raises for an expected problem: the original is then kept and the reason given."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except OSError:
        return Removal(False, "The original was already gone.")
    if stat.S_ISLNK(st.st_mode):
        return Removal(
            False,
            "The original is a shortcut to a file somewhere else; it was left alone. Delete "
            "the real file yourself if you want it gone.",
        )
    if not stat.S_ISREG(st.st_mode):
        return Removal(False, "The original is not a regular file; it was left alone.")
    try:
        if _sha256_of(path) != expected_sha256:
            return Removal(
                False,
                "The original changed after it was added, so it was kept. Add it again first.",
            )
        size = st.st_size
        with open(path, "r+b") as f:
            written = 0
            while written < size:
                n = min(_BLOCK, size - written)
                f.write(secrets.token_bytes(n))
                written += n
            f.flush()
            os.fsync(f.fileno())
            f.truncate(0)
            f.flush()
            os.fsync(f.fileno())
        hidden = path.with_name(secrets.token_hex(8))
        os.replace(path, hidden)
        os.unlink(hidden)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except PermissionError:
        return Removal(False, "This computer did not let Ansim change or delete the original.")
    except OSError as exc:
        return Removal(False, f"The original could not be removed ({exc.strerror}).")
    return Removal(True)


def verify_vault_copy(vault: Vault, blob_id: str, expected_sha256: str) -> None:
    """Read the vault's encrypted copy back and check its SHA-256; raise ``InputRejected`` if it
    does not match (the original must then never be removed)."""
    sha = hashlib.sha256()
    for chunk in vault.read_blob(blob_id):
        sha.update(chunk)
    if sha.hexdigest() != expected_sha256:
        raise InputRejected(
            "The copy in the vault could not be verified, so the original was kept.",
            key="remove_unverified",
        )
