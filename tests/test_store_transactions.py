import pytest
from vault.store import Vault
def test_failed_transaction_keeps_the_custody_chain_whole(vault: Vault) -> None:
    with pytest.raises(RuntimeError), vault.transaction():
        vault.log("something")
        raise RuntimeError("boom")
    with vault.transaction():
        vault.log("after")
    assert vault.check().ok
