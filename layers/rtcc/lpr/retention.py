"""How long a plate read is kept, and the query-time filter that enforces it.

DynamoDB TTL deletes an expired item only eventually (typically within days), so TTL alone
would let a search return a read the law says is gone: every read path also filters with
`live` against the same `expires_at` the TTL attribute was written from. A read whose hit
is attached to a case is held by the case (its retention is the case's, not the reads'):
`CaseHolds` is the port the case records answer through.

Presets are statutory ceilings for reads that are not part of an investigation, each cited;
the deploy config picks one (or "custom" with its days). A custom period may be shorter than
a state's preset, never longer. Months are counted as the shortest run of that many calendar
months (so 18 months is 546 days) so no read outlives the statute. Check the current text of
your state's law before relying on a preset: statutes change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rtcc.lpr.model import Read


@dataclass(frozen=True)
class RetentionPreset:
    code: str  # "default", a state's two-letter code, or "custom"
    period: timedelta
    citation: str  # where the limit comes from (empty for the default)


_DAY = timedelta(days=1)
PRESETS: dict[str, RetentionPreset] = {
    p.code: p
    for p in (
        # Flock's default and the issue's: not a statute.
        RetentionPreset("default", 30 * _DAY, ""),
        # Non-hit reads purged within 3 minutes of capture, unless the read led to an arrest,
        # citation or a missing/wanted-person identification (kept with the case here). A 2024
        # bill (SB 428) proposed a longer period; a preset shorter than the law is never
        # unlawful, a longer one would be, so each preset errs short (MN's drafts said 90).
        RetentionPreset("NH", timedelta(minutes=3), "N.H. Rev. Stat. § 261:75-b, VIII"),
        RetentionPreset("ME", 21 * _DAY, "Me. Rev. Stat. tit. 29-A, § 2117-A"),
        RetentionPreset("MN", 60 * _DAY, "Minn. Stat. § 13.824, subd. 3"),
        RetentionPreset("TN", 90 * _DAY, "Tenn. Code Ann. § 55-10-302(b)"),
        RetentionPreset("AR", 150 * _DAY, "Ark. Code Ann. § 12-12-1804(a)"),
        RetentionPreset("VT", 546 * _DAY, "Vt. Stat. Ann. tit. 23, § 1607 (18 months)"),
    )
}
#: A custom period longer than this is refused: a year of everyone's movements is a
#: tracking database, not an investigative tool; a case keeps what it needs.
MAX_CUSTOM_DAYS = 365


class RetentionError(ValueError):
    """A retention setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class RetentionPolicy:
    preset: str
    period: timedelta
    citation: str = ""


def policy(preset: str = "default", custom_days: int | None = None) -> RetentionPolicy:
    """The policy in force: a preset, optionally shortened by `custom_days`, or "custom"."""
    if preset == "custom":
        if custom_days is None:
            raise RetentionError("retention: 'custom' needs custom_days")
        return RetentionPolicy("custom", _custom(custom_days, MAX_CUSTOM_DAYS * _DAY))
    if preset not in PRESETS:
        known = ", ".join(sorted(PRESETS))
        raise RetentionError(f"retention: unknown preset {preset!r} (known: {known}, custom)")
    chosen = PRESETS[preset]
    if custom_days is None:
        return RetentionPolicy(chosen.code, chosen.period, chosen.citation)
    return RetentionPolicy(chosen.code, _custom(custom_days, chosen.period), chosen.citation)


def _custom(days: int, ceiling: timedelta) -> timedelta:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise RetentionError("retention: custom_days must be a whole number of days, at least 1")
    if days * _DAY > ceiling:
        raise RetentionError(f"retention: {days} days is longer than the limit in force ({ceiling})")
    return days * _DAY


class CaseHolds(Protocol):
    def held(self, read: Read) -> bool:
        """True when a hit on this read is attached to a case: the case keeps it."""
        ...


class NoHolds:
    def held(self, read: Read) -> bool:
        return False


class MemoryCaseHolds:
    """In-memory holds by (source_id, read_id): tests, and the shape a table adapter keeps."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], str] = {}

    def hold(self, read: Read, case_number: str) -> None:
        self._held[(read.source_id, read.read_id)] = case_number

    def release(self, read: Read) -> None:
        self._held.pop((read.source_id, read.read_id), None)

    def held(self, read: Read) -> bool:
        return (read.source_id, read.read_id) in self._held


def expires_at(read: Read, rules: RetentionPolicy) -> datetime:
    """When the read stops existing unless a case holds it (the TTL attribute's time)."""
    return read.seen_at + rules.period


def ttl_epoch(read: Read, rules: RetentionPolicy) -> int:
    """The DynamoDB TTL attribute: whole seconds, rounded up so TTL never deletes early
    and the query-time filter (exact) is the one that hides the read on time."""
    moment = expires_at(read, rules).timestamp()
    return int(moment) + (moment % 1 > 0)


def is_live(read: Read, now: datetime, rules: RetentionPolicy, holds: CaseHolds) -> bool:
    return now < expires_at(read, rules) or holds.held(read)


def live(reads: Iterable[Read], now: datetime, rules: RetentionPolicy, holds: CaseHolds) -> Iterator[Read]:
    """The query-time filter every read path applies: an expired read is never returned,
    even while it still sits in the table waiting for TTL."""
    return (r for r in reads if is_live(r, now, rules, holds))
