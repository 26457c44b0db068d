"""``ansim demo``: a throwaway vault with neutral, generated sample pictures, so a newcomer can see
the whole flow (a case, evidence, links, a local scan that finds re-uploads, a takedown request)
in a minute. No real people: the pictures are abstract gradients and shapes made here.

The scan is local: transformed copies of the samples (resized, re-encoded, mirrored, cropped,
framed like a screenshot) are written next to unrelated pictures into a folder of the demo
directory, and a folder scan finds them. Nothing touches the network.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from vault import cases, evidence, notes
from vault.clock import Clock, system_clock
from vault.crypto import kdf
from vault.crypto.kdf import KdfParams
from vault.records import HarmKind, Offender, Source
from vault.store import Vault

DEMO_PASSPHRASE = "demo practice vault 연습"  # noqa: S105 - a practice vault, printed
SAMPLE_SIZE = (640, 480)
FOUND_FOLDER = "found-copies"
Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo vault is and what it holds."""

    root: Path
    vault_path: Path
    passphrase: str
    recovery_code: str
    case_id: str
    items: int
    links: int
    sightings: int
    takedowns: int
    found_folder: Path
    skipped: tuple[str, ...] = ()  # parts of the demo that this installation cannot show


def _palette(rng: random.Random) -> list[tuple[int, int, int]]:
    return [(rng.randrange(40, 230), rng.randrange(40, 230), rng.randrange(40, 230))
            for _ in range(5)]


def sample_picture(seed: int, size: tuple[int, int] = SAMPLE_SIZE) -> Image.Image:
    """An abstract picture (a gradient with circles, bars and a polygon), the same for a seed."""
    rng = random.Random(seed)
    colours = _palette(rng)
    w, h = size
    top, bottom = colours[0], colours[1]
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / max(1, h - 1)
        r, g, b = (int(a + (z - a) * t) for a, z in zip(top, bottom, strict=True))
        draw.line([(0, y), (w, y)], fill=(r, g, b))
    for _ in range(rng.randrange(3, 7)):
        r = rng.randrange(h // 10, h // 3)
        x, y = rng.randrange(0, w), rng.randrange(0, h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(colours[2:]))
    for _ in range(rng.randrange(2, 5)):
        x0, y0 = rng.randrange(0, w), rng.randrange(0, h)
        draw.rectangle((x0, y0, x0 + rng.randrange(20, w // 2), y0 + rng.randrange(10, h // 4)),
                       fill=rng.choice(colours))
    points = [(rng.randrange(0, w), rng.randrange(0, h)) for _ in range(5)]
    draw.polygon(points, fill=rng.choice(colours), outline=(20, 20, 20))
    return img


def _jpeg(img: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def sample_images(count: int = 4, seed: int = 8) -> list[tuple[str, bytes]]:
    """``count`` neutral sample pictures as JPEG bytes, with file names."""
    return [(f"sample-{i + 1}.jpg", _jpeg(sample_picture(seed + i))) for i in range(count)]


def reupload_copy(img: Image.Image, how: str) -> Image.Image:
    """What re-uploaders do: ``resized``, ``mirrored``, ``cropped`` or ``screenshot``."""
    w, h = img.size
    if how == "resized":
        return img.resize((w * 3 // 5, h * 3 // 5), Image.Resampling.BILINEAR)
    if how == "mirrored":
        return ImageOps.mirror(img)
    if how == "cropped":
        return img.crop((w // 12, h // 12, w - w // 12, h - h // 12))
    if how == "screenshot":
        frame = Image.new("RGB", (w + 80, h + 200), (250, 250, 250))
        ImageDraw.Draw(frame).rectangle((0, 0, w + 80, 60), fill=(40, 60, 90))
        frame.paste(img, (40, 100))
        return frame
    return img.filter(ImageFilter.GaussianBlur(0.5))


def write_found_folder(folder: Path, images: list[tuple[str, bytes]], seed: int = 8) -> int:
    """Write transformed copies of ``images`` and unrelated pictures into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ways = ("resized", "mirrored", "cropped", "screenshot")
    written = 0
    for i, (_, data) in enumerate(images):
        how = ways[i % len(ways)]
        with Image.open(io.BytesIO(data)) as img:
            copy = reupload_copy(img.convert("RGB"), how)
        (folder / f"upload-{i + 1}-{how}.jpg").write_bytes(_jpeg(copy, quality=70))
        written += 1
    for j in range(3):
        (folder / f"unrelated-{j + 1}.jpg").write_bytes(_jpeg(sample_picture(seed + 100 + j)))
        written += 1
    return written


def build_demo(
    root: Path,
    *,
    passphrase: str = DEMO_PASSPHRASE,
    params: KdfParams | None = None,
    clock: Clock = system_clock,
    on_step: Step | None = None,
) -> DemoResult:
    """Create the demo vault under ``root`` and fill it. Returns it locked (the app opens it)."""
    root = Path(root)
    step = on_step or (lambda _name: None)
    skipped: list[str] = []
    vault_path = root / "vault"
    step("vault")
    vault, code = Vault.create(vault_path, passphrase, params=params or kdf.FLOOR, clock=clock)
    with vault:
        step("case")
        case = cases.create_case(
            vault,
            "Demo case",
            "A",
            summary="Practice case made by 'ansim demo'. The pictures are abstract shapes.",
            harm_kinds=(HarmKind.NONCONSENSUAL_DISTRIBUTION,),
            offenders=(Offender(nicknames=("example_nick",)),),
            statutes=("sva-14",),
        )
        step("evidence")
        images = sample_images()
        for i, (name, data) in enumerate(images):
            evidence.add_stream(
                vault,
                io.BytesIO(data),
                case.id,
                original_name=name,
                source=Source(
                    url=f"https://example.com/post/{i + 1}",
                    platform="example.com",
                    post_title=f"Example post {i + 1}",
                    uploader_nickname="example_nick",
                ),
                description="Generated sample picture (abstract shapes)",
            )
        notes.add_note(vault, case.id, "Practice note: notes stay encrypted in the vault.")
        notes.add_event(vault, case.id, "2026-01-05", "counselling", "Practice timeline event")
        links = 0
        try:
            from vault import links as link_use_cases

            for i in range(2):
                link_use_cases.add_link(
                    vault, case.id,
                    Source(url=f"https://example.org/board/{i + 1}", platform="example.org"),
                    note="A page seen but not saved",
                )
                links += 1
        except ImportError:
            skipped.append("links")
        found_folder = root / FOUND_FOLDER
        write_found_folder(found_folder, images)
        sightings = takedowns = 0
        try:
            from vault import sightings as sighting_use_cases
            from vault import takedowns as takedown_use_cases
            from vault.scanning import FolderSource, run_scan

            step("scan")
            report = run_scan(vault, FolderSource(found_folder), case_id=case.id)
            sightings = len(report.sightings)
            if report.sightings:
                first = report.sightings[0]
                sighting_use_cases.confirm(vault, first.id, note="Confirmed in the demo")
                step("takedown")
                takedown_use_cases.new_takedown(
                    vault, case.id, [first.id], "kcsc", "web_form", note="Demo request"
                )
                takedowns = 1
        except ImportError:
            skipped.append("scan")
    return DemoResult(
        root=root,
        vault_path=vault_path,
        passphrase=passphrase,
        recovery_code=code,
        case_id=case.id,
        items=len(images),
        links=links,
        sightings=sightings,
        takedowns=takedowns,
        found_folder=found_folder,
        skipped=tuple(skipped),
    )
