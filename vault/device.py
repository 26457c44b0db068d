"""Optional device binding: a random 32-byte secret kept in the OS keyring.

The secret is mixed into Argon2id (its ``secret=`` input), so a copied vault folder cannot be
opened with the passphrase alone on another machine. Never the passphrase or the vault key goes
into the keyring. Backends that do not really protect a secret (fail, null, plaintext files) are
refused with a clear message; a lost entry means the recovery code is needed.
"""

from __future__ import annotations

import base64
import contextlib
import os
from typing import Any

from vault.errors import DeviceBindingError

SERVICE = "ansim-vault-device"
_REFUSED = ("fail", "null", "plaintext", "chainer")


def _backend() -> Any:
    try:
        import keyring
    except Exception as exc:  # pragma: no cover - keyring is a declared dependency
        raise DeviceBindingError(
            "The keyring module is not installed.", key="keyring_missing"
        ) from exc
    kr = keyring.get_keyring()
    name = f"{type(kr).__module__}.{type(kr).__name__}".lower()
    backends = getattr(kr, "backends", None)
    if backends is not None and not backends:
        raise DeviceBindingError(
            "No password store was found on this computer.", key="no_store"
        )
    if any(word in name for word in _REFUSED) and backends is None:
        raise DeviceBindingError(
            "No safe password store was found on this computer (only a store that would keep "
            "the secret unprotected, or none at all).",
            key="unsafe_store",
        )
    return kr


def require_backend() -> None:
    """Raise ``DeviceBindingError`` now if no safe password store exists (before anything is
    created that would depend on one)."""
    _backend()


def backend_name() -> str:
    kr = _backend()
    return str(getattr(kr, "name", type(kr).__name__))


def create_secret(vault_id: bytes) -> bytes:
    """Create and store a new device secret for this vault; return it."""
    secret = os.urandom(32)
    kr = _backend()
    try:
        kr.set_password(SERVICE, vault_id.hex(), base64.b64encode(secret).decode("ascii"))
    except Exception as exc:
        raise DeviceBindingError(
            f"The password store refused to save the secret ({type(exc).__name__}).",
            key="store_refused",
            detail=type(exc).__name__,
        ) from exc
    if load_secret(vault_id) != secret:
        raise DeviceBindingError(
            "The password store did not keep the secret.", key="store_forgot"
        )
    return secret


def load_secret(vault_id: bytes) -> bytes | None:
    """Return this vault's device secret, or None when the store has no entry for it."""
    kr = _backend()
    try:
        value = kr.get_password(SERVICE, vault_id.hex())
    except Exception as exc:
        raise DeviceBindingError(
            f"The password store could not be read ({type(exc).__name__}).",
            key="store_unreadable",
            detail=type(exc).__name__,
        ) from exc
    if value is None:
        return None
    try:
        secret = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    return secret if len(secret) == 32 else None


def delete_secret(vault_id: bytes) -> None:
    """Remove this vault's entry; an entry (or a whole store) that is already gone is fine."""
    with contextlib.suppress(Exception):
        _backend().delete_password(SERVICE, vault_id.hex())
