"""Twilio's ids lead to the number (issue 8, item 5): a MessageSid names, at Twilio, the
message and so its sender. After intake nothing officers see, nothing stored and no log
line carries one; media ids are opaque; the inbound message is deleted at Twilio."""

from __future__ import annotations

import io
import json
import logging

import pytest
from PIL import Image

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for
from tests.integration.tips.test_media import settled_media
from tests.integration.tips.test_sms_webhook import dump_tip_tables

pytestmark = pytest.mark.integration

_LOGGERS = ("", "rtcc", "rtcc.tips", "rtcc-tips", "rtcc-tips-media", "rtcc-tips-outbound", "rtcc-api")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + json.dumps(record.__dict__, default=str))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def _sids(form: dict[str, str]) -> set[str]:
    """Every id in the form that names the message or its media at Twilio."""
    sids = {form[k] for k in ("MessageSid", "SmsMessageSid", "SmsSid")}
    sids |= {v.rsplit("/", 1)[1] for k, v in form.items() if k.startswith("MediaUrl")}
    return sids


def _mms(phone: Phone, api, capture: _Capture) -> tuple[dict[str, str], str, dict]:
    for name in _LOGGERS:
        logging.getLogger(name).addHandler(capture)
    try:
        url = phone.upload_media(_png(), "image/png")
        form, response = phone.text(new_number(), "the van again", media=[(url, "image/png")])
        code = code_of(response)
        phone.post(form)  # Twilio's retry: the duplicate lookup must find the same media
        settled_media(api, code, 1)
        tip = api.as_role("officer").get(f"/api/tips/{code}").json()
    finally:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(capture)
    return form, code, tip


def test_no_sid_in_the_tip_the_tables_or_the_logs(phone: Phone, api, local_stack) -> None:
    capture = _Capture()
    form, code, tip = _mms(phone, api, capture)
    sids = _sids(form)
    assert form["MessageSid"].startswith("MM")
    (item,) = tip["media"]
    assert item["state"] == "stored" and item["media_id"].startswith("m_")
    shown = json.dumps(tip)
    assert not [s for s in sids if s in shown], "a Twilio id is shown to officers"
    stored = wait_for(lambda: (d := dump_tip_tables(local_stack)) and not any(s in d for s in sids) and d, 30)
    assert code in stored  # the scan does see this tip's records
    assert capture.lines and any(code in line for line in capture.lines)
    leaks = [line for line in capture.lines if code in line and any(s in line for s in sids)]
    assert not leaks, leaks[:3]


def _deleted(api) -> list[str]:
    return api.get("/dev/outbox").json()["deleted"]


def test_the_inbound_message_is_deleted_at_twilio(phone: Phone, api) -> None:
    """An MMS once its media is copied (the media consumer), a text right after intake
    (a job to the reply function); once each, however often Twilio delivers it."""
    form, code, _ = _mms(phone, api, _Capture())
    wait_for(lambda: form["MessageSid"] in _deleted(api), 30)
    text_form, response = phone.text(new_number(), "just words")
    phone.post(text_form)  # a retry: the message is already forgotten
    wait_for(lambda: text_form["MessageSid"] in _deleted(api), 30)
    assert _deleted(api).count(form["MessageSid"]) == 1
