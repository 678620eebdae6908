"""Retention of closed tips: closing schedules the deletion, reopening cancels it, a case
link lengthens it, and the sweep deletes the tip with its thread, media and contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as
from rtcc.retention import Claim
from rtcc.retention import sweep as _sweep
from rtcc.settings import get_settings, reload_settings
from rtcc.store.retention import RetentionRecord
from rtcc.store.tips import TipMediaRecord, TipMessageRecord, TipRecord, TipVaultRecord
from rtcc.tips.adapters import default_ports
from rtcc.tips.retention import TipPurger
from rtcc.tips.settings import tips_settings

from tests.integration.tips.conftest import Phone, code_of, new_number
from tests.integration.tips.test_inbox_integrity import audit_entries
from tests.integration.tips.test_media import settled_media
from tests.unit.tips.test_media_and_twiml import photo_with_gps

pytestmark = pytest.mark.integration


def sweep(day):
    """The sweep as the retention function runs it: under its deployed IAM (local stack)."""
    with acting_as("retention"):
        return _sweep(day)


CLOSE = {"status": "closed", "disposition": "information_only"}


def today():
    return datetime.now(UTC).date()


@pytest.fixture
def one_day(local_stack, monkeypatch):
    """Closed tips are deleted the next day (so a sweep 'tomorrow' is due)."""
    monkeypatch.setenv("RTCC_TIPS_CLOSED_RETENTION_DAYS", "1")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def scheduled(code: str) -> list[str]:
    tip = TipRecord.get(code)
    if not tip.purge_on:
        return []
    return [r.day for r in RetentionRecord.query(tip.purge_on) if r.key == code]


def object_exists(key: str) -> bool:
    try:
        client("s3").head_object(Bucket=get_settings().media_bucket, Key=key)
        return True
    except ClientError:
        return False


def closed_tip(officer, phone: Phone, text: str) -> str:
    """An SMS tip, closed by `officer`; returns its code."""
    code = code_of(phone.text(new_number(), text)[1])
    assert officer.patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    return code


def test_a_closed_tip_is_deleted_with_its_thread_media_and_contact(api, phone: Phone, one_day) -> None:
    officer = api.as_role("officer")
    url = phone.upload_media(photo_with_gps(), "image/jpeg")
    code = code_of(phone.text(new_number(), "Stolen bikes in the shed", media=[(url, "image/jpeg")])[1])
    settled_media(api, code, 1)
    (media,) = TipMediaRecord.query(code)
    assert media.s3_key and object_exists(media.s3_key)

    closed = officer.patch(f"/api/tips/{code}", json=CLOSE).json()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert closed["purge_on"] == tomorrow and scheduled(code) == [tomorrow]

    sweep(today())  # not due yet
    assert TipRecord.get(code)
    report = sweep(today() + timedelta(days=1))
    assert f"tip#{code}" in report.purged
    assert officer.get(f"/api/tips/{code}").status_code == 404
    assert list(TipMessageRecord.query(code)) == [] and list(TipMediaRecord.query(code)) == []
    assert not object_exists(media.s3_key)
    with pytest.raises(TipVaultRecord.DoesNotExist):
        TipVaultRecord.get(code)
    assert [r for r in RetentionRecord.query(tomorrow) if r.key == code] == []
    (started,) = audit_entries(api, code, "tip.purge_started")
    (entry,) = audit_entries(api, code, "tip.purged")
    assert entry["seq"] > started["seq"]
    assert entry["actor"] == "rtcc-retention" and entry["detail"]["rule"] == "closed tip, 1 days"
    assert "Stolen" not in str(entry) + str(started)


def test_reopening_cancels_the_deletion(api, phone: Phone, one_day) -> None:
    officer = api.as_role("officer")
    code = closed_tip(officer, phone, "Graffiti crew meets Fridays")
    day = TipRecord.get(code).purge_on
    reopened = officer.patch(f"/api/tips/{code}", json={"status": "triaged"}).json()
    assert reopened["purge_on"] is None and scheduled(code) == []
    assert [r for r in RetentionRecord.query(day) if r.key == code] == []
    sweep(today() + timedelta(days=1))
    assert TipRecord.get(code).status == "triaged"


def test_a_case_link_keeps_a_closed_tip_longer(api, phone: Phone, one_day) -> None:
    officer = api.as_role("officer")
    code = closed_tip(officer, phone, "The van is back at the school")
    short = TipRecord.get(code).purge_on
    linked = officer.patch(f"/api/tips/{code}", json={"case_number": "2026-000123"}).json()
    long = (today() + timedelta(days=tips_settings().case_retention_days)).isoformat()
    assert linked["purge_on"] == long and scheduled(code) == [long]
    assert [r for r in RetentionRecord.query(short) if r.key == code] == []  # moved, not copied
    sweep(today() + timedelta(days=1))
    assert TipRecord.get(code).case_number == "2026-000123"


def test_a_tip_being_deleted_refuses_changes(api, phone: Phone, one_day) -> None:
    officer = api.as_role("officer")
    code = closed_tip(officer, phone, "Loud party every night")
    day = TipRecord.get(code).purge_on
    purger = TipPurger(default_ports().store)
    with acting_as("retention"):
        assert purger.claim(code, day) is Claim.CLAIMED
        assert purger.claim(code, day) is Claim.RESUMED  # a run that crashed after claiming
        assert purger.claim(code, "2099-01-01") is Claim.NOT_DUE
    r = officer.patch(f"/api/tips/{code}", json={"status": "triaged"})
    assert r.status_code == 409 and "retention" in r.json()["message"]
    sweep(today() + timedelta(days=1))  # the claimed tip is finished off
    assert officer.get(f"/api/tips/{code}").status_code == 404
    # Claimed by hand above (no entry then): the sweep says it resumes before deleting.
    (started,) = audit_entries(api, code, "tip.purge_started")
    assert started["detail"]["resumed"] == "true"
    assert len(audit_entries(api, code, "tip.purged")) == 1
