"""A normalised `Read` to and from the JSON stored in the lpr-reads table.

What is stored is the `Read` (rtcc.lpr.model), never the vendor's payload: its fields only,
times as ISO 8601 with their offset (a read's time decides its retention and its search
range, so a naive or unparseable time is refused on the way back in, not guessed).

Compact and key-sorted so the same read always encodes to the same text: the read item and
its index items hold identical strings, and a re-delivery compares equal.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rtcc.lpr.model import Candidate, Read

_OPTIONAL = ("state", "confidence", "camera_id", "lat", "lon", "image_ref")


class ReadCodecError(ValueError):
    """Stored text that is not a read this codec wrote (corruption or a foreign item)."""


def read_to_dict(read: Read) -> dict[str, Any]:
    """The read as plain JSON values; None fields and an empty candidate list left out."""
    document: dict[str, Any] = {
        "source_id": read.source_id,
        "read_id": read.read_id,
        "plate": read.plate,
        "seen_at": read.seen_at.isoformat(),
        "vendor": read.vendor,
    }
    for name in _OPTIONAL:
        value = getattr(read, name)
        if value is not None:
            document[name] = value
    if read.candidates:
        document["candidates"] = [_candidate_to_list(c) for c in read.candidates]
    return document


def read_to_json(read: Read) -> str:
    return json.dumps(read_to_dict(read), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _candidate_to_list(candidate: Candidate) -> list[Any]:
    # [plate, confidence]: a read carries up to ten of these, so no per-candidate keys.
    return [candidate.plate, candidate.confidence]


def read_from_dict(document: Any) -> Read:
    if not isinstance(document, dict):
        raise ReadCodecError("a stored read is a JSON object")
    try:
        seen_at = datetime.fromisoformat(document["seen_at"])
        candidates = tuple(
            Candidate(plate, confidence) for plate, confidence in document.get("candidates", ())
        )
        return Read(
            source_id=document["source_id"],
            read_id=document["read_id"],
            plate=document["plate"],
            seen_at=seen_at,
            candidates=candidates,
            vendor=document.get("vendor", "generic"),
            **{name: document.get(name) for name in _OPTIONAL},
        )
    except KeyError as missing:
        raise ReadCodecError(f"a stored read lacks {missing.args[0]}") from None
    except (TypeError, ValueError) as error:
        # The error's type only: its message could quote a value, and a value may be a plate.
        raise ReadCodecError(f"a stored read is malformed: {type(error).__name__}") from None


def read_from_json(text: str | bytes) -> Read:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ReadCodecError("a stored read is not JSON") from None
    return read_from_dict(document)
