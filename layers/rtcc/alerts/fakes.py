"""In-process stand-ins for the dispatcher's ports: a provider and an alert source, for unit
tests and `bench/alerts.py`. Nothing here talks to AWS or Twilio."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from rtcc.alerts.dispatch import DeliveryRef
from rtcc.alerts.model import Alert, Recipient


class ProviderError(Exception):
    """What TwilioRestException carries that `rtcc.sms.errors.classify` reads."""

    def __init__(self, code: int, status: int) -> None:
        super().__init__(f"provider error {code}")
        self.code, self.status = code, status


class FakeProvider:
    """An `SmsSender` that counts what it accepted per subscriber.

    `rate`: it accepts at most this many messages per second (a token bucket holding one
    second's worth), refusing the rest with 20429 / HTTP 429 as Twilio does; refused requests
    use none of it. `transient_share`: that share of requests fails with 20503 / HTTP 503.
    `permanent`: subscriber id -> Twilio code that recipient always fails with.
    `latency`: seconds each call takes (a real provider call is I/O-bound).
    """

    def __init__(
        self,
        *,
        rate: float | None = None,
        transient_share: float = 0.0,
        permanent: dict[str, int] | None = None,
        latency: float = 0.0,
        seed: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.transient_share, self.latency = rate, transient_share, latency
        self.permanent = dict(permanent or {})
        self._clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._tokens = rate or 0.0
        self._filled_at = clock()
        self._ids = itertools.count(1)
        self.accepted: Counter[str] = Counter()
        self.accept_times: list[float] = []
        self.rate_limited = 0
        self.transient_errors = 0
        self.bodies: dict[str, str] = {}

    def send(self, recipient: Recipient, body: str, ref: DeliveryRef) -> str:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            if recipient.subscriber_id in self.permanent:
                raise ProviderError(self.permanent[recipient.subscriber_id], 400)
            if self.transient_share and self._rng.random() < self.transient_share:
                self.transient_errors += 1
                raise ProviderError(20503, 503)
            if self.rate is not None and not self._take_token():
                self.rate_limited += 1
                raise ProviderError(20429, 429)
            self.accepted[recipient.subscriber_id] += 1
            self.accept_times.append(self._clock())
            self.bodies[recipient.subscriber_id] = body
            return f"SMFAKE{next(self._ids):026d}"

    def _take_token(self) -> bool:
        now = self._clock()
        self._tokens = min(self.rate, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class FakeAlerts:
    """An `AlertSource` over a dict; `cancel(alert_id)` sets the flag."""

    def __init__(self, *alerts: Alert) -> None:
        self._alerts = {a.alert_id: a for a in alerts}
        self._cancelled: set[str] = set()
        self.flag_reads = 0

    def alert(self, alert_id: str) -> Alert:
        return self._alerts[alert_id]

    def is_cancelled(self, alert_id: str) -> bool:
        self.flag_reads += 1
        return alert_id in self._cancelled

    def cancel(self, alert_id: str) -> None:
        self._cancelled.add(alert_id)
