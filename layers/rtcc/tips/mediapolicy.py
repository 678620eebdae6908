"""Which media a tip may carry, judged on the bytes, not only on what the sender claims.

A declared type must be on the allowlist, and the content must look like that family
(magic numbers), so an executable renamed `photo.jpg` is rejected with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/3gpp", "video/quicktime", "video/webm"})
AUDIO_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/amr",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        "audio/3gpp",
        "audio/webm",
    }
)
DOCUMENT_TYPES = frozenset({"application/pdf"})
ALLOWED_TYPES = IMAGE_TYPES | VIDEO_TYPES | AUDIO_TYPES | DOCUMENT_TYPES


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def sniff(data: bytes) -> str | None:
    """The type the first bytes show, or None when they match nothing we accept."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg" if not (head[1] & 0x06 == 0) else "audio/aac"
    return None


def _family(content_type: str) -> str:
    if content_type in IMAGE_TYPES:
        return "image"
    if content_type in DOCUMENT_TYPES:
        return "document"
    # mp4/3gpp/webm containers hold audio or video alike: one family for both.
    return "av"


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    content_type: str = ""
    reason: str = ""


def judge(declared_type: str, data: bytes, max_bytes: int) -> Verdict:
    declared = base_type(declared_type)
    if len(data) > max_bytes:
        return Verdict(False, reason=f"too large: {len(data)} bytes, the limit is {max_bytes}")
    if not data:
        return Verdict(False, reason="empty file")
    if declared and declared not in ALLOWED_TYPES:
        return Verdict(False, reason=f"type not allowed: {declared}")
    detected = sniff(data)
    if detected is None:
        return Verdict(
            False,
            reason=f"content is not a recognised image, video, audio or PDF file "
            f"(declared {declared or 'nothing'})",
        )
    if declared and _family(declared) != _family(detected):
        return Verdict(
            False,
            reason=f"content does not match its declared type: declared {declared}, looks like {detected}",
        )
    return Verdict(True, content_type=detected if detected in IMAGE_TYPES or not declared else declared)
