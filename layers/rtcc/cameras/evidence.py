"""Evidence: what an owner may upload, what the bytes really are, and the export's manifest.

Pure domain (no AWS). The upload plan splits a declared clip into S3 multipart parts (the
browser PUTs each to a presigned URL, so a phone on a weak network retries one part, not the
clip). Intake trusts nothing the browser said: it sniffs the container from the first bytes
(ISO BMFF `ftyp`, Matroska/WebM EBML, RIFF...) and refuses what is not one of the video types.
An export is a zip of a case's clips with manifest.json listing each file's SHA-256, size, S3
version and where it came from; `verify_zip` (the `rtcc evidence verify` CLI) recomputes them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from rtcc.errors import DomainError

MIB = 1024 * 1024
#: S3's smallest part (but the last) and its most parts per upload.
MIN_PART = 5 * MIB
MAX_PARTS = 10_000
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/x-matroska", "video/webm")
_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MANIFEST = "manifest.json"
_EXTENSIONS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/x-matroska": "mkv", "video/webm": "webm"}
#: The manifest's signature (DER ECDSA over manifest.json's bytes), the signing key's public
#: half (PEM) and which KMS key it is (rtcc.cameras.evidence_signature).
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "signing-key.pem"
KEY_INFO = "signing-key.json"
SIGNED_PARTS = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY, KEY_INFO})


@dataclass(frozen=True)
class UploadPlan:
    file_name: str
    content_type: str
    size: int
    part_size: int
    parts: int


def extension(content_type: str | None) -> str:
    """A clip's file extension from its (declared or sniffed) video type."""
    return _EXTENSIONS.get(content_type or "", "bin")


def safe_name(name: str) -> str:
    """A file name safe as an S3 key segment and a zip member: no path, no odd characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _FILE_NAME.sub("_", base).strip("._")[:100]
    return cleaned or "clip"


def plan_upload(body: object, max_clip_mb: int) -> UploadPlan:
    """The parts of a declared clip, or a 400 naming the field (type, size)."""
    if not isinstance(body, dict):
        raise DomainError("a JSON object is required", field="body")
    content_type = body.get("content_type")
    if content_type not in VIDEO_TYPES:
        raise DomainError(f"video only: one of {', '.join(VIDEO_TYPES)}", field="content_type")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise DomainError("the clip's size in bytes is required", field="size")
    if size > max_clip_mb * MIB:
        raise DomainError(f"larger than the {max_clip_mb} MiB a clip may be", field="size")
    name = body.get("file_name")
    if not isinstance(name, str) or not name.strip():
        raise DomainError("required", field="file_name")
    part_size = max(MIN_PART, math.ceil(size / MAX_PARTS / MIB) * MIB)
    return UploadPlan(safe_name(name), content_type, size, part_size, math.ceil(size / part_size))


#: Clips one owner may upload for one request: enough for several cameras and angles, not a
#: way to fill the locked bucket.
MAX_UPLOADS_PER_NOTICE = 10


def size_problem(sent: int, declared: int, max_clip_mb: int) -> str | None:
    """Why an upload's real size is refused at completion (None: it is not)."""
    if sent > max_clip_mb * MIB:
        return f"larger than the {max_clip_mb} MiB a clip may be ({sent} bytes sent)"
    if sent != declared:
        return f"{sent} bytes sent, {declared} declared"
    return None


def check_parts(parts: object, expected: int) -> list[dict[str, Any]]:
    """The browser's list of uploaded parts ({part_number, etag}), complete and in order."""
    if not isinstance(parts, list) or len(parts) != expected:
        raise DomainError(f"all {expected} parts are required", field="parts")
    out = []
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, dict) or part.get("part_number") != number:
            raise DomainError(f"part {number} is missing or out of order", field="parts")
        etag = part.get("etag")
        if not isinstance(etag, str) or not 1 <= len(etag) <= 80:
            raise DomainError(f"part {number}: its ETag is required", field="parts")
        out.append({"PartNumber": number, "ETag": etag if etag.startswith('"') else f'"{etag}"'})
    return out


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is (a MIME type), whatever it was called."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video/quicktime"  # old QuickTime files start with an atom other than ftyp
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    for magic, kind in (
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x89PNG", "image/png"),
        (b"%PDF", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"RIFF", "audio/x-wav"),
    ):
        if head.startswith(magic):
            return kind
    return "application/octet-stream"


def is_accepted_video(kind: str) -> bool:
    return kind in VIDEO_TYPES


class HashingReader:
    """Reads a stream through SHA-256 and counts its bytes (intake and export hash as they copy)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""

    def update(self, chunk: bytes) -> None:
        if len(self.head) < 64:
            self.head += chunk[: 64 - len(self.head)]
        self.digest.update(chunk)
        self.size += len(chunk)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def manifest_entry(member: str, item: dict[str, Any], digest: str, size: int) -> dict[str, Any]:
    """One file of an export's manifest: the hash computed while zipping, and its origin."""
    return {
        "file": member,
        "sha256": digest,
        "size": size,
        "version_id": item.get("version_id"),
        "received": item.get("received_at"),
        "request": item.get("request_id"),
        "camera": item.get("camera_id"),
        "sha256_at_intake": item.get("sha256"),
    }


def _hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    reader = HashingReader()
    with archive.open(name) as member:
        while chunk := member.read(MIB):
            reader.update(chunk)
    return reader.hexdigest(), reader.size


def unsafe_member(name: object) -> str | None:
    """Why a zip member name cannot be evidence (None: it can). A name a tool would write
    outside the folder it unpacks to, or read differently on another system, is refused."""
    if not isinstance(name, str) or not name or len(name) > 300:
        return "not a file name"
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute or Windows path"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "a path with an empty, . or .. segment"
    return None


def _name_problems(names: list[str]) -> list[str]:
    """Duplicate members (zip readers disagree on which one is read), unsafe names, no manifest."""
    problems = [f"{n}: {why}" for n in sorted(set(names)) if (why := unsafe_member(n))]
    problems += [
        f"{n}: appears {names.count(n)} times in the zip" for n in sorted(set(names)) if names.count(n) > 1
    ]
    if MANIFEST not in names:
        problems.append(f"{MANIFEST}: missing")
    return problems


def _manifest_files(raw: bytes) -> tuple[list[Any], list[str]]:
    """The manifest's file entries and what is wrong with the manifest itself."""
    try:
        files = json.loads(raw)["files"]
    except (ValueError, KeyError, TypeError):
        return [], [f"{MANIFEST}: not a manifest"]
    if not isinstance(files, list) or not files:
        return [], [f"{MANIFEST}: lists no files"]
    return files, []


def _entry_problems(archive: zipfile.ZipFile, number: int, entry: object, names: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{MANIFEST}: entry {number} is not an object"]
    name = entry.get("file")
    if unsafe_member(name) or name in SIGNED_PARTS:
        return [f"{MANIFEST}: entry {number} names no evidence file ({name!r})"]
    if name not in names:
        return [f"{name}: missing"]
    digest, size = _hash_member(archive, name)
    problems = []
    if digest != entry.get("sha256") or size != entry.get("size"):
        problems.append(f"{name}: SHA-256 mismatch (manifest {entry.get('sha256')}, file {digest})")
    if digest != entry.get("sha256_at_intake"):
        problems.append(f"{name}: not the file taken in (SHA-256 at intake {entry.get('sha256_at_intake')})")
    return problems


def verify_zip(source: str | IO[bytes], public_key_pem: bytes | None = None) -> list[str]:
    """Every problem with an export (empty: it verifies): a manifest not signed by the city's
    key (`public_key_pem` when given, which a court obtains from the city, else the key the
    zip carries), a file whose SHA-256 or size differs from the manifest or from intake, a
    listed file missing, a file the manifest does not list, unsafe or duplicate names."""
    from rtcc.cameras.evidence_signature import signature_problems

    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        return [f"not a readable zip: {error}"]
    with archive:
        names = archive.namelist()
        problems = _name_problems(names)
        if problems:
            return problems
        raw = archive.read(MANIFEST)
        problems = signature_problems(archive, raw, public_key_pem)
        files, manifest_problems = _manifest_files(raw)
        problems += manifest_problems
        listed = [entry.get("file") for entry in files if isinstance(entry, dict)]
        problems += [
            f"{n}: listed {listed.count(n)} times"
            for n in sorted(set(map(str, listed)))
            if listed.count(n) > 1
        ]
        for number, entry in enumerate(files, start=1):
            problems += _entry_problems(archive, number, entry, set(names))
        problems += [
            f"{name}: extra file not in the manifest"
            for name in sorted(set(names) - set(listed) - SIGNED_PARTS)
        ]
        return problems
