"""camera-verify's rules with in-memory ports: a code is made, kept hashed and sent once a
minute at most; a link goes only to a verified owner's contact; stale messages send nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from types import SimpleNamespace
from typing import Any

import pytest
from rtcc.alerts.signup_limits import MemoryWindowCounters, SignupLimits
from rtcc.cameras import owners as rules
from rtcc.cameras.verify_codes import CodeSender

OWNER = "own-0123456789abcdef"


class Sealer:
    def seal(self, plaintext: str, context: str) -> bytes:
        return json.dumps([context, plaintext]).encode()

    def unseal(self, ciphertext: bytes, context: str) -> str:
        bound, plaintext = json.loads(ciphertext)
        assert bound == context, "opened under another context"
        return plaintext


class Key:
    def mac(self, message: bytes) -> bytes:
        return hmac.new(b"k", message, hashlib.sha256).digest()


class Owners:
    def __init__(self) -> None:
        self.owners: dict[str, Any] = {}
        self.codes: dict[str, Any] = {}
        self.lookups: dict[str, str] = {}

    def get(self, owner_id: str) -> Any:
        return self.owners.get(owner_id)

    def get_code(self, owner_id: str, channel: str) -> Any:
        return self.codes.get(f"{owner_id}#{channel}")

    def save_code(self, code: Any) -> None:
        self.codes[code.code_key] = code

    def find(self, mac: str) -> str | None:
        return self.lookups.get(mac)

    def claim_pending(self, mac: str, owner_id: str, until: float) -> bool:
        holder = self.lookups.get(f"pending#{mac}")
        other = self.owners.get(holder) if holder and holder != owner_id else None
        if other is not None and other.status == "pending":
            return False
        self.lookups[f"pending#{mac}"] = owner_id
        return True


def _desk(now: list[float]) -> tuple[CodeSender, Owners, list[tuple]]:
    owners, sent = Owners(), []
    sealed = rules.seal_contact(Sealer(), OWNER, "Ana", "+14135550123", None)
    owners.owners[OWNER] = SimpleNamespace(owner_id=OWNER, channels=["phone"], verified=[], status="pending",
                                           language="es", sealed_contact=sealed)  # fmt: skip

    def send(channel: str, address: str, key: str, language: str, text_key: str, **values: Any) -> None:
        sent.append((channel, address, key, language, text_key, values))

    limits = SignupLimits(MemoryWindowCounters(), per_hour=1000)
    desk = CodeSender(owners, Sealer(), Key(), send, limits, link_hours=72, clock=lambda: now[0])
    return desk, owners, sent


def test_a_code_is_sent_kept_hashed_and_not_resent_within_a_minute() -> None:
    now = [1000.0]
    desk, owners, sent = _desk(now)
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 999}) == "code-sent"
    [(channel, address, key, language, text_key, values)] = sent
    assert (channel, address, language, text_key) == ("phone", "+14135550123", "es", "cameras.code")
    stored = owners.codes[f"{OWNER}#phone"]
    assert values["code"] not in stored.code_hash and rules.code_matches(
        stored.salt, stored.code_hash, values["code"]
    )
    assert stored.contact_mac == key == rules.contact_mac(Key(), "phone", "+14135550123")
    assert stored.attempts_left == rules.CODE_ATTEMPTS
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000}) == "too-soon"
    now[0] += 61
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": now[0]}) == "code-sent"
    assert len(sent) == 2 and sent[0][5]["code"] != owners.codes[f"{OWNER}#phone"].code_hash


def test_nothing_for_an_unknown_owner_a_channel_not_given_or_a_stale_message() -> None:
    desk, _, sent = _desk([5000.0])
    assert (
        desk.handle({"kind": "code", "owner_id": "own-ffffffffffffffff", "channel": "phone", "at": 5000})
        == "gone"
    )
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "email", "at": 5000}) == "gone"
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1}) == "stale"
    assert sent == []
    with pytest.raises(ValueError):
        desk.handle({"kind": "other", "at": 5000})


def test_a_link_goes_only_to_a_verified_owners_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc.cameras import owner_links

    monkeypatch.setattr(owner_links, "_default", Key())
    desk, owners, sent = _desk([2000.0])
    import base64

    def ask(number: str) -> str:
        ticket = "link-0011223344556677"
        sealed = Sealer().seal(json.dumps({"channel": "phone", "value": number}), ticket)
        return desk.handle(
            {"kind": "link", "ticket": ticket, "sealed": base64.b64encode(sealed).decode(), "at": 2000}
        )

    mac = rules.contact_mac(Key(), "phone", "+14135550123")
    assert ask("+14135550123") == "not-registered"  # no lookup yet
    owners.lookups[mac] = OWNER
    assert ask("+14135550123") == "not-registered"  # pending, not verified
    owners.owners[OWNER].status, owners.owners[OWNER].verified = "active", ["phone"]
    assert ask("+14135550123") == "link-sent"
    assert ask("+14135550199") == "not-registered"
    [(_, address, _, _, text_key, values)] = sent
    assert (
        address == "+14135550123"
        and text_key == "cameras.portal"
        and "/cameras/owner#t=own-" in values["link"]
    )
    token = values["link"].split("#t=")[1]
    assert owner_links.verify(token, "portal", now=2000) == OWNER


def test_a_permanent_refusal_is_done_and_anything_else_is_retried() -> None:
    from rtcc.sms.optout import OptedOut

    desk, _, _ = _desk([1000.0])

    def opted_out(*args: Any, **kwargs: Any) -> None:
        raise OptedOut("cameras")

    desk.send = opted_out  # type: ignore[assignment]
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000}) == "refused"

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("provider down")

    desk, _, _ = _desk([1000.0])
    desk.send = down  # type: ignore[assignment]
    with pytest.raises(ConnectionError):
        desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000})


def _second_owner(owners: Owners, owner_id: str, number: str = "+14135550123") -> None:
    sealed = rules.seal_contact(Sealer(), owner_id, None, number, None)
    owners.owners[owner_id] = SimpleNamespace(
        owner_id=owner_id,
        channels=["phone"],
        verified=[],
        status="pending",
        language="en",
        sealed_contact=sealed,
    )


def test_a_second_pending_registration_of_a_contact_sends_nothing() -> None:
    now = [1000.0]
    desk, owners, sent = _desk(now)
    other = "own-1111111111111111"
    _second_owner(owners, other)
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000}) == "code-sent"
    assert (
        desk.handle({"kind": "code", "owner_id": other, "channel": "phone", "at": 1000})
        == "pending-elsewhere"
    )
    now[0] += 61  # the first owner's own new code still goes
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": now[0]}) == "code-sent"
    owners.owners[OWNER].status = "active"  # once it is no longer pending, the contact is free
    assert desk.handle({"kind": "code", "owner_id": other, "channel": "phone", "at": now[0]}) == "code-sent"
    assert len(sent) == 3


def test_a_contact_gets_at_most_three_texts_a_day_and_the_city_breaker_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rtcc.cameras import owner_links

    monkeypatch.setattr(owner_links, "_default", Key())
    now = [1000.0]
    desk, owners, sent = _desk(now)
    owners.owners[OWNER].status, owners.owners[OWNER].verified = "active", ["phone"]
    owners.lookups[rules.contact_mac(Key(), "phone", "+14135550123")] = OWNER
    import base64

    def link() -> str:
        ticket = "link-0011223344556677"
        sealed = Sealer().seal(json.dumps({"channel": "phone", "value": "+14135550123"}), ticket)
        return desk.handle(
            {"kind": "link", "ticket": ticket, "sealed": base64.b64encode(sealed).decode(), "at": now[0]}
        )

    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000}) == "code-sent"
    assert [link(), link(), link(), link()] == ["link-sent", "link-sent", "capped", "capped"]
    now[0] += 61
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": now[0]}) == "capped"
    assert len(sent) == 3
    now[0] += 86_400  # a new day for the number
    assert link() == "link-sent"

    desk, owners, sent = _desk([1000.0])
    desk.limits = SignupLimits(MemoryWindowCounters(), per_hour=0)  # the line's hour is spent
    assert desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000}) == "breaker"
    assert sent == []


def test_a_send_that_fails_for_now_gives_its_count_back() -> None:
    counters = MemoryWindowCounters()
    desk, _, _ = _desk([1000.0])
    desk.limits = SignupLimits(counters, per_hour=1000)

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("provider down")

    desk.send = down  # type: ignore[assignment]
    with pytest.raises(ConnectionError):
        desk.handle({"kind": "code", "owner_id": OWNER, "channel": "phone", "at": 1000})
    assert {n for n, _ in counters.counts.values()} == {0}
