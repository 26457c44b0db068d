"""Ansim's headless core: the encrypted vault, evidence records, fingerprints, matching, scanning.

Nothing in this package imports a user interface. Front ends call the use-case modules
(``vault.cases``, ``vault.evidence``, ``vault.notes`` ...) over a ``vault.store.Vault``.
"""

from vault.errors import AnsimError
from vault.store import Vault, default_vault_dir

__all__ = ["AnsimError", "Vault", "default_vault_dir"]
