"""``ansim demo`` and vault.demo: neutral sample data, a scan that finds the re-uploads."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.conftest import run_cli
from vault import cases, custody, evidence
from vault.demo import DEMO_PASSPHRASE, build_demo, reupload_copy, sample_images, sample_picture
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


def test_demo_vault_has_a_case_evidence_links_sightings_and_a_takedown(tmp_path: Path) -> None:
    steps: list[str] = []
    result = build_demo(tmp_path / "demo", on_step=steps.append)
    assert steps == ["vault", "case", "evidence", "scan", "takedown"]
    assert result.sightings >= 2  # resized, mirrored and cropped copies are found
    with Vault.open(result.vault_path, DEMO_PASSPHRASE) as vault:
        (case,) = cases.list_cases(vault)
        originals = [i for i in evidence.list_items(vault, case.id) if i.kind.value == "image"]
        assert len(originals) == 4
        assert len(list_links(vault, case.id)) == 2
        found = list_sightings(vault, case.id)
        assert len(found) == result.sightings
        assert all("unrelated" not in s.item_id for s in found)
        assert len(list_takedowns(vault, case.id)) == 1
        assert custody.verify_chain(
            vault.db.execute("SELECT * FROM custody ORDER BY rowid").fetchall(),
            None, vault.header.custody_seq, vault.header.custody_head.hex(),
        ) == []
    unrelated = sorted(p.name for p in result.found_folder.iterdir() if "unrelated" in p.name)
    assert len(unrelated) == 3


def test_demo_command_prints_the_passphrase_and_an_export(tmp_path: Path) -> None:
    r = run_cli("demo", "--no-app", "--dir", str(tmp_path / "kept"), timeout=300)
    assert r.returncode == 0, r.stderr
    assert DEMO_PASSPHRASE in r.stdout
    assert "sealed export" in r.stdout
    assert list((tmp_path / "kept" / "exports").iterdir())
