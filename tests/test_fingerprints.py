"""Fingerprints of real (generated) images: invariants, round trips, PDQ compatibility."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.fixtures_fp.photos import crop, encode, jpeg, photo, resize, screenshot
from vault.fingerprints import (
    DIHEDRAL,
    ImageFingerprint,
    fingerprint_file,
    fingerprint_from_json,
    fingerprint_image,
    hamming,
    sniff,
)
from vault.fingerprints.pdq import pdq_dihedral, pdq_hash, reference_pdq
from vault.matching import FingerprintIndex, band_for, compare

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def original() -> np.ndarray:
    return photo(7)


@pytest.fixture(scope="module")
def original_fp(original: np.ndarray) -> ImageFingerprint:
    return fingerprint_image(encode(original))


def test_fields(original: np.ndarray, original_fp: ImageFingerprint) -> None:
    fp = original_fp
    assert (fp.width, fp.height) == (640, 480)
    assert fp.format == "png"
    assert len(fp.sha256) == 64 and len(fp.md5) == 32 and len(fp.pdq) == 64
    assert len(fp.pdq_variants) == 8 and fp.pdq_variants[0] == fp.pdq
    assert len(fp.phash) == 16
    assert fp.pdq_quality >= 50 and not fp.low_quality
    assert any(r.kind == "crop" for r in fp.regions)


def test_repr_leaks_no_hashes(original_fp: ImageFingerprint) -> None:
    text = repr(original_fp)
    assert original_fp.sha256 not in text and original_fp.pdq not in text


def test_json_round_trip(original_fp: ImageFingerprint) -> None:
    d = json.loads(json.dumps(original_fp.to_json()))
    assert ImageFingerprint.from_json(d) == original_fp
    assert fingerprint_from_json(d) == original_fp


def test_path_and_bytes_agree(tmp_path: Path, original: np.ndarray) -> None:
    data = jpeg(original, 85)
    path = tmp_path / "a.bin"
    path.write_bytes(data)
    assert fingerprint_image(path) == fingerprint_image(data)
    assert fingerprint_file(path) == fingerprint_image(data)


@pytest.mark.parametrize("quality", [20, 50, 90])
def test_reencode_matches(original: np.ndarray, original_fp: ImageFingerprint,
                          quality: int) -> None:
    m = compare(fingerprint_image(jpeg(original, quality)), original_fp)
    assert m is not None and m.band == "strong" and m.how == "whole"


@pytest.mark.parametrize("scale", [0.3, 0.6, 1.7])
def test_resize_matches(original: np.ndarray, original_fp: ImageFingerprint,
                        scale: float) -> None:
    m = compare(fingerprint_image(jpeg(resize(original, scale), 80)), original_fp)
    assert m is not None and m.band == "strong"


def test_mirror_matches_through_variants(original: np.ndarray,
                                         original_fp: ImageFingerprint) -> None:
    fp = fingerprint_image(jpeg(np.ascontiguousarray(np.fliplr(original)), 80))
    assert hamming(bytes.fromhex(fp.pdq), bytes.fromhex(original_fp.pdq)) > 64
    m = compare(fp, original_fp)
    assert m is not None and m.how == "mirror" and m.band == "strong"


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_quarter_turns_match(original: np.ndarray, original_fp: ImageFingerprint,
                             turns: int) -> None:
    fp = fingerprint_image(encode(np.ascontiguousarray(np.rot90(original, turns))))
    m = compare(fp, original_fp)
    assert m is not None and m.how == "rotation" and m.band == "strong"


def test_screenshot_matches_through_regions(original: np.ndarray,
                                            original_fp: ImageFingerprint) -> None:
    shot = fingerprint_image(jpeg(screenshot(original), 85))
    assert hamming(bytes.fromhex(shot.pdq), bytes.fromhex(original_fp.pdq)) > 64
    assert any(r.kind in ("trim", "content") for r in shot.regions)
    m = compare(shot, original_fp)
    assert m is not None and m.band in ("strong", "probable")
    # The picture's region hash nominates the item ("maybe"); the keypoint stage decides.
    assert m.how == "keypoints"
    hits = FingerprintIndex([("original", original_fp)]).hits(shot)
    assert any(h.family == "region" and band_for("region", h.distance) == "needs_review"
               for h in hits)


def test_border_is_trimmed(original: np.ndarray, original_fp: ImageFingerprint) -> None:
    padded = np.full((600, 800, 3), 0, dtype=np.uint8)
    padded[60:540, 80:720] = original
    m = compare(fingerprint_image(jpeg(padded, 85)), original_fp)
    assert m is not None and m.band == "strong"


def test_centred_crop_matches(original: np.ndarray, original_fp: ImageFingerprint) -> None:
    copy = fingerprint_image(jpeg(crop(original, 0.24), 85))
    m = compare(copy, original_fp)
    assert m is not None and m.how in ("crop", "keypoints")
    # The sub-crop hashes alone catch it too (the keypoint stage is tested separately).
    m = compare(replace(copy, keypoints=None), original_fp)
    assert m is not None and m.how == "crop"


def test_exif_orientation_is_applied(original: np.ndarray,
                                     original_fp: ImageFingerprint) -> None:
    # Stored sideways with an EXIF tag saying "rotate 90° clockwise to display" (6).
    sideways = Image.fromarray(np.ascontiguousarray(np.rot90(original, 1)))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    sideways.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    fp = fingerprint_image(buf.getvalue())
    assert (fp.width, fp.height) == (640, 480)
    m = compare(fp, original_fp)
    assert m is not None and m.how == "whole"


def test_unrelated_images_do_not_match() -> None:
    fps = [fingerprint_image(jpeg(photo(100 + i), 80)) for i in range(12)]
    for i, a in enumerate(fps):
        for b in fps[i + 1:]:
            assert compare(a, b) is None


def test_flat_image_is_low_quality() -> None:
    flat = np.full((300, 400, 3), 120, dtype=np.uint8)
    fp = fingerprint_image(encode(flat))
    assert fp.low_quality and fp.regions == ()
    other = np.full((300, 400, 3), 121, dtype=np.uint8)
    other[:, :3] = 0
    # Two different flat images are not reported as the same picture.
    assert compare(fingerprint_image(encode(other)), fp) is None or fp.sha256 == ""


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), quality=st.integers(25, 95),
       scale=st.floats(0.35, 1.6), mirror=st.booleans())
def test_property_edited_copy_matches(seed: int, quality: int, scale: float,
                                      mirror: bool) -> None:
    img = photo(seed, 480, 360)
    edited = resize(img, scale)
    if mirror:
        edited = np.ascontiguousarray(np.fliplr(edited))
    m = compare(fingerprint_image(jpeg(edited, quality)), fingerprint_image(encode(img)))
    assert m is not None and m.band in ("strong", "probable")
    # A mirror hash beyond the mirror family's decision distance (30) nominates the item and
    # the keypoint stage confirms it.
    assert m.how in (("mirror", "keypoints") if mirror else ("whole",))


@settings(max_examples=8, deadline=None)
@given(a=st.integers(0, 10_000), b=st.integers(0, 10_000))
def test_property_distinct_photos_do_not_match(a: int, b: int) -> None:
    if a == b:
        return
    fa = fingerprint_image(jpeg(photo(a, 480, 360), 70))
    fb = fingerprint_image(encode(photo(b, 480, 360)))
    assert compare(fa, fb) is None


# --- PDQ: the binding is Meta's reference code, and our numpy port agrees bit for bit -------


@pytest.mark.parametrize("size", [(64, 64), (97, 211), (300, 240), (512, 384), (1000, 700)])
def test_pdq_binding_matches_numpy_reference(size: tuple[int, int]) -> None:
    img = np.asarray(Image.fromarray(photo(size[0], 160, 120)).resize(size))
    ours, q = pdq_hash(img)
    ref, rq = reference_pdq(img)
    assert ours == ref and q == rq


def test_pdq_quality_matches_reference_on_smooth_image() -> None:
    y, x = np.mgrid[0:200, 0:300]
    img = np.repeat((127 + 60 * np.sin(x / 40.0) * np.cos(y / 55.0))[..., None], 3, axis=2)
    img = img.astype(np.uint8)
    (_, q), (_, rq) = pdq_hash(img), reference_pdq(img)
    assert q == rq and q < 100


def test_fast_dihedral_equals_binding() -> None:
    img = photo(3, 300, 200)
    ours, q = pdq_dihedral(img)
    ref, rq = pdqhash.compute_dihedral(img)
    assert q == rq
    for mine, theirs in zip(ours, ref, strict=True):
        assert mine == bytes(np.packbits(theirs.astype(np.uint8)).tobytes())


def test_dihedral_variants_describe_the_transforms() -> None:
    img = photo(4, 256, 256)
    variants, _ = pdq_dihedral(img)
    ops = {
        "rot90": np.rot90(img), "rot180": np.rot90(img, 2), "rot270": np.rot90(img, 3),
        "flip_vertical": np.flipud(img), "mirror": np.fliplr(img),
        "transpose": img.transpose(1, 0, 2),
        "antitranspose": np.rot90(img, 2).transpose(1, 0, 2),
    }
    for name, op in ops.items():
        h, _ = pdq_hash(np.ascontiguousarray(op))
        # Not always 0: PDQ's decimation samples pixel 2 of each 4, which is not symmetric.
        distances = [hamming(h, v) for v in variants]
        assert distances[DIHEDRAL.index(name)] <= 40, name
        assert min(d for i, d in enumerate(distances) if i != DIHEDRAL.index(name)) > 80


def test_inverted_luma_flips_every_bit() -> None:
    # Negating the image negates every DCT coefficient and the median: all 256 bits flip.
    img = photo(5, 320, 240)
    gray = np.repeat((0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2])
                     .astype(np.uint8)[..., None], 3, axis=2)
    a, _ = pdq_hash(gray)
    b, _ = pdq_hash(np.ascontiguousarray(255 - gray))
    assert hamming(a, b) == 256


def test_hex_layout_is_threatexchange_order() -> None:
    # ThreatExchange prints word 15 first; pdqhash's bit vector is in that order already.
    img = photo(6, 200, 150)
    bits, _ = pdqhash.compute(img)
    ours, _ = pdq_hash(img)
    assert ours.hex() == "".join(
        f"{int(''.join(str(b) for b in bits[i:i + 4]), 2):x}" for i in range(0, 256, 4))


def test_sniff() -> None:
    assert sniff(jpeg(photo(1, 64, 64))[:16]) == "image"
    assert sniff(encode(photo(1, 64, 64))[:16]) == "image"
    assert sniff(b"\x00\x00\x00\x18ftypmp42") == "video"
    assert sniff(b"\x1a\x45\xdf\xa3....") == "video"
    assert sniff(b"hello world") is None


def test_cli_prints_json(tmp_path: Path) -> None:
    img = tmp_path / "x.jpg"
    img.write_bytes(jpeg(photo(2, 320, 240)))
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys; from ui.cli import fingerprint_cmds, main; "
         "rc = main.main(sys.argv[1:]); "
         "assert 'textual' not in sys.modules; sys.exit(rc)",
         "fingerprint", str(img), str(bad), "--json"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)["files"]
    assert out[0]["ok"] and out[0]["fingerprint"]["kind"] == "image"
    assert out[0]["fingerprint"]["pdq"] and "keypoints" not in out[0]["fingerprint"]
    assert "keypoints" not in proc.stdout  # the grey reference picture is never printed
    assert fingerprint_image(img).keypoints is not None  # though the fingerprint has one
    assert not out[1]["ok"] and "notes" not in out[1]["error"]
