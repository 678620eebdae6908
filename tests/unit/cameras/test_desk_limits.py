"""The public desk's limits with in-memory ports: a code's attempt is spent before it is
compared (parallel guesses compare at most five), codes an owner a day, a confirmed contact
gets no new code, and the city's new owners a day."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from rtcc.alerts.signup_limits import MemoryWindowCounters
from rtcc.cameras import desk as desk_module
from rtcc.cameras import owners as rules
from rtcc.cameras.desk import CameraDesk
from rtcc.errors import Conflict, Invalid, Throttled

OWNER = "own-0123456789abcdef"


class Owners:
    """Atomic spends under a lock, as DynamoDB's conditional ADD is."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner = SimpleNamespace(
            owner_id=OWNER, channels=["phone", "email"], verified=[], status="pending"
        )
        salt = "00ff"
        self.code = SimpleNamespace(
            salt=salt, code_hash=rules.code_hash(salt, "123456"), attempts_left=rules.CODE_ATTEMPTS,
            expires=None, contact_mac="m",
        )  # fmt: skip
        self.created: list[Any] = []

    def get(self, owner_id: str) -> Any:
        return self.owner if owner_id == OWNER else None

    def get_code(self, owner_id: str, channel: str) -> Any:
        return SimpleNamespace(**vars(self.code))  # each caller its own read

    def spend_attempt(self, code: Any) -> int | None:
        with self.lock:
            if self.code.attempts_left <= 0:
                return None
            self.code.attempts_left -= 1
            return self.code.attempts_left

    def verified(self, *args: Any) -> None:
        raise AssertionError("no guess here is right")

    def create_pending(self, record: Any) -> None:
        self.created.append(record)


class Sealer:
    def seal(self, plaintext: str, context: str) -> bytes:
        return plaintext.encode()


def _desk(owners: Owners, queued: list[dict], **over: Any) -> CameraDesk:
    fields: dict[str, Any] = dict(
        owners=owners, cameras=None, receipts=None, sealer=Sealer(), codes=queued.append,
        streams=lambda *a: None, inside=lambda lat, lon: True, audit=lambda *a: None,
        counters=MemoryWindowCounters(), clock=lambda: 1000.0,
    )  # fmt: skip
    return CameraDesk(**(fields | over))


def test_parallel_guesses_compare_at_most_five(monkeypatch: pytest.MonkeyPatch) -> None:
    owners, compared = Owners(), []
    real = rules.code_matches

    def slow_compare(salt: str, code_hash: str, code: str) -> bool:
        compared.append(code)
        time.sleep(0.02)  # widen the window a read-then-compare would race through
        return real(salt, code_hash, code)

    monkeypatch.setattr(desk_module.rules, "code_matches", slow_compare)
    desk, answers = _desk(owners, []), []

    def guess(i: int) -> None:
        try:
            desk.verify(OWNER, "phone", f"{i:06d}")
        except (Invalid, Throttled) as exc:
            answers.append(type(exc).__name__)

    threads = [threading.Thread(target=guess, args=(900_000 + i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(compared) == rules.CODE_ATTEMPTS
    assert answers.count("Invalid") == 5 and answers.count("Throttled") == 25
    assert owners.code.attempts_left == 0
    with pytest.raises(Throttled):  # even the right code, once the tries are spent
        desk.verify(OWNER, "phone", "123456")


def test_codes_an_owner_a_day_and_none_for_a_confirmed_contact() -> None:
    owners, queued = Owners(), []
    desk = _desk(owners, queued)
    for _ in range(5):
        desk.resend_code(OWNER, "phone")
    with pytest.raises(Throttled) as refused:
        desk.resend_code(OWNER, "email")  # both channels count together
    assert refused.value.field == "channel" and len(queued) == 5

    owners.owner.status, owners.owner.verified = "active", ["phone"]
    desk = _desk(owners, queued := [])
    with pytest.raises(Conflict):
        desk.resend_code(OWNER, "phone")  # a confirmed contact: anyone could text it at will
    desk.resend_code(OWNER, "email")  # the owner page's second contact still gets its code
    assert queued == [{"kind": "code", "owner_id": OWNER, "channel": "email", "at": 1000.0}]


def test_the_citys_new_owners_a_day() -> None:
    owners, queued = Owners(), []
    desk = _desk(owners, queued, registrations_per_day=2)
    for _ in range(2):
        desk.register("resident", None, "+14135550123", None, "en")
    with pytest.raises(Throttled) as refused:
        desk.register("resident", None, "+14135550124", None, "en")
    assert refused.value.status == 429 and len(owners.created) == 2 and len(queued) == 2
