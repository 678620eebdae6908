"""rtcc.lpr.probe_keys: an entry's file key is among the keys every candidate it matches
probes (so the keyed index finds whatever HotlistIndex finds), and the keys per candidate
are bounded by the shapes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from rtcc.lpr import index_tables
from rtcc.lpr.keyed_index import shapes_of
from rtcc.lpr.matching import HotlistIndex
from rtcc.lpr.model import Candidate, HotlistEntry, MatchKind, Read
from rtcc.lpr.plates import canonical, collapse
from rtcc.lpr.probe_keys import KEY_CHARS, file_key, key_text, probe_keys

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CHARS = "AB0O8Z2X7"


def test_key_chars_agree_with_the_in_process_index() -> None:
    assert KEY_CHARS == index_tables.KEY_CHARS


def test_file_keys_by_shape() -> None:
    assert file_key("KMX347") == ("p", "KMX347")
    assert file_key("K0X-1Z3") == file_key("KOX1Z3") == ("p", collapse("K0X1Z3"))
    assert file_key("KM?37?") == ("f6.0.2", "KM")  # equal runs: the leftmost
    assert file_key("KM?374") == ("f6.3.3", "374")
    assert file_key("KMXY*") == ("a3", "KMX")
    assert file_key("*9X7") == ("z3", "9X7")
    assert file_key("K*9X7") == ("z3", "9X7")  # the longer end
    assert file_key("*X7Y*") == ("r3", "X7Y")
    assert file_key("KMX*9X7") == ("a3", "KMX")  # equal ends: the start, as index_tables files it


def test_probe_keys_are_the_full_key_then_one_per_shape_slot() -> None:
    assert probe_keys("", ["a3"]) == []
    assert probe_keys("ABC123", ["a3", "z3", "f6.0.2", "f7.0.2"]) == [
        "p:ABC123",
        "a3:ABC",
        "z3:123",
        "f6.0.2:AB",
    ]
    assert probe_keys("KMXKM", ["r2"]) == ["p:KMXKM", "r2:KM", "r2:MX", "r2:XK"]


plates = st.text(alphabet=CHARS, min_size=3, max_size=8)
patterns = (
    st.lists(st.sampled_from(CHARS + "??*"), min_size=4, max_size=8)
    .map("".join)
    .filter(lambda p: sum(c not in "*?" for c in p) >= 3 and any(c in "*?" for c in p))
)


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns | plates, min_size=1, max_size=6), st.lists(plates, min_size=1, max_size=4))
def test_every_hit_of_the_in_process_index_is_under_a_probed_key(entered: list[str], seen: list[str]) -> None:
    entries = [HotlistEntry("l", str(i), text) for i, text in enumerate(entered)]
    index = HotlistIndex(entries)
    usable = [e for e in entries if e not in {r[0] for r in index.rejected}]
    shapes = shapes_of(usable)
    read = Read("s", "r", seen[0], NOW, candidates=tuple(Candidate(p) for p in seen))
    for hit in index.match(read, NOW):
        assert hit.kind in (MatchKind.EXACT, MatchKind.OCR_EQUIVALENT, MatchKind.WILDCARD)
        probed = probe_keys(collapse(canonical(hit.candidate)), shapes)
        assert key_text(*file_key(hit.entry.plate)) in probed
        assert len(probed) <= 1 + sum(len(hit.candidate) for _ in shapes)
