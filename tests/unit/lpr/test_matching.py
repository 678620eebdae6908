"""rtcc.lpr.matching: exact / OCR-equivalent / wildcard hits by key, never by a scan;
expiry at match time; the atomic switch-over."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtcc.lpr.matching import HotlistIndex, Hotlists, ProbeCount
from rtcc.lpr.model import Candidate, HotlistEntry, MatchKind, Read
from rtcc.lpr.plates import OCR_CLASSES

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def entry(plate: str, entry_id: str | None = None, **kw) -> HotlistEntry:
    return HotlistEntry(kw.pop("list_id", "stolen"), entry_id or plate, plate, **kw)


def read(plate: str, *others: str, state: str | None = None, camera: str = "cam-1") -> Read:
    cands = tuple(Candidate(p) for p in (plate, *others))
    return Read("src", f"r-{plate}", plate, NOW, state=state, candidates=cands, camera_id=camera)


def kinds(index: HotlistIndex, r: Read) -> dict[str, MatchKind]:
    return {h.entry.entry_id: h.kind for h in index.match(r, NOW)}


def test_exact_and_ocr_equivalent_hits_say_which_candidate_matched() -> None:
    index = HotlistIndex([entry("ABC123", state="MA"), entry("8OB-555", "bob")])
    [hit] = index.match(read("ABC-123", state="MA"), NOW)
    assert (hit.kind, hit.candidate, hit.state_agrees) == (MatchKind.EXACT, "ABC123", True)
    [hit] = index.match(read("XYZ999", "80B5S5", state="NH"), NOW)
    assert (hit.entry.entry_id, hit.kind, hit.candidate) == ("bob", MatchKind.OCR_EQUIVALENT, "80B5S5")
    assert hit.state_agrees is None  # the entry has no state


def test_state_disagreement_is_still_a_hit_flagged_for_the_officer() -> None:
    [hit] = HotlistIndex([entry("ABC123", state="MA")]).match(read("ABC123", state="NH"), NOW)
    assert hit.state_agrees is False


def test_an_entry_hit_by_several_candidates_is_one_hit_of_its_best_kind() -> None:
    index = HotlistIndex([entry("ABC123")])
    [hit] = index.match(read("A8C123", "ABC123"), NOW)  # OCR on the first, exact on the second
    assert (hit.kind, hit.candidate) == (MatchKind.EXACT, "ABC123")


def test_question_mark_and_star_patterns() -> None:
    index = HotlistIndex(
        [
            entry("AB?12?", "q"),
            entry("7XY*", "prefix"),
            entry("*99", "suffix"),
            entry("K*9*Z", "both"),
            entry("*QRT*", "inner"),
            entry("?MN*", "lead"),
        ]
    )
    assert kinds(index, read("ABC123")) == {"q": MatchKind.WILDCARD}
    assert kinds(index, read("ABX12Z")) == {"q": MatchKind.WILDCARD}
    assert kinds(index, read("AB123")) == {}  # "?" is exactly one character
    assert kinds(index, read("7XY")) == {"prefix": MatchKind.WILDCARD}  # "*" may be empty
    assert set(kinds(index, read("7XY0099"))) == {"prefix", "suffix"}
    assert set(kinds(index, read("KA9BZ"))) == {"both"}
    assert set(kinds(index, read("1QRT2"))) == {"inner"}
    assert set(kinds(index, read("1MN"))) == {"lead"}
    assert kinds(index, read("MN1")) == {}


def test_wildcards_tolerate_look_alikes() -> None:
    # A partial plate is a witness's guess; the read may confuse B and 8 all the same.
    assert set(kinds(HotlistIndex([entry("AB*", "p")]), read("A8C123"))) == {"p"}


def test_expired_entries_stop_matching_at_their_expiry_without_a_rebuild() -> None:
    index = HotlistIndex(
        [entry("ABC123", expires_at=NOW + timedelta(seconds=1)), entry("AB*", "w", expires_at=NOW)]
    )
    assert [h.entry.entry_id for h in index.match(read("ABC123"), NOW)] == ["ABC123"]
    assert index.match(read("ABC123"), NOW + timedelta(seconds=1)) == []


def test_hits_come_highest_priority_first_and_junk_candidates_match_nothing() -> None:
    index = HotlistIndex(
        [entry("ABC123", "low", priority=90), entry("ABC123", "high", list_id="amber", priority=0)]
    )
    assert [h.entry.entry_id for h in index.match(read("ABC123", "AB_C?", ""), NOW)] == ["high", "low"]


def test_entries_with_illegal_plates_are_reported_not_indexed() -> None:
    index = HotlistIndex([entry("AB%1"), entry("*"), entry("OK1")])
    assert sorted(e.plate for e, _ in index.rejected) == ["*", "AB%1"]


def _many(count: int) -> list[HotlistEntry]:
    plates = [f"{i:07d}" for i in range(count)]
    wild = [f"W{i % 97:02d}*" for i in range(50)] + [f"Q{i % 10}?{i % 7}" for i in range(50)]
    return (
        [entry(p) for p in plates]
        + [entry(w, f"w{i}") for i, w in enumerate(wild)]
        + [entry("*ZZ9*", "inner")]
    )


def test_probes_are_bounded_by_pattern_shapes_not_by_entries() -> None:
    small, large = HotlistIndex(_many(100)), HotlistIndex(_many(20_000))
    r = read("XYZ1234", "W01AAA", "Q1X3", "0000050", "AZZ9B")
    counts = []
    for index in (small, large):
        count = ProbeCount()
        index.match(r, NOW, count)
        bound = sum(index.shape_count(len(p)) for p in ("XYZ1234", "W01AAA", "Q1X3", "0000050", "AZZ9B"))
        assert count.candidates == 5 and count.probes <= bound
        counts.append((count.probes, count.checks))
    assert counts[0] == counts[1]  # 200 times the entries, the same work
    assert counts[1][0] < 60


def test_a_match_during_a_switch_over_sees_one_version_never_a_mix() -> None:
    def version(tag: str) -> list[HotlistEntry]:
        return [entry("ABC123", f"{tag}-1"), entry("AB*", f"{tag}-2"), entry("A8C12?", f"{tag}-3")]

    hotlists = Hotlists()
    hotlists.replace_list("stolen", version("a"), "a")
    stop, seen = threading.Event(), set()

    def swapper() -> None:
        for i in range(300):
            tag = "b" if i % 2 else "a"
            hotlists.replace_list("stolen", version(tag), tag)
        stop.set()

    thread = threading.Thread(target=swapper)
    thread.start()
    while not stop.is_set():
        ids = {h.entry.entry_id for h in hotlists.match(read("ABC123"), NOW)}
        seen.add(frozenset(i[0] for i in ids))
        assert len(ids) == 3
    thread.join()
    assert seen <= {frozenset("a"), frozenset("b")}


def test_replacing_one_list_keeps_the_others() -> None:
    hotlists = Hotlists()
    hotlists.replace_list("stolen", [entry("ABC123")], "1")
    hotlists.replace_list("amber", [entry("XYZ9", list_id="amber")], "2")
    hotlists.replace_list("stolen", [], "3")
    assert [h.entry.list_id for h in hotlists.match(read("XYZ9", "ABC123"), NOW)] == ["amber"]
    assert hotlists.current.version == "3"
    with pytest.raises(ValueError, match="other lists"):
        hotlists.replace_list("stolen", [entry("X1", list_id="amber")], "4")


plates = st.text(alphabet="ABCDEFGHJKLMNPRTUVWXY0123456789IOSZBGDQ", min_size=2, max_size=8)


@given(plates, st.data())
def test_any_look_alike_confusion_still_hits_and_only_an_identical_plate_is_exact(plate: str, data) -> None:
    confused = "".join(data.draw(st.sampled_from(next((g for g in OCR_CLASSES if c in g), c))) for c in plate)
    [hit] = HotlistIndex([entry(plate)]).match(read(confused), NOW)
    assert hit.kind == (MatchKind.EXACT if confused == plate else MatchKind.OCR_EQUIVALENT)


@given(plates, st.integers(0, 7), st.integers(0, 7))
def test_a_pattern_made_from_a_plate_matches_that_plate(plate: str, a: int, b: int) -> None:
    a, b = sorted((min(a, len(plate) - 1), min(b, len(plate) - 1)))
    q = plate[:a] + "?" + plate[a + 1 :]
    star = plate[:a] + "*" + plate[b + 1 :]
    index = HotlistIndex([entry(q, "q"), entry(star, "s")] if star.strip("*") else [entry(q, "q")])
    assert "q" in kinds(index, read(plate)) and ("s" in kinds(index, read(plate)) or not star.strip("*"))


def test_long_literals_beyond_the_key_are_confirmed_by_the_pattern() -> None:
    index = HotlistIndex([entry("ABCDE*", "p"), entry("*WXYZ7", "s"), entry("*KLMNP*", "i")])
    assert set(kinds(index, read("ABCDE1"))) == {"p"}
    assert kinds(index, read("ABCDX1")) == {}  # shares the 3-character key only
    assert set(kinds(index, read("12WXYZ7"))) == {"s"}
    assert kinds(index, read("12VXYZ7")) == {}
    assert set(kinds(index, read("AKLMNPZ"))) == {"i"}
    assert kinds(index, read("AKLMXPZ")) == {}


def test_star_shapes_stay_bounded_however_varied_the_patterns() -> None:
    varied = [
        entry("ABCDEFGH"[:k] + "*" + "12345678"[:m], f"{k}-{m}") for k in range(1, 8) for m in range(0, 8)
    ]
    index = HotlistIndex(varied)
    assert index.shape_count(10) <= 1 + 15  # no "?" masks, no inner runs: at most 15 prefix/suffix pairs
    assert set(kinds(index, read("ABCD1234"))) == {f"{k}-{m}" for k in range(1, 5) for m in (0, 4)}


def test_match_many_answers_each_read_as_match_alone_does() -> None:
    index = HotlistIndex(_many(500))
    reads = [read("0000050"), read("XYZ"), read("W05ABC", "Q3X2"), read("AZZ9B", "0000O5O"), read("A-B_?")]
    assert index.match_many(reads, NOW) == [index.match(r, NOW) for r in reads]


def test_a_pattern_with_one_or_two_question_marks_is_found_by_the_full_plate_probe() -> None:
    """Filed as every plate it stands for: no probe shape of its own, still a wildcard hit,
    look-alikes included; with three "?" it keeps its fixed-place probe."""
    index = HotlistIndex([entry("AB?12?3", "two"), entry("?XY7890", "one")])
    assert index.shape_count(7) == 1  # the full-plate probe only
    assert kinds(index, read("ABK1273")) == {"two": MatchKind.WILDCARD}
    assert kinds(index, read("A8K1Z73")) == {"two": MatchKind.WILDCARD}  # 8/B and Z/2 look alike
    assert kinds(index, read("QXY7890")) == {"one": MatchKind.WILDCARD}
    assert kinds(index, read("ABK1274")) == {}
    three = HotlistIndex([entry("A???123", "three")])
    assert three.shape_count(7) == 2
    assert kinds(three, read("AXYZ123")) == {"three": MatchKind.WILDCARD}


def test_shapes_slicing_the_same_place_are_one_probe() -> None:
    """A prefix of 3 and an inner run's first window slice the same characters: one probe."""
    index = HotlistIndex([entry("ABC*", "prefix"), entry("*XY1*", "run"), entry("*789", "suffix")])
    assert index.shape_count(7) == 1 + 5  # the full plate, then windows 0..4 (prefix and suffix among them)
    assert kinds(index, read("ABCXY19")) == {"prefix": MatchKind.WILDCARD, "run": MatchKind.WILDCARD}
    assert kinds(index, read("QQQQ789")) == {"suffix": MatchKind.WILDCARD}
