"""rtcc.lpr.search: a search needs a purpose and a case, is bounded in time and retention,
and is planned as key lookups only (never all reads); the writer's index keys and the
planner's lookups agree; the audit record holds the query, never results."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rtcc.lpr.geocells import BBox, count_cells, cover, encode
from rtcc.lpr.model import Candidate, Read
from rtcc.lpr.retention import NoHolds, live, policy
from rtcc.lpr.search import (
    PlateMode,
    SearchRefused,
    SearchRequest,
    SearchRules,
    audit_detail,
    index_keys,
    plan,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULES = SearchRules(purposes=frozenset({"stolen vehicle", "homicide"}), retention=policy())
BASE = SearchRequest(
    user="det.rivera",
    purpose="stolen vehicle",
    case_number="2026-001234",
    start=NOW - timedelta(days=3),
    end=NOW,
    plate="abc-123",
)
DOWNTOWN = BBox(42.35, -71.07, 42.37, -71.05)


def _read(read_id: str, plate: str, **kw: object) -> Read:
    fields = {"source_id": "s1", "read_id": read_id, "plate": plate, "seen_at": NOW - timedelta(days=1)}
    return Read(**{**fields, **kw})  # type: ignore[arg-type]


def _refused(request: SearchRequest, field: str) -> str:
    with pytest.raises(SearchRefused) as caught:
        plan(request, RULES, NOW)
    assert caught.value.field == field, caught.value
    return str(caught.value)


def test_purpose_and_case_number_are_required() -> None:
    assert "stolen vehicle" in _refused(replace(BASE, purpose=""), "purpose")
    _refused(replace(BASE, purpose="curiosity"), "purpose")
    _refused(replace(BASE, case_number=""), "case_number")
    _refused(replace(BASE, case_number="x" * 41), "case_number")
    _refused(replace(BASE, user=" "), "user")


def test_the_mode_arrives_as_text_and_a_typo_is_refused() -> None:
    assert plan(replace(BASE, mode="ocr-equivalent"), RULES, NOW).lookups[0].index == "ocr"  # type: ignore[arg-type]
    assert "exact, ocr-equivalent, wildcard" in _refused(replace(BASE, mode="fuzzy"), "mode")  # type: ignore[arg-type]


def test_the_purpose_list_is_checked_when_configured() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SearchRules(purposes=frozenset(), retention=policy())
    with pytest.raises(ValueError, match="no digits"):
        SearchRules(purposes=frozenset({"case 2026-001234"}), retention=policy())


def test_time_range_is_bounded_and_clamped_to_retention() -> None:
    _refused(replace(BASE, start=NOW - timedelta(days=32)), "end")
    _refused(replace(BASE, start=NOW, end=NOW - timedelta(days=1)), "start")
    _refused(replace(BASE, start=NOW - timedelta(days=40), end=NOW - timedelta(days=31)), "end")
    _refused(replace(BASE, start=datetime(2026, 11, 1), end=NOW), "start")  # naive
    asked = replace(BASE, start=NOW - timedelta(days=30, hours=12), end=NOW + timedelta(hours=12))
    straddling = plan(asked, RULES, NOW)
    assert (straddling.start, straddling.end) == (NOW - timedelta(days=30), NOW)


def test_nothing_to_narrow_by_is_refused_not_scanned() -> None:
    assert "never reads all reads" in _refused(replace(BASE, plate=None), "plate")
    _refused(replace(BASE, plate="*123", mode=PlateMode.WILDCARD), "plate")
    _refused(replace(BASE, plate="A?C*", mode=PlateMode.WILDCARD), "plate")
    assert "illegal characters" in _refused(replace(BASE, plate="AB$12"), "plate")


def test_each_kind_of_search_is_key_lookups_only() -> None:
    assert [(x.index, x.key) for x in plan(BASE, RULES, NOW).lookups] == [("plate", "ABC123")]
    ocr = plan(replace(BASE, plate="0B8-1Z5", mode=PlateMode.OCR), RULES, NOW)
    assert [x.key for x in ocr.lookups] == [
        plan(replace(BASE, plate="OB8IZS", mode=PlateMode.OCR), RULES, NOW).lookups[0].key
    ]
    wild = plan(replace(BASE, plate="ABC*", mode=PlateMode.WILDCARD), RULES, NOW)
    assert {x.index for x in wild.lookups} == {"prefix"} and len(wild.lookups) == 4  # 4 UTC days touched
    reader = plan(replace(BASE, plate=None, reader_id="cam-7"), RULES, NOW)
    assert [x.key for x in reader.lookups][0] == "cam-7#2026-11-17"
    area = plan(replace(BASE, plate=None, area=DOWNTOWN), RULES, NOW)
    assert len(area.lookups) == count_cells(DOWNTOWN) * 4 and {x.index for x in area.lookups} == {"cell"}
    for search in (wild, reader, area):
        assert all(x.start == search.start and x.end == search.end for x in search.lookups)


def test_a_huge_area_is_refused_before_its_cells_are_listed() -> None:
    _refused(replace(BASE, plate=None, area=BBox(-80, -170, 80, 170)), "area")


def test_the_reads_written_under_a_key_are_the_ones_the_plan_looks_up() -> None:
    read = _read(
        "r1",
        "XYZ 789",
        candidates=(Candidate("XYZ789"), Candidate("XY2789")),
        camera_id="cam-7",
        lat=42.36,
        lon=-71.06,
    )
    written = set(index_keys(read))
    for request in (
        replace(BASE, plate="xyz789"),
        replace(BASE, plate="XY2789"),
        replace(BASE, plate="XYZ7B9", mode=PlateMode.OCR),
        replace(BASE, plate="XYZ*", mode=PlateMode.WILDCARD),
        replace(BASE, plate=None, reader_id="cam-7"),
        replace(BASE, plate=None, area=DOWNTOWN),
        replace(BASE, plate="*789", mode=PlateMode.WILDCARD, area=DOWNTOWN),
    ):
        search = plan(request, RULES, NOW)
        assert written & {(x.index, x.key) for x in search.lookups}, request
        assert search.admits(read), request


def test_admits_narrows_what_a_lookup_returns() -> None:
    search = plan(replace(BASE, plate="AB?12*", mode=PlateMode.WILDCARD, reader_id="cam-7"), RULES, NOW)
    assert search.admits(_read("a", "ABX1234", camera_id="cam-7"))
    assert not search.admits(_read("b", "ABX1234", camera_id="cam-8"))
    assert not search.admits(_read("c", "ABXX1234", camera_id="cam-7"))
    assert not search.admits(_read("d", "ABX1234", camera_id="cam-7", seen_at=NOW - timedelta(days=4)))
    boxed = plan(replace(BASE, plate=None, area=DOWNTOWN), RULES, NOW)
    assert not boxed.admits(_read("e", "ABC123", lat=42.40, lon=-71.06))
    assert not boxed.admits(_read("f", "ABC123"))  # no position: not in any area


def test_results_never_include_reads_past_retention() -> None:
    rules = replace(RULES, retention=policy("ME"))
    search = plan(replace(BASE, start=NOW - timedelta(days=30)), rules, NOW)
    old = _read("old", "ABC123", seen_at=NOW - timedelta(days=22))
    new = _read("new", "ABC123", seen_at=NOW - timedelta(days=2))
    stored = [old, new]  # the old one still waits for TTL
    assert [r for r in live(stored, NOW, rules.retention, NoHolds()) if search.admits(r)] == [new]


def test_the_audit_record_holds_who_why_and_the_query_never_results() -> None:
    search = plan(replace(BASE, area=DOWNTOWN), RULES, NOW)
    detail = audit_detail(BASE, search)
    assert detail["user"] == "det.rivera" and detail["purpose"] == "stolen vehicle"
    assert detail["case_number"] == "2026-001234" and detail["query"]["plate"] == "abc-123"
    assert set(detail) == {"user", "purpose", "case_number", "query"}
    assert "results" not in str(detail) and "reads" not in detail["query"]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-60, 60),
    st.floats(-170, 170),
    st.floats(0.001, 0.2),
    st.floats(0.001, 0.2),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_every_point_in_a_box_is_in_one_of_its_cells(
    south: float, west: float, height: float, width: float, fy: float, fx: float
) -> None:
    box = BBox(south, west, south + height, west + width)
    cells = cover(box)
    assert len(cells) == count_cells(box) == len(set(cells))
    assert encode(south + fy * height, west + fx * width) in cells


@settings(max_examples=300, deadline=None)
@given(
    plate=st.one_of(st.none(), st.text("ABC0O8B*?- ", max_size=9)),
    mode=st.sampled_from(list(PlateMode)),
    reader=st.one_of(st.none(), st.just("cam-7")),
    area=st.one_of(st.none(), st.just(DOWNTOWN), st.just(BBox(40, -75, 45, -70))),
    start_hours=st.integers(-24 * 60, 24),
    span_hours=st.integers(1, 24 * 40),
)
def test_any_search_is_refused_or_a_bounded_set_of_key_lookups_inside_retention(
    plate: str | None,
    mode: PlateMode,
    reader: str | None,
    area: BBox | None,
    start_hours: int,
    span_hours: int,
) -> None:
    start = NOW + timedelta(hours=start_hours)
    request = replace(
        BASE,
        plate=plate,
        mode=mode,
        reader_id=reader,
        area=area,
        start=start,
        end=start + timedelta(hours=span_hours),
    )
    try:
        search = plan(request, RULES, NOW)
    except SearchRefused:
        return
    assert 1 <= len(search.lookups) <= RULES.max_lookups
    assert {x.index for x in search.lookups} <= {"plate", "ocr", "prefix", "reader", "cell"}
    assert all(x.key and NOW - timedelta(days=30) <= x.start < x.end <= NOW for x in search.lookups)
