"""The counters' pure parts: the months the transparency report asks for (across a new year)
and a month item read back into MonthCounts (searches per purpose, the readers' set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from rtcc.lpr.counts_dynamodb import _month_counts, month_counter, recent_months


def test_recent_months_cross_the_year_oldest_first() -> None:
    assert recent_months(datetime(2026, 2, 10, tzinfo=UTC), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    # The month is UTC's: 8 pm on Jan 31 in Chicago is already February.
    chicago = timezone(timedelta(hours=-6))
    assert recent_months(datetime(2026, 1, 31, 20, tzinfo=chicago), 1) == ["2026-02"]
    assert len(recent_months(datetime(2026, 12, 2, tzinfo=UTC))) == 12
    assert month_counter("2026-12") == "month#2026-12"


def test_a_month_item_read_back() -> None:
    item = {
        "counter": {"S": "month#2026-12"},
        "reads": {"N": "120"},
        "hits": {"N": "3"},
        "rejected": {"N": "1"},
        "searches": {"N": "2"},
        "search#stolen vehicle": {"N": "2"},
        "readers": {"SS": ["cam-1", "cam-2"]},
    }
    counts = _month_counts(item)
    assert (counts.reads, counts.hits, counts.accepted, counts.rejected) == (120, 3, 0, 1)
    assert counts.searches == {"stolen vehicle": 2} and counts.readers == {"cam-1", "cam-2"}
