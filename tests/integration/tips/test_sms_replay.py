"""Replayed Twilio requests: a signature carries no time, so a captured request is valid
forever. Its MessageSid's receipt must outlive any delay while the tip exists, keywords
(STOP, START, NEW) must be de-duplicated like messages, and the purge that deletes a tip
deletes its receipts (what remains is the documented window: a new tip)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pynamodb.exceptions import DoesNotExist
from rtcc.local.iam.identity import acting_as
from rtcc.retention import sweep as _sweep
from rtcc.settings import reload_settings
from rtcc.store import base as store_base
from rtcc.store.tips import TipRecord
from rtcc.tips import sms_intake

from tests.integration.tips.conftest import Phone, code_of, new_number, twilio_form
from tests.integration.tips.test_sms_redo import tipster_of
from tests.integration.tips.test_sms_webhook import ack, detail, receipt_of

pytestmark = pytest.mark.integration

#: Longer than the 30 days receipts were once kept for (RECEIPT_RETENTION).
LATER = timedelta(days=45)
CLOSE = {"status": "closed", "disposition": "information_only"}


@pytest.fixture
def one_day(local_stack, monkeypatch: pytest.MonkeyPatch):
    """Closed tips are deleted the next day (so a sweep 'tomorrow' is due)."""
    monkeypatch.setenv("RTCC_TIPS_CLOSED_RETENTION_DAYS", "1")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def sweep_tomorrow():
    """The retention sweep of tomorrow, under the retention function's deployed IAM."""
    with acting_as("retention"):
        return _sweep(datetime.now(UTC).date() + timedelta(days=1))


def move_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    """Everything the webhook reads the time from (its own clock and the TTL rule in
    rtcc.store.base) now runs `by` ahead, as a replay that much later would find it."""
    real_now = sms_intake.now_utc

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206 - datetime's own signature
            return datetime.now(tz) + by

    monkeypatch.setattr(sms_intake, "now_utc", lambda: real_now() + by)
    monkeypatch.setattr(store_base, "datetime", Later)


def test_a_replay_weeks_later_is_a_duplicate_that_shows_no_code(
    phone: Phone, api, monkeypatch: pytest.MonkeyPatch
) -> None:
    form, first = phone.text(new_number(), "The red car parks behind the bakery")
    code = code_of(first)
    receipt = receipt_of(form["MessageSid"])
    assert receipt.state == "stored" and receipt.expires is None  # kept while the tip exists
    assert form["MessageSid"] not in receipt.message_sid  # only a keyed hash of the SID

    move_clock(monkeypatch, LATER)
    replay = phone.post(form)
    assert ack(replay) == ""  # no tip code for whoever replays a captured request
    assert [m["body"] for m in detail(api, code)["messages"]] == ["The red car parks behind the bakery"]
    assert TipRecord.get(code).message_count == 1


def test_a_receipt_kept_under_the_plain_sid_still_stops_a_replay(phone: Phone, api) -> None:
    """Receipts written before they were keyed by an HMAC sit under the MessageSid itself:
    a replay of such a message must still be a duplicate, not a new message (review)."""
    from rtcc.store.tips import TipReceiptRecord

    form, first = phone.text(new_number(), "Before the upgrade")
    code = code_of(first)
    stored = receipt_of(form["MessageSid"])
    replayed = twilio_form(new_number(), "Before the upgrade, replayed")
    # The old shape: keyed by the SID, stored, answered more than a day ago.
    TipReceiptRecord(
        replayed["MessageSid"],
        code=code,
        message_key=stored.message_key,
        at="2026-01-01T00:00:00.000Z",
        state="stored",
        outcome="joined",
    ).save()
    assert ack(phone.post(replayed)) == ""  # a duplicate, and no code for the replayer
    assert TipRecord.get(code).message_count == 1


def test_a_retry_soon_after_still_gets_the_acknowledgement(phone: Phone) -> None:
    form, first = phone.text(new_number(), "Twilio lost our answer")
    assert ack(phone.post(form)) == ack(first) and code_of(first) in ack(first)


def test_a_replayed_stop_after_start_does_not_opt_out(phone: Phone) -> None:
    number = new_number()
    phone.text(number, "I saw who did it")
    stop, response = phone.text(number, "STOP")
    assert ack(response) == "" and tipster_of(number).opted_out
    phone.text(number, "START")
    assert not tipster_of(number).opted_out
    assert receipt_of(stop["MessageSid"]).outcome == "stop"

    assert phone.post(stop).status_code == 200
    assert not tipster_of(number).opted_out  # the replay changed nothing


def test_a_replayed_new_does_not_detach_a_later_tip(phone: Phone) -> None:
    number = new_number()
    phone.text(number, "first matter")
    new, _ = phone.text(number, "NEW")
    second = code_of(phone.text(number, "second matter")[1])
    phone.post(new)
    assert code_of(phone.text(number, "more on the second matter")[1]) == second


def test_a_crash_before_the_keyword_applies_is_redone_by_the_retry(
    phone: Phone, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = new_number()
    phone.text(number, "a tip first")
    real = sms_intake.mark_stored
    calls = {"n": 0}

    def dies_once(claim):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated crash before the receipt is marked")
        real(claim)

    monkeypatch.setattr(sms_intake, "mark_stored", dies_once)
    form = twilio_form(number, "STOP")
    assert phone.post(form).status_code == 502
    assert receipt_of(form["MessageSid"]).state == "claimed"
    assert phone.post(form).status_code == 200
    assert receipt_of(form["MessageSid"]).state == "stored" and tipster_of(number).opted_out


def test_the_purge_deletes_the_receipts_with_the_tip(api, phone: Phone, one_day) -> None:
    officer = api.as_role("officer")
    number = new_number()
    form, first = phone.text(number, "Dumping behind the warehouse")
    code = code_of(first)
    joined, _ = phone.text(number, "again tonight")
    assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    report = sweep_tomorrow()
    assert f"tip#{code}" in report.purged
    for sid in (form["MessageSid"], joined["MessageSid"]):
        with pytest.raises(DoesNotExist):
            receipt_of(sid)
    # The remaining window (README): a replay of a purged tip's message is a new tip.
    assert code_of(phone.post(form)) != code
