"""Video fingerprints: streamed digests plus PDQ hashes of frames sampled with PyAV.

PyAV is an optional extra (``pip install ansim[video]``); it is imported only when a video is
fingerprinted, and its absence is reported as a plain ``InputRejected``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from vault.errors import InputRejected
from vault.fingerprints.decode import WORK_SIDE, shrink
from vault.fingerprints.model import FrameHash, VideoFingerprint
from vault.fingerprints.pdq import pdq_hash

log = logging.getLogger(__name__)

#: Frames sampled from a video of unknown or long duration.
DEFAULT_FRAMES = 16
#: Largest video frame size accepted (8K).
MAX_FRAME_PIXELS = 7680 * 4320
#: Decoded frames examined at most while sampling (bounds the time spent on odd files).
MAX_DECODED_FRAMES = 20_000


def file_digests(path: Path, *, chunk: int = 1 << 20) -> tuple[str, str]:
    """SHA-256 and MD5 of a file, streamed in 1 MiB chunks (constant memory)."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    try:
        with path.open("rb") as fh:
            while block := fh.read(chunk):
                sha.update(block)
                md5.update(block)
    except OSError as exc:
        raise InputRejected("The file could not be read.") from exc
    return sha.hexdigest(), md5.hexdigest()


def _import_av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise InputRejected(
            "Videos need the optional video support, which is not installed.",
            next_step="Install Ansim with its 'video' extra (pip install 'ansim[video]').",
        ) from exc
    return av


def fingerprint_video(path: Path, *, frames: int = DEFAULT_FRAMES) -> VideoFingerprint:
    """Fingerprint a video file: digests of the bytes and PDQ hashes of sampled frames.

    Frames are sampled evenly over the duration (by seeking to keyframes when the container
    allows it, otherwise by decoding in order and keeping every n-th frame).
    """
    path = Path(path)
    sha256, md5 = file_digests(path)
    av = _import_av()
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise InputRejected("The file has no video picture in it.")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            width, height = int(stream.codec_context.width), int(stream.codec_context.height)
            if width * height > MAX_FRAME_PIXELS:
                raise InputRejected("The video's picture is larger than Ansim accepts.")
            duration = _duration(container, stream)
            fmt = str(container.format.name).split(",")[0]
            hashes = _sample(container, stream, duration, max(1, frames))
    except InputRejected:
        raise
    except Exception as exc:  # PyAV raises many types for damaged files.
        log.debug("video decode failed: %s", type(exc).__name__)
        raise InputRejected(
            "The file is not a video Ansim can read, or it is damaged or incomplete."
        ) from exc
    if not hashes:
        raise InputRejected("No picture could be decoded from the video.")
    return VideoFingerprint(sha256=sha256, md5=md5, width=width, height=height,
                            duration=round(duration, 3), format=fmt, frames=tuple(hashes))


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000.0
    return 0.0


def _hash_frame(frame: Any, t: float) -> FrameHash:
    img = shrink(frame.to_image().convert("RGB"), WORK_SIDE)
    h, quality = pdq_hash(np.asarray(img, dtype=np.uint8))
    return FrameHash(time=round(t, 3), pdq=h.hex(), quality=quality)


def _sample(container: Any, stream: Any, duration: float, n: int) -> list[FrameHash]:
    """Evenly spaced frames: seek near each target time (keyframe) and decode up to it."""
    if duration > 0 and stream.time_base is not None:
        try:
            return _sample_by_seeking(container, stream, duration, n)
        except Exception as exc:  # some containers cannot seek; fall back to decoding in order
            log.debug("seeking failed: %s", type(exc).__name__)
            container.seek(0)
    return _sample_in_order(container, stream, n)


def _sample_by_seeking(container: Any, stream: Any, duration: float, n: int) -> list[FrameHash]:
    out: list[FrameHash] = []
    for i in range(n):
        target = duration * (i + 0.5) / n
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
        for steps, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else target
            if t + 1e-6 >= target or steps >= 600:
                out.append(_hash_frame(frame, t))
                break
    return out


def _sample_in_order(container: Any, stream: Any, n: int) -> list[FrameHash]:
    out: list[FrameHash] = []
    every = 15
    for decoded, frame in enumerate(container.decode(stream)):
        if decoded >= MAX_DECODED_FRAMES:
            break
        if decoded % every == 0:
            t = float(frame.time) if frame.time is not None else 0.0
            out.append(_hash_frame(frame, t))
            if len(out) >= n:
                break
    return out
