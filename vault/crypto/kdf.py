"""Argon2id key derivation with bounds-checked, calibrated parameters.

Parameters come from the vault header, which an attacker may edit, so they are checked against
hard bounds *before* the KDF runs: a tampered header can neither stall the machine (huge memory or
iteration counts) nor weaken the vault (values below the floor).
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from vault.errors import UnsafeParameters

MIB = 1024  # memory_cost is in KiB
MIN_MEMORY_KIB = 64 * MIB
MAX_MEMORY_KIB = 2048 * MIB
MIN_ITERATIONS = 3
MAX_ITERATIONS = 32
#: memory x iterations: the most work a header may ask for (e.g. 2 GiB x 4, 256 MiB x 32), a few
#: seconds on a laptop, so an edited header cannot stall the machine for minutes.
MAX_WORK_KIB = 8192 * MIB
MIN_LANES = 1
MAX_LANES = 16
DEFAULT_MEMORY_KIB = 256 * MIB
SALT_LEN = 16
KEY_LEN = 32


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int

    def check(self) -> None:
        """Raise ``UnsafeParameters`` unless every value lies inside the accepted bounds."""
        ok = (
            MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB
            and MIN_ITERATIONS <= self.iterations <= MAX_ITERATIONS
            and MIN_LANES <= self.lanes <= MAX_LANES
            and self.memory_kib >= 8 * self.lanes
            and self.memory_kib * self.iterations <= MAX_WORK_KIB
        )
        if not ok:
            raise UnsafeParameters(
                "key slot",
                "The key-derivation settings are outside the safe range "
                f"(memory {MIN_MEMORY_KIB // MIB}-{MAX_MEMORY_KIB // MIB} MiB, "
                f"iterations {MIN_ITERATIONS}-{MAX_ITERATIONS}, lanes {MIN_LANES}-{MAX_LANES}, "
                f"memory x iterations at most {MAX_WORK_KIB // MIB // 1024} GiB).",
                key="kdf_range",
                part_key="key_slot",
                min_mib=MIN_MEMORY_KIB // MIB,
                max_mib=MAX_MEMORY_KIB // MIB,
                min_it=MIN_ITERATIONS,
                max_it=MAX_ITERATIONS,
                min_lanes=MIN_LANES,
                max_lanes=MAX_LANES,
                max_gib=MAX_WORK_KIB // MIB // 1024,
            )


#: The fastest parameters the format accepts; used for the high-entropy recovery code and tests.
FLOOR = KdfParams(MIN_MEMORY_KIB, MIN_ITERATIONS, 1)


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC-normalise so the same Korean passphrase typed on two keyboards derives the same key."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive(
    secret: bytes, salt: bytes, params: KdfParams, *, device_secret: bytes | None = None
) -> bytes:
    params.check()
    if len(salt) != SALT_LEN:
        raise UnsafeParameters(
            "key slot", "The salt has the wrong length.", key="kdf_salt", part_key="key_slot"
        )
    kdf = Argon2id(
        salt=salt,
        length=KEY_LEN,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
        secret=device_secret,
    )
    return kdf.derive(secret)


def calibrate(
    target_seconds: float = 0.75,
    memory_kib: int = DEFAULT_MEMORY_KIB,
    lanes: int = 1,
) -> KdfParams:
    """Pick the iteration count that takes about ``target_seconds`` on this machine.

    Memory stays at ``memory_kib`` (256 MiB by default); iterations never go below the floor.
    """
    probe = KdfParams(memory_kib, MIN_ITERATIONS, lanes)
    start = time.perf_counter()
    derive(b"calibration", b"\0" * SALT_LEN, probe)
    elapsed = max(time.perf_counter() - start, 1e-3)
    per_iteration = elapsed / MIN_ITERATIONS
    iterations = int(target_seconds / per_iteration)
    iterations = max(MIN_ITERATIONS, min(iterations, 16))
    return KdfParams(memory_kib, iterations, lanes)
