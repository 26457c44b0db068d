"""Age-style STREAM encryption of blobs: AES-256-GCM over 64 KiB chunks.

Layout of a blob file::

    header  = b"ANSB" | version (1) | log2(chunk size) (1) | reserved (2) | blob id (16)
              (24 bytes)
    chunk i = AES-256-GCM(key, nonce_i, plaintext_i, aad=header)   (<= 64 KiB + 16 bytes)

``nonce_i`` is an 11-byte big-endian counter followed by one byte that is 1 only on the final
chunk. Every chunk is full except the final one; an empty blob is a single empty final chunk.
Truncation, extension, reordering, swapping chunks between blobs and swapping whole blobs all fail
authentication. Plaintext is released one authenticated chunk at a time, so memory stays constant
for multi-GB files; callers that write plaintext to disk must discard it if a later chunk fails.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.crypto.keys import TAG_LEN, DecryptionFailed

MAGIC = b"ANSB"
VERSION = 1
CHUNK_LOG2 = 16
CHUNK = 1 << CHUNK_LOG2
HEADER_LEN = 24
BLOB_ID_LEN = 16
_MAX_COUNTER = (1 << 88) - 1


def make_header(blob_id: bytes) -> bytes:
    if len(blob_id) != BLOB_ID_LEN:
        raise ValueError("blob id must be 16 bytes")
    return MAGIC + struct.pack(">BBH", VERSION, CHUNK_LOG2, 0) + blob_id


def _nonce(counter: int, last: bool) -> bytes:
    if counter > _MAX_COUNTER:
        raise DecryptionFailed
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def ciphertext_size(plain_size: int) -> int:
    chunks = max(1, -(-plain_size // CHUNK))
    return HEADER_LEN + plain_size + chunks * TAG_LEN


def read_full(src: BinaryIO, n: int) -> bytes:
    """Read exactly ``n`` bytes unless EOF comes first (pipes may return short reads)."""
    data = src.read(n)
    if not data or len(data) == n:
        return data or b""
    parts = [data]
    got = len(data)
    while got < n:
        more = src.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def encrypt_stream(
    key: bytes,
    blob_id: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    on_plaintext: Callable[[bytes], None] | None = None,
) -> int:
    """Encrypt ``src`` into ``dst``; return the plaintext size. ``on_plaintext`` sees each chunk."""
    header = make_header(blob_id)
    aead = AESGCM(key)
    dst.write(header)
    counter = 0
    size = 0
    current = read_full(src, CHUNK)
    while True:
        following = read_full(src, CHUNK) if len(current) == CHUNK else b""
        last = not following
        if on_plaintext is not None:
            on_plaintext(current)
        dst.write(aead.encrypt(_nonce(counter, last), current, header))
        size += len(current)
        if last:
            return size
        counter += 1
        current = following


def decrypt_stream(key: bytes, blob_id: bytes, src: BinaryIO) -> Iterator[bytes]:
    """Yield authenticated plaintext chunks; raise ``DecryptionFailed`` on any problem."""
    header = read_full(src, HEADER_LEN)
    if header != make_header(blob_id):
        raise DecryptionFailed
    aead = AESGCM(key)
    counter = 0
    current = read_full(src, CHUNK + TAG_LEN)
    if len(current) < TAG_LEN:
        raise DecryptionFailed
    while True:
        following = read_full(src, CHUNK + TAG_LEN) if len(current) == CHUNK + TAG_LEN else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(counter, last), current, header)
        except InvalidTag:
            raise DecryptionFailed from None
        if not last and len(following) < TAG_LEN:
            raise DecryptionFailed
        yield plain
        if last:
            return
        counter += 1
        current = following
