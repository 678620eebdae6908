"""rtcc.lpr.transparency: monthly aggregates from counters, in exactly the published shape,
with nothing that identifies a plate, a case, a person or a reader."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rtcc.lpr.retention import policy
from rtcc.lpr.transparency import MemoryCounters, NotAnonymous, check_anonymous, check_purposes, report

PURPOSES = frozenset({"stolen vehicle", "missing person"})
NOV = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
DEC = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _counters() -> MemoryCounters:
    counters = MemoryCounters()
    for reader in ("cam-1", "cam-1", "cam-2", None):
        counters.read(NOV, reader)
    counters.read(DEC, "cam-9")
    counters.hit(NOV)
    counters.hit(NOV)
    counters.decision(NOV, accepted=True)
    counters.decision(NOV, accepted=False)
    counters.search(NOV, "stolen vehicle")
    counters.search(NOV, "stolen vehicle")
    counters.search(DEC, "retired purpose")
    return counters


def test_the_report_counts_per_month_and_states_the_retention_in_force() -> None:
    doc = report(_counters().months, policy("ME"), PURPOSES)
    assert doc["retention"] == {"preset": "ME", "days": 21, "citation": "Me. Rev. Stat. tit. 29-A, § 2117-A"}
    nov, dec = doc["months"]
    assert nov == {
        "month": "2026-11",
        "reads": 4,
        "hits": 2,
        "accepted": 1,
        "rejected": 1,
        "searches": {"total": 2, "by_purpose": {"missing person": 0, "stolen vehicle": 2}},
        "readers": 2,
    }
    assert dec["month"] == "2026-12" and dec["searches"]["total"] == 1 and dec["readers"] == 1
    assert report({}, policy("NH"), PURPOSES)["retention"]["days"] == pytest.approx(3 / 1440, abs=1e-6)


def test_nothing_identifying_reaches_the_report() -> None:
    text = json.dumps(report(_counters().months, policy(), PURPOSES))
    for secret in ("cam-1", "cam-9", "retired purpose"):
        assert secret not in text


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["months"][0].update(plates=["ABC123"]),
        lambda d: d["months"][0].update(reads="ABC123"),
        lambda d: d["months"][0]["searches"]["by_purpose"].update({"case 2026-001234": 1}),
        lambda d: d["months"][0].update(month="ofc.kim"),
        lambda d: d.update(top_users=["ofc.kim"]),
        lambda d: d["retention"].update(citation="per det. Rivera"),
        lambda d: d["months"][0]["searches"].update(users={"ofc.kim": 2}),
        lambda d: d["months"][0].update(hits=-1),
    ],
)
def test_the_check_refuses_anything_beyond_the_published_shape(tamper) -> None:  # noqa: ANN001
    doc = report(_counters().months, policy(), PURPOSES)
    check_anonymous(doc, PURPOSES)
    tamper(doc)
    with pytest.raises(NotAnonymous):
        check_anonymous(doc, PURPOSES)


def test_a_purpose_label_that_could_carry_a_case_or_a_plate_is_refused() -> None:
    assert check_purposes(["stolen vehicle", "hit & run"]) == {"stolen vehicle", "hit & run"}
    for label in ("case 2026-001234", "ABC123", "", "x" * 61):
        with pytest.raises(NotAnonymous):
            check_purposes([label])
