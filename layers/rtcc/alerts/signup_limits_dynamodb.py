"""DynamoDB adapter of `WindowCounters` (table `alert-signup-counts`): one conditional
UpdateItem per count, two when a window starts, so concurrent consumers never count past
the limit."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError

from rtcc.store.alert_subscribers import AlertSignupCountRecord as R


def _failed_condition(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoDbWindowCounters:
    def take(self, key: str, limit: int, window_s: int, now: float) -> bool:
        if limit <= 0:
            return False
        until = now + window_s
        try:  # a new window: no counter, or only a finished one
            R(key).update(
                actions=[R.n.set(1), R.until.set(until), R.expires.set(datetime.fromtimestamp(until, UTC))],
                condition=R.counter.does_not_exist() | (R.until <= now),
            )
            return True
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
        try:  # the window runs: one more, while under the limit
            R(key).update(actions=[R.n.add(1)], condition=(R.until > now) & (R.n < limit))
            return True
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
        return False

    def give_back(self, key: str, now: float) -> None:
        """Uncount one in a running window (never below zero; a finished window stays)."""
        try:
            R(key).update(actions=[R.n.add(-1)], condition=(R.until > now) & (R.n > 0))
        except UpdateError as exc:
            if not _failed_condition(exc):
                raise
