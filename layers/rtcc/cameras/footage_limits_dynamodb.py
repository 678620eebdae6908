"""The footage request limits' tables (rtcc.store.footage_limits): an officer's requests this
hour, and the owners already asked about a case. Key reads and writes only: one conditional
UpdateItem per request counted, one BatchGetItem per 100 owners looked up, BatchWriteItem of
the newly asked (never a Scan or a Query of the requests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from rtcc.errors import Throttled
from rtcc.store.footage_limits import FootageAskCountRecord as Count
from rtcc.store.footage_limits import FootageCaseOwnerRecord as Asked


def take_request(username: str, per_hour: int, now: datetime) -> None:
    """Count one request of `username` in this clock hour, or 429 once `per_hour` were sent
    (the condition makes concurrent requests unable to count past it)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    counter = Count(f"{username}#{hour:%Y-%m-%dT%H}")
    try:
        counter.update(
            actions=[Count.n.add(1), Count.expires.set(hour + timedelta(hours=2))],
            condition=Count.n.does_not_exist() | (Count.n < per_hour),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        again = hour + timedelta(hours=1)
        raise Throttled(f"at most {per_hour} requests an hour: send again after {again:%H:%M} UTC") from None


def asked_before(case_number: str, owner_ids: Iterable[str]) -> set[str]:
    """Which of `owner_ids` an earlier request for `case_number` asked (BatchGetItem)."""
    keys = [(case_number, owner_id) for owner_id in owner_ids]
    return {item.owner_id for item in Asked.batch_get(keys)} if keys else set()


def mark_asked(case_number: str, owner_ids: Iterable[str], request_id: str, at: str) -> None:
    with Asked.batch_write() as batch:
        for owner_id in owner_ids:
            batch.save(Asked(case_number, owner_id, request_id=request_id, asked_at=at))
