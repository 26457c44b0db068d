"""Use cases behind the app's session: creating and opening a vault, recovery, the passphrase
strength hint, idle auto-lock timing and the app's settings (kept inside the encrypted vault).

Front ends (the Textual app) call these; nothing here imports a UI toolkit.
"""

from __future__ import annotations

import contextlib
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from vault import device
from vault.clock import Clock, system_clock
from vault.crypto.kdf import KdfParams
from vault.errors import DeviceBindingError
from vault.store import Vault

# ---------------------------------------------------------------------- passphrase strength

STRENGTH_LEVELS = ("empty", "weak", "fair", "good", "strong")


@dataclass(frozen=True)
class Strength:
    """A rough, honest hint: ``level`` is one of STRENGTH_LEVELS, ``bits`` an entropy estimate."""

    level: str
    bits: int

    @property
    def score(self) -> int:
        return STRENGTH_LEVELS.index(self.level)


def _pool(ch: str) -> int:
    if ch.isdigit():
        return 10
    if "가" <= ch <= "힣":
        return 2350  # common Hangul syllables
    if ch.isascii() and ch.isalpha():
        return 26
    if ch.isspace():
        return 1
    return 33


def passphrase_strength(passphrase: str) -> Strength:
    """Estimate strength: several words count about 11 bits each (people pick common words);
    a single string counts its length and character variety at a discount (people pick patterns).
    Repeated characters and repeated words count once."""
    text = unicodedata.normalize("NFC", passphrase).strip()
    if not text:
        return Strength("empty", 0)
    words = {w.lower() for w in text.split() if len(w) >= 2}
    pool = sum({_pool(ch.lower()) for ch in text if not ch.isspace()}) or 1
    effective = min(len(text), len(set(text)) * 2)
    bits = effective * math.log2(pool) * 0.6
    if len(words) >= 2:
        bits = max(11.0 * len(words) + (4 if any(not c.isalpha() and not c.isspace()
                                                  for c in text) else 0),
                   bits * 0.5)
    if bits < 35:
        level = "weak"
    elif bits < 50:
        level = "fair"
    elif bits < 70:
        level = "good"
    else:
        level = "strong"
    return Strength(level, int(bits))


# ---------------------------------------------------------------------- create / open / recover


@dataclass(frozen=True)
class CreatedVault:
    """A freshly created, unlocked vault and what the person must be told once."""

    vault: Vault
    recovery_code: str
    remembered: bool
    remember_problem: DeviceBindingError | None = None


def _remove_empty_skeleton(path: Path, existed_before: bool) -> None:
    """Undo the empty folders a failed create left behind, so the person can simply retry."""
    for name in ("blobs", "tmp"):
        with contextlib.suppress(OSError):
            (path / name).rmdir()
    with contextlib.suppress(OSError):
        (path / "lock").unlink()
    if not existed_before:
        with contextlib.suppress(OSError):
            path.rmdir()


def create_vault(
    path: Path,
    passphrase: str,
    *,
    remember_on_device: bool = False,
    params: KdfParams | None = None,
    clock: Clock = system_clock,
) -> CreatedVault:
    """Create a vault. When "remember on this device" cannot work here (no safe password store),
    the vault is created without it and the reason is returned, never raised."""
    path = Path(path)
    existed_before = path.exists()
    problem: DeviceBindingError | None = None
    if remember_on_device:
        try:
            device.backend_name()
        except DeviceBindingError as exc:
            problem, remember_on_device = exc, False
    if remember_on_device:
        try:
            vault, code = Vault.create(
                path, passphrase, params=params, clock=clock, bind_device=True
            )
            return CreatedVault(vault, code, True)
        except DeviceBindingError as exc:
            problem = exc
            _remove_empty_skeleton(path, existed_before)
    vault, code = Vault.create(path, passphrase, params=params, clock=clock)
    return CreatedVault(vault, code, False, problem)


def open_vault(path: Path, passphrase: str, *, clock: Clock = system_clock) -> Vault:
    return Vault.open(Path(path), passphrase, clock=clock)


def recover_vault(
    path: Path, recovery_code: str, new_passphrase: str, *, clock: Clock = system_clock
) -> Vault:
    """Open with the recovery code and set a new passphrase (turning off device binding, whose
    secret may be what was lost). Return the vault, unlocked."""
    vault = Vault.open(Path(path), recovery_code=recovery_code, clock=clock)
    try:
        finish_recovery(vault, new_passphrase)
    except BaseException:
        vault.lock()
        raise
    return vault


def finish_recovery(vault: Vault, new_passphrase: str) -> None:
    """After unlocking with the recovery code: set the new passphrase (device binding off)."""
    vault.reset_passphrase(new_passphrase)
    with vault.transaction():
        vault.log("recovered_with_code")


# ---------------------------------------------------------------------- auto-lock

Monotonic = Callable[[], float]


@dataclass
class IdleTimer:
    """Counts idle time for auto-lock. ``clock`` is injectable (seconds, monotonic)."""

    minutes: float
    clock: Monotonic = time.monotonic
    _last: float = field(default=-1.0, repr=False)

    def __post_init__(self) -> None:
        self._last = self.clock()

    def touch(self) -> None:
        self._last = self.clock()

    def idle_seconds(self) -> float:
        return max(0.0, self.clock() - self._last)

    def expired(self) -> bool:
        return self.minutes > 0 and self.idle_seconds() >= self.minutes * 60


# ---------------------------------------------------------------------- settings

THEMES = ("calm", "high_contrast")
BLUR_LEVELS = (1, 2, 3, 4, 5)
AUTO_LOCK_CHOICES = (0, 1, 2, 5, 10, 15, 30)


@dataclass(frozen=True)
class AppSettings:
    """The app's preferences, stored encrypted in the vault. ``auto_lock_minutes`` 0 = never."""

    lang: str = ""
    auto_lock_minutes: int = 5
    blur: int = 3
    theme: str = "calm"

    def checked(self) -> AppSettings:
        lang = self.lang if self.lang in ("ko", "en") else ""
        minutes = self.auto_lock_minutes if 0 <= self.auto_lock_minutes <= 240 else 5
        blur = self.blur if self.blur in BLUR_LEVELS else 3
        theme = self.theme if self.theme in THEMES else "calm"
        return AppSettings(lang, minutes, blur, theme)


_KEYS = {
    "lang": "ui.lang",
    "auto_lock_minutes": "ui.auto_lock_minutes",
    "blur": "ui.blur",
    "theme": "ui.theme",
}


def load_settings(vault: Vault) -> AppSettings:
    base = AppSettings()
    values: dict[str, object] = {}
    for name, key in _KEYS.items():
        raw = vault.get_setting(key, "")
        if not raw:
            continue
        if isinstance(getattr(base, name), int):
            with contextlib.suppress(ValueError):
                values[name] = int(raw)
        else:
            values[name] = raw
    return replace(base, **values).checked()  # type: ignore[arg-type]


def save_settings(vault: Vault, settings: AppSettings) -> AppSettings:
    settings = settings.checked()
    before = load_settings(vault)
    changed = sorted(n for n in _KEYS if getattr(before, n) != getattr(settings, n))
    if not changed:
        return settings
    with vault.transaction():
        for name in changed:
            vault.set_setting(_KEYS[name], str(getattr(settings, name)))
        vault.log("settings_changed", details={"fields": changed})
    return settings


# ---------------------------------------------------------------------- remember on this device


def passphrase_matches(vault: Vault, passphrase: str) -> bool:
    """True when ``passphrase`` opens this vault's passphrase slot (checked by the slot's AEAD)."""
    from vault.crypto import kdf, keys
    from vault.header import SlotType
    from vault.store import _derive_kek

    header = vault.header
    for index, slot in enumerate(header.slots):
        if slot.type not in (SlotType.PASSPHRASE, SlotType.PASSPHRASE_DEVICE):
            continue
        secret = None
        if slot.type == SlotType.PASSPHRASE_DEVICE:
            secret = device.load_secret(header.vault_id)
            if secret is None:
                return False
        kek = _derive_kek(slot, kdf.normalise_passphrase(passphrase), secret)
        try:
            keys.open_sealed(kek, slot.wrapped, header.slot_aad(index))
        except keys.DecryptionFailed:
            return False
        return True
    return False


def set_remember_on_device(vault: Vault, enabled: bool, passphrase: str) -> None:
    """Turn "remember on this device" on or off after checking the current passphrase (a typo
    must never silently become the new passphrase)."""
    from vault.errors import WrongSecret

    if not passphrase_matches(vault, passphrase):
        raise WrongSecret(next_step="Nothing was changed. Type your current passphrase.")
    if enabled:
        device.backend_name()  # a clear DeviceBindingError when no safe store exists
    vault.set_device_binding(enabled, passphrase)
