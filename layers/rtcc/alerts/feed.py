"""The public alert feed's sources: which sent alerts are public, the zones they name, and
who publishes them (the CAP sender and the public base URL).

The routes (`rtcc.api.routes.alerts_feed`) read alerts through the `SentAlerts` port only,
so the feed does not depend on how the sending side stores them: by default they come
from the sending side's `alerts` table (`from_alerts_table`); tests put an
`InMemorySentAlerts` in its place with `use_feed_sources`.

Only alerts with a `sent_at` are public: an Emergency waiting for a second supervisor's
approval, or a draft, is never in the feed, whatever the store returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from rtcc.alerts.cap import CapPublisher
from rtcc.alerts.model import Alert
from rtcc.alerts.zones import ZoneMap

#: The feeds carry the newest alerts only: feed readers and CAP aggregators poll often and
#: want the current picture, and a bounded feed keeps each answer small and cheap.
FEED_LIMIT = 50


class SentAlerts(Protocol):
    """Read side of the alerts the city sent (the sending side's table implements it)."""

    def recent(self, limit: int) -> list[Alert]:
        """The newest sent alerts, newest first, at most `limit`."""
        ...

    def get(self, alert_id: str) -> Alert | None:
        """One alert by id, sent or not (None when there is no such alert)."""
        ...

    def cancellations(self, limit: int) -> dict[str, datetime]:
        """When each cancelled one of the newest `limit` alerts was cancelled, by alert id."""
        ...


class InMemorySentAlerts:
    """A `SentAlerts` over a list: unit tests and browser tests of the feed."""

    def __init__(self, alerts: Iterable[Alert] = ()) -> None:
        self._alerts = {a.alert_id: a for a in alerts}
        self._cancelled: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def cancel(self, alert_id: str, at: datetime) -> None:
        with self._lock:
            self._cancelled[alert_id] = at

    def cancellations(self, limit: int) -> dict[str, datetime]:
        newest = {a.alert_id for a in self.recent(limit)}
        with self._lock:
            return {k: v for k, v in self._cancelled.items() if k in newest}

    def add(self, alert: Alert) -> None:
        with self._lock:
            self._alerts[alert.alert_id] = alert

    def recent(self, limit: int) -> list[Alert]:
        with self._lock:
            sent = [a for a in self._alerts.values() if a.sent_at is not None]
        return sorted(sent, key=lambda a: a.sent_at, reverse=True)[:limit]  # type: ignore[arg-type, return-value]

    def get(self, alert_id: str) -> Alert | None:
        with self._lock:
            return self._alerts.get(alert_id)


class AlertRecord(Protocol):
    @property
    def alert(self) -> Alert: ...


class AlertRecords(Protocol):
    """The read side of the sending side's store (`rtcc.alerts.sending.AlertStore`): records
    that carry the `Alert` with its send state."""

    def recent(self, limit: int) -> Sequence[AlertRecord]: ...

    def get(self, alert_id: str) -> AlertRecord | None: ...


class SentAlertsFromRecords:
    """`SentAlerts` over the sending side's records. An Emergency awaiting approval has no
    `sent_at` yet, so `FeedSources` leaves it out; a cancelled alert went out (in part) and
    stays published as sent."""

    def __init__(self, records: AlertRecords) -> None:
        self._records = records

    def recent(self, limit: int) -> list[Alert]:
        return [record.alert for record in self._records.recent(limit)]

    def get(self, alert_id: str) -> Alert | None:
        record = self._records.get(alert_id)
        return record.alert if record is not None else None

    def cancellations(self, limit: int) -> dict[str, datetime]:
        """The cancelled ones among the newest `limit` (rtcc.alerts.sending.SentAlert's
        `state` and `cancelled_at`)."""
        return {
            r.alert.alert_id: r.cancelled_at
            for r in self._records.recent(limit)
            if str(getattr(r, "state", "")) == "cancelled" and getattr(r, "cancelled_at", None) is not None
        }


@dataclass(frozen=True)
class FeedSources:
    alerts: SentAlerts
    zones: ZoneMap
    publisher: CapPublisher

    def public(self, limit: int = FEED_LIMIT) -> list[Alert]:
        return [a for a in self.alerts.recent(limit) if a.sent_at is not None]

    def public_alert(self, alert_id: str) -> Alert | None:
        alert = self.alerts.get(alert_id)
        return alert if alert is not None and alert.sent_at is not None else None

    def cancelled(self, public: Sequence[Alert] | None = None) -> dict[str, datetime]:
        """{alert id: when cancelled} for the published alerts (`public`, read again when not
        given) a supervisor cancelled after they were sent: each gets a CAP Cancel. An alert
        cancelled while it waited for approval was never published: nothing to cancel."""
        shown = {a.alert_id for a in (self.public() if public is None else public)}
        found = getattr(self.alerts, "cancellations", None)  # a port without cancels: none
        return {k: v for k, v in (found(FEED_LIMIT) if found else {}).items() if k in shown}


def default_cap_sender(public_base_url: str) -> str:
    """`alerts@<host>` of the public URL, when the deployment names no CAP sender
    (`RTCC_ALERTS_CAP_SENDER`, from the config's `alerts.cap_sender` or domain name)."""
    host = urlsplit(public_base_url).hostname or "localhost"
    return f"alerts@{host if '.' in host else host + '.local'}"


def publisher_from_settings() -> CapPublisher:
    # The platform settings carry the public base URL with its stage path (/prod on the
    # execute-api URL), so every link in the feeds and CAP documents reaches the page.
    from rtcc.alerts.settings import alerts_settings
    from rtcc.settings import get_settings

    settings = get_settings()
    base = settings.public_base_url
    sender = alerts_settings().cap_sender or default_cap_sender(base)
    name = settings.city_name or "rtcc community alerts"
    return CapPublisher(sender=sender, sender_name=name, base_url=base)


def _unwired() -> FeedSources:
    # No alerts at all: an empty feed, not a failing one (tests restore it).
    # The zones are the program's own (never the demo city when deployed).
    from rtcc.alerts.zone_config import configured_zones

    return FeedSources(InMemorySentAlerts(), configured_zones(), publisher_from_settings())


def from_alerts_table() -> FeedSources:
    """The API's sources: the sending side's `alerts` table (GetItem, and a Query of its one
    partition for the newest), the program's zones, the publisher from the settings."""
    from rtcc.alerts.sending_dynamodb import DynamoDbAlertStore
    from rtcc.alerts.zone_config import configured_zones

    records = SentAlertsFromRecords(DynamoDbAlertStore())
    return FeedSources(records, configured_zones(), publisher_from_settings())


_factory: Callable[[], FeedSources] = from_alerts_table


def use_feed_sources(factory: Callable[[], FeedSources]) -> None:
    """Where the routes read from: the alerts table's adapter in the API, a fake in tests."""
    global _factory
    _factory = factory


def feed_sources() -> FeedSources:
    return _factory()
