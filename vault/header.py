"""The fixed-size vault header and its key slots.

Byte layout (all integers big-endian; see docs/vault-format.md)::

    0     8  magic b"ANSIMVLT"
    8     2  format version (1)
    10    2  flags (0)
    12   16  vault id
    28    8  generation (incremented by every commit)
    36    1  metadata slot in use (0 -> file "m0", 1 -> "m1")
    37    3  reserved (0)
    40   32  binding of that metadata file: SHA-256(prefix | nonce | tag | length), see store
    72    8  custody log length (sequence number of its last entry)
    80   32  custody log head (entry hash of the last entry)
    112 512  4 key slots of 128 bytes
    ...      zero padding
    4032 32  SHA-256(bytes 0..4031): an unkeyed checksum that tells accidental damage apart
             from a wrong passphrase before any key is derived (it proves nothing about who
             wrote the header; the MAC does)
    4064 32  HMAC-SHA256(header-mac subkey, bytes 0..4063)

A key slot::

    0  1 type (0 empty, 1 passphrase, 2 recovery code, 3 passphrase + device secret)
    1  1 Argon2id lanes
    2  2 reserved
    4  4 Argon2id memory (KiB)
    8  4 Argon2id iterations
    12 16 salt
    28 60 AES-256-GCM(KEK, VMK) as nonce | ciphertext | tag, AAD = header bytes 0..27 | slot index
                                                                    | slot bytes 0..27
    88 40 zero padding
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, replace
from enum import IntEnum

from vault.crypto import keys
from vault.crypto.kdf import KdfParams
from vault.errors import VaultDamaged

MAGIC = b"ANSIMVLT"
FORMAT_VERSION = 1
HEADER_SIZE = 4096
MAC_OFFSET = HEADER_SIZE - 32
CHECKSUM_OFFSET = MAC_OFFSET - 32
SLOT_SIZE = 128
N_SLOTS = 4
SLOTS_OFFSET = 112
WRAPPED_LEN = keys.NONCE_LEN + keys.KEY_LEN + keys.TAG_LEN  # 60

_FIXED = struct.Struct(">8sHH16sQB3x32sQ32s")  # 112 bytes
_SLOT_FIXED = struct.Struct(">BBHII16s")  # 28 bytes


class SlotType(IntEnum):
    EMPTY = 0
    PASSPHRASE = 1
    RECOVERY = 2
    PASSPHRASE_DEVICE = 3


@dataclass(frozen=True)
class KeySlot:
    type: SlotType
    params: KdfParams
    salt: bytes
    wrapped: bytes

    def fixed_bytes(self) -> bytes:
        return _SLOT_FIXED.pack(
            int(self.type),
            self.params.lanes,
            0,
            self.params.memory_kib,
            self.params.iterations,
            self.salt,
        )

    def pack(self) -> bytes:
        body = self.fixed_bytes() + self.wrapped
        return body + b"\0" * (SLOT_SIZE - len(body))


EMPTY_SLOT = KeySlot(SlotType.EMPTY, KdfParams(0, 0, 0), b"\0" * 16, b"\0" * WRAPPED_LEN)


@dataclass(frozen=True)
class Header:
    vault_id: bytes
    generation: int
    meta_slot: int
    meta_sha256: bytes
    custody_seq: int
    custody_head: bytes
    slots: tuple[KeySlot, ...]
    version: int = FORMAT_VERSION
    flags: int = 0

    def slot_aad(self, index: int) -> bytes:
        return (
            MAGIC
            + struct.pack(">HH", self.version, self.flags)
            + self.vault_id
            + bytes([index])
            + self.slots[index].fixed_bytes()
        )

    def body(self) -> bytes:
        fixed = _FIXED.pack(
            MAGIC,
            self.version,
            self.flags,
            self.vault_id,
            self.generation,
            self.meta_slot,
            self.meta_sha256,
            self.custody_seq,
            self.custody_head,
        )
        slots = b"".join(s.pack() for s in self.slots)
        data = fixed + slots
        data += b"\0" * (CHECKSUM_OFFSET - len(data))
        return data + hashlib.sha256(data).digest()

    def pack(self, mac_key: bytes) -> bytes:
        body = self.body()
        return body + keys.mac(mac_key, body)

    def with_slot(self, index: int, slot: KeySlot) -> Header:
        slots = list(self.slots)
        slots[index] = slot
        return replace(self, slots=tuple(slots))


@dataclass(frozen=True)
class ParsedHeader:
    header: Header
    body: bytes
    mac: bytes

    def mac_ok(self, mac_key: bytes) -> bool:
        return keys.mac_equal(keys.mac(mac_key, self.body), self.mac)


def parse(data: bytes, part: str = "header") -> ParsedHeader:
    """Check the structure of an untrusted header; authenticity is checked after unlocking."""
    if len(data) != HEADER_SIZE:
        raise VaultDamaged(
            part, "The header has the wrong size.", key="header_size", part_key="header"
        )
    magic, version, flags, vault_id, generation, meta_slot, meta_sha, seq, head = _FIXED.unpack(
        data[: _FIXED.size]
    )
    if magic != MAGIC:
        raise VaultDamaged(
            part, "This is not an Ansim vault header.", key="header_magic", part_key="header"
        )
    if version > FORMAT_VERSION:
        raise VaultDamaged(
            part,
            f"The header says format version {version}; this Ansim reads version "
            f"{FORMAT_VERSION}. A newer Ansim may be needed, or the header was altered.",
            key="header_newer",
            part_key="header",
            version=version,
            supported=FORMAT_VERSION,
        )
    if version < FORMAT_VERSION:
        raise VaultDamaged(
            part,
            f"The header claims an older format version ({version}), which is never accepted "
            "(the header was altered).",
            key="header_older",
            part_key="header",
            version=version,
        )
    if hashlib.sha256(data[:CHECKSUM_OFFSET]).digest() != data[CHECKSUM_OFFSET:MAC_OFFSET]:
        raise VaultDamaged(
            part,
            "The header is damaged (its checksum does not match).",
            key="header_checksum",
            part_key="header",
        )
    if flags != 0 or meta_slot not in (0, 1):
        raise VaultDamaged(
            part,
            "The header contains values this version does not allow.",
            key="header_values",
            part_key="header",
        )
    slots = []
    for i in range(N_SLOTS):
        raw = data[SLOTS_OFFSET + i * SLOT_SIZE : SLOTS_OFFSET + (i + 1) * SLOT_SIZE]
        stype, lanes, _r, memory, iterations, salt = _SLOT_FIXED.unpack(raw[: _SLOT_FIXED.size])
        try:
            slot_type = SlotType(stype)
        except ValueError:
            raise VaultDamaged(
                part, "A key slot has an unknown type.", key="slot_type", part_key="header"
            ) from None
        wrapped = raw[_SLOT_FIXED.size : _SLOT_FIXED.size + WRAPPED_LEN]
        slots.append(KeySlot(slot_type, KdfParams(memory, iterations, lanes), salt, wrapped))
    header = Header(
        vault_id=vault_id,
        generation=generation,
        meta_slot=meta_slot,
        meta_sha256=meta_sha,
        custody_seq=seq,
        custody_head=head,
        slots=tuple(slots),
        version=version,
        flags=flags,
    )
    return ParsedHeader(header, data[:MAC_OFFSET], data[MAC_OFFSET:])
