"""The reply consumer against the local stack: failures never carry the tipster's number,
permanent Twilio errors settle as undeliverable, and every job is safe to receive twice.

These call `OutboundSender` (and the function's record handler) directly with a small SMS
gateway fake, because the gateway's failure is what is being tested; replies are written
straight to the table (not queued), so the stack's own poller never sees them.
"""

from __future__ import annotations

import functools
import json
import logging
import traceback
from datetime import timedelta

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from rtcc.local.iam.identity import acting_as
from rtcc.store.tips import TipMessageRecord
from rtcc.tips.adapters import default_ports
from rtcc.tips.jobs import AlertJob, ReplyJob
from rtcc.tips.outbound import (
    MAX_RECEIVES,
    OutboundSender,
    ReplyBusy,
    SendFailed,
    error_code,
)
from rtcc.tips.records import iso, message_key, new_id, now_utc

from tests.integration.tips.conftest import Phone, code_of, new_number
from tests.sqs import sqs_record

pytestmark = pytest.mark.integration


class TwilioLikeError(Exception):
    """Shaped like twilio's TwilioRestException: a numeric `code`, a message naming the number."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(message)
        self.code = code


class Gateway:
    """An SMS gateway that fails the way it is told to (per recipient), else records."""

    def __init__(self, fail: dict[str, int | None] | None = None) -> None:
        self.fail = dict(fail or {})
        self.sent: list[tuple[str, str]] = []
        self.tried: list[str] = []

    def send(
        self,
        to: str,
        from_: str,
        body: str,
        media_urls: tuple[str, ...] = (),
        status_callback: str | None = None,
    ) -> str:
        self.tried.append(to)
        if to in self.fail:
            raise TwilioLikeError(self.fail[to], f"The 'To' number {to} is not a valid phone number.")
        self.sent.append((to, body))
        return f"SMFAKE{len(self.sent):026d}"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + " " + json.dumps(record.__dict__, default=str)
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(text)


LOGGERS = ("", "rtcc", "rtcc.tips", "rtcc-tips-outbound", "aws_lambda_powertools")


@pytest.fixture
def captured_logs():
    capture = Capture()
    saved = {}
    for name in LOGGERS:
        log = logging.getLogger(name)
        saved[name] = log.level
        log.addHandler(capture)
        log.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(capture)
            logging.getLogger(name).setLevel(saved[name])


def sms_tip(phone: Phone) -> tuple[str, str]:
    number = new_number()
    return number, code_of(phone.text(number, "I saw the van again")[1])


def stored_reply(code: str, text: str = "Which street?", **fields) -> TipMessageRecord:
    """A reply as the inbox stores it, without queueing it."""
    at, mid = iso(now_utc()), new_id()
    message = TipMessageRecord(
        code,
        message_key(at, mid),
        message_id=mid,
        at=at,
        direction="out",
        channel="sms",
        body=text,
        author="officer",
        delivery="queued",
        **fields,
    )
    message.save()
    return message


class _AsOutbound:
    """The reply function's sender, run under its deployed IAM (the local stack enforces
    it) as its Lambda would: only its own calls are checked, not the test's."""

    def __init__(self, inner: OutboundSender) -> None:
        self._inner = inner

    def reply(self, *args, **kwargs):
        with acting_as("tip-outbound"):
            return self._inner.reply(*args, **kwargs)

    def handle(self, *args, **kwargs):
        with acting_as("tip-outbound"):
            return self._inner.handle(*args, **kwargs)


def sender(gateway: Gateway) -> OutboundSender:
    return _AsOutbound(OutboundSender(default_ports().sealer, gateway))  # type: ignore[return-value]


def sqs_event(*jobs: ReplyJob | AlertJob, receive_count: int = 1) -> dict:
    return {
        "Records": [
            sqs_record(f"m{i}", job.model_dump_json(), "tip-outbound", receive_count)
            for i, job in enumerate(jobs)
        ]
    }


def test_error_codes_never_carry_the_message() -> None:
    assert error_code(TwilioLikeError(21211, "The 'To' number +15551234567 ...")) == "21211"
    assert error_code(ConnectionError("connect to +15551234567 failed")) == "ConnectionError"
    assert error_code(TwilioLikeError(None, "+15551234567")) == "TwilioLikeError"


def test_a_failing_batch_raises_and_logs_no_number(phone: Phone, captured_logs, capfd) -> None:
    """A transient failure (Twilio 20429, too many requests) of every record in a batch:
    Powertools raises BatchProcessingError, which Lambda logs; neither it nor any log line
    may contain the tipster's number."""
    from functions import tip_outbound

    number, code = sms_tip(phone)
    first, second = stored_reply(code, "first"), stored_reply(code, "second")
    gateway = Gateway({number: 20429})
    handler = functools.partial(tip_outbound.record_handler, sender=sender(gateway))
    event = sqs_event(
        ReplyJob(code=code, message_key=first.key),
        ReplyJob(code=code, message_key=second.key),
    )
    with pytest.raises(BatchProcessingError) as raised, acting_as("tip-outbound"):
        process_partial_response(event=event, record_handler=handler, processor=tip_outbound.processor)
    assert gateway.tried == [number, number]  # it really was the send that failed
    text = str(raised.value) + "".join(traceback.format_exception(raised.value))
    out, err = capfd.readouterr()
    logs = "\n".join(captured_logs.lines) + out + err
    assert "20429" in text and code in logs  # the capture sees the failure and the tips logs
    for where in (text, logs):
        assert number not in where and number[2:] not in where and "is not a valid phone" not in where
    again = TipMessageRecord.get(code, first.key)
    assert (again.delivery, again.delivery_detail) == ("queued", "retrying after error 20429")


def test_permanent_twilio_errors_are_undeliverable_not_retried(phone: Phone, captured_logs) -> None:
    number, code = sms_tip(phone)
    reply = stored_reply(code)
    gateway = Gateway({number: 21211})
    assert sender(gateway).reply(code, reply.key) == "undeliverable"
    stored = TipMessageRecord.get(code, reply.key)
    assert stored.delivery == "undeliverable" and "21211" in stored.delivery_detail
    assert number not in stored.delivery_detail
    assert number not in "\n".join(captured_logs.lines)
    assert sender(gateway).reply(code, reply.key) == "undeliverable"  # redelivered: settled
    assert gateway.tried == [number]


def test_a_send_whose_answer_timed_out_is_not_retried(phone: Phone) -> None:
    """A read timeout: Twilio may have sent it. Never retried (a second text to an
    anonymous tipster's phone is worse than a missed one); the officer is told."""
    import requests

    number, code = sms_tip(phone)
    reply = stored_reply(code)

    class Stalled(Gateway):
        def send(self, to: str, *args, **kwargs) -> str:
            self.tried.append(to)
            raise requests.exceptions.ReadTimeout(f"read timed out sending to {to}")

    gateway = Stalled()
    assert sender(gateway).reply(code, reply.key) == "failed"
    stored = TipMessageRecord.get(code, reply.key)
    assert stored.delivery == "failed" and "may have been delivered" in stored.delivery_detail
    assert number not in stored.delivery_detail
    assert sender(gateway).reply(code, reply.key) == "failed"  # a redelivery sends nothing
    assert gateway.tried == [number]


def test_the_last_attempt_marks_the_reply_failed(phone: Phone) -> None:
    number, code = sms_tip(phone)
    reply = stored_reply(code)
    with pytest.raises(SendFailed):
        sender(Gateway({number: None})).reply(code, reply.key, receive_count=MAX_RECEIVES)
    stored = TipMessageRecord.get(code, reply.key)
    assert stored.delivery == "failed" and "reply again" in stored.delivery_detail
    assert "TwilioLikeError" in stored.delivery_detail and number not in stored.delivery_detail


def test_a_reply_received_twice_is_sent_once(phone: Phone) -> None:
    number, code = sms_tip(phone)
    reply = stored_reply(code)
    gateway = Gateway()
    assert sender(gateway).reply(code, reply.key) == "sent"
    assert sender(gateway).reply(code, reply.key) == "sent"
    assert gateway.sent == [(number, f"Re tip {code}: Which street?")]
    stored = TipMessageRecord.get(code, reply.key)
    # The reply's SID is not kept: its status callback brings it back for the delete.
    assert stored.delivery == "sent" and stored.provider_sid is None and stored.delivery_detail is None


def test_a_live_claim_is_left_alone_and_a_dead_one_is_taken_over(phone: Phone) -> None:
    number, code = sms_tip(phone)
    gateway = Gateway()
    busy = stored_reply(code, "busy")
    busy.update(
        actions=[
            TipMessageRecord.delivery.set("sending"),
            TipMessageRecord.delivery_detail.set("sending since " + iso(now_utc())),
        ]
    )
    with pytest.raises(ReplyBusy):
        sender(gateway).reply(code, busy.key)
    assert gateway.tried == [] and TipMessageRecord.get(code, busy.key).delivery == "sending"

    dead = stored_reply(code, "dead")
    dead.update(
        actions=[
            TipMessageRecord.delivery.set("sending"),
            TipMessageRecord.delivery_detail.set("sending since " + iso(now_utc() - timedelta(minutes=5))),
        ]
    )
    assert sender(gateway).reply(code, dead.key) == "sent"
    assert gateway.sent == [(number, f"Re tip {code}: dead")]


def test_a_retried_alert_texts_only_the_supervisors_it_missed(phone: Phone, monkeypatch) -> None:
    from rtcc.settings import reload_settings

    supervisors = [new_number(), new_number(), new_number()]
    monkeypatch.setenv("RTCC_TIPS_SUPERVISOR_NUMBERS", json.dumps(supervisors))
    reload_settings()
    try:
        _, code = sms_tip(phone)
        job = AlertJob(code=code, keywords=("gun",))
        flaky = Gateway({supervisors[1]: 20003})
        with pytest.raises(SendFailed) as raised:
            sender(flaky).handle(job)
        assert supervisors[1] not in str(raised.value)
        assert [to for to, _ in flaky.sent] == [supervisors[0], supervisors[2]]
        retry = Gateway()
        assert sender(retry).handle(job) == "sent"
        assert [to for to, _ in retry.sent] == [supervisors[1]]
        assert sender(retry).handle(job) == "sent"  # a third delivery: nobody again
        assert len(retry.sent) == 1
        # New keywords on the same tip are a new alert.
        sender(retry).handle(AlertJob(code=code, keywords=("gun", "shooting")))
        assert len(retry.sent) == 4
    finally:
        monkeypatch.delenv("RTCC_TIPS_SUPERVISOR_NUMBERS")
        reload_settings()


def test_only_configured_keywords_reach_a_supervisors_phone(phone: Phone, monkeypatch) -> None:
    """Whatever a message on the queue says, a supervisor's text names only priority words
    the city configured, and an alert job's words are bounded (review finding)."""
    from pydantic import ValidationError
    from rtcc.settings import reload_settings

    supervisor = new_number()
    monkeypatch.setenv("RTCC_TIPS_SUPERVISOR_NUMBERS", json.dumps([supervisor]))
    reload_settings()
    try:
        _, code = sms_tip(phone)
        gateway = Gateway()
        planted = "call +15557654321 now"
        assert sender(gateway).handle(AlertJob(code=code, keywords=("gun", planted))) == "sent"
        ((to, text),) = gateway.sent
        assert to == supervisor and "gun" in text and "+1555" not in text
        with pytest.raises(ValidationError):
            AlertJob(code=code, keywords=("x" * 41,))
        with pytest.raises(ValidationError):
            AlertJob(code=code, keywords=tuple(f"w{i}" for i in range(21)))
    finally:
        monkeypatch.delenv("RTCC_TIPS_SUPERVISOR_NUMBERS")
        reload_settings()
