"""rtcc.lpr.hotlists.ncic: NCIC-style extracts with NCIC vehicle-file field codes."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rtcc.lpr.hotlists import HotlistFormatError, ImportOptions, RejectedRow, parse_ncic
from rtcc.lpr.model import HotlistEntry

OPTIONS = ImportOptions("ncic", max_bytes=1 << 20, priority=5, reason="NCIC")


def _parse(text: str) -> list[HotlistEntry | RejectedRow]:
    return list(parse_ncic([text.encode()], OPTIONS))


def test_an_extract_maps_ncic_codes() -> None:
    text = (
        "nic,lic,lis,liy,lit,oca,ori,vma,vco,category\r\n"
        "V123456789,ABC123,MA,2027,PC,24-000123,MA0130100,FORD,BLU,Stolen Vehicle\r\n"
        ",XYZ789,NY,NX,,,,,,\r\n"
    )
    first, second = _parse(text)
    assert (first.entry_id, first.plate, first.state, first.case_number, first.reason, first.priority) == (
        "nic:V123456789",
        "ABC123",
        "MA",
        "24-000123",
        "Stolen Vehicle",
        5,
    )
    assert first.attributes == {
        "NIC": "V123456789",
        "LIY": "2027",
        "LIT": "PC",
        "ORI": "MA0130100",
        "VMA": "FORD",
        "VCO": "BLU",
    }
    assert (second.entry_id, second.reason, second.attributes) == ("XYZ789:NY", "NCIC", {"LIY": "NX"})


def test_two_records_for_one_plate_are_two_entries_by_nic() -> None:
    items = _parse("NIC;LIC;LIS\nV000000001;ABC123;MA\nV000000002;ABC123;MA\nV000000001;DEF456;MA\n")
    assert [getattr(i, "entry_id", None) for i in items[:2]] == ["nic:V000000001", "nic:V000000002"]
    assert items[2] == RejectedRow(4, "duplicate of line 2")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X12345678,ABC123,MA,", "NIC: one letter and nine digits"),
        (",ABC123,,", "LIS: required"),
        (",ABC123,ZZ,", "unknown code 'ZZ'"),
        (",ABC*23,MA,", "wildcards are not allowed"),
        (",ABC123,MA,27", "LIY '27'"),
    ],
)
def test_bad_records_are_rejected_with_their_line(row: str, reason: str) -> None:
    (rejected,) = _parse(f"NIC,LIC,LIS,LIY\n{row}\n")
    assert isinstance(rejected, RejectedRow) and rejected.line == 2
    assert reason in rejected.reason


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("ABC123,MA", "must name the columns"),
        ("LIC,LIS,COLOUR", "unknown columns COLOUR"),
        ("LIC,LIS,LIS", "named twice"),
    ],
)
def test_a_bad_header_refuses_the_file(header: str, message: str) -> None:
    with pytest.raises(HotlistFormatError, match=message):
        _parse(f"{header}\nABC123,MA,x\n")


records = st.lists(
    st.fixed_dictionaries(
        {
            "NIC": st.sampled_from(["", "V"]).flatmap(
                lambda p: st.just("") if not p else st.from_regex(r"V[0-9]{9}", fullmatch=True)
            ),
            "LIC": st.text("ABCDEFGHJKLMNPRTUVWXY0123456789", min_size=2, max_size=8),
            "LIS": st.sampled_from(["MA", "NY", "ON", "GU"]),
            "LIY": st.sampled_from(["", "2027", "NX"]),
            "OCA": st.text("0123456789-ABC", max_size=12).map(str.strip),
            "VMA": st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=12).map(
                str.strip
            ),
        }
    ),
    max_size=20,
    unique_by=lambda r: r["NIC"] or f"{r['LIC']}:{r['LIS']}",
)


@settings(max_examples=60, deadline=None)
@given(rows=records, encoding=st.sampled_from(["utf-8-sig", "latin-1"]))
def test_written_records_parse_back(rows: list[dict[str, str]], encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["NIC", "LIC", "LIS", "LIY", "OCA", "VMA"], lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    # Undecidable, and documented so: Latin-1 text that is valid UTF-8 throughout ("Â¡").
    assume(encoding != "latin-1" or not _utf8_by_chance(buffer.getvalue()))
    parsed = list(parse_ncic([buffer.getvalue().encode(encoding)], OPTIONS))
    assert [(e.entry_id, e.plate, e.state, e.case_number) for e in parsed] == [
        (f"nic:{r['NIC']}" if r["NIC"] else f"{r['LIC']}:{r['LIS']}", r["LIC"], r["LIS"], r["OCA"] or None)
        for r in rows
    ]
    assert [e.attributes for e in parsed] == [
        {k: v for k, v in r.items() if k in ("NIC", "LIY", "VMA") and v} for r in rows
    ]


def _utf8_by_chance(text: str) -> bool:
    data = text.encode("latin-1")
    try:
        return not data.isascii() and bool(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False
