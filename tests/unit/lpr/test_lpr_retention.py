"""rtcc.lpr.retention: presets, expiry, and the query-time filter that hides expired reads
before TTL deletes them (unless a case holds them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.lpr.model import Read
from rtcc.lpr.retention import (
    PRESETS,
    MemoryCaseHolds,
    NoHolds,
    RetentionError,
    expires_at,
    is_live,
    live,
    policy,
    ttl_epoch,
)

SEEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _read(read_id: str = "r1", seen: datetime = SEEN) -> Read:
    return Read(source_id="s1", read_id=read_id, plate="ABC123", seen_at=seen, camera_id="cam-1")


def test_default_is_thirty_days_and_presets_cite_their_statute() -> None:
    assert policy().period == timedelta(days=30)
    assert policy("NH").period == timedelta(minutes=3)
    assert policy("ME").period == timedelta(days=21)
    assert policy("VT").period == timedelta(days=546)  # the shortest 18 calendar months
    assert all(p.citation for code, p in PRESETS.items() if code != "default")


def test_custom_days_may_shorten_a_statute_never_lengthen_it() -> None:
    assert policy("ME", custom_days=7).period == timedelta(days=7)
    with pytest.raises(RetentionError, match="longer than the limit"):
        policy("ME", custom_days=22)
    assert policy("custom", custom_days=90).period == timedelta(days=90)
    with pytest.raises(RetentionError, match="longer"):
        policy("custom", custom_days=366)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(RetentionError, match="whole number"):
            policy("custom", custom_days=bad)  # type: ignore[arg-type]
    with pytest.raises(RetentionError, match="needs custom_days"):
        policy("custom")
    with pytest.raises(RetentionError, match="unknown preset 'ZZ'"):
        policy("ZZ")


def test_an_expired_read_is_filtered_out_to_the_second_even_before_ttl() -> None:
    rules = policy()
    read = _read()
    assert expires_at(read, rules) == SEEN + timedelta(days=30)
    just_before = SEEN + timedelta(days=30) - timedelta(microseconds=1)
    assert is_live(read, just_before, rules, NoHolds())
    assert not is_live(read, SEEN + timedelta(days=30), rules, NoHolds())
    fresh = _read("r2", SEEN + timedelta(days=10))
    assert list(live([read, fresh], SEEN + timedelta(days=31), rules, NoHolds())) == [fresh]


def test_ttl_is_never_before_the_filter_hides_the_read() -> None:
    rules = policy("NH")
    read = _read(seen=SEEN + timedelta(microseconds=500_000))
    assert ttl_epoch(read, rules) >= expires_at(read, rules).timestamp()
    assert ttl_epoch(_read(), rules) == int((SEEN + timedelta(minutes=3)).timestamp())


def test_a_read_held_by_a_case_outlives_the_retention_until_released() -> None:
    rules, holds = policy("NH"), MemoryCaseHolds()
    read, other = _read("r1"), _read("r2")
    holds.hold(read, "2026-001234")
    later = SEEN + timedelta(days=400)
    assert list(live([read, other], later, rules, holds)) == [read]
    holds.release(read)
    assert list(live([read, other], later, rules, holds)) == []
