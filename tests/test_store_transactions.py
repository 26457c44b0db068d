import pytest

from vault.store import Vault


def test_failed_transaction_keeps_the_custody_chain_whole(vault: Vault) -> None:
    with pytest.raises(RuntimeError), vault.transaction():
        vault.log("something")
        raise RuntimeError("boom")
    with vault.transaction():
        vault.log("after")
    assert vault.check().ok


def test_device_binding_change_refuses_a_wrong_passphrase(vault: Vault) -> None:
    from tests.conftest import PASSPHRASE
    from vault.errors import WrongSecret

    with pytest.raises(WrongSecret):
        vault.set_device_binding(False, "a typo")
    vault.verify_passphrase(PASSPHRASE)
    # turning it off when it is already off changes nothing and keeps the passphrase
    generation = vault.header.generation
    vault.set_device_binding(False, PASSPHRASE)
    assert vault.header.generation == generation
