"""rtcc.lpr.plates: canonical keys, OCR look-alike classes, patterns and state codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtcc.lpr.plates import (
    OCR_CLASSES,
    PlateError,
    canonical,
    canonical_many,
    canonical_pattern,
    collapse,
    collapse_many,
    equivalent,
    is_pattern,
    ocr_key,
    state_code,
)

PLATE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
plates = st.text(alphabet=PLATE_CHARS, min_size=1, max_size=8)
separators = st.sampled_from([" ", "-", ".", ""])


@pytest.mark.parametrize(
    ("raw", "key"),
    [("abc-123", "ABC123"), (" ABC 123 ", "ABC123"), ("abc.12.3", "ABC123"), ("7xyz\t99", "7XYZ99")],
)
def test_canonical_upper_cases_and_drops_separators(raw: str, key: str) -> None:
    assert canonical(raw) == key


@pytest.mark.parametrize("raw", ["ABC_123", "ÄBC123", "AB/C", "ABC*", "AB?1", "ABC\n1"])
def test_illegal_characters_are_named(raw: str) -> None:
    with pytest.raises(PlateError, match="illegal characters"):
        canonical(raw)


@pytest.mark.parametrize("raw", ["straße", "ﬁ123", "ＡBC1"])
def test_non_ascii_is_refused_before_upper_casing_could_make_it_plate_text(raw: str) -> None:
    # "ß".upper() == "SS", "ﬁ".upper() == "FI": neither may become a plate.
    for parse in (canonical, canonical_pattern):
        with pytest.raises(PlateError, match="illegal characters"):
            parse(raw)


@pytest.mark.parametrize("raw", ["", "  ", "- .", "ABCDEFGHIJK"])
def test_empty_and_overlong_plates_are_refused(raw: str) -> None:
    with pytest.raises(PlateError):
        canonical(raw)


def test_the_six_look_alike_classes_collapse() -> None:
    assert ocr_key("0ODQ") == "0000"
    assert ocr_key("1I 2Z 5S 8B 6G") == "1122558866"
    assert ocr_key("ABC") == "A8C"  # B joins the 8 class; A and C have no look-alike
    assert equivalent("BOB-123", "808 l23".replace("l", "I"))


def test_unrelated_characters_stay_distinct() -> None:
    assert not equivalent("ABC123", "ABC124")
    assert not equivalent("0", "8")  # two classes, never merged


@given(plates, separators)
def test_canonical_ignores_case_and_separators(plate: str, sep: str) -> None:
    spaced = sep.join(plate).lower()
    assert canonical(spaced) == plate
    assert canonical(canonical(plate)) == canonical(plate)  # idempotent


@given(plates, st.data())
def test_swapping_look_alikes_keeps_the_ocr_key(plate: str, data: st.DataObject) -> None:
    def swap(c: str) -> str:
        group = next((g for g in OCR_CLASSES if c in g), c)
        return data.draw(st.sampled_from(group))

    confused = "".join(swap(c) for c in plate)
    assert ocr_key(confused) == ocr_key(plate)
    assert equivalent(confused, plate)


@given(plates, plates)
def test_ocr_equivalence_is_exactly_per_position_class_equality(a: str, b: str) -> None:
    def same_class(x: str, y: str) -> bool:
        return x == y or any(x in g and y in g for g in OCR_CLASSES)

    expected = len(a) == len(b) and all(same_class(x, y) for x, y in zip(a, b, strict=True))
    assert equivalent(a, b) == expected


@given(plates)
def test_ocr_key_is_idempotent_and_a_collapse_of_the_canonical_key(plate: str) -> None:
    assert ocr_key(ocr_key(plate)) == ocr_key(plate)
    assert ocr_key(plate) == collapse(canonical(plate))


def test_patterns_keep_wildcards_and_collapse_runs() -> None:
    assert canonical_pattern("ab-c**1?") == "ABC*1?"
    assert is_pattern("ABC*") and is_pattern("A?C") and not is_pattern("ABC")
    assert ocr_key("8O*") == "80*"
    for bad in ("*", "**?", "?"):
        with pytest.raises(PlateError, match="at least one plate character"):
            canonical_pattern(bad)
    with pytest.raises(PlateError, match="illegal"):
        canonical_pattern("AB%")


@pytest.mark.parametrize(
    ("raw", "code"), [("ma", "MA"), (" DC ", "DC"), ("PR", "PR"), ("qc", "QC"), ("yt", "YT")]
)
def test_state_codes_cover_states_territories_and_provinces(raw: str, code: str) -> None:
    assert state_code(raw) == code


def test_unknown_state_is_an_error_and_missing_one_depends_on_the_caller() -> None:
    with pytest.raises(PlateError, match="unknown code 'XX'"):
        state_code("xx")
    assert state_code(None) is None and state_code("  ") is None
    with pytest.raises(PlateError, match="required"):
        state_code("", required=True)


junk = st.one_of(
    plates, st.text(max_size=12), st.sampled_from(["", "AB-12", "ab 1", "straße", "ABCDEFGHIJK"])
)


@given(st.lists(junk, max_size=20))
def test_the_batch_path_agrees_with_canonical_one_by_one(texts: list[str]) -> None:
    def one(text: str) -> str:
        try:
            return canonical(text)
        except PlateError:
            return ""

    keys = canonical_many(texts)
    assert keys == [one(t) for t in texts]
    assert collapse_many(keys) == [collapse(k) for k in keys]


def test_the_batch_path_takes_non_text_as_not_a_plate() -> None:
    assert canonical_many(["ABC123", None, 7]) == ["ABC123", "", ""]  # type: ignore[list-item]


def test_a_lenient_caller_gets_none_for_an_unknown_state_unless_it_requires_one() -> None:
    assert state_code("xx", strict=False) is None
    assert state_code("ri", strict=False) == "RI"
    with pytest.raises(PlateError, match="unknown code"):
        state_code("xx", strict=False, required=True)
