"""Crash safety: a real process adding files in a loop is SIGKILLed at random points.

After every kill the vault opens (unlock sweeps leftovers first), ``check`` finds nothing wrong,
and every item whose add had returned (the child prints its id only after the commit) is there
with the right SHA-256. The seed makes a failure reproducible.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests._vault_helpers import create_vault, open_vault
from tests.conftest import PASSPHRASE, REPO
from vault import cases, evidence

ITERATIONS = 30
SEED = 20260102

CHILD = """
import hashlib, io, random, sys
from pathlib import Path
from vault import cases, evidence
from vault.store import Vault

path, seed, passphrase = Path(sys.argv[1]), int(sys.argv[2]), sys.stdin.readline().rstrip("\\n")
rng = random.Random(seed)
vault = Vault.open(path, passphrase)
case = cases.resolve_case(vault, None)
print("ready", flush=True)
n = 0
while True:
    n += 1
    size = rng.choice([1, 999, 65535, 65536, 65537, 200_000])
    data = f"{seed}:{n}:".encode() + rng.randbytes(size)
    result = evidence.add_stream(vault, io.BytesIO(data), case.id, original_name=f"{n}.bin")
    print(result.item.id, hashlib.sha256(data).hexdigest(), flush=True)
"""


def _run_and_kill(path: Path, seed: int, rng: random.Random) -> dict[str, str]:
    """Start the child, kill it at a random moment, return {item id: sha256} it confirmed."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(seed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(PASSPHRASE + "\n")
    child.stdin.close()
    lines: list[str] = []
    ready = threading.Event()

    def reader() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "ready":
                ready.set()
            else:
                lines.append(line.strip())
        ready.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    if rng.random() < 0.15:
        # Sometimes kill during start-up: the unlock and its sweep must be crash-safe too.
        time.sleep(rng.uniform(0.0, 0.6))
    else:
        ready.wait(timeout=120)
        time.sleep(rng.uniform(0.0, 0.5))
    alive = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    t.join(timeout=60)
    stderr = child.stderr.read() if child.stderr else ""
    assert alive, f"the child ended by itself: {stderr}"
    confirmed = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2:  # a line cut by the kill has no newline-terminated pair
            confirmed[parts[0]] = parts[1]
    return confirmed


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_a_committed_item(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    v, _ = create_vault(path)
    with v:
        cases.create_case(v, "case")
    rng = random.Random(SEED)
    confirmed: dict[str, str] = {}
    kills_with_leftovers = 0
    for i in range(ITERATIONS):
        confirmed.update(_run_and_kill(path, SEED + i, rng))
        leftovers = list((path / "tmp").iterdir()) + [
            p for p in path.iterdir() if p.name.endswith(".tmp")
        ]
        kills_with_leftovers += bool(leftovers)
        with open_vault(path) as v:
            # Unlock swept whatever the kill left behind; check runs after that sweep.
            assert list((path / "tmp").iterdir()) == [], f"iteration {i}"
            report = v.check()
            assert report.ok, (i, report.problems)
            items = {item.id: item for item in evidence.list_items(v)}
            for item_id, sha in confirmed.items():
                assert item_id in items, f"iteration {i}: a confirmed item is gone"
                item = items[item_id]
                assert item.blob is not None
                digest = hashlib.sha256()
                for chunk in v.read_blob(item.blob.blob_id):
                    digest.update(chunk)
                assert digest.hexdigest() == sha == item.sha256, f"iteration {i}"
    # The kills really landed mid-write sometimes, and items were really added.
    assert len(confirmed) >= ITERATIONS
    assert kills_with_leftovers >= 1
