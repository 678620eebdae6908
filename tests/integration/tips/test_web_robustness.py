"""Web tips when things go wrong: a failed alert or queue send, and follow-up guessing."""

from __future__ import annotations

import hashlib
import threading
import types

import pytest
import requests
from rtcc.store.tips import TipMediaRecord, TipRecord
from rtcc.tips import passphrase as passphrase_module
from rtcc.tips.adapters import default_ports
from rtcc.tips.pdfmeta import strip_pdf_metadata
from rtcc.tips.records import TipUnlockFailed
from rtcc.tips.web_intake import UNLOCK_FAILED, WebIntake

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for
from tests.unit.tips.test_pdfmeta import office_pdf

pytestmark = pytest.mark.integration


def web() -> WebIntake:
    ports = default_ports()
    return WebIntake(ports.store, ports.queues)


def refuse(*args, **kwargs) -> None:
    raise ConnectionError("queue unreachable")


def test_a_failed_supervisor_alert_does_not_fail_the_tip(api, monkeypatch) -> None:
    monkeypatch.setattr(default_ports().queues, "send_outbound", refuse)
    r = api.post("/api/public/tips", json={"text": "He has a gun in the car at 5th and Main"})
    monkeypatch.undo()
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["code"] and created["passphrase"]
    assert TipRecord.get(created["code"]).priority == "high"  # stored, and flagged for triage


def test_a_confirm_whose_queue_send_failed_can_be_repeated(api, monkeypatch) -> None:
    pdf = office_pdf(1)
    created = api.post(
        "/api/public/tips",
        json={
            "text": "receipt attached",
            "attachments": [{"content_type": "application/pdf", "size": len(pdf)}],
        },
    ).json()
    code, secret = created["code"], created["passphrase"]
    (form,) = created["uploads"]
    r = requests.post(
        form["url"], data=form["fields"], files={"file": ("r.pdf", pdf, "application/pdf")}, timeout=30
    )
    assert r.status_code in (200, 204)
    confirm = f"/api/public/tips/uploads/{form['media_id']}/confirm"
    credentials = {"code": code, "passphrase": secret}

    monkeypatch.setattr(default_ports().queues, "send_media_jobs", refuse)
    failed = api.post(confirm, json=credentials)
    monkeypatch.undo()
    assert failed.status_code == 503 and "confirm it again" in failed.json()["message"]
    assert TipMediaRecord.get(code, form["media_id"]).state == "pending"  # marked, not queued

    again = api.post(confirm, json=credentials)  # the browser's retry queues it
    assert again.status_code == 200 and again.json()["state"] == "pending"
    wait_for(lambda: TipMediaRecord.get(code, form["media_id"]).state == "stored", 60)
    stored = TipMediaRecord.get(code, form["media_id"])
    assert stored.sha256 == hashlib.sha256(strip_pdf_metadata(pdf)).hexdigest()  # the cleaned file
    settled = api.post(confirm, json=credentials)  # after it is stored: harmless, nothing queued
    assert settled.status_code == 200 and settled.json()["state"] == "stored"


def test_a_confirmed_upload_that_never_arrived_is_rejected_not_retried(api) -> None:
    """tip-media may not list the media bucket, so S3 answers its HEAD of the missing file
    with 403 (the local stack enforces this as AWS does): still "never arrived", not an
    error retried into the dead-letter queue."""
    created = api.post(
        "/api/public/tips",
        json={"text": "photo to follow", "attachments": [{"content_type": "image/jpeg", "size": 1000}]},
    ).json()
    (form,) = created["uploads"]
    confirm = api.post(
        f"/api/public/tips/uploads/{form['media_id']}/confirm",
        json={"code": created["code"], "passphrase": created["passphrase"]},
    )
    assert confirm.status_code == 200, confirm.text
    media = wait_for(
        lambda: (m := TipMediaRecord.get(created["code"], form["media_id"])).state != "pending" and m, 60
    )
    assert media.state == "rejected" and "never arrived" in (media.reason or "")


class ScryptCounter:
    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def scrypt(self, *args, **kwargs) -> bytes:
        with self._lock:
            self.calls += 1
        return hashlib.scrypt(*args, **kwargs)


def test_every_failed_follow_up_costs_one_scrypt(api, phone: Phone, monkeypatch) -> None:
    """Unknown codes and SMS tips used to fail before any scrypt, so response time told
    which codes exist."""
    web_code = api.post("/api/public/tips", json={"text": "timing"}).json()["code"]
    sms_code = code_of(phone.text(new_number(), "an sms tip")[1])
    passphrase_module._decoy_hash()  # the decoy is hashed once per process, up front here
    counter = ScryptCounter()
    monkeypatch.setattr(passphrase_module, "hashlib", types.SimpleNamespace(scrypt=counter.scrypt))
    for code in ("T-2222", sms_code, web_code):
        before = counter.calls
        with pytest.raises(TipUnlockFailed) as failed:
            web().unlock(code, "AAAA-BBBB-CCCC")
        assert counter.calls == before + 1, code
        assert failed.value.message == UNLOCK_FAILED


def test_a_stranger_who_knows_a_code_cannot_keep_the_tipster_out(api, monkeypatch) -> None:
    """Ten wrong passphrases used to lock a tip for 15 minutes, so anyone who knew a code
    could keep its tipster out for good. Guesses now change nothing: each costs one full
    scrypt check (that, and the WAF's per-client limit, bound the rate; 79 bits make it
    hopeless), answers like an unknown code, and the right passphrase always opens."""
    created = api.post("/api/public/tips", json={"text": "keep me out"}).json()
    code, secret = created["code"], created["passphrase"]
    before = TipRecord.get(code).attribute_values
    counter = ScryptCounter()
    monkeypatch.setattr(passphrase_module, "hashlib", types.SimpleNamespace(scrypt=counter.scrypt))
    errors: list[str] = []

    def guess() -> None:
        for _ in range(5):
            try:
                web().unlock(code, "AAAA-BBBB-CCCC")
            except TipUnlockFailed as exc:
                errors.append(exc.message)

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [UNLOCK_FAILED] * 50
    assert counter.calls == 50, "every guess costs exactly one scrypt check"
    assert TipRecord.get(code).attribute_values == before, "a guess wrote to the tip"
    monkeypatch.undo()

    right = api.post("/api/public/tips/follow-up", json={"code": code, "passphrase": secret})
    assert right.status_code == 200, right.text
    wrong = api.post("/api/public/tips/follow-up", json={"code": code, "passphrase": "AAAA-BBBB-CCCC"})
    unknown = api.post("/api/public/tips/follow-up", json={"code": "T-2223", "passphrase": secret})
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json()["message"] == unknown.json()["message"] == UNLOCK_FAILED
