"""The vault on disk: create, unlock, commit, lock; blobs in and out; the custody log.

Folder layout (neutral names, no extensions)::

    h, h2          the header and its backup copy (fixed 4096 bytes, see vault.header)
    m0, m1         two metadata slots; the header names the one in use
    blobs/xx/<32 hex>  encrypted blobs (vault.crypto.stream)
    tmp/           ciphertext being written; swept at unlock
    lock           the single-writer lock

A commit writes the metadata into the slot *not* in use, fsyncs it, then replaces ``h`` and
``h2``; the header is the single commit point, so a crash leaves the previous state intact.
Unlock sweeps what a crash left (tmp/, commit temp files, unreferenced blobs, a header copy one
generation behind) before anything else runs, so ``check`` sees only real problems. The byte
layout is in docs/vault-format.md; the reasons in docs/decisions/.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import secrets
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from vault import custody, device, repo
from vault.clock import Clock, Timestamp, system_clock
from vault.crypto import kdf, keys, stream
from vault.crypto.kdf import KdfParams
from vault.durable import (
    TMP_PREFIX,
    TMP_SUFFIX,
    VaultLock,
    atomic_write,
    fsync_dir,
    fsync_file,
    open_private,
    storage_error,
)
from vault.errors import (
    DeviceBindingError,
    NotFound,
    Sentence,
    UnsafeParameters,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WrongSecret,
)
from vault.header import (
    EMPTY_SLOT,
    HEADER_SIZE,
    N_SLOTS,
    Header,
    KeySlot,
    ParsedHeader,
    SlotType,
)
from vault.header import parse as parse_header
from vault.records import BlobRef

log = logging.getLogger(__name__)

HEADER_FILES = ("h", "h2")
META_FILES = ("m0", "m1")
META_MAGIC = b"ANSM"
META_VERSION = 1
_META_PREFIX = struct.Struct(">4sHQ")
#: AES-GCM in one piece stops at 2 GiB, so no genuine metadata file is larger.
MAX_METADATA_BYTES = 2**31 + 64
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECOVERY_CHARS = 32  # 32 x 5 bits = 160 bits
# Import computes a blob's MD5 on the way in only up to this size (every picture); past it the
# blobs row holds '' until something needs the MD5 (a video's fingerprint computes it anyway;
# exports call Vault.compute_md5). See docs/decisions/0006-large-file-md5-later.md.
MD5_INLINE_LIMIT = 64 * 1024 * 1024

#: Deleted rows (a forgotten blob key, a removed note) are zeroed in the database image, so they
#: do not linger in free pages of the encrypted metadata.
SECURE_DELETE = "PRAGMA secure_delete = ON;\n"

CORE_DDL = (
    custody.DDL
    + repo.DDL
    + """
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (
    blob_id TEXT PRIMARY KEY,
    key BLOB NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    dedup TEXT NOT NULL UNIQUE,
    created_utc TEXT NOT NULL
);
"""
)


def default_vault_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ansim", appauthor=False)) / "vault"


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CHARS, 4))


def normalise_recovery_code(code: str) -> bytes:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I")
    return cleaned.encode("ascii", "ignore")


def is_vault(path: Path) -> bool:
    return any((path / name).is_file() for name in HEADER_FILES)


def _remove_leftover_writes(path: Path) -> None:
    """Remove ciphertext left in tmp/ and temporary files of interrupted header/metadata writes
    (both only ever hold ciphertext, and need no key to recognise)."""
    tmp = path / "tmp"
    if tmp.is_dir():
        for p in tmp.iterdir():
            with contextlib.suppress(OSError):
                p.unlink()
    else:
        tmp.mkdir(mode=0o700, exist_ok=True)
    for p in _unfinished_atomic_writes(path):
        with contextlib.suppress(OSError):
            p.unlink()


def sweep_without_unlocking(path: Path) -> None:
    """What ``ansim lock`` does: nothing stays unlocked between CLI commands, so this only takes
    the lock (refusing while another window has the vault open) and removes leftover writes."""
    path = Path(path)
    if not is_vault(path):
        raise VaultNotFound()
    with VaultLock(path / "lock"):
        _remove_leftover_writes(path)


@dataclass(frozen=True)
class Problem:
    part: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[Problem, ...]
    blobs_checked: int
    custody_entries: int
    generation: int

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Unlocked:
    vmk: bytes
    keys: keys.Subkeys
    header: Header
    db: sqlite3.Connection
    header_notes: list[str] = field(default_factory=list)
    custody_seq: int = 0
    custody_head: str = custody.GENESIS
    shred_pending: bool = False
    # The metadata ciphertext buffer, kept from commit to commit (see keys.seal_into).
    sealed_buffer: bytearray = field(default_factory=bytearray, repr=False)

    def reset_head(self) -> None:
        self.custody_seq = self.header.custody_seq
        self.custody_head = self.header.custody_head.hex()


def _wrap(kek: bytes, vmk: bytes, header: Header, index: int) -> bytes:
    return keys.seal(kek, vmk, header.slot_aad(index))


def _derive_kek(slot: KeySlot, secret: bytes, device_secret: bytes | None) -> bytes:
    return kdf.derive(
        secret,
        slot.salt,
        slot.params,
        device_secret=device_secret if slot.type == SlotType.PASSPHRASE_DEVICE else None,
    )


class Vault:
    """An unlocked vault. Use ``Vault.create`` or ``Vault.open``; call ``lock()`` when done."""

    def __init__(self, path: Path, state: _Unlocked, lock: VaultLock, clock: Clock) -> None:
        self.path = path
        self._state: _Unlocked | None = state
        self._lock = lock
        self.clock = clock
        self.actor = ""
        # Commits from different threads (the app's workers) run one at a time: each seals
        # into the one reused metadata buffer. Reentrant for the shred commit's second commit.
        self._commit_mutex = threading.RLock()

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        params: KdfParams | None = None,
        clock: Clock = system_clock,
        bind_device: bool = False,
    ) -> tuple[Vault, str]:
        """Create a new vault; return it unlocked with the recovery code (shown once)."""
        path = Path(path)
        if is_vault(path):
            raise VaultExists()
        if path.exists() and any(path.iterdir()):
            raise VaultExists(
                "The folder is not empty.",
                next_step="Choose an empty or new folder for the vault.",
                key="folder_not_empty",
            )
        params = params or kdf.calibrate()
        params.check()
        if bind_device:
            device.require_backend()  # before anything exists that would depend on it
        created_dir = not path.exists()
        vault_id = os.urandom(16)
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            (path / "blobs").mkdir(mode=0o700, exist_ok=True)
            (path / "tmp").mkdir(mode=0o700, exist_ok=True)
            lock = VaultLock(path / "lock")
            lock.acquire()
        except BaseException as exc:
            _remove_unfinished_vault(path, created_dir)
            if isinstance(exc, OSError):
                raise storage_error(exc) from exc
            raise
        try:
            vmk = keys.random_key()
            recovery = new_recovery_code()
            header = Header(
                vault_id=vault_id,
                generation=0,
                meta_slot=1,
                meta_sha256=b"\0" * 32,
                custody_seq=0,
                custody_head=b"\0" * 32,
                slots=(EMPTY_SLOT,) * N_SLOTS,
            )
            device_secret = device.create_secret(vault_id) if bind_device else None
            header = _install_slot(
                header,
                0,
                SlotType.PASSPHRASE_DEVICE if bind_device else SlotType.PASSPHRASE,
                kdf.normalise_passphrase(passphrase),
                vmk,
                params,
                device_secret,
            )
            header = _install_slot(
                header, 1, SlotType.RECOVERY, normalise_recovery_code(recovery), vmk, kdf.FLOOR
            )
            db = _fresh_metadata_db()
            state = _Unlocked(vmk, keys.Subkeys.derive(vmk, vault_id), header, db)
            state.custody_head = custody.GENESIS
            vault = cls(path, state, lock, clock)
            from vault import signing

            signing.create_export_key(vault)
            vault.log("vault_created", details={"format": 1, "device_binding": bind_device})
            vault.commit()
            return vault, recovery
        except BaseException:
            # The recovery code was never shown, so nothing half-made may stay behind.
            lock.release()
            if bind_device:
                device.delete_secret(vault_id)
            _remove_unfinished_vault(path, created_dir)
            raise

    @classmethod
    def open(
        cls,
        path: Path,
        passphrase: str | None = None,
        *,
        recovery_code: str | None = None,
        clock: Clock = system_clock,
    ) -> Vault:
        path = Path(path)
        if not is_vault(path):
            raise VaultNotFound()
        lock = VaultLock(path / "lock")
        lock.acquire()
        try:
            state = _unlock(path, passphrase, recovery_code)
            vault = cls(path, state, lock, clock)
            vault._sweep()
            return vault
        except BaseException:
            lock.release()
            raise

    def lock(self) -> None:
        """Forget every key and release the folder. Safe to call twice."""
        if self._state is not None:
            with contextlib.suppress(sqlite3.Error):
                self._state.db.close()
            self._state = None
        self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    @property
    def is_unlocked(self) -> bool:
        return self._state is not None

    @property
    def _s(self) -> _Unlocked:
        if self._state is None:
            raise VaultLocked()
        return self._state

    @property
    def db(self) -> sqlite3.Connection:
        return self._s.db

    @property
    def vault_id(self) -> str:
        return self._s.header.vault_id.hex()

    @property
    def header(self) -> Header:
        return self._s.header

    @property
    def header_notes(self) -> list[str]:
        return list(self._s.header_notes)

    def now(self) -> Timestamp:
        return self.clock()

    # ------------------------------------------------------------------ commits
    def commit(self) -> None:
        """Durably write the metadata and header. On failure the previous state stays on disk
        and the in-memory state is restored from it."""
        with self._commit_mutex:
            self._commit()

    def _commit(self) -> None:
        s = self._s
        s.db.commit()
        slot = 1 - s.header.meta_slot
        generation = s.header.generation + 1
        blob, s.sealed_buffer = _seal_metadata_parts(
            s.keys.metadata, s.header.vault_id, generation, slot, s.db, s.sealed_buffer
        )
        seq, head_hex = s.custody_seq, s.custody_head
        new_header = replace(
            s.header,
            generation=generation,
            meta_slot=slot,
            meta_sha256=metadata_binding(blob),
            custody_seq=seq,
            custody_head=bytes.fromhex(head_hex),
        )
        packed = new_header.pack(s.keys.header_mac)
        try:
            atomic_write(self.path / META_FILES[slot], blob)
            atomic_write(self.path / HEADER_FILES[0], packed)
        except BaseException:
            if s.header.generation > 0:  # generation 0 was never on disk (Vault.create)
                try:
                    self._reload()
                except Exception:  # the write error is the one to report
                    log.warning("could not reload the vault after a failed commit; locking it")
                    self.lock()
            raise
        s.header = new_header
        s.header_notes.clear()
        with contextlib.suppress(Exception):
            atomic_write(self.path / HEADER_FILES[1], packed)
        if s.shred_pending:
            # The other metadata slot still holds the previous generation, with the key just
            # forgotten; a second commit overwrites it, so the key is gone from the disk. The
            # change itself is already committed, so a failure here is not reported as one;
            # the key stays marked and the next commit overwrites the slot.
            s.shred_pending = False
            try:
                self.commit()
            except Exception:
                log.warning("could not overwrite the older metadata slot yet")
                if self._state is not None:
                    self._state.shred_pending = True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run changes and commit them durably; any failure leaves the vault as it was."""
        s = self._s
        try:
            yield s.db
        except BaseException:
            s.db.rollback()
            s.reset_head()  # custody entries logged in this transaction were rolled back too
            raise
        self.commit()

    def _reload(self) -> None:
        s = self._s
        with contextlib.suppress(sqlite3.Error):
            s.db.rollback()
        db = _load_metadata(self.path, s.header, s.keys)
        s.db.close()
        s.db = db
        s.reset_head()
        s.shred_pending = False

    def log(self, action: str, subject: str = "", details: dict[str, object] | None = None) -> None:
        """Append a custody entry (committed with the surrounding change)."""
        s = self._s
        entry = custody.append(
            s.db,
            s.keys.audit,
            self.now(),
            action,
            subject,
            details,
            self.actor,
            after=(s.custody_seq, s.custody_head),
        )
        s.custody_seq, s.custody_head = entry.seq, entry.entry_hash

    # ------------------------------------------------------------------ key slots
    def change_passphrase(self, new_passphrase: str, params: KdfParams | None = None) -> None:
        s = self._s
        index, old = self._passphrase_slot()
        params = params or (old.params if old.type != SlotType.EMPTY else kdf.calibrate())
        device_secret = None
        if old.type == SlotType.PASSPHRASE_DEVICE:
            device_secret = device.load_secret(s.header.vault_id)
            if device_secret is None:
                raise DeviceBindingError(
                    "The device secret for this vault is missing from the password store.",
                    next_step=(
                        "Turn off 'remember on this device' first, then change the passphrase."
                    ),
                    key="device_secret_missing_change",
                )
        s.header = _install_slot(
            s.header,
            index,
            old.type if old.type != SlotType.EMPTY else SlotType.PASSPHRASE,
            kdf.normalise_passphrase(new_passphrase),
            s.vmk,
            params,
            device_secret,
        )
        self.log("passphrase_changed")
        self.commit()

    def set_device_binding(self, enabled: bool, passphrase: str) -> None:
        """Turn "remember on this device" on or off; needs the current passphrase, which is
        checked first (a typo must never silently become the new passphrase)."""
        s = self._s
        index, old = self._passphrase_slot()
        self.verify_passphrase(passphrase)
        if enabled == (old.type == SlotType.PASSPHRASE_DEVICE):
            return
        secret = device.create_secret(s.header.vault_id) if enabled else None
        s.header = _install_slot(
            s.header,
            index,
            SlotType.PASSPHRASE_DEVICE if enabled else SlotType.PASSPHRASE,
            kdf.normalise_passphrase(passphrase),
            s.vmk,
            old.params,
            secret,
        )
        self.log("device_binding_changed", details={"enabled": enabled})
        self.commit()
        if not enabled:
            device.delete_secret(s.header.vault_id)

    def reset_passphrase(self, new_passphrase: str) -> None:
        """Set a new passphrase without the old one, after unlocking with the recovery code.

        Device binding is turned off (its secret may be what was lost)."""
        s = self._s
        index, old = self._passphrase_slot()
        was_bound = old.type == SlotType.PASSPHRASE_DEVICE
        params = old.params if old.type != SlotType.EMPTY else kdf.calibrate()
        s.header = _install_slot(
            s.header,
            index,
            SlotType.PASSPHRASE,
            kdf.normalise_passphrase(new_passphrase),
            s.vmk,
            params,
        )
        self.log("passphrase_reset", details={"device_binding_removed": was_bound})
        self.commit()
        if was_bound:
            device.delete_secret(s.header.vault_id)

    def verify_passphrase(self, passphrase: str) -> None:
        """Raise ``WrongSecret`` unless ``passphrase`` opens this vault's passphrase slot."""
        s = self._s
        index, slot = self._passphrase_slot()
        device_secret = None
        if slot.type == SlotType.PASSPHRASE_DEVICE:
            device_secret = device.load_secret(s.header.vault_id)
            if device_secret is None:
                raise DeviceBindingError(
                    "The device secret for this vault is missing from the password store.",
                    key="device_secret_missing",
                )
        kek = _derive_kek(slot, kdf.normalise_passphrase(passphrase), device_secret)
        try:
            vmk = keys.open_sealed(kek, slot.wrapped, s.header.slot_aad(index))
        except keys.DecryptionFailed:
            raise WrongSecret() from None
        if not keys.mac_equal(vmk, s.vmk):
            raise WrongSecret()

    @property
    def device_bound(self) -> bool:
        return any(sl.type == SlotType.PASSPHRASE_DEVICE for sl in self._s.header.slots)

    def _passphrase_slot(self) -> tuple[int, KeySlot]:
        for i, sl in enumerate(self._s.header.slots):
            if sl.type in (SlotType.PASSPHRASE, SlotType.PASSPHRASE_DEVICE):
                return i, sl
        return 0, self._s.header.slots[0]

    # ------------------------------------------------------------------ blobs
    def _blob_path(self, blob_id: str) -> Path:
        return self.path / "blobs" / blob_id[:2] / blob_id

    def put_blob(
        self, src: BinaryIO, on_chunk: Callable[[bytes], None] | None = None
    ) -> tuple[BlobRef, bool]:
        """Encrypt ``src`` into a new blob (streaming). Return its ref and whether it was already
        in the vault (then the existing blob is returned and nothing new is kept).

        The blob is durable on disk before this returns; the caller records it in the metadata
        and commits. A blob never referenced is swept as an orphan at the next unlock."""
        s = self._s
        blob_id = os.urandom(16)
        blob_hex = blob_id.hex()
        key = keys.random_key()
        hasher = _BackgroundHasher(on_chunk)

        tmp = self.path / "tmp" / blob_hex
        try:
            try:
                with open_private(tmp, exclusive=True) as f:
                    size = stream.encrypt_stream(key, blob_id, src, f, hasher.feed)
                    fsync_file(f)
            finally:
                hasher.finish()
            digest, md5_hex = hasher.sha256.digest(), hasher.md5_hex()
            dedup = keys.mac(s.keys.dedup, digest).hex()
            row = s.db.execute(
                "SELECT blob_id, size, sha256, md5 FROM blobs WHERE dedup = ?", (dedup,)
            ).fetchone()
            if row is not None:
                tmp.unlink()
                return BlobRef(row[0], row[1], row[2], row[3]), True
            final = self._blob_path(blob_hex)
            final.parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(tmp, final)
            fsync_dir(final.parent)
            fsync_dir(final.parent.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise storage_error(exc) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        ref = BlobRef(blob_hex, size, digest.hex(), md5_hex)
        s.db.execute(
            "INSERT INTO blobs VALUES (?,?,?,?,?,?,?)",
            (blob_hex, key, size, ref.sha256, ref.md5, dedup, self.now().iso_utc()),
        )
        return ref, False

    def compute_md5(self, blob_id: str) -> str:
        """The MD5 of a blob's plaintext, read back from the vault and authenticated on the way
        (for large blobs, whose MD5 import leaves empty). Nothing is stored: the caller records
        it with :meth:`record_md5` in its own transaction."""
        md5 = hashlib.md5(usedforsecurity=False)
        for chunk in self.read_blob(blob_id):
            md5.update(chunk)
        return md5.hexdigest()

    def record_md5(self, blob_id: str, md5_hex: str) -> None:
        """Fill in a blob's MD5 that import left empty (part of the caller's transaction)."""
        if len(md5_hex) != 32 or any(c not in "0123456789abcdef" for c in md5_hex):
            raise ValueError("an MD5 is 32 lowercase hex digits")
        self._s.db.execute(
            "UPDATE blobs SET md5 = ? WHERE blob_id = ? AND md5 = ''", (md5_hex, blob_id)
        )

    def put_bytes(self, data: bytes) -> tuple[BlobRef, bool]:
        import io

        return self.put_blob(io.BytesIO(data))

    def find_duplicate(self, sha256_hex: str) -> BlobRef | None:
        dedup = keys.mac(self._s.keys.dedup, bytes.fromhex(sha256_hex)).hex()
        row = self._s.db.execute(
            "SELECT blob_id, size, sha256, md5 FROM blobs WHERE dedup = ?", (dedup,)
        ).fetchone()
        return None if row is None else BlobRef(row[0], row[1], row[2], row[3])

    def read_blob(self, blob_id: str) -> Iterator[bytes]:
        """Yield authenticated plaintext chunks of a blob; raise ``VaultDamaged`` on tampering."""
        row = self._s.db.execute("SELECT key, size FROM blobs WHERE blob_id = ?", (blob_id,))
        found = row.fetchone()
        if found is None:
            raise NotFound(
                "The stored file for this item is not in the vault (it was deleted).",
                key="blob_deleted",
            )
        key, size = bytes(found[0]), int(found[1])
        return self._read_blob(blob_id, key, size)

    def _read_blob(self, blob_id: str, key: bytes, size: int) -> Iterator[bytes]:
        path = self._blob_path(blob_id)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise VaultDamaged(
                "a stored file", "The encrypted file is missing.", key="blob_missing",
                part_key="blob",
            ) from None
        with f:
            if os.fstat(f.fileno()).st_size != stream.ciphertext_size(size):
                raise VaultDamaged(
                    "a stored file",
                    "The encrypted file has the wrong length (cut short, extended or replaced).",
                    key="blob_size",
                    part_key="blob",
                )
            head = f.read(stream.HEADER_LEN)
            if head[:4] != stream.MAGIC or head[4:8] != stream.make_header(b"\0" * 16)[4:8]:
                raise VaultDamaged(
                    "a stored file",
                    "The start of the encrypted file was changed or replaced.",
                    key="blob_head",
                    part_key="blob",
                )
            if head != stream.make_header(bytes.fromhex(blob_id)):
                raise VaultDamaged(
                    "a stored file",
                    "The encrypted file belongs to another stored file (files were swapped).",
                    key="blob_swapped",
                    part_key="blob",
                )
            f.seek(0)
            total = 0
            try:
                for chunk in stream.decrypt_stream(key, bytes.fromhex(blob_id), f):
                    total += len(chunk)
                    yield chunk
            except keys.DecryptionFailed:
                raise VaultDamaged(
                    "a stored file",
                    "The encrypted file was changed, cut short, reordered or swapped.",
                    key="blob_tampered",
                    part_key="blob",
                ) from None
            if total != size:
                raise VaultDamaged(
                    "a stored file", "The stored file has the wrong length.", key="blob_length",
                    part_key="blob",
                )

    def read_blob_bytes(self, blob_id: str, limit: int = 512 * 1024 * 1024) -> bytes:
        parts, total = [], 0
        for chunk in self.read_blob(blob_id):
            total += len(chunk)
            if total > limit:
                raise ValueError("blob too large to read into memory")
            parts.append(chunk)
        return b"".join(parts)

    def extract_blob(self, blob_id: str, out: Path) -> None:
        """Decrypt a blob to ``out``; a partial file never remains if anything fails."""
        out = Path(out)
        tmp = out.with_name(f".{out.name}.ansim-partial")
        try:
            with open_private(tmp, exclusive=True) as f:
                for chunk in self.read_blob(blob_id):
                    f.write(chunk)
                fsync_file(f)
            os.replace(tmp, out)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise storage_error(exc) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def forget_blob_key(self, blob_id: str) -> None:
        """Destroy a blob's key (crypto-shred); final once committed (the commit then writes both
        metadata slots, so no older copy keeps the key). Then ``remove_blob_file``."""
        self._s.db.execute("DELETE FROM blobs WHERE blob_id = ?", (blob_id,))
        self._s.shred_pending = True

    def remove_blob_file(self, blob_id: str) -> None:
        """Remove a blob file whose key is already gone (a crash here leaves an orphan that is
        swept at the next unlock)."""
        with contextlib.suppress(OSError):
            self._blob_path(blob_id).unlink()

    def blob_ids(self) -> list[str]:
        return [r[0] for r in self._s.db.execute("SELECT blob_id FROM blobs ORDER BY blob_id")]

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: str = "") -> str:
        row = self._s.db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        self._s.db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ sweep and check
    def _disk_blob_ids(self) -> set[str]:
        found: set[str] = set()
        root = self.path / "blobs"
        if not root.is_dir():
            return found
        for sub in root.iterdir():
            if sub.is_dir():
                found.update(p.name for p in sub.iterdir())
        return found

    def _sweep(self) -> None:
        """Finish what a crash interrupted: remove leftover ciphertext in tmp/, temporary files
        of header/metadata writes and blobs no metadata refers to, and bring a header copy that
        an interrupted commit left one generation behind up to date. Damaged copies are left
        alone so that ``check`` can name them (the next commit rewrites both)."""
        self._refresh_stale_header_copies()
        _remove_leftover_writes(self.path)
        known = set(self.blob_ids())
        for name in self._disk_blob_ids() - known:
            if len(name) == 32 and all(c in "0123456789abcdef" for c in name):
                with contextlib.suppress(OSError):
                    self._blob_path(name).unlink()

    def _refresh_stale_header_copies(self) -> None:
        s = self._s
        for name in HEADER_FILES:
            try:
                parsed = parse_header(_read_limited(self.path / name, HEADER_SIZE), name)
            except (OSError, VaultDamaged):
                continue
            h = parsed.header
            stale = h.generation < s.header.generation and h.vault_id == s.header.vault_id
            if stale and parsed.mac_ok(s.keys.header_mac):
                with contextlib.suppress(Exception):
                    atomic_write(self.path / name, s.header.pack(s.keys.header_mac))

    def check(self, on_progress: Callable[[int, int], None] | None = None) -> CheckReport:
        """Verify the whole vault: both headers, metadata, custody chain, every blob, orphans."""
        s = self._s
        # The notes taken at unlock are not repeated: every one of them is found again below.
        problems: list[Problem] = []
        for name in HEADER_FILES:
            try:
                parsed = parse_header(_read_limited(self.path / name, HEADER_SIZE), name)
                if not parsed.mac_ok(s.keys.header_mac):
                    problems.append(
                        Problem(
                            _header_copy(name),
                            Sentence("failed its integrity check", "error.what.check.header_mac"),
                        )
                    )
                elif parsed.header.generation != s.header.generation:
                    problems.append(
                        Problem(
                            _header_copy(name),
                            Sentence(
                                "is out of date (an unfinished write)",
                                "error.what.check.header_stale",
                            ),
                        )
                    )
            except VaultDamaged as exc:
                problems.append(Problem(_header_copy(name), _reason(exc)))
            except FileNotFoundError:
                problems.append(Problem(_header_copy(name), _MISSING))
            except OSError as exc:
                problems.append(
                    Problem(
                        _header_copy(name),
                        Sentence(
                            f"unreadable ({exc.strerror})",
                            "error.what.check.unreadable",
                            detail=exc.strerror,
                        ),
                    )
                )
        seq, head_hex = s.header.custody_seq, s.header.custody_head.hex()
        entries = s.db.execute("SELECT COUNT(*) FROM custody").fetchone()[0]
        for msg in custody.verify(s.db, s.keys.audit, seq, head_hex):
            problems.append(Problem(Sentence("custody log", "error.part.custody_log"), msg))
        rows = s.db.execute("SELECT blob_id, key, size, sha256 FROM blobs").fetchall()
        on_disk = self._disk_blob_ids()
        for i, (blob_id, key, size, sha_hex) in enumerate(rows):
            if on_progress is not None:
                on_progress(i, len(rows))
            if blob_id not in on_disk:
                problems.append(Problem(_stored_file(blob_id), _MISSING))
                continue
            sha = hashlib.sha256()
            try:
                for chunk in self._read_blob(blob_id, bytes(key), int(size)):
                    sha.update(chunk)
            except VaultDamaged as exc:
                problems.append(Problem(_stored_file(blob_id), _reason(exc)))
                continue
            if sha.hexdigest() != sha_hex:
                problems.append(
                    Problem(
                        _stored_file(blob_id),
                        Sentence(
                            "does not match its recorded SHA-256", "error.what.check.blob_hash"
                        ),
                    )
                )
        for orphan in sorted(on_disk - {r[0] for r in rows}):
            problems.append(
                Problem(
                    _stored_file(orphan),
                    Sentence(
                        "is not referenced by the vault (orphan)", "error.what.check.orphan"
                    ),
                )
            )
        leftovers = list((self.path / "tmp").iterdir()) if (self.path / "tmp").is_dir() else []
        leftovers += _unfinished_atomic_writes(self.path)
        if leftovers:
            problems.append(
                Problem(
                    Sentence("tmp", "error.part.tmp"),
                    Sentence(
                        f"{len(leftovers)} unfinished write(s) left over",
                        "error.what.check.leftovers",
                        count=len(leftovers),
                    ),
                )
            )
        return CheckReport(tuple(problems), len(rows), int(entries), s.header.generation)


# ---------------------------------------------------------------------- helpers
class _BackgroundHasher:
    """SHA-256 and MD5 of a stream, each computed on its own thread while the caller encrypts
    and writes (hashlib releases the GIL on large buffers; MD5 is the slowest of the three
    steps). ``encrypt_stream`` feeds 1 MiB blocks, so each thread wakes once per block rather
    than once per 64 KiB chunk; at most 8 blocks wait in each queue, so memory stays constant
    (under 20 MiB); ``on_chunk`` still runs on the caller's thread.

    MD5 is given up once the stream passes :data:`MD5_INLINE_LIMIT` (``md5_hex()`` is then
    empty): one core's MD5 speed would otherwise bound every large import, and a large file's
    MD5 is computed when it is first needed instead (see ``Vault.compute_md5``)."""

    def __init__(self, on_chunk: Callable[[bytes], None] | None) -> None:
        self.sha256 = hashlib.sha256()
        self._md5: Any = hashlib.md5(usedforsecurity=False)
        self._md5_fed = 0
        self._on_chunk = on_chunk
        self._queues: list[queue.Queue[bytes | None]] = []
        self._threads: list[threading.Thread] = []
        for h in (self.sha256, self._md5):
            q: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
            t = threading.Thread(target=self._run, args=(h, q), name="ansim-hash", daemon=True)
            t.start()
            self._queues.append(q)
            self._threads.append(t)

    @staticmethod
    def _run(h: Any, q: queue.Queue[bytes | None]) -> None:
        while (chunk := q.get()) is not None:
            h.update(chunk)

    def feed(self, chunk: bytes) -> None:
        self._queues[0].put(chunk)
        if self._md5 is not None:
            self._md5_fed += len(chunk)
            if self._md5_fed > MD5_INLINE_LIMIT:
                self._md5 = None
                self._queues[1].put(None)  # the MD5 thread ends; its partial digest is dropped
            else:
                self._queues[1].put(chunk)
        if self._on_chunk is not None:
            self._on_chunk(chunk)

    def md5_hex(self) -> str:
        return "" if self._md5 is None else str(self._md5.hexdigest())

    def finish(self) -> None:
        self._queues[0].put(None)
        if self._md5 is not None:
            self._queues[1].put(None)
        for t in self._threads:
            t.join()


def _install_slot(
    header: Header,
    index: int,
    slot_type: SlotType,
    secret: bytes,
    vmk: bytes,
    params: KdfParams,
    device_secret: bytes | None = None,
) -> Header:
    salt = os.urandom(kdf.SALT_LEN)
    placeholder = KeySlot(slot_type, params, salt, b"\0" * 60)
    header = header.with_slot(index, placeholder)
    kek = _derive_kek(placeholder, secret, device_secret)
    wrapped = _wrap(kek, vmk, header, index)
    return header.with_slot(index, replace(placeholder, wrapped=wrapped))


def metadata_binding(sealed: bytes | Sequence[bytes | memoryview]) -> bytes:
    """What the header records about the metadata file: SHA-256 of its prefix, nonce, GCM tag
    and length. Hashing these instead of the whole file (tens of MB at 10,000 items) keeps
    commits fast and binds as well: nobody without the key can make other ciphertext that
    verifies under the same nonce and tag, and the key holder could rewrite the header anyway."""
    parts = [sealed] if isinstance(sealed, bytes) else list(sealed)
    total = sum(len(p) for p in parts)
    want = _META_PREFIX.size + keys.NONCE_LEN
    head = b"".join(parts)[:want] if len(parts[0]) < want else bytes(parts[0][:want])
    last = parts[-1]
    tag = bytes(last[-keys.TAG_LEN :]) if total >= want + keys.TAG_LEN else b""
    if len(last) < len(tag):  # only when parts are tiny; never for real metadata
        tag = b"".join(parts)[-keys.TAG_LEN :]
    return hashlib.sha256(head + tag + total.to_bytes(8, "big")).digest()


def _seal_metadata_parts(
    key: bytes,
    vault_id: bytes,
    generation: int,
    slot: int,
    db: sqlite3.Connection,
    buffer: bytearray,
) -> tuple[list[bytes | memoryview], bytearray]:
    """The metadata file as [prefix | nonce, ciphertext | tag], without joining the large part
    (a view of ``buffer``, or of a larger buffer that replaces it: returned second)."""
    prefix = _META_PREFIX.pack(META_MAGIC, META_VERSION, generation)
    aad = prefix + vault_id + bytes([slot])
    nonce, sealed, buffer = keys.seal_into(key, db.serialize(), aad, buffer)
    return [prefix + nonce, sealed], buffer


def _fresh_metadata_db() -> sqlite3.Connection:
    """The database of a new vault, held the way an unlocked vault holds it: in SQLite's memdb
    (one growable buffer, as ``deserialize`` leaves it), not in the page cache of a plain
    ``:memory:`` database. ``serialize()`` then copies one buffer instead of walking every page:
    at 10,000 items about 2 ms instead of 15-25 ms, on every commit."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.executescript(SECURE_DELETE + CORE_DDL)
        image = scratch.serialize()
    finally:
        scratch.close()
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.deserialize(image)
    db.executescript(SECURE_DELETE)
    return db


def _load_metadata(path: Path, header: Header, subkeys: keys.Subkeys) -> sqlite3.Connection:
    name = META_FILES[header.meta_slot]
    try:
        if (path / name).stat().st_size > MAX_METADATA_BYTES:
            raise VaultDamaged(
                "metadata", "The metadata file is far larger than possible.", key="meta_huge",
                part_key="metadata",
            )
        blob = (path / name).read_bytes()
    except FileNotFoundError:
        raise VaultDamaged(
            "metadata", "The metadata file is missing.", key="meta_missing", part_key="metadata"
        ) from None
    if not keys.mac_equal(metadata_binding(blob), header.meta_sha256):
        raise VaultDamaged(
            "metadata",
            "The metadata file does not match the header (it was changed, replaced or rolled "
            "back).",
            key="meta_mismatch",
            part_key="metadata",
        )
    if len(blob) < _META_PREFIX.size:
        raise VaultDamaged(
            "metadata", "The metadata file is cut short.", key="meta_short", part_key="metadata"
        )
    magic, version, generation = _META_PREFIX.unpack(blob[: _META_PREFIX.size])
    if magic != META_MAGIC or version != META_VERSION or generation != header.generation:
        raise VaultDamaged(
            "metadata",
            "The metadata file has an unexpected version.",
            key="meta_version",
            part_key="metadata",
        )
    aad = blob[: _META_PREFIX.size] + header.vault_id + bytes([header.meta_slot])
    try:
        plain = keys.open_sealed(subkeys.metadata, blob[_META_PREFIX.size :], aad)
    except keys.DecryptionFailed:
        raise VaultDamaged(
            "metadata",
            "The metadata failed its integrity check.",
            key="meta_integrity",
            part_key="metadata",
        ) from None
    db = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        db.deserialize(plain)  # memdb: one buffer, so each commit's serialize() is one copy
        db.executescript(SECURE_DELETE + CORE_DDL)
        db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise VaultDamaged(
            "metadata", "The metadata could not be read.", key="meta_unreadable",
            part_key="metadata",
        ) from None
    return db


def _reason(exc: VaultDamaged) -> str:
    """The sentence of a ``VaultDamaged`` without its "Affected: <part>." prefix (a
    :class:`Sentence` when the error names its translation)."""
    text = exc.what.removeprefix(f"Affected: {exc.part}.").strip()
    return Sentence(text, f"error.what.{exc.key}", **exc.params) if exc.key else text


_MISSING = Sentence("is missing", "error.what.check.missing")


def _header_copy(name: str) -> Sentence:
    return Sentence(f"header copy '{name}'", "error.part.header_copy", name=name)


def _stored_file(blob_id: str) -> Sentence:
    return Sentence(f"stored file {blob_id[:8]}", "error.part.stored_file", id=blob_id[:8])


def _read_limited(path: Path, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes, so an oversized file is noticed without loading it."""
    with open(path, "rb") as f:
        return f.read(limit + 1)


def _unfinished_atomic_writes(path: Path) -> list[Path]:
    """Temporary files a crash during ``atomic_write`` of a header or metadata file left behind."""
    names = HEADER_FILES + META_FILES
    found = []
    with contextlib.suppress(OSError):
        for p in path.iterdir():
            n = p.name
            if n.startswith(TMP_PREFIX) and n.endswith(TMP_SUFFIX):
                base = n[len(TMP_PREFIX) : -len(TMP_SUFFIX)].rsplit(".", 1)[0]
                if base in names and p.is_file():
                    found.append(p)
    return found


def _remove_unfinished_vault(path: Path, created_dir: bool) -> None:
    """Remove what ``Vault.create`` made in an (empty or new) folder after it failed."""
    names = [*HEADER_FILES, *META_FILES, "lock"]
    for name in names:
        with contextlib.suppress(OSError):
            (path / name).unlink()
    for p in _unfinished_atomic_writes(path):
        with contextlib.suppress(OSError):
            p.unlink()
    for sub in ("tmp", "blobs"):
        d = path / sub
        with contextlib.suppress(OSError):
            for p in d.iterdir():
                p.unlink()
        with contextlib.suppress(OSError):
            d.rmdir()
    if created_dir:
        with contextlib.suppress(OSError):
            path.rmdir()


def _read_headers(path: Path) -> tuple[list[ParsedHeader], list[str]]:
    """Parse both header copies; one unreadable copy is only noted, as long as the other works."""
    parsed: list[ParsedHeader] = []
    notes: list[str] = []
    refusals: list[VaultDamaged] = []
    for name in HEADER_FILES:
        try:
            data = _read_limited(path / name, HEADER_SIZE)
        except FileNotFoundError:
            notes.append(f"header copy '{name}' is missing")
            continue
        except OSError as exc:
            notes.append(f"header copy '{name}' could not be read ({exc.strerror})")
            continue
        try:
            parsed.append(parse_header(data, name))
        except VaultDamaged as exc:
            notes.append(f"header copy '{name}': {_reason(exc)}")
            refusals.append(exc)
    if not parsed:
        versioned = [e for e in refusals if "version" in e.what]
        if versioned:
            first = versioned[0]
            raise VaultDamaged(
                "header",
                _reason(first),
                key=first.key,
                part_key="header",
                **first.params,  # type: ignore[arg-type]
            )
        unique = list({_reason(e): e for e in sorted(refusals, key=_reason)}.values())
        if not unique:
            raise VaultDamaged(
                "header",
                "Neither copy of the vault header can be read. Both are missing.",
                key="header_both_missing",
                part_key="header",
            )
        raise VaultDamaged(
            "header",
            "Neither copy of the vault header can be read. " + " ".join(map(_reason, unique)),
            key="header_unreadable",
            part_key="header",
            reasons=unique,
        )
    return parsed, notes


def _unlock(path: Path, passphrase: str | None, recovery_code: str | None) -> _Unlocked:
    parsed, notes = _read_headers(path)
    if recovery_code is not None:
        wanted = {SlotType.RECOVERY}
        secret = normalise_recovery_code(recovery_code)
    elif passphrase is not None:
        wanted = {SlotType.PASSPHRASE, SlotType.PASSPHRASE_DEVICE}
        secret = kdf.normalise_passphrase(passphrase)
    else:
        raise WrongSecret()
    kek_cache: dict[bytes, bytes] = {}
    device_missing = False
    unsafe: UnsafeParameters | None = None
    mac_failed = False
    best: tuple[ParsedHeader, bytes, keys.Subkeys] | None = None
    for candidate in parsed:
        h = candidate.header
        for index, slot in enumerate(h.slots):
            if slot.type not in wanted:
                continue
            try:
                slot.params.check()  # bounds first: a tampered slot never reaches Argon2id
            except UnsafeParameters as exc:
                unsafe = exc
                notes.append("a header copy asks for unsafe key-derivation settings; ignored")
                continue
            device_secret = None
            if slot.type == SlotType.PASSPHRASE_DEVICE:
                try:
                    device_secret = device.load_secret(h.vault_id)
                except DeviceBindingError:
                    device_secret = None
                if device_secret is None:
                    device_missing = True
                    continue
            cache_key = slot.pack() + (device_secret or b"")
            if cache_key not in kek_cache:
                kek_cache[cache_key] = _derive_kek(slot, secret, device_secret)
            try:
                vmk = keys.open_sealed(kek_cache[cache_key], slot.wrapped, h.slot_aad(index))
            except keys.DecryptionFailed:
                continue
            subkeys = keys.Subkeys.derive(vmk, h.vault_id)
            if not candidate.mac_ok(subkeys.header_mac):
                mac_failed = True
                notes.append("a header copy failed its integrity check and was ignored")
                continue
            if best is None or h.generation > best[0].header.generation:
                best = (candidate, vmk, subkeys)
            break
    if best is None:
        if mac_failed:
            raise VaultDamaged(
                "header",
                "Your passphrase or code is right, but every copy of the vault header failed "
                "its integrity check (it was edited or damaged).",
                key="header_mac",
                part_key="header",
            )
        if device_missing:
            raise DeviceBindingError(
                "This vault is set to open only on the computer that remembers it, and this "
                "computer's password store has no entry for it (or cannot be reached).",
                next_step="Open the vault with your recovery code ('ansim recover').",
                key="device_only",
            )
        if unsafe is not None:
            raise unsafe
        raise WrongSecret()
    chosen, vmk, subkeys = best
    if len(parsed) == 2 and parsed[0].header.generation != parsed[1].header.generation:
        notes.append(
            "the two header copies differ (an interrupted commit); the newer valid one is used"
        )
    db = _load_metadata(path, chosen.header, subkeys)
    if custody.head(db) != (chosen.header.custody_seq, chosen.header.custody_head.hex()):
        # Opening still works (the evidence must stay reachable); 'check' names the problem.
        notes.append("the custody log does not end where the header says it ends")
    state = _Unlocked(vmk, subkeys, chosen.header, db, notes)
    state.reset_head()
    return state
