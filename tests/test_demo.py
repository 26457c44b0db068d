"""``ansim demo`` and vault.demo: neutral sample data, a scan that finds the re-uploads."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.conftest import run_cli
from vault import cases, custody, evidence
from vault.demo import DEMO_PASSPHRASE, reupload_copy, sample_images, sample_picture
from vault.links import list_links
from vault.sightings import list_sightings
from vault.store import Vault
from vault.takedowns import list_takedowns


def test_samples_are_deterministic_pictures() -> None:
    first, second = sample_images(2), sample_images(2)
    assert first == second
    assert first[0][1] != first[1][1]
    with Image.open(io.BytesIO(first[0][1])) as img:
        assert img.size == (640, 480)
    mirrored = reupload_copy(sample_picture(3), "mirrored")
    assert mirrored.size == (640, 480)


def test_demo_command_builds_a_practice_vault_with_everything_and_prints_the_passphrase(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "kept"
    r = run_cli("demo", "--no-app", "--dir", str(kept), timeout=300)
    assert r.returncode == 0, r.stderr
    assert DEMO_PASSPHRASE in r.stdout
    assert "sealed export" in r.stdout
    for step in ("a practice case", "a scan of a folder", "a takedown request"):
        assert step in r.stdout
    assert list((kept / "exports").iterdir())
    with Vault.open(kept / "vault", DEMO_PASSPHRASE) as vault:
        (case,) = cases.list_cases(vault)
        originals = [i for i in evidence.list_items(vault, case.id) if i.kind.value == "image"]
        assert len(originals) == 4
        assert len(list_links(vault, case.id)) == 2
        found = list_sightings(vault, case.id)
        assert len(found) >= 2  # resized, mirrored, cropped or framed copies are found
        matched_names = {evidence.get_item(vault, s.item_id).original_name for s in found}
        assert not any("unrelated" in n for n in matched_names)
        assert len(list_takedowns(vault, case.id)) == 1
        rows = vault.db.execute("SELECT * FROM custody ORDER BY rowid").fetchall()
        head = (vault.header.custody_seq, vault.header.custody_head.hex())
        assert custody.verify_chain(rows, None, *head) == []
    unrelated = [p for p in (kept / "found-copies").iterdir() if "unrelated" in p.name]
    assert len(unrelated) == 3

