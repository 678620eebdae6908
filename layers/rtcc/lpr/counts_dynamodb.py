"""The plate-read counters /transparency publishes and the verification rates, on lpr-counts.

Atomic ADDs only (UpdateItem), so concurrent ingests, verdicts and searches never lose a
count and nothing is read before it is written:
- "month#YYYY-MM": `reads`, `hits`, `accepted`, `rejected`, `searches`, `search#<purpose>`
  and `readers` (a string set of camera ids: counted on the page, never published);
- "rates": `list#<id>#accepted|rejected` and `reader#<id>#accepted|rejected`, the current
  verdict of each decided hit (a revised verdict moves its count: -1 then +1).
Nothing here names a plate, a person or a case. Reading is by key (BatchGetItem of the
months asked for, GetItem of "rates"): never a scan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from rtcc.aws_clients import client
from rtcc.lpr.model import Read
from rtcc.lpr.transparency import MonthCounts, month_of
from rtcc.lpr.verification import Rate, Rates
from rtcc.store.lpr_hits import LprCountRecord

RATES = "rates"


def month_counter(month: str) -> str:
    return f"month#{month}"


def _add(counter: str, numbers: dict[str, int], readers: set[str] | None = None) -> None:
    """One UpdateItem: ADD each number (and the readers to the set)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    parts: list[str] = []
    for i, (name, n) in enumerate(numbers.items()):
        names[f"#n{i}"] = name
        values[f":v{i}"] = {"N": str(n)}
        parts.append(f"#n{i} :v{i}")
    if readers:
        names["#readers"] = "readers"
        values[":readers"] = {"SS": sorted(readers)}
        parts.append("#readers :readers")
    if not parts:
        return
    client("dynamodb").update_item(
        TableName=LprCountRecord.Meta.table_name,
        Key={"counter": {"S": counter}},
        UpdateExpression="ADD " + ", ".join(parts),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


class DynamoCounts:
    """The counters' one writer and reader (rtcc.lpr.transparency.MemoryCounters' shape)."""

    def reads(self, reads: Iterable[Read]) -> None:
        """A batch of stored reads: one UpdateItem per month it spans (usually one)."""
        counts: Counter[str] = Counter()
        readers: dict[str, set[str]] = defaultdict(set)
        for read in reads:
            month = month_of(read.seen_at)
            counts[month] += 1
            if read.camera_id:
                readers[month].add(read.camera_id)
        for month, n in counts.items():
            _add(month_counter(month), {"reads": n}, readers.get(month))

    def hits(self, at: datetime, n: int = 1) -> None:
        _add(month_counter(month_of(at)), {"hits": n})

    def decision(self, at: datetime, accepted: bool, list_id: str, reader_id: str | None) -> None:
        """A first verdict: the month's count and the rates."""
        verdict = "accepted" if accepted else "rejected"
        _add(month_counter(month_of(at)), {verdict: 1})
        self.rate(list_id, reader_id, verdict, 1)

    def rate(self, list_id: str, reader_id: str | None, verdict: str, n: int) -> None:
        reader = reader_id or "unknown"
        _add(RATES, {f"list#{list_id}#{verdict}": n, f"reader#{reader}#{verdict}": n})

    def search(self, at: datetime, purpose: str) -> None:
        _add(month_counter(month_of(at)), {"searches": 1, f"search#{purpose}": 1})

    def months(self, months: Iterable[str]) -> dict[str, MonthCounts]:
        """The counts of the months asked for that have any (BatchGetItem, by key)."""
        keys = [{"counter": {"S": month_counter(m)}} for m in dict.fromkeys(months)]
        out: dict[str, MonthCounts] = {}
        for start in range(0, len(keys), 100):
            for item in _batch_get(keys[start : start + 100]):
                out[item["counter"]["S"].removeprefix("month#")] = _month_counts(item)
        return out

    def rates(self) -> Rates:
        item = (
            client("dynamodb")
            .get_item(
                TableName=LprCountRecord.Meta.table_name, Key={"counter": {"S": RATES}}, ConsistentRead=True
            )
            .get("Item", {})
        )
        out = Rates()
        for name, value in item.items():
            kind, _, rest = name.partition("#")
            ident, _, verdict = rest.rpartition("#")
            table = {"list": out.by_list, "reader": out.by_reader}.get(kind)
            if table is None or verdict not in ("accepted", "rejected"):
                continue
            setattr(table.setdefault(ident, Rate()), verdict, int(value["N"]))
        return out


def _batch_get(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table = LprCountRecord.Meta.table_name
    dynamodb = client("dynamodb")
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    for _ in range(8):  # unprocessed keys (throttling) are asked for again, a few times
        answer = dynamodb.batch_get_item(RequestItems=request)
        items += answer.get("Responses", {}).get(table, [])
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise RuntimeError("lpr-counts: keys left unprocessed after retries")


def _month_counts(item: dict[str, Any]) -> MonthCounts:
    counts = MonthCounts()
    for name in ("reads", "hits", "accepted", "rejected"):
        setattr(counts, name, int(item.get(name, {}).get("N", 0)))
    counts.readers = set(item.get("readers", {}).get("SS", []))
    for name, value in item.items():
        if name.startswith("search#"):
            counts.searches[name.removeprefix("search#")] = int(value["N"])
    return counts


def recent_months(now: datetime, n: int = 12) -> list[str]:
    """The last `n` months, oldest first, this one included."""
    year, month = now.astimezone(UTC).year, now.astimezone(UTC).month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]
