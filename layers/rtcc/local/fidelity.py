"""Where the emulator breaks a promise the real service keeps, and how we restore it.

DynamoDB applies each write (and a transaction) atomically: a condition is checked and
the item written with no other write in between, and `ADD` on a number never loses an
increment. moto applies them as read-check-write with no lock, and its server answers
requests on many threads, so two concurrent requests can both pass the same condition
or both add to the same old value. Our code leans on those promises (receipt claims,
rate counters, failed-unlock counters, the audit chain), so locally every DynamoDB
write runs under one lock. Reads stay concurrent. This changes only the emulator's
behaviour in this process; no rtcc code is replaced.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)
_lock = threading.RLock()
_applied = False


def make_dynamodb_writes_atomic() -> None:
    """Serialise moto's DynamoDB writes in this process (idempotent)."""
    global _applied
    with _lock:
        if _applied:
            return
        from moto.dynamodb.models import DynamoDBBackend

        for name in _WRITES:
            setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        _applied = True


def _serialised(write: Any) -> Any:
    @functools.wraps(write)
    def atomic(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(self, *args, **kwargs)

    return atomic
