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
        _partitioned_queries()
        _applied = True


# --- Query cost -------------------------------------------------------------------------
# DynamoDB answers a Query on the base table from the one partition its key names; moto
# walks (and sorts) every item of the table for each Query, so locally a Query's time grows
# with the table: a 20,000-item table took seconds per Query. The Query below gives moto's own
# code the named partition's items only (sorted as moto sorts them): the same answer, at a
# cost that grows with the partition, as in DynamoDB. Index queries are left as moto does them.


class _Partition:
    """The table as moto's Query sees it, holding only one partition's items."""

    def __init__(self, table: Any, hash_key: Any) -> None:
        self._table, self._hash_key = table, hash_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Any]:
        partition = self._table.items.get(self._hash_key) or {}
        return sorted(partition.values(), key=lambda item: (item.hash_key, item.range_key))


def _partitioned_queries() -> None:
    from moto.dynamodb.models.table import Table

    query = Table.query

    @functools.wraps(query)
    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None or not self.range_key_attr:
            return query(self, hash_key, *args, **kwargs)
        return query(_Partition(self, hash_key), hash_key, *args, **kwargs)

    Table.query = partition_query


def _serialised(write: Any) -> Any:
    @functools.wraps(write)
    def atomic(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(self, *args, **kwargs)

    return atomic
