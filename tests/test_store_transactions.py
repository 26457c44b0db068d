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


def test_commits_from_two_threads_leave_a_vault_that_opens(vault: Vault) -> None:
    """The app commits from worker threads too; each commit seals into one reused buffer, so
    commits must not overlap (a torn metadata file would not open)."""
    import threading

    from tests.conftest import PASSPHRASE

    with vault.transaction():
        for k in range(2000):  # a metadata file large enough for writes to take a while
            vault.set_setting(f"filler-{k}", "x" * 200)
    errors: list[BaseException] = []

    def commits() -> None:
        try:
            for _ in range(15):
                vault.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=commits) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    path = vault.path
    vault.lock()
    again = Vault.open(path, PASSPHRASE)
    try:
        assert again.get_setting("filler-1999") == "x" * 200
        assert again.check().ok
    finally:
        again.lock()
