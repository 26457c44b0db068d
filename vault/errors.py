"""One error tree for Ansim, written for the person in front of the screen.

Every error carries three plain sentences: what happened (``title``), a little more detail
(``what``) and what to do next (``next_step``). Front ends print them in one place and never
show a traceback to a user. Messages never contain plaintext content, file names, URLs or hashes
from inside the vault.

    AnsimError
    ├── VaultError
    │   ├── VaultNotFound          no vault at that folder
    │   ├── VaultExists            a vault is already there
    │   ├── VaultInUse             another Ansim window holds the lock
    │   ├── WrongSecret            wrong passphrase or recovery code
    │   ├── VaultDamaged           a file of the vault failed its integrity check
    │   ├── UnsafeParameters       a header asks for absurd KDF settings
    │   ├── VaultLocked            the vault was locked while something still used it
    │   └── StorageFull            the disk is full; nothing was changed
    ├── DeviceBindingError         the OS keyring cannot be used for "remember on this device"
    ├── NotFound                   no case / item / record with that id
    ├── InputRejected              a file or value we will not take (bomb, truncated, unreadable)
    │   └── ValueRejected          a typed value (date, address, field) that cannot be used
    ├── NetworkError               a scan could not reach a URL
    └── ExportError                an export or verification could not be completed
"""

from __future__ import annotations


class Sentence(str):
    """An English sentence (or label) that also names the catalog entry translating it.

    It is a ``str``, so code that stores, compares or prints it keeps working; front ends pass
    it through ``vault.i18n.sentence(text, lang)`` to show it in the person's language. Used for
    reports that list several problems (``Vault.check``, the custody chain) rather than raise.
    """

    key: str
    params: dict[str, object]

    def __new__(cls, text: str, key: str, **params: object) -> Sentence:
        obj = super().__new__(cls, text)
        obj.key = key
        obj.params = params
        return obj


class AnsimError(Exception):
    """Base of every error Ansim raises on purpose.

    ``what`` is the English sentence (used in logs and ``str(exc)``). ``key`` names the catalog
    entry ``error.what.<key>`` that translates it, formatted with ``params``; when the catalog
    also has ``error.next.<key>`` it translates a ``next_step`` given at the raise site.
    A parameter whose name ends in ``_key`` is itself translated (``error.word.<value>``) and
    filled in under the name without the suffix; an ``AnsimError`` given as a parameter is
    filled in with its own translated ``what``. Parameters never carry vault content.
    """

    title = "Something went wrong."
    next_step = "Nothing in your vault was changed. Please try again."

    def __init__(
        self,
        what: str = "",
        *,
        next_step: str | None = None,
        key: str | None = None,
        **params: object,
    ) -> None:
        self.what = what
        self.key = key
        self.params: dict[str, object] = params
        if next_step is not None:
            self.next_step = next_step
        super().__init__(self.message())

    def message(self) -> str:
        parts = [self.title]
        if self.what:
            parts.append(self.what)
        if self.next_step:
            parts.append(self.next_step)
        return " ".join(parts)

    def as_sentence(self) -> str:
        """What happened as a :class:`Sentence` a front end can translate later (for results
        that carry a failure instead of raising it); plain English when there is no key."""
        text = self.what or self.title
        return Sentence(text, f"error.what.{self.key}", **self.params) if self.key else text

    @property
    def code(self) -> str:
        """A stable, language-neutral key front ends use to look up a translation."""
        return type(self).__name__


class VaultError(AnsimError):
    title = "The vault could not be used."


class VaultNotFound(VaultError):
    title = "There is no Ansim vault in that folder."
    next_step = "Check the folder name, or create a new vault with 'ansim init'."


class VaultExists(VaultError):
    title = "A vault already exists in that folder."
    next_step = "Open it instead, or choose an empty folder for a new vault."


class VaultInUse(VaultError):
    title = "The vault is open in another Ansim window or command."
    next_step = "Close the other window or wait for the other command to finish, then try again."


class WrongSecret(VaultError):
    title = "That passphrase (or recovery code) does not open this vault."
    next_step = (
        "Nothing was changed. Check the keyboard language and Caps Lock and try again. "
        "If you have lost the passphrase, use your recovery code with 'ansim recover'."
    )


class VaultDamaged(VaultError):
    title = "Part of the vault failed its integrity check."
    next_step = (
        "Your other evidence is still safe. Do not delete the vault folder. "
        "Run 'ansim check' to see exactly which part is affected, and restore it from a "
        "backup copy of the vault folder if you have one."
    )

    def __init__(
        self,
        part: str,
        what: str = "",
        *,
        next_step: str | None = None,
        key: str | None = None,
        part_key: str | None = None,
        **params: object,
    ) -> None:
        self.part = part
        self.part_key = part_key
        self.detail = what
        super().__init__(
            f"Affected: {part}. {what}".strip(), next_step=next_step, key=key, **params
        )


class UnsafeParameters(VaultDamaged):
    title = "The vault header asks for unsafe settings and was refused."


class VaultLocked(VaultError):
    title = "The vault is locked."
    next_step = "Unlock it again with your passphrase."


class StorageFull(VaultError):
    title = "The disk is full or could not be written."
    next_step = (
        "Nothing in your vault was changed. Free some space (or choose another folder) "
        "and try again."
    )


class DeviceBindingError(AnsimError):
    title = "This computer's password store cannot be used to remember the vault."
    next_step = (
        "You can still use the vault with your passphrase. 'Remember on this device' needs a "
        "desktop password store such as GNOME Keyring, KWallet, macOS Keychain or Windows "
        "Credential Manager."
    )


class NotFound(AnsimError):
    title = "That record was not found in the vault."
    next_step = "Check the number with 'ansim list' and try again."


class InputRejected(AnsimError):
    title = "This file could not be taken into the vault."
    next_step = "The other files were not affected. You can try this one again or skip it."


class ValueRejected(InputRejected):
    """Something typed or chosen (a date, a web address, a field, a folder), not a file."""

    title = "That could not be accepted."
    next_step = "Nothing was changed. Please correct it and try again."


class NetworkError(AnsimError):
    title = "A web address could not be reached."
    next_step = "Check the address and your internet connection; the rest of the scan continues."


class ExportError(AnsimError):
    title = "The export could not be completed."
    next_step = "Nothing in your vault was changed. Check the output folder and try again."
