"""rtcc.sms as a platform: a generic signed webhook per line, opt-outs per (line, sender),
the gateway's Messaging Service, and the Twilio stand-in failing numbers on request."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from rtcc.settings import reload_settings
from rtcc.sms import gateway as gateway_module
from rtcc.sms import webhook
from rtcc.sms.errors import Permanent, Transient, classify
from rtcc.sms.gateway import OutboxSmsGateway, ProviderError, twilio_create_args
from rtcc.sms.inbound import FormError
from rtcc.sms.line import SmsLine, declared_lines
from rtcc.sms.optout import (
    AdvancedOptOut,
    MemoryOptOuts,
    OptedOut,
    OptOutSource,
    advanced_opt_out,
    check_before_send,
)
from rtcc.sms.twilio_webhook import sign

BASE = "https://rtcc.city.example"
TOKEN = "unit-token"


@dataclass(frozen=True)
class Got:
    outcome: str
    reply: str


def make_line(received: list, seen=None, callbacks=None) -> SmsLine:
    def receive(form):
        received.append(dict(form))
        if not form.get("Body"):
            raise FormError("Body: missing")
        return Got("stored", f"got {form['Body']}")

    return SmsLine(
        name="alerts",
        path="/webhooks/twilio/alerts",
        door="/webhooks/twilio/tips",  # a declared door (rtcc.refusals.DOORS)
        received_metric="AlertMessages",
        refused_metric="AlertWebhookRefused",
        number=lambda: "+15550100200",
        receive=receive,
        seen=seen,
        callbacks=callbacks,
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RTCC_PUBLIC_BASE_URL", BASE)
    reload_settings()
    monkeypatch.setattr(webhook, "secret_value", lambda name: TOKEN)
    calls = {"refusals": [], "metrics": []}
    monkeypatch.setattr(webhook, "count_refusal", lambda door, why: calls["refusals"].append((door, why)))
    monkeypatch.setattr(webhook, "count", lambda name, value: calls["metrics"].append((name, value)))
    yield calls
    monkeypatch.delenv("RTCC_PUBLIC_BASE_URL")
    reload_settings()


def event(path: str, form: dict, signature: str | None, query: dict | None = None) -> dict:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return {
        "httpMethod": "POST",
        "path": path,
        "headers": headers,
        "body": urlencode(form),
        "queryStringParameters": query,
    }


def signed(path: str, form: dict, query: str = "") -> str:
    return sign(TOKEN, BASE + path + query, form)


def test_a_line_checks_the_signature_against_the_public_url_and_its_own_path(counted) -> None:
    received: list = []
    handle = webhook.webhook_handler(make_line(received))
    form = {"MessageSid": "SM" + "1" * 32, "From": "+15550100300", "Body": "ZIP 01013"}
    answer = handle(event("/webhooks/twilio/alerts", form, signed("/webhooks/twilio/alerts", form)))
    assert answer["statusCode"] == 200 and "got ZIP 01013" in answer["body"]
    assert counted["metrics"] == [("AlertMessages", "stored")]
    # Signed for another line's path: refused, counted under this line's door and metric.
    forged = handle(event("/webhooks/twilio/alerts", form, signed("/webhooks/twilio/tips", form)))
    missing = handle(event("/webhooks/twilio/alerts", form, None))
    assert forged["statusCode"] == missing["statusCode"] == 403
    assert counted["refusals"] == [
        ("/webhooks/twilio/tips", "invalid_signature"),
        ("/webhooks/twilio/tips", "missing_signature"),
    ]
    assert ("AlertWebhookRefused", "signature") in counted["metrics"]
    assert len(received) == 1


def test_a_line_de_duplicates_message_sids_through_its_hook(counted) -> None:
    received: list = []
    seen = {"SM" + "2" * 32: "already got it"}
    handle = webhook.webhook_handler(make_line(received, seen=seen.get))
    form = {"MessageSid": "SM" + "2" * 32, "Body": "again"}
    answer = handle(event("/webhooks/twilio/alerts", form, signed("/webhooks/twilio/alerts", form)))
    assert "already got it" in answer["body"] and received == []
    assert counted["metrics"] == [("AlertMessages", "duplicate")]


def test_signed_callbacks_reach_the_line_and_bad_forms_get_400(counted) -> None:
    received: list = []
    calls = []
    line = make_line(received, callbacks={"/status": lambda ev, form: calls.append(form) or (200, "")})
    handle = webhook.webhook_handler(line)
    form = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "delivered"}
    path = "/webhooks/twilio/alerts/status"
    query = {"ref": "abc"}
    assert handle(event(path, form, signed(path, form, "?ref=abc"), query))["statusCode"] == 200
    assert calls == [form] and received == []
    empty = {"MessageSid": "SM" + "4" * 32, "Body": ""}
    assert handle(event(line.path, empty, signed(line.path, empty)))["statusCode"] == 400
    assert handle({**event(line.path, empty, None), "httpMethod": "GET"})["statusCode"] == 405


def test_opt_outs_are_per_line_and_checked_before_a_send() -> None:
    opt_outs = MemoryOptOuts()
    opt_outs.record("tips", "p_abc", True, OptOutSource.KEYWORD)
    with pytest.raises(OptedOut):
        check_before_send(opt_outs, "tips", "p_abc")
    check_before_send(opt_outs, "alerts", "p_abc")  # STOP to the tip line: alerts unaffected
    assert opt_outs.state("alerts", "p_abc") is None
    opt_outs.record("tips", "p_abc", False, OptOutSource.KEYWORD)
    check_before_send(opt_outs, "tips", "p_abc")


def test_twilios_opt_out_type_is_read_whatever_the_case() -> None:
    assert advanced_opt_out({"OptOutType": "stop"}) is AdvancedOptOut.STOP
    assert advanced_opt_out({"OptOutType": "START"}) is AdvancedOptOut.START
    assert advanced_opt_out({"Body": "STOP"}) is None and advanced_opt_out({"OptOutType": "x"}) is None


def test_the_tip_line_is_declared_and_its_door_counts_refusals() -> None:
    from rtcc.refusals import DOORS, SMS_WEBHOOK_REASONS

    assert all(DOORS[line.door] == SMS_WEBHOOK_REASONS for line in declared_lines())
    (tips,) = [line for line in declared_lines() if line.name == "tips"]
    assert tips.path == "/webhooks/twilio/tips" and tips.door == "/webhooks/twilio/tips"
    assert tips.received_metric == "TipMessages" and tips.refused_metric == "TipWebhookRefused"


def test_the_messaging_service_and_status_callback_reach_twilio() -> None:
    args = twilio_create_args("+15550100300", "", "hi", (), "https://x/status", "MG" + "0" * 32)
    assert args == {
        "to": "+15550100300",
        "body": "hi",
        "messaging_service_sid": "MG" + "0" * 32,
        "status_callback": "https://x/status",
    }
    assert twilio_create_args("+15550100300", "+15550100100", "hi")["from_"] == "+15550100100"
    with pytest.raises(ValueError):
        twilio_create_args("+15550100300", "", "hi")


@pytest.fixture
def callbacks(monkeypatch: pytest.MonkeyPatch):
    posted: list[tuple[str, int | None]] = []
    done = threading.Event()

    def post(url, token, sid, status, from_, to, error=None):
        posted.append((status, error))
        if status in ("delivered", "undelivered"):
            done.set()

    monkeypatch.setattr(gateway_module, "post_status_callback", post)
    monkeypatch.setattr(gateway_module, "STATUS_STEP_S", 0.01)
    return posted, done


def test_the_stand_in_posts_queued_sent_delivered(callbacks) -> None:
    posted, done = callbacks
    OutboxSmsGateway().send("+15550100300", "+15550100100", "hi", status_callback="http://x/status")
    assert done.wait(5)
    assert posted == [("queued", None), ("sent", None), ("delivered", None)]


def test_the_stand_in_delivers_a_message_sent_without_a_status_callback(callbacks) -> None:
    # Twilio delivers whether or not anyone asked for callbacks: /dev/phone must not show a
    # confirmation text (sent without one) as queued forever.
    posted, _ = callbacks
    box = OutboxSmsGateway()
    sid = box.send("+15550100304", "+15550100200", "confirm")
    deadline = time.monotonic() + 5
    while box.status(sid) != "delivered" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert box.status(sid) == "delivered"
    assert posted == []  # and nothing posted anywhere


def test_the_stand_in_fails_a_number_as_twilio_would(callbacks) -> None:
    posted, done = callbacks
    box = OutboxSmsGateway()
    box.fail("+15550100301", 21610)
    box.fail("+15550100302", 30007)
    box.fail("+15550100303", 20429)
    with pytest.raises(ProviderError) as refused:
        box.send("+15550100301", "+15550100100", "hi")
    assert classify(refused.value) == Permanent("21610") and classify(refused.value).opted_out
    with pytest.raises(ProviderError) as busy:
        box.send("+15550100303", "+15550100100", "hi")
    assert classify(busy.value) == Transient("20429")
    sid = box.send("+15550100302", "+15550100100", "hi", status_callback="http://x/status")
    assert done.wait(5)
    assert posted == [("queued", None), ("sent", None), ("undelivered", 30007)]
    assert box.status(sid) == "undelivered"
    box.fail("+15550100301", None)
    assert box.send("+15550100301", "+15550100100", "hi")
    assert box.messages("+15550100301")[0].body == "hi"


def test_a_line_sender_checks_the_opt_out_first_and_records_a_21610(callbacks) -> None:
    from rtcc.sms.sender import SendRefused, send_on_line

    box, opt_outs = OutboxSmsGateway(), MemoryOptOuts()
    opt_outs.record("alerts", "h_1", True, OptOutSource.KEYWORD)
    with pytest.raises(OptedOut):
        send_on_line(box, opt_outs, "alerts", "h_1", "+15550100401", "+15550100200", "alert")
    assert box.messages() == []  # nothing reached the provider
    assert send_on_line(box, opt_outs, "tips", "h_1", "+15550100401", "+15550100100", "reply")  # other line
    box.fail("+15550100402", 21610)
    with pytest.raises(SendRefused) as refused:
        send_on_line(box, opt_outs, "alerts", "h_2", "+15550100402", "+15550100200", "alert")
    assert refused.value.permanent and "+1555" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__context__ is None
    assert opt_outs.state("alerts", "h_2").opted_out and opt_outs.state("tips", "h_2") is None
    box.fail("+15550100403", 20429)
    with pytest.raises(SendRefused) as busy:
        send_on_line(box, opt_outs, "alerts", "h_3", "+15550100403", "+15550100200", "alert")
    assert not busy.value.permanent and opt_outs.state("alerts", "h_3") is None


def test_the_inbound_allowlist_keeps_opt_out_type_and_drops_geography() -> None:
    from rtcc.sms.inbound import GEO_FIELDS, sanitize_form
    from rtcc.sms.twilio_form import inbound_form

    form = {
        **inbound_form(from_number="+15550100500", to_number="+15550100200", body="STOP", account_sid="AC1")
    }
    form["OptOutType"] = "STOP"
    safe = sanitize_form(form)
    assert safe["OptOutType"] == "STOP" and not set(safe) & GEO_FIELDS
