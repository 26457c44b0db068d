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
#: Chunks read, handed to ``on_plaintext`` and written per step of ``encrypt_stream``.
BLOCK_CHUNKS = 16
BLOCK = BLOCK_CHUNKS * CHUNK
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
    """Encrypt ``src`` into ``dst``; return the plaintext size.

    The source is read in blocks of ``BLOCK_CHUNKS`` chunks (1 MiB); ``on_plaintext`` sees each
    block once, in order (blocks are immutable ``bytes``, so a consumer may keep or queue them).
    Each block's chunks are sealed into one reused buffer and written with a single call, which
    keeps per-chunk Python overhead and allocations out of the hot path; the bytes on disk are
    the same as chunk-by-chunk encryption.
    """
    header = make_header(blob_id)
    aead = AESGCM(key)
    dst.write(header)
    counter = 0
    size = 0
    sealed = bytearray(BLOCK_CHUNKS * (CHUNK + TAG_LEN))
    out = memoryview(sealed)
    current = read_full(src, BLOCK)
    while True:
        following = read_full(src, BLOCK) if len(current) == BLOCK else b""
        final_block = not following
        if on_plaintext is not None:
            on_plaintext(current)
        view = memoryview(current)
        n = len(current)
        pos = 0
        for start in range(0, max(n, 1), CHUNK):  # an empty source is one empty final chunk
            end = min(start + CHUNK, n)
            last = final_block and end == n
            step = end - start + TAG_LEN
            aead.encrypt_into(_nonce(counter, last), view[start:end], header, out[pos : pos + step])
            pos += step
            if not last:
                counter += 1
        dst.write(out[:pos])
        size += n
        if final_block:
            return size
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
