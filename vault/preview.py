"""In-memory previews for a terminal: an image becomes a grid of half-block cells.

Each cell carries two colours (top and bottom pixel), so a front end can draw it with "▀"
(foreground = top, background = bottom). Previews are **blurred by default**; the clear image is
rendered only when the caller asks for it, and that is logged as a custody entry ("viewed").
Nothing is written to disk: bytes come from ``vault.read_blob_bytes`` and are decoded with Pillow
in memory, with a pixel limit checked before decoding.

Videos: one frame, sampled about a third of the way in, is decoded with PyAV from the decrypted
bytes held in memory (PyAV reads from a file object, so no temporary file is needed). Only videos
up to ``MAX_VIDEO_PREVIEW_BYTES`` are read for this; larger ones, and any video PyAV cannot
decode, get the calm "no preview" note instead.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps

from vault.errors import InputRejected
from vault.records import EvidenceItem
from vault.store import Vault

RGB = tuple[int, int, int]
MAX_PIXELS = 80_000_000
MAX_PREVIEW_BYTES = 64 * 1024 * 1024
MAX_VIDEO_PREVIEW_BYTES = 64 * 1024 * 1024
MAX_FRAMES_DECODED = 300  # frames decoded after the seek before giving up on a sample
# blur level -> size of the longest side the image is reduced to before being enlarged again
_BLUR_SIDE = {1: 24, 2: 14, 3: 9, 4: 6, 5: 4}


@dataclass(frozen=True)
class PreviewCells:
    """``rows`` of cells; each cell is (top colour, bottom colour)."""

    columns: int
    rows: tuple[tuple[tuple[RGB, RGB], ...], ...]
    blurred: bool

    @property
    def height(self) -> int:
        return len(self.rows)


class NoPreview(InputRejected):
    title = "There is no picture preview for this item."
    next_step = "Its details, hashes and history are still shown."


def _decode(data: bytes, box: tuple[int, int]) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w <= 0 or h <= 0 or w * h > MAX_PIXELS:
                raise NoPreview("The picture is too large to preview safely.")
            img.draft("RGB", (box[0] * 4, box[1] * 4))
            img = ImageOps.exif_transpose(img)
            return img.convert("RGB")
    except NoPreview:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise NoPreview("The picture is too large to preview safely.") from None
    except (OSError, ValueError, SyntaxError):
        raise NoPreview("The picture could not be read for a preview.") from None


class NoVideoPreview(NoPreview):
    title = "There is no preview for this video."
    next_step = "Its details, hashes and history are still shown."


def render_cells(data: bytes, *, columns: int, rows: int, blur: int = 3) -> PreviewCells:
    """Render image bytes into at most ``columns`` x ``rows`` half-block cells.

    ``blur`` 0 is the clear image; 1 (light) to 5 (strong) hide detail."""
    columns, rows = max(2, columns), max(1, rows)
    return image_cells(_decode(data, (columns, rows * 2)), columns=columns, rows=rows, blur=blur)


def video_frame(data: bytes) -> Image.Image:
    """One frame of the video in ``data`` (about a third of the way in), decoded in memory."""
    try:
        import av
    except ImportError:  # the optional video support is not installed
        raise NoVideoPreview("Video support is not installed.") from None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise NoVideoPreview("The file has no picture in it.")
            stream = container.streams.video[0]
            width, height = int(stream.codec_context.width), int(stream.codec_context.height)
            if width * height > MAX_PIXELS:
                raise NoVideoPreview("The video's picture is too large to preview safely.")
            _seek_to_a_third(container, stream)
            for decoded, frame in enumerate(container.decode(stream)):
                img: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                if decoded + 1 >= MAX_FRAMES_DECODED or not _is_blank(img):
                    return img.convert("RGB")
    except NoVideoPreview:
        raise
    except Exception:  # PyAV raises many kinds of errors for damaged or unusual files
        raise NoVideoPreview("The video could not be read for a preview.") from None
    raise NoVideoPreview("No picture could be decoded from the video.")


def _seek_to_a_third(container: object, stream: object) -> None:
    """Seek near a third of the duration (the first frames are often black); stay at the start
    when the container cannot seek or does not say how long it is."""
    duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if not duration or not time_base:
        return
    try:
        container.seek(int(duration / 3), stream=stream, backward=True)  # type: ignore[attr-defined]
    except Exception:  # not seekable: decode from the start instead
        container.seek(0)  # type: ignore[attr-defined]


def _is_blank(img: Image.Image) -> bool:
    """True for an all-black (or all one colour) frame, which would make a useless preview."""
    lo, hi = img.convert("L").getextrema()  # type: ignore[no-untyped-call,misc]
    return bool(hi - lo < 8)


def image_cells(img: Image.Image, *, columns: int, rows: int, blur: int = 3) -> PreviewCells:
    """Render a decoded picture into at most ``columns`` x ``rows`` half-block cells."""
    columns, rows = max(2, columns), max(1, rows)
    box = (columns, rows * 2)
    img = img.convert("RGB")
    img.thumbnail(box, Image.Resampling.LANCZOS)
    if blur > 0:
        side = _BLUR_SIDE.get(blur, _BLUR_SIDE[5])
        small = img.copy()
        small.thumbnail((side, side), Image.Resampling.BOX)
        img = small.resize(img.size, Image.Resampling.BILINEAR)
        img = img.filter(ImageFilter.GaussianBlur(radius=max(1, blur)))
    w, h = img.size
    if h % 2:
        padded = Image.new("RGB", (w, h + 1), (0, 0, 0))
        padded.paste(img, (0, 0))
        img, h = padded, h + 1
    px = img.load()
    assert px is not None
    grid = tuple(
        tuple((_rgb(px[x, y]), _rgb(px[x, y + 1])) for x in range(w)) for y in range(0, h, 2)
    )
    return PreviewCells(w, grid, blur > 0)


def _rgb(value: object) -> RGB:
    if isinstance(value, tuple) and len(value) >= 3:
        return (int(value[0]), int(value[1]), int(value[2]))
    return (0, 0, 0)


def is_video(item: EvidenceItem) -> bool:
    return item.mime.startswith("video/")


def can_preview(item: EvidenceItem) -> bool:
    return item.blob is not None and (item.mime.startswith("image/") or is_video(item))


def item_preview(
    vault: Vault,
    item: EvidenceItem,
    *,
    columns: int,
    rows: int,
    blur: int = 3,
    reveal: bool = False,
) -> PreviewCells:
    """Preview an item's picture. ``reveal=True`` renders it clear and logs a "viewed" entry."""
    if not can_preview(item) or item.blob is None:
        raise NoPreview()
    level = 0 if reveal else max(1, blur)
    if is_video(item):
        if item.size > MAX_VIDEO_PREVIEW_BYTES:
            raise NoVideoPreview("The video is too large to preview in memory.")
        data = vault.read_blob_bytes(item.blob.blob_id, limit=MAX_VIDEO_PREVIEW_BYTES)
        cells = image_cells(video_frame(data), columns=columns, rows=rows, blur=level)
    else:
        if item.size > MAX_PREVIEW_BYTES:
            raise NoPreview("The picture is too large to preview safely.")
        data = vault.read_blob_bytes(item.blob.blob_id, limit=MAX_PREVIEW_BYTES)
        cells = render_cells(data, columns=columns, rows=rows, blur=level)
    if reveal:
        with vault.transaction():
            vault.log("viewed", item.id, {"how": "clear preview in the app"})
    return cells
