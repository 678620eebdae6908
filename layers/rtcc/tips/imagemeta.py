"""Stripping EXIF, GPS and other embedded metadata from tipster photos.

A phone photo's EXIF can carry the tipster's exact location and device serial. The
image is decoded and re-encoded from its pixels alone, so no metadata block (EXIF,
XMP, IPTC, PNG text chunks, comments) survives; the EXIF orientation is applied to the
pixels first so the photo still shows the right way up.

Decoding is where a hostile file hurts: a 420 KB one-colour PNG can claim 12000x12000
pixels (over 2 GB once decoded and copied), a GIF can hold thousands of frames, or frames
far larger than its screen. So the pixel count and frame count are read from the header
first and checked against the settings' limits; only then are pixels decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

# Tip photos are evidence-adjacent: keep quality high; metadata, not pixels, is the risk.
_JPEG_QUALITY = 92

# Our own check (ImageLimits) rejects an image over the limit with a reason before
# decoding; Pillow's warning for the same images would only be noise in the logs.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class ImageRejected(ValueError):
    pass


@dataclass(frozen=True)
class ImageLimits:
    """What an image may decode to: pixels (summed over the frames we decode) and frames."""

    max_pixels: int
    max_frames: int

    @classmethod
    def from_settings(cls) -> ImageLimits:
        from rtcc.tips.settings import tips_settings

        settings = tips_settings()
        return cls(settings.max_image_pixels, settings.max_image_frames)


def _pixels_only(img: Image.Image, mode: str) -> Image.Image:
    """A new image holding only the pixels of `img` (its `info` - EXIF, XMP, ICC,
    comments, text chunks - is not carried over)."""
    converted = img if img.mode == mode else img.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def strip_metadata(data: bytes, content_type: str, limits: ImageLimits | None = None) -> bytes:
    """`data` re-encoded from its pixels alone, or ImageRejected with the reason."""
    fmt = _FORMATS.get(content_type)
    if fmt is None:
        raise ImageRejected(f"not an image type we re-encode: {content_type}")
    limits = limits or ImageLimits.from_settings()
    # Pillow's own guard stays as a backstop for what it allocates before our check can run
    # (a GIF frame's area while seeking): it fails at twice this. Set on each call, as it
    # is a module global and the settings may be reloaded.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        if fmt == "GIF":
            # Before Image.open: opening a GIF already reads its first frame's header, and
            # Pillow may allocate that frame's area there.
            frames, canvas = gif_layout(data)
            _check_layout(frames, canvas, frames, limits)
        with Image.open(io.BytesIO(data)) as img:
            if img.format != fmt:
                raise ImageRejected(f"content is {img.format}, declared {content_type}")
            # Still from the header (Image.open is lazy). Only a GIF's frames are all decoded
            # below; for the other formats, frame 0.
            frames = getattr(img, "n_frames", 1)
            _check_layout(frames, img.size, frames if fmt == "GIF" else 1, limits)
            return _reencode(img, fmt, limits)
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        # Pillow's guard at open: more than twice the limit (its size is not ours to read).
        limit = _megapixels(limits.max_pixels)
        raise ImageRejected(f"too many pixels: more than twice the limit of {limit}") from None
    except Exception as exc:
        # Cleaning is deterministic: a file that fails once fails on every retry, so any
        # failure is this file's refusal (its reason), never an error for the whole batch.
        raise ImageRejected(f"not a readable image: {exc.__class__.__name__}") from None


def _reencode(img: Image.Image, fmt: str, limits: ImageLimits) -> bytes:
    out = io.BytesIO()
    if fmt == "GIF":
        frames = [_pixels_only(frame, "RGBA") for frame in _frames(img, limits)]
        frames[0].save(
            out,
            format="GIF",
            save_all=len(frames) > 1,
            append_images=frames[1:],
            loop=img.info.get("loop", 0),
            duration=img.info.get("duration", 100),
        )
        return out.getvalue()
    upright = ImageOps.exif_transpose(img)
    if fmt == "JPEG":
        mode = upright.mode if upright.mode in ("RGB", "L", "CMYK") else "RGB"
        _pixels_only(upright, mode).save(out, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    else:
        mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
        kwargs = {"quality": _JPEG_QUALITY} if fmt == "WEBP" else {}
        _pixels_only(upright, mode).save(out, format=fmt, **kwargs)
    return out.getvalue()


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} megapixels"


def _check_layout(frames: int, size: tuple[int, int], decoded_frames: int, limits: ImageLimits) -> None:
    """ImageRejected when the header promises more frames, or more decoded pixels, than the limits."""
    if frames > limits.max_frames:
        raise ImageRejected(f"too many frames: {frames}, the limit is {limits.max_frames}")
    width, height = size
    pixels = decoded_frames * width * height
    if pixels > limits.max_pixels:
        shape = f"{width}x{height}" if decoded_frames == 1 else f"{decoded_frames} frames of {width}x{height}"
        raise ImageRejected(
            f"too many pixels: {shape} ({_megapixels(pixels)}), the limit is {_megapixels(limits.max_pixels)}"
        )


def gif_layout(data: bytes) -> tuple[int, tuple[int, int]]:
    """A GIF's frame count and the canvas Pillow will decode its frames onto, read from the
    block structure alone (no pixel is decoded): the logical screen, grown to every frame's
    extent as Pillow grows it. Like Pillow, bytes between blocks are skipped one by one and
    the walk ends at the trailer or at the end of the data. One pass over at most
    `max_media_bytes`."""
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    flags = data[10] if len(data) > 10 else 0
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0
    while pos < len(data) and data[pos] != 0x3B:  # ';' the trailer
        block = data[pos]
        if block == 0x21:  # '!' an extension: its label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # ',' an image: its descriptor, local colour table, LZW data
            descriptor = data[pos + 1 : pos + 10]
            if len(descriptor) < 9:
                break
            x0, y0, w, h = (int.from_bytes(descriptor[i : i + 2], "little") for i in (0, 2, 4, 6))
            width, height = max(width, x0 + w), max(height, y0 + h)
            frames += 1
            table = 3 << ((descriptor[8] & 7) + 1) if descriptor[8] & 0x80 else 0
            pos = _skip_sub_blocks(data, pos + 10 + table + 1)  # + the LZW code size byte
        else:
            pos += 1
    return frames, (width, height)


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a run of length-prefixed sub-blocks (ended by a zero length)."""
    while pos < len(data) and data[pos]:
        pos += data[pos] + 1
    return pos + 1


def _frames(img: Image.Image, limits: ImageLimits):
    """Each frame, counting what decoding them costs as it goes: the header checks are an
    early filter, but Pillow may find frames (or grow the canvas) where a scan of the file
    did not (review: frames hidden behind an empty extension block), so the budget is
    enforced on what is actually decoded, before each frame is converted and kept."""
    decoded = 0
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        decoded += img.size[0] * img.size[1]
        if index >= limits.max_frames:
            raise ImageRejected(f"too many frames: more than {limits.max_frames}")
        if decoded > limits.max_pixels:
            raise ImageRejected(
                f"too many pixels: {index + 1} frames decode to more than {_megapixels(limits.max_pixels)}"
            )
        yield img
