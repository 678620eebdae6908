"""The public transparency report: per month, how many reads, hits, verified and rejected
hits, searches by purpose and active readers, and the retention in force.

Built from counters only (no read, hit or search record is looked at when the page is
served), and checked before it is published: `check_anonymous` accepts exactly the shape
below and nothing else, so no plate, case number, username, reader id or place can slip
into it by a later edit. Purposes are the city's configured labels; a label that could
carry a plate or a case number (any digit) is refused at configuration time.

    {"retention": {"preset": "ME", "days": 21, "citation": "Me. Rev. Stat. ..."},
     "months": [{"month": "2026-11", "reads": 0, "hits": 0, "accepted": 0, "rejected": 0,
                 "searches": {"total": 0, "by_purpose": {"stolen vehicle": 0}},
                 "readers": 0}]}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.lpr.retention import PRESETS, RetentionPolicy

_PURPOSE = re.compile(r"[A-Za-z][A-Za-z ,'&/()-]{0,59}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_MONTH_KEYS = {"month", "reads", "hits", "accepted", "rejected", "searches", "readers"}


class NotAnonymous(ValueError):
    """The report holds something it must not publish; the message says where."""


def check_purposes(purposes: Iterable[str]) -> frozenset[str]:
    """The configured purpose labels, refused if one could identify a case or a plate."""
    labels = frozenset(purposes)
    for label in labels:
        if not isinstance(label, str) or not _PURPOSE.fullmatch(label):
            raise NotAnonymous(f"purpose {label!r}: letters and punctuation only (no digits), at most 60")
    return labels


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


@dataclass
class MonthCounts:
    reads: int = 0
    hits: int = 0
    accepted: int = 0
    rejected: int = 0
    searches: Counter[str] = field(default_factory=Counter)
    readers: set[str] = field(default_factory=set)  # counted, never published


class MemoryCounters:
    """In-memory monthly counters (the shape a DynamoDB counter item per month keeps:
    ADD on numbers, ADD to a string set for readers)."""

    def __init__(self) -> None:
        self.months: dict[str, MonthCounts] = {}

    def _month(self, at: datetime) -> MonthCounts:
        return self.months.setdefault(month_of(at), MonthCounts())

    def read(self, at: datetime, reader_id: str | None) -> None:
        counts = self._month(at)
        counts.reads += 1
        if reader_id:
            counts.readers.add(reader_id)

    def hit(self, at: datetime) -> None:
        self._month(at).hits += 1

    def decision(self, at: datetime, accepted: bool) -> None:
        counts = self._month(at)
        if accepted:
            counts.accepted += 1
        else:
            counts.rejected += 1

    def search(self, at: datetime, purpose: str) -> None:
        self._month(at).searches[purpose] += 1


def _retention(rules: RetentionPolicy) -> dict[str, Any]:
    days = rules.period / timedelta(days=1)
    return {
        "preset": rules.preset,
        "days": int(days) if days.is_integer() else round(days, 6),
        "citation": rules.citation,
    }


def report(
    months: dict[str, MonthCounts], retention: RetentionPolicy, purposes: Iterable[str]
) -> dict[str, Any]:
    """The `/transparency` JSON, oldest month first, checked before it is returned."""
    labels = check_purposes(purposes)
    rows = [
        {
            "month": month,
            "reads": c.reads,
            "hits": c.hits,
            "accepted": c.accepted,
            "rejected": c.rejected,
            "searches": {
                "total": sum(c.searches.values()),
                "by_purpose": {p: c.searches[p] for p in sorted(labels)},
            },
            "readers": len(c.readers),
        }
        for month, c in sorted(months.items())
    ]
    doc = {"retention": _retention(retention), "months": rows}
    check_anonymous(doc, labels)
    return doc


def _count(where: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NotAnonymous(f"{where}: a count expected, got {value!r}")


def _check_retention(retention: Any) -> None:
    if not isinstance(retention, dict) or set(retention) != {"preset", "days", "citation"}:
        raise NotAnonymous("retention: exactly preset, days and citation")
    preset = retention["preset"]
    expected = PRESETS[preset].citation if preset in PRESETS else ""
    if preset not in (*PRESETS, "custom") or retention["citation"] != expected:
        raise NotAnonymous("retention: a preset from the table, with its own citation")
    if isinstance(retention["days"], bool) or not isinstance(retention["days"], int | float):
        raise NotAnonymous("retention.days: a number expected")


def _check_month(row: Any, purposes: frozenset[str]) -> None:
    if not isinstance(row, dict) or set(row) != _MONTH_KEYS:
        raise NotAnonymous(f"months: each row holds exactly {sorted(_MONTH_KEYS)}")
    if not isinstance(row["month"], str) or not _MONTH.fullmatch(row["month"]):
        raise NotAnonymous(f"months.month: YYYY-MM expected, got {row['month']!r}")
    for key in ("reads", "hits", "accepted", "rejected", "readers"):
        _count(f"{row['month']}.{key}", row[key])
    searches = row["searches"]
    if not isinstance(searches, dict) or set(searches) != {"total", "by_purpose"}:
        raise NotAnonymous(f"{row['month']}.searches: exactly total and by_purpose")
    _count(f"{row['month']}.searches.total", searches["total"])
    for label, count in searches["by_purpose"].items():
        if label not in purposes:
            raise NotAnonymous(f"{row['month']}.searches: {label!r} is not a configured purpose")
        _count(f"{row['month']}.searches.{label}", count)


def check_anonymous(doc: Any, purposes: frozenset[str]) -> None:
    """Raise NotAnonymous unless the document is exactly the published shape: counts,
    months, configured purpose labels and the retention table's own words."""
    if not isinstance(doc, dict) or set(doc) != {"retention", "months"}:
        raise NotAnonymous("report: exactly retention and months")
    _check_retention(doc["retention"])
    if not isinstance(doc["months"], list):
        raise NotAnonymous("months: a list expected")
    for row in doc["months"]:
        _check_month(row, check_purposes(purposes))
