"""SMS segment counting: how many messages a text becomes on the carrier network.

Carriers bill and rate-limit per segment, and a long alert arrives as several (reassembled by
the handset). A text made only of GSM 03.38 characters is sent in GSM-7: 160 septets in one
message, 153 per segment once split (7 go to the concatenation header); characters of the
extension table ("€", "[", "{", ...) take two septets (an escape plus the character).
Anything else (one emoji, one curly quote, "ő") switches the WHOLE message to UCS-2: 70
UTF-16 code units in one message, 67 per segment, an emoji outside the Basic Multilingual
Plane counting 2.

A two-unit character (an escape pair, a surrogate pair) is never split across segments,
which is what handsets and Twilio do, so a segment may carry one unit less than its capacity.

Not modelled: Twilio's optional "Smart Encoding", which would replace look-alikes (curly
quotes, en dashes) with GSM characters before sending; with it off (the default) this count
matches what is billed. `web/public/assets/sms-segments.js` is the same algorithm for the
composer's live counter; a test runs both over the same strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The composer refuses an alert longer than this many segments (Nixle's 10 x 153 is ~1,500
#: characters; beyond that a link to the public page says it better).
MAX_SEGMENTS = 10

# 3GPP TS 23.038 GSM 7-bit default alphabet (the escape 0x1B itself is not typeable).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The default extension table: each costs the escape septet plus itself.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_LIMITS = {
    # encoding: (units in a single message, units per segment of a split one)
    "GSM-7": (160, 153),
    "UCS-2": (70, 67),
}

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the capacity counted against: 160/153 (GSM-7), 70/67 (UCS-2)


class TooManySegments(ValueError):
    """A text longer than MAX_SEGMENTS segments; the message says by how much."""


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    # Python iterates code points; UTF-16 needs a surrogate pair above the BMP.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(sizes: list[int], capacity: int) -> int:
    """Segments needed when no character is split across two of them."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments


def segments(text: str) -> SegmentCount:
    """How `text` goes out: its encoding, length in units, and number of segments."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    single, split = _LIMITS[encoding]
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    if units == 0:
        return SegmentCount(encoding, 0, 0, single)
    if units <= single:
        return SegmentCount(encoding, units, 1, single)
    return SegmentCount(encoding, units, _pack(sizes, split), split)


def check_segments(text: str, limit: int = MAX_SEGMENTS) -> SegmentCount:
    """The count of `text`, or TooManySegments when it is over `limit` segments."""
    count = segments(text)
    if count.segments > limit:
        raise TooManySegments(
            f"the text is {count.segments} SMS segments ({count.units} {count.encoding} units); "
            f"at most {limit} are sent"
            + (
                " (one character outside GSM-7 makes the whole text UCS-2)"
                if count.encoding == "UCS-2"
                else ""
            )
        )
    return count
