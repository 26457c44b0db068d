"""Fault injection at the OS call boundary: writes that fail part-way (ENOSPC, EDQUOT, EIO), a
failing fsync, a failing ``os.replace``. Real files and a real vault; only the OS call is
patched. The previous state always stays readable, and the error is ``StorageFull`` with a
sentence a person can act on."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests._vault_helpers import CHUNK, create_vault, open_vault, patterned
from vault import cases, evidence
from vault.errors import StorageFull
from vault.store import Vault

CONTENT = patterned(3 * CHUNK + 7, seed=99)


class _FailingWriter(io.RawIOBase):
    """A file whose writes fail with ``err`` once ``budget`` bytes have gone to disk."""

    def __init__(self, real: Any, budget: list[int], err: int) -> None:
        self._real, self._budget, self._err = real, budget, err

    def write(self, data: Any) -> int:
        view = memoryview(data)
        if len(view) > self._budget[0]:
            self._real.write(view[: self._budget[0]])
            self._real.flush()
            self._budget[0] = 0
            raise OSError(self._err, os.strerror(self._err))
        self._budget[0] -= len(view)
        return int(self._real.write(view))

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return int(self._real.fileno())

    def flush(self) -> None:
        if not self._real.closed:
            self._real.flush()

    def close(self) -> None:
        self._real.close()
        super().close()


def fail_writes_after(
    monkeypatch: pytest.MonkeyPatch,
    n_bytes: int,
    err: int = errno.ENOSPC,
    only: Callable[[str], bool] = lambda name: True,
) -> None:
    """Files the vault opens for writing (those whose name passes ``only``) share a budget of
    ``n_bytes``; the write that crosses it fails with ``err`` (a disk filling up)."""
    real_open, real_fdopen = os.open, os.fdopen
    budget = [n_bytes]
    names: dict[int, str] = {}

    def tracking_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        names[fd] = Path(path).name
        return fd

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = real_fdopen(fd, mode, *args, **kwargs)
        if "w" in mode and only(names.get(fd, "")):
            return _FailingWriter(f, budget, err)
        return f

    monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, "fdopen", fdopen)


def fail_call(
    monkeypatch: pytest.MonkeyPatch, name: str, after: int, err: int = errno.EIO
) -> None:
    """Let ``os.<name>`` succeed ``after`` times, then fail every time."""
    real: Callable[..., Any] = getattr(os, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(err, os.strerror(err))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Vault, str, str]:
    """A vault holding one item; returns (path, open vault, item id, case id)."""
    path = tmp_path / "vault"
    v, _ = create_vault(path)
    case = cases.create_case(v, "case")
    first = evidence.add_stream(v, io.BytesIO(b"first item"), case.id, original_name="a.txt")
    return path, v, first.item.id, case.id


def _assert_previous_state(path: Path, v: Vault, first_id: str, n_items: int = 1) -> None:
    """The open vault and a fresh unlock both see exactly the committed state."""
    assert [i.id for i in evidence.list_items(v)][:1] == [first_id]
    assert len(evidence.list_items(v)) == n_items
    v.lock()
    with open_vault(path) as again:
        items = evidence.list_items(again)
        assert len(items) == n_items
        assert items[0].id == first_id
        assert items[0].blob is not None
        assert again.read_blob_bytes(items[0].blob.blob_id) == b"first item"
        report = again.check()
        assert report.ok, report.problems
        assert list((path / "tmp").iterdir()) == []
        assert [p.name for p in path.iterdir() if p.name.endswith(".tmp")] == []


def _assert_human(err: StorageFull) -> None:
    assert err.title == "The disk is full or could not be written."
    assert "Nothing in your vault was changed." in err.next_step
    assert "vault" not in err.what  # no paths


@pytest.mark.parametrize("budget", [0, 24 + CHUNK, 24 + 2 * (CHUNK + 16) + 1])
def test_disk_full_while_storing_a_blob(
    seeded: tuple[Path, Vault, str, str], monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    path, v, first_id, case_id = seeded
    fail_writes_after(monkeypatch, budget)
    with pytest.raises(StorageFull) as err:
        evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    _assert_human(err.value)
    assert "full" in err.value.title
    monkeypatch.undo()
    assert list((path / "tmp").iterdir()) == []
    _assert_previous_state(path, v, first_id)


@pytest.mark.parametrize(
    ("where", "err_no"),
    [
        ("metadata", errno.ENOSPC),
        ("metadata", errno.EIO),
        ("header", errno.ENOSPC),
        ("header", errno.EDQUOT),
    ],
)
def test_write_failing_during_commit(
    seeded: tuple[Path, Vault, str, str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    err_no: int,
) -> None:
    path, v, first_id, case_id = seeded
    prefix = ".m" if where == "metadata" else ".h"
    fail_writes_after(monkeypatch, 1000, err_no, only=lambda name: name.startswith(prefix))
    with pytest.raises(StorageFull) as err:
        evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    _assert_human(err.value)
    if err_no == errno.EIO:
        assert "The system said:" in err.value.what
    monkeypatch.undo()
    # The vault in memory went back to the committed state and keeps working.
    assert len(evidence.list_items(v)) == 1
    later = evidence.add_stream(v, io.BytesIO(b"later"), case_id, original_name="c.txt")
    assert v.read_blob_bytes(later.item.blob.blob_id) == b"later"  # type: ignore[union-attr]
    _assert_previous_state(path, v, first_id, n_items=2)


@pytest.mark.parametrize("succeed_first", [0, 1, 2])
def test_os_replace_failing(
    seeded: tuple[Path, Vault, str, str], monkeypatch: pytest.MonkeyPatch, succeed_first: int
) -> None:
    """0: the blob cannot be moved into place; 1: the metadata file cannot be replaced;
    2: the header cannot be replaced (the metadata already is)."""
    path, v, first_id, case_id = seeded
    fail_call(monkeypatch, "replace", succeed_first, errno.EACCES)
    with pytest.raises(StorageFull) as err:
        evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    _assert_human(err.value)
    monkeypatch.undo()
    _assert_previous_state(path, v, first_id)


@pytest.mark.parametrize("succeed_first", [0, 2])
def test_fsync_failing(
    seeded: tuple[Path, Vault, str, str], monkeypatch: pytest.MonkeyPatch, succeed_first: int
) -> None:
    path, v, first_id, case_id = seeded
    fail_call(monkeypatch, "fsync", succeed_first, errno.EIO)
    with pytest.raises(StorageFull) as err:
        evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    _assert_human(err.value)
    monkeypatch.undo()
    _assert_previous_state(path, v, first_id)


def test_extract_to_a_full_disk_leaves_no_partial_file(
    seeded: tuple[Path, Vault, str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, v, first_id, case_id = seeded
    added = evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    fail_writes_after(monkeypatch, CHUNK + 3)
    with pytest.raises(StorageFull):
        evidence.extract_item(v, added.item, out_dir / "b.bin")
    monkeypatch.undo()
    assert list(out_dir.iterdir()) == []
    assert v.check().ok


def test_create_on_a_full_disk_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new"
    fail_writes_after(monkeypatch, 5000)
    with pytest.raises(StorageFull):
        create_vault(path)
    monkeypatch.undo()
    assert not path.exists()


def test_delete_succeeds_even_if_overwriting_the_older_slot_fails(
    seeded: tuple[Path, Vault, str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The deletion commits (metadata, h, h2 = three renames); the follow-up commit that clears
    the older slot fails, which must not turn a done deletion into a reported failure."""
    path, v, first_id, case_id = seeded
    doomed = evidence.add_stream(v, io.BytesIO(CONTENT), case_id, original_name="b.bin")
    fail_call(monkeypatch, "replace", 3, errno.ENOSPC)
    evidence.delete_item(v, doomed.item)
    monkeypatch.undo()
    assert "could not overwrite the older metadata slot yet" in caplog.text
    assert [i.id for i in evidence.list_items(v)] == [first_id]
    with v.transaction():
        v.log("viewed", first_id)  # the next commit clears the older slot
    _assert_previous_state(path, v, first_id)
