"""Stripping EXIF, GPS and other embedded metadata from tipster photos.

A phone photo's EXIF can carry the tipster's exact location and device serial. The
image is decoded and re-encoded from its pixels alone, so no metadata block (EXIF,
XMP, IPTC, PNG text chunks, comments) survives; the EXIF orientation is applied to the
pixels first so the photo still shows the right way up.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

# Tip photos are evidence-adjacent: keep quality high; metadata, not pixels, is the risk.
_JPEG_QUALITY = 92

# Refuse decompression bombs well below Pillow's own warning level.
Image.MAX_IMAGE_PIXELS = 80_000_000


class ImageRejected(ValueError):
    pass


def _pixels_only(img: Image.Image, mode: str) -> Image.Image:
    """A new image holding only the pixels of `img` (its `info` - EXIF, XMP, ICC,
    comments, text chunks - is not carried over)."""
    converted = img if img.mode == mode else img.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def strip_metadata(data: bytes, content_type: str) -> bytes:
    fmt = _FORMATS.get(content_type)
    if fmt is None:
        raise ImageRejected(f"not an image type we re-encode: {content_type}")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != fmt:
                raise ImageRejected(f"content is {img.format}, declared {content_type}")
            out = io.BytesIO()
            if fmt == "GIF":
                frames = [_pixels_only(frame, "RGBA") for frame in _frames(img)]
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
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected(f"not a readable image: {exc.__class__.__name__}") from None


def _frames(img: Image.Image):
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        yield img
