"""Officer inbox: every read is audited, writes are whole, and triage stays coherent."""

from __future__ import annotations

import pytest
from rtcc.audit import AuditLog
from rtcc.local.iam.identity import acting_as
from rtcc.store.tips import TipRecord, TipsterRecord, TipVaultRecord
from rtcc.tips.adapters import default_ports
from rtcc.tips.inbox import TipInbox
from rtcc.tips.records import get_or_none

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for

pytestmark = pytest.mark.integration


def audit_entries(api, target: str, action: str) -> list[dict]:
    r = api.as_role("auditor").get(
        "/api/audit", params={"target": target, "action": action, "limit": 50, "newest_first": "true"}
    )
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def sms_tip(phone: Phone, text: str = "Someone is selling from the blue house") -> tuple[str, str]:
    number = new_number()
    return number, code_of(phone.text(number, text)[1])


def test_an_unchanged_update_is_audited_as_a_view(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    for body in ({}, {"priority": "normal"}):  # nothing / the value it already has
        before = len(audit_entries(api, code, "tip.view"))
        r = officer.patch(f"/api/tips/{code}", json=body)
        assert r.status_code == 200 and r.json()["messages"]  # the whole tip came back
        views = audit_entries(api, code, "tip.view")
        assert len(views) == before + 1 and views[0]["actor"] == "officer"
    assert audit_entries(api, code, "tip.update") == []
    assert officer.patch(f"/api/tips/{code}", json={"priority": "high"}).status_code == 200
    (update,) = audit_entries(api, code, "tip.update")
    assert update["detail"]["fields"] == ["priority"]


def test_searches_are_audited_without_the_words(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone, "Quokka-shaped graffiti on the overpass")
    before = len(audit_entries(api, "tips", "tip.search"))
    found = officer.get("/api/tips", params={"q": "quokka graffiti"}).json()["tips"]
    assert [t["code"] for t in found] == [code]
    searches = audit_entries(api, "tips", "tip.search")
    assert len(searches) == before + 1
    entry = searches[0]
    assert entry["actor"] == "officer" and entry["detail"]["results"] == 1
    assert "quokka" not in str(entry).lower() and "graffiti" not in str(entry).lower()
    officer.get("/api/tips", params={"status": "new", "limit": 5})  # a plain list is not a search
    assert len(audit_entries(api, "tips", "tip.search")) == before + 1


def test_closing_and_reopening_move_the_vault_expiry_with_the_tip(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    close = {"status": "closed", "disposition": "information_only"}
    assert officer.patch(f"/api/tips/{code}", json=close).status_code == 200
    assert TipVaultRecord.get(code).expires is not None
    assert officer.patch(f"/api/tips/{code}", json={"status": "triaged"}).status_code == 200
    assert TipVaultRecord.get(code).expires is None
    assert TipVaultRecord.get(code).ciphertext  # the contact itself is untouched

    # The contact is gone (TTL): closing leaves only a key and an expiry (TTL removes it),
    # reopening does not fail and does not keep that remnant forever.
    TipVaultRecord(code).delete()
    assert officer.patch(f"/api/tips/{code}", json=close).status_code == 200
    remnant = TipVaultRecord.get(code)
    assert remnant.expires is not None and not remnant.ciphertext
    r = officer.patch(f"/api/tips/{code}", json={"status": "triaged"})
    assert r.status_code == 200 and r.json()["status"] == "triaged"
    assert TipVaultRecord.get(code).expires is not None  # still expiring


def test_a_reply_that_cannot_be_queued_is_marked_failed_and_answers_503(
    api, phone: Phone, monkeypatch
) -> None:
    officer = api.as_role("officer")
    number, code = sms_tip(phone)

    def refuse(job: dict) -> None:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(default_ports().queues, "send_outbound", refuse)
    r = officer.post(f"/api/tips/{code}/replies", json={"text": "Is the car still there?"})
    monkeypatch.undo()
    assert r.status_code == 503 and "queue" in r.json()["message"], r.text
    (reply,) = [m for m in officer.get(f"/api/tips/{code}").json()["messages"] if m["direction"] == "out"]
    assert reply["delivery"] == "failed" and "send the reply again" in reply["delivery_detail"]
    # The entry went in before the reply was stored; a second one says it was not queued.
    (entry,) = audit_entries(api, code, "tip.reply")
    assert entry["detail"]["channel"] == "sms"
    assert len(audit_entries(api, code, "tip.reply.not_queued")) == 1
    # Sending again works and queues a new message.
    assert (
        officer.post(f"/api/tips/{code}/replies", json={"text": "Is the car still there?"}).status_code == 200
    )


def test_blocking_only_writes_the_block(phone: Phone, monkeypatch) -> None:
    """A STOP that lands between an old-style read and save of the tipster was lost; the
    block is now an UpdateItem of its own fields. Simulated by handing set_blocked a
    tipster record read before the STOP, were it to read one."""
    number, code = sms_tip(phone)
    ports = default_ports()
    inbox = TipInbox(ports.store, ports.queues)
    pseudonym = TipRecord.get(code).pseudonym  # the store itself: the inbox shows no pseudonym
    stale = TipsterRecord.get(pseudonym)
    assert not stale.opted_out
    phone.text(number, "STOP")
    assert TipsterRecord.get(pseudonym).opted_out
    monkeypatch.setattr(TipsterRecord, "get", classmethod(lambda cls, *a, **k: stale))
    with acting_as("api"):
        inbox.set_blocked(code, True, "sgt.jones")
    monkeypatch.undo()
    after = TipsterRecord.get(pseudonym)
    assert after.opted_out, "the block undid the tipster's STOP"
    assert (after.blocked, after.blocked_by, after.blocked_from) == (True, "sgt.jones", {code})
    inbox.set_blocked(code, False, "sgt.jones")
    after = TipsterRecord.get(pseudonym)
    assert after.opted_out and not after.blocked and after.blocked_by is None


def test_a_block_shows_only_on_its_own_tip_and_only_to_supervisors(api, phone: Phone) -> None:
    """`blocked` on every tip of a blocked number told officers those tips share a sender.
    Now nobody learns a link: the block shows on the tip it was made from, to supervisors;
    a block or unblock from another tip of the same sender is that tip's own."""
    number, first = sms_tip(phone)
    second = code_of(phone.text(number, "NEW: and a second thing, at the park")[1])
    assert first != second
    officer, supervisor = api.as_role("officer"), api.as_role("supervisor")

    def blocked(client, code: str):
        r = client.get(f"/api/tips/{code}")
        assert r.status_code == 200, r.text
        return r.json().get("blocked")

    assert supervisor.post(f"/api/tips/{first}/block").status_code == 200
    assert not blocked(officer, first) and not blocked(officer, second)
    assert blocked(supervisor, first) is True and blocked(supervisor, second) is False
    # The sender's texts are dropped, as before.
    dropped = phone.text(number, "more of the same")[1]
    assert dropped.status_code == 200 and "<Message" not in dropped.text

    # Blocked from the second tip too, then unblocked there: the first tip's block stands.
    assert supervisor.post(f"/api/tips/{second}/block").status_code == 200
    assert blocked(supervisor, second) is True
    assert supervisor.delete(f"/api/tips/{second}/block").json()["blocked"] is False
    assert blocked(supervisor, first) is True and blocked(supervisor, second) is False
    pseudonym = TipRecord.get(first).pseudonym
    assert TipsterRecord.get(pseudonym).blocked, "unblocking one tip lifted another tip's block"
    # Unblocking from a tip the block was not made from lifts nothing either.
    assert supervisor.delete(f"/api/tips/{second}/block").status_code == 200
    assert TipsterRecord.get(pseudonym).blocked
    assert supervisor.delete(f"/api/tips/{first}/block").status_code == 200
    assert not TipsterRecord.get(pseudonym).blocked and blocked(supervisor, first) is False


def test_a_block_stored_before_blocked_from_shows_on_its_tip_and_lifts_only_there(api, phone: Phone) -> None:
    """A block made before blocked_from existed (one code in blocked_via) is still that
    tip's block: shown there to supervisors, never lifted from another tip (review)."""
    number, first = sms_tip(phone)
    second = code_of(phone.text(number, "NEW: another thing")[1])
    pseudonym = TipRecord.get(first).pseudonym
    TipsterRecord(pseudonym).update(
        actions=[TipsterRecord.blocked.set(True), TipsterRecord.blocked_via.set(first)]
    )
    supervisor = api.as_role("supervisor")
    assert supervisor.get(f"/api/tips/{first}").json()["blocked"] is True
    assert supervisor.get(f"/api/tips/{second}").json()["blocked"] is False
    assert supervisor.delete(f"/api/tips/{second}/block").status_code == 200
    assert TipsterRecord.get(pseudonym).blocked, "an unblock elsewhere lifted the old block"
    assert supervisor.delete(f"/api/tips/{first}/block").status_code == 200
    after = TipsterRecord.get(pseudonym)
    assert not after.blocked and after.blocked_via is None


@pytest.mark.parametrize(
    ("setup", "body", "field"),
    [
        ({"assignee": "det.smith"}, {"assignee": None}, "assignee"),
        ({"status": "closed", "disposition": "duplicate"}, {"disposition": None}, "disposition"),
    ],
)
def test_clearing_what_the_status_needs_is_refused(api, phone: Phone, setup, body, field) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    assert officer.patch(f"/api/tips/{code}", json=setup).status_code == 200
    before = officer.get(f"/api/tips/{code}").json()
    r = officer.patch(f"/api/tips/{code}", json=body)
    assert r.status_code == 422 and r.json()["message"].startswith(f"{field}:"), r.text
    after = officer.get(f"/api/tips/{code}").json()
    assert after["version"] == before["version"] and after[field] == before[field]  # nothing written


def test_unassigning_with_a_new_status_is_fine(api, phone: Phone) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    assert officer.patch(f"/api/tips/{code}", json={"assignee": "det.smith"}).json()["status"] == "assigned"
    r = officer.patch(f"/api/tips/{code}", json={"assignee": None, "status": "triaged"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["assignee"]) == ("triaged", None)


def test_the_reply_to_a_tip_without_contact_is_undeliverable(api, phone: Phone) -> None:
    """The remnant a close leaves when the vault item had gone is not a contact."""
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    TipVaultRecord(code).delete()
    assert officer.patch(f"/api/tips/{code}", json={"status": "closed", "disposition": "unfounded"}).ok
    assert officer.patch(f"/api/tips/{code}", json={"status": "triaged"}).ok
    assert officer.post(f"/api/tips/{code}/replies", json={"text": "Still there?"}).status_code == 200

    def settled():
        (reply,) = [m for m in officer.get(f"/api/tips/{code}").json()["messages"] if m["direction"] == "out"]
        return reply["delivery"] not in ("queued", "sending") and reply

    reply = wait_for(settled, 30)
    assert reply["delivery"] == "undeliverable" and "deleted" in reply["delivery_detail"]


def test_no_change_is_saved_when_its_audit_entry_cannot_be_appended(api, phone: Phone, monkeypatch) -> None:
    """An append that fails after its retries (contention, throttling) must not leave a
    saved change without its entry: the entry goes in first, so the change is refused."""
    officer, supervisor = api.as_role("officer"), api.as_role("supervisor")
    _, code = sms_tip(phone)

    def contended(self, event):  # noqa: ANN001, ANN202
        raise RuntimeError("audit log: could not append after repeated contention")

    monkeypatch.setattr(AuditLog, "append", contended)
    update = officer.patch(f"/api/tips/{code}", json={"priority": "urgent", "note": "seen at 9pm"})
    reply = officer.post(f"/api/tips/{code}/replies", json={"text": "Which house?"})
    block = supervisor.post(f"/api/tips/{code}/block")
    monkeypatch.undo()
    assert [r.status_code for r in (update, reply, block)] == [500, 500, 500], update.text
    tip = TipRecord.get(code)
    assert tip.priority != "urgent" and "seen at 9pm" not in (tip.notes_json or "")
    thread = officer.get(f"/api/tips/{code}").json()["messages"]
    assert [m for m in thread if m["direction"] == "out"] == []
    tipster = get_or_none(TipsterRecord, tip.pseudonym)
    assert not (tipster and tipster.blocked)


def test_a_write_that_fails_after_its_entry_is_followed_by_not_applied(
    api, phone: Phone, local_stack
) -> None:
    officer = api.as_role("officer")
    _, code = sms_tip(phone)
    close = {"status": "closed", "disposition": "information_only"}
    # Closing updates the vault in the same transaction: without UpdateItem it is refused.
    with local_stack.without_grant("api", "dynamodb:UpdateItem"):
        r = officer.patch(f"/api/tips/{code}", json=close)
    assert r.status_code == 409, r.text
    assert TipRecord.get(code).status != "closed"
    intended = audit_entries(api, code, "tip.update")
    undone = audit_entries(api, code, "tip.update.not_applied")
    assert intended and len(undone) == len(intended)
