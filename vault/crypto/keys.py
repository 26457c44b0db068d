"""Purpose-bound subkeys and small AEAD helpers around AES-256-GCM."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16

PURPOSES = ("header-mac", "metadata", "dedup", "audit")


class DecryptionFailed(Exception):
    """One opaque failure for every authentication problem (wrong key, edited bytes, truncation)."""


def random_key() -> bytes:
    return os.urandom(KEY_LEN)


def subkey(master: bytes, purpose: str, salt: bytes) -> bytes:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_LEN,
        salt=salt,
        info=b"ansim/v1/" + purpose.encode("ascii"),
    ).derive(master)


@dataclass(frozen=True)
class Subkeys:
    header_mac: bytes
    metadata: bytes
    dedup: bytes
    audit: bytes

    @classmethod
    def derive(cls, master: bytes, vault_id: bytes) -> Subkeys:
        return cls(
            header_mac=subkey(master, "header-mac", vault_id),
            metadata=subkey(master, "metadata", vault_id),
            dedup=subkey(master, "dedup", vault_id),
            audit=subkey(master, "audit", vault_id),
        )


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Return nonce || ciphertext || tag."""
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def seal_parts(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Like ``seal`` but return (nonce, ciphertext || tag) unjoined, for large plaintexts."""
    nonce = os.urandom(NONCE_LEN)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def seal_into(
    key: bytes, plaintext: bytes, aad: bytes, buffer: bytearray
) -> tuple[bytes, memoryview, bytearray]:
    """Like ``seal_parts`` but write ciphertext || tag into ``buffer`` when it is large enough,
    else into a new, larger one. Return (nonce, a view of the sealed bytes, the buffer used).

    A caller that seals large data again and again (the metadata, on every commit) keeps the
    buffer and so avoids allocating, and faulting in, tens of MB each time. The buffer is never
    resized in place, so views from earlier calls stay valid."""
    nonce = os.urandom(NONCE_LEN)
    need = len(plaintext) + TAG_LEN
    if len(buffer) < need:
        buffer = bytearray(need + need // 4)  # room to grow before the next allocation
    view = memoryview(buffer)[:need]
    AESGCM(key).encrypt_into(nonce, plaintext, aad, view)
    return nonce, view, buffer


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < NONCE_LEN + TAG_LEN:
        raise DecryptionFailed
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], aad)
    except InvalidTag:
        raise DecryptionFailed from None


def mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def mac_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
