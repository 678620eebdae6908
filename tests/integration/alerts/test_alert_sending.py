"""Sending an alert through the local stack, every function under its deployed IAM: a
supervisor sends to a zone, the API queues pages on `alert-fanout`, `alert-dispatch` sends
each resident the text in their language on the alerts line, the outbox's signed status
callbacks drive the delivery view to delivered (a number failed with 30003 ends
undelivered), cancel stops the rest, a provider outage resumes without duplicates, and a
forged status callback is refused (403, counted, nothing changed). An alert with no
recipients (422) is tested in tests/unit/alerts: here other tests' residents share the zones."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from rtcc.alerts.dispatch import DispatchBatch
from rtcc.alerts.manage_token import number_mac
from rtcc.alerts.model import Recipient
from rtcc.alerts.settings import alerts_settings
from rtcc.alerts.sms_line import PATH
from rtcc.alerts.subscriber_keys import KmsSubscriberMac
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as
from rtcc.refusals import minute_of
from rtcc.resources import queue_name
from rtcc.settings import get_settings
from rtcc.sms.twilio_form import inbound_form
from rtcc.store.alert_subscribers import AlertSubscriberNumberRecord
from rtcc.store.alerts import AlertDeliveryRecord
from rtcc.store.refusals import RefusalCountRecord
from rtcc.store.sms import SmsOptOutRecord
from rtcc.tips.adapters.twilio_webhook import sign

pytestmark = pytest.mark.integration

AUTH_TOKEN = "local-twilio-auth-token"  # the local default of RTCC_TWILIO_AUTH_TOKEN
ALERTS_NUMBER = "+15550100200"
STATUS = PATH + "/status"


def resident() -> str:
    return "+1413555" + "".join(random.choice("0123456789") for _ in range(4))


def text(base: str, number: str, body: str) -> None:
    url = base + PATH
    form = inbound_form(from_number=number, to_number=ALERTS_NUMBER, body=body, account_sid="AC" + "0" * 32)
    r = requests.post(url, data=form, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, form)}, timeout=30)
    assert r.status_code == 200, r.text


def subscribe(base: str, zone_keyword: str, spanish: bool = False) -> str:
    """A resident who texted JOIN (ALTA in Spanish) <zone> and then YES: active."""
    number = resident()
    text(base, number, f"{'ALTA' if spanish else 'JOIN'} {zone_keyword}")
    text(base, number, "YES")
    return number


def subscriber_id(number: str) -> str:
    with acting_as("alerts-webhook"):  # only its role may compute the alerts MAC
        key = number_mac(KmsSubscriberMac(alerts_settings().subscriber_key_id), number)
    return AlertSubscriberNumberRecord.get(key, consistent_read=True).subscriber_id


def alert_texts(base: str, number: str, body: str) -> list[dict]:
    box = requests.get(base + "/dev/outbox", params={"to": number}, timeout=30).json()["messages"]
    return [m for m in box if m["body"] == body]


def wait_for(check: Callable[[], Any], timeout: float = 60, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time (last: {value!r})")
        time.sleep(every)


def send(api: Any, zone: str, texts: dict[str, str], role: str = "supervisor") -> dict:
    body = {"tier": "advisory", "zones": [zone], "categories": [], "texts": texts}
    r = api.as_role(role).post("/api/alerts", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def view(api: Any, alert_id: str) -> dict:
    r = api.as_role("supervisor").get(f"/api/alerts/{alert_id}")
    assert r.status_code == 200, r.text
    return r.json()


def _entry(alert_id: str, sid: str) -> AlertDeliveryRecord | None:
    try:
        return AlertDeliveryRecord.get(alert_id, sid, consistent_read=True)
    except AlertDeliveryRecord.DoesNotExist:
        return None


def ledger_reads(base: str) -> int:
    """How many times alert-dispatch has read a ledger entry (a claim it did not win)."""
    calls = requests.get(base + "/dev/aws-calls", timeout=30).json()["calls"]
    return sum(
        c.get("count", 1)
        for c in calls
        if c["function"] == "alert-dispatch"
        and c["action"] == "dynamodb:GetItem"
        and c["resource"].endswith("alert-deliveries")
    )


@pytest.fixture
def base(local_stack: Any) -> str:
    return local_stack.base_url


def test_residents_get_the_alert_in_their_language_and_the_view_counts_delivery(base, api) -> None:
    english, spanish, failing = (
        subscribe(base, "HILLCREST"),
        subscribe(base, "HILLCREST", spanish=True),
        subscribe(base, "HILLCREST"),
    )
    requests.post(base + "/dev/outbox/failures", json={"to": failing, "code": 30003}, timeout=30)
    texts = {
        "en": f"Water main break on Elm St. {time.time()}",
        "es": f"Rotura en la calle Elm. {time.time()}",
    }
    preview = api.as_role("supervisor").post(
        "/api/alerts/preview",
        json={"tier": "advisory", "zones": ["hillcrest"], "categories": [], "texts": texts},
    )
    assert preview.status_code == 200 and preview.json()["reach"] >= 3, preview.text
    assert (
        api.as_role("officer")
        .post("/api/alerts", json={"tier": "advisory", "zones": ["hillcrest"], "texts": texts})
        .status_code
        == 403
    )
    sent = send(api, "hillcrest", texts)
    assert sent["status"] == "sending" and sent["recipients"] == preview.json()["reach"]

    assert wait_for(lambda: alert_texts(base, english, texts["en"]))[0]["from"] == ALERTS_NUMBER
    assert wait_for(lambda: alert_texts(base, spanish, texts["es"]))
    assert not alert_texts(base, english, texts["es"]) and not alert_texts(base, spanish, texts["en"])

    def settled() -> dict | None:
        counts = view(api, sent["alert_id"])["counts"]["hillcrest"]
        return counts if counts["delivered"] + counts["undelivered"] == sent["recipients"] else None

    counts = wait_for(settled)
    assert counts["queued"] == 0 and counts["sent"] == sent["recipients"] and counts["undelivered"] >= 1
    failed = AlertDeliveryRecord.get(sent["alert_id"], subscriber_id(failing), consistent_read=True)
    assert (failed.status, failed.delivery) == ("sent", "undelivered")
    mine = AlertDeliveryRecord.get(sent["alert_id"], subscriber_id(spanish), consistent_read=True)
    assert mine.delivery == "delivered"
    listed = api.as_role("supervisor").get("/api/alerts").json()["alerts"]
    assert sent["alert_id"] in [a["alert_id"] for a in listed]
    # The dispatcher's worker threads call AWS as alert-dispatch (its deployed role), not as
    # the local stack: each runs in a copy of the invocation's context.
    calls = requests.get(base + "/dev/aws-calls", timeout=30).json()["calls"]
    mine = [c for c in calls if c["function"] == "alert-dispatch" and c["allowed"]]
    assert any(
        c["action"] == "dynamodb:UpdateItem" and c["resource"].endswith("alert-deliveries") for c in mine
    )
    assert any(c["action"] == "kms:Decrypt" for c in mine)


def test_a_forged_status_callback_is_refused_counted_and_changes_nothing(base, api) -> None:
    number = subscribe(base, "OLD-TOWN")
    requests.post(base + "/dev/outbox/failures", json={"to": number, "code": 30005}, timeout=30)
    sent = send(api, "old-town", {"en": f"Road closed {time.time()}"})
    ref = f"{sent['alert_id']}.{subscriber_id(number)}"
    wait_for(lambda: view(api, sent["alert_id"])["counts"]["old-town"]["undelivered"] >= 1)
    before = view(api, sent["alert_id"])["counts"]["old-town"]
    entry = AlertDeliveryRecord.get(sent["alert_id"], subscriber_id(number), consistent_read=True)

    minutes = {minute_of(datetime.now(UTC))}

    def refused() -> int:
        # Counted per minute: under load the refusals may land in the minute after the one
        # read first, so every minute the test spans is summed.
        minutes.add(minute_of(datetime.now(UTC)))
        total = 0
        for minute in sorted(minutes):
            try:
                record = RefusalCountRecord.get(PATH, f"{minute}#invalid_signature", consistent_read=True)
                total += int(record.count or 0)
            except RefusalCountRecord.DoesNotExist:
                pass
        return total

    counted = refused()
    url = f"{base}{STATUS}?d={ref}"
    form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    r = requests.post(url, data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, timeout=30)
    assert r.status_code == 403
    assert requests.post(url, data=form, timeout=30).status_code == 403  # unsigned
    assert refused() >= counted + 1
    assert view(api, sent["alert_id"])["counts"]["old-town"] == before
    again = AlertDeliveryRecord.get(sent["alert_id"], subscriber_id(number), consistent_read=True)
    assert (
        (again.delivery, again.provider_id_hash)
        == (entry.delivery, entry.provider_id_hash)
        == (
            "undelivered",
            entry.provider_id_hash,
        )
    )


def test_cancel_stops_the_remaining_sends(base, api) -> None:
    numbers = [subscribe(base, "RIVERSIDE") for _ in range(6)]
    body = f"Shelter in place lifted {time.time()}"
    sent = send(api, "riverside", {"en": body})
    wait_for(lambda: any(alert_texts(base, n, body) for n in numbers))  # sending has begun
    r = api.as_role("supervisor").post(f"/api/alerts/{sent['alert_id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    time.sleep(3)  # the dispatcher reads the flag through a 1 s cache
    delivered_then = sum(len(alert_texts(base, n, body)) for n in numbers)
    time.sleep(3)
    assert sum(len(alert_texts(base, n, body)) for n in numbers) == delivered_then
    counts = wait_for(lambda: (c := view(api, sent["alert_id"])["counts"]["riverside"])["queued"] == 0 and c)
    # The zone may hold other tests' residents too (the stack is shared): `sent` counts theirs.
    assert counts["cancelled"] >= 1 and delivered_then <= counts["sent"] < sent["recipients"]


def test_a_provider_outage_mid_send_resumes_without_duplicates(base, api, monkeypatch) -> None:
    import functions.alert_dispatch as dispatch_function

    monkeypatch.setattr(dispatch_function, "REDELIVER_DELAY_S", 1)  # the local stack runs it in-process
    steady, refused, stopped = subscribe(base, "WARD-2"), subscribe(base, "WARD-2"), subscribe(base, "WARD-2")
    # Twilio refuses every send to one number (429: over the rate): tried with backoff, then
    # handed back to the queue; once the outage ends, the redelivered page sends it, once.
    requests.post(base + "/dev/outbox/failures", json={"to": refused, "code": 20429}, timeout=30)
    # Another had sent STOP to Twilio (21610) without our hearing of it: failed, and recorded.
    requests.post(base + "/dev/outbox/failures", json={"to": stopped, "code": 21610}, timeout=30)
    body = f"Boil water notice {time.time()}"
    sent = send(api, "ward-2", {"en": body})
    wait_for(lambda: alert_texts(base, steady, body))
    # Claimed only once its rate permit came (the permit is taken first): maybe not yet there.
    entry = wait_for(
        lambda: (e := _entry(sent["alert_id"], subscriber_id(refused))) and e.status == "retry" and e
    )
    assert entry.attempts >= 4
    requests.post(base + "/dev/outbox/failures", json={"to": refused, "code": None}, timeout=30)
    wait_for(lambda: alert_texts(base, refused, body))
    time.sleep(2)
    assert len(alert_texts(base, refused, body)) == 1 and len(alert_texts(base, steady, body)) == 1
    gone = AlertDeliveryRecord.get(sent["alert_id"], subscriber_id(stopped), consistent_read=True)
    assert (gone.status, gone.error_code) == ("failed", "21610")
    with acting_as("alerts-webhook"):
        key = number_mac(KmsSubscriberMac(alerts_settings().subscriber_key_id), stopped)
    assert SmsOptOutRecord.get("alerts", key, consistent_read=True).opted_out


def test_a_page_delivered_twice_sends_nothing_twice(base, api) -> None:
    first, second = subscribe(base, "WARD-1"), subscribe(base, "WARD-1")
    body = f"Hydrant flushing tonight {time.time()}"
    sent = send(api, "ward-1", {"en": body})
    wait_for(lambda: alert_texts(base, first, body) and alert_texts(base, second, body))
    # SQS delivers at least once: the same page again, as a redelivery would bring it.
    page = DispatchBatch(
        sent["alert_id"],
        "ward-1",
        (Recipient(subscriber_id(first), "en"), Recipient(subscriber_id(second), "en")),
    )
    before = ledger_reads(base)
    sqs = client("sqs")
    sqs.send_message(
        QueueUrl=sqs.get_queue_url(QueueName=queue_name("alert-fanout", get_settings()))["QueueUrl"],
        MessageBody=page.to_message(),
    )

    wait_for(lambda: ledger_reads(base) >= before + 2)  # both claims taken: it read who holds them
    time.sleep(1)
    assert len(alert_texts(base, first, body)) == 1 and len(alert_texts(base, second, body)) == 1
