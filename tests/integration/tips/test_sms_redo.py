"""The webhook's claim-then-idempotent-writes protocol under failure and concurrency.

A delivery that dies between claiming the MessageSid and marking it stored leaves a
claim; Twilio's retry must finish the job without storing or counting anything twice.
Concurrent messages from one tipster (separate Lambda containers in AWS) must each be
counted in the rate window. And the path stays on single-item calls: no transaction, no
scan, no GSI query (each costs the local emulator time that grows with the tables).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rtcc.local.iam.identity import acting_as
from rtcc.store.feed import FeedRecord
from rtcc.store.tips import TipMessageRecord, TipRecord, TipsterRecord
from rtcc.tips import sms_intake
from rtcc.tips.adapters.aws import KmsMac
from rtcc.tips.pseudonym import pseudonym_for

from tests.integration.tips.conftest import Phone, code_of, new_number, new_sid, twilio_form
from tests.integration.tips.test_sms_webhook import ack, detail, receipt_of

pytestmark = pytest.mark.integration


class SimulatedCrash(RuntimeError):
    pass


def fail_once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> dict[str, int]:
    """Make `owner.name` raise the first time it is called, as a Lambda killed there would."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SimulatedCrash(f"simulated crash in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def tipster_of(number: str) -> TipsterRecord:
    with acting_as("tip-webhook"):  # only its role may use the MAC key
        pseudonym = pseudonym_for(number, KmsMac())
    return TipsterRecord.get(pseudonym)


def feed_entries(code: str, at: str) -> list[FeedRecord]:
    """The live feed's items about tip `code` (channel "tips", the day of `at`)."""
    return [e for e in FeedRecord.query(f"tips#{at[:10]}") if e.ref == code]


# Where the first delivery dies: right after the claim (nothing else written), after the
# tip and tipster (message, media, vault, feed missing), or after everything but the
# "stored" mark.
CRASH_POINTS = [
    (sms_intake.SmsIntake, "_create_tip"),
    (sms_intake, "put_all"),
    (sms_intake, "mark_stored"),
]


@pytest.mark.parametrize(("owner", "name"), CRASH_POINTS, ids=[n for _, n in CRASH_POINTS])
def test_a_retry_after_a_crash_finishes_a_new_tip_once(
    phone: Phone, api, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str
) -> None:
    number = new_number()
    calls = fail_once(monkeypatch, owner, name)
    form = twilio_form(number, "first delivery dies half way")
    first = phone.post(form)
    assert first.status_code == 502 and calls["n"] == 1  # what API Gateway answers Twilio
    receipt = receipt_of(form["MessageSid"])
    assert receipt.state == "claimed"

    retry = phone.post(form)
    code = code_of(retry)
    assert code == receipt_of(form["MessageSid"]).code
    assert "received" in ack(retry)
    assert receipt_of(form["MessageSid"]).state == "stored"
    tip = detail(api, code)
    assert [m["body"] for m in tip["messages"]] == ["first delivery dies half way"]
    assert TipRecord.get(code).message_count == 1
    assert tipster_of(number).window_count == 1  # counted once, not once per attempt
    assert len(feed_entries(code, receipt.at)) == 1

    # ...and a third delivery is an ordinary duplicate with the same answer.
    assert ack(phone.post(form)) == ack(retry)
    assert len(list(TipMessageRecord.query(code))) == 1


def test_a_retry_after_a_crash_joins_the_thread_once(phone: Phone, api, monkeypatch) -> None:
    number = new_number()
    code = code_of(phone.text(number, "part one")[1])
    fail_once(monkeypatch, sms_intake, "put_all")  # after the tip update, before the message
    form = twilio_form(number, "part two")
    assert phone.post(form).status_code == 502
    assert TipRecord.get(code).message_count == 2  # the tip was updated before the crash

    retry = phone.post(form)
    assert code_of(retry) == code and "Added to tip" in ack(retry)
    assert TipRecord.get(code).message_count == 2  # not 3: the redo saw its own update
    assert [m["body"] for m in detail(api, code)["messages"]] == ["part one", "part two"]
    assert tipster_of(number).window_count == 2
    assert ack(phone.post(form)) == ack(retry)  # a duplicate of a joined message says "Added"


def test_a_retry_with_media_after_a_crash_stores_and_queues_each_item_once(
    phone: Phone, api, monkeypatch
) -> None:
    from tests.unit.tips.test_media_and_twiml import photo_with_gps

    url = phone.upload_media(photo_with_gps(), "image/jpeg")
    fail_once(monkeypatch, sms_intake, "mark_stored")
    form = twilio_form(new_number(), "", media=[(url, "image/jpeg")])
    assert phone.post(form).status_code == 502
    code = code_of(phone.post(form))
    from tests.integration.tips.conftest import wait_for

    media = wait_for(lambda: [m for m in detail(api, code)["media"] if m["state"] == "stored"] or None, 30)
    assert len(media) == 1 and len(detail(api, code)["media"]) == 1


def test_concurrent_messages_from_one_tipster_are_each_counted(local_stack, monkeypatch) -> None:
    """Eight messages at once from one number, straight into the intake from eight threads
    (eight Lambda containers): the rate window must count eight, and each message must be
    stored exactly once, whichever tip it lands on."""
    from rtcc.settings import reload_settings
    from rtcc.tips.adapters import default_ports

    monkeypatch.setenv("RTCC_TIPS_RATE_LIMIT_PER_HOUR", "5")
    reload_settings()
    ports = default_ports()
    number, n = new_number(), 8
    forms = [twilio_form(number, f"burst message {i}", sid=new_sid()) for i in range(n)]
    start = threading.Barrier(n)
    results: list[Any] = [None] * n

    def send(i: int) -> None:
        start.wait()
        try:
            with acting_as("tip-webhook"):  # a thread does not inherit the identity
                results[i] = sms_intake.SmsIntake(ports.sealer, ports.queues).receive(forms[i])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        monkeypatch.delenv("RTCC_TIPS_RATE_LIMIT_PER_HOUR")
        reload_settings()
    assert all(isinstance(r, sms_intake.IntakeResult) for r in results), results
    assert tipster_of(number).window_count == n
    codes = {r.code for r in results}
    stored = [m for code in codes for m in TipMessageRecord.query(code)]
    # Each message once, known by its receipt (the SID itself goes once deleted at Twilio).
    assert sorted(m.receipt_key for m in stored) == sorted(
        receipt_of(f["MessageSid"]).message_sid for f in forms
    )
    tips = [TipRecord.get(code) for code in codes]
    assert sum(int(t.message_count) for t in tips) == n
    # Messages six to eight are over the limit of five: whichever tip got them is flagged.
    assert any(t.spam_suspected for t in tips)
    for form in forms:
        assert receipt_of(form["MessageSid"]).state == "stored"


def test_the_webhook_uses_only_key_lookups_and_single_item_writes(
    phone: Phone, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.client

    seen: list[tuple[str, dict]] = []
    real = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: dict) -> Any:
        # The gateway runs the handler in its request thread; pollers (the media and
        # outbound consumers, the audit stream's copier) and timers have threads of their own.
        if not threading.current_thread().name.startswith(("sqs-poller-", "stream-poller-", "schedule-")):
            seen.append((f"{self.meta.service_model.service_name}.{operation}", params))
        return real(self, operation, params)

    # Warm up first: the local KMS key is looked up (and made) once per process.
    assert phone.text(new_number(), "warm-up")[1].status_code == 200
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    number = new_number()
    form, first = phone.text(number, "a first tip")
    assert first.status_code == 200
    phone.post(form)  # Twilio's retry
    joined = phone.text(number, "and more", media=[(phone.base_url + "/dev/twilio-media/x", "image/png")])[1]
    assert joined.status_code == 200
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", real)

    operations = {name for name, _ in seen}
    allowed = {
        "dynamodb.GetItem",
        "dynamodb.BatchGetItem",
        "dynamodb.PutItem",
        "dynamodb.UpdateItem",
        "dynamodb.BatchWriteItem",
        "dynamodb.Query",
        "kms.Encrypt",
        "kms.GenerateMac",  # the pseudonym and the receipt key
        "sqs.SendMessageBatch",
        "sqs.SendMessage",
    }
    assert operations <= allowed, operations - allowed
    assert "dynamodb.GetItem" in operations and "dynamodb.BatchWriteItem" in operations  # the spy saw it
    assert not [p for name, p in seen if name == "dynamodb.Query" and "IndexName" in p]


def test_a_retry_after_a_crash_still_alerts_supervisors(phone: Phone, monkeypatch) -> None:
    """The first delivery saved the keyword on the tip, then died before queuing the alert:
    the retry must queue it (the reply function texts each supervisor once)."""
    number = new_number()
    code = code_of(phone.text(number, "the blue car again")[1])
    alerts: list[tuple[str, set[str]]] = []
    real = sms_intake.notify_supervisors
    monkeypatch.setattr(
        sms_intake, "notify_supervisors", lambda q, c, k: (alerts.append((c, set(k))), real(q, c, k))
    )
    fail_once(monkeypatch, sms_intake, "mark_stored")
    form = twilio_form(number, "he has a gun in the trunk")
    assert phone.post(form).status_code == 502 and alerts == []
    assert "gun" in TipRecord.get(code).keywords  # saved before the crash
    assert phone.post(form).status_code == 200
    assert alerts == [(code, {"gun"})]
