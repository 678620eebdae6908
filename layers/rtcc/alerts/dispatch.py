"""Fan-out: send one alert to one page of recipients, exactly once each.

One queue message of the fan-out queue carries a `DispatchBatch` (alert id, zone, a page of
recipients); a dispatcher function hands it to `AlertDispatcher.dispatch`. For each recipient:

1. take a permit from the shared `RateLimiter` (the sender's messages per second) FIRST:
   waiting for the rate (minutes when several pages share a long code's 1 message a second)
   happens before anything is claimed, so an invocation that runs out of time holds no
   claim it did not use;
2. claim the (alert, subscriber) entry in the `DeliveryLedger` (a conditional write) BEFORE
   sending: a redelivered batch, or a second dispatcher racing on it, finds the entry taken
   and sends nothing (the unused permit is given back);
3. send through the `SmsSender` port (the provider; the adapter resolves the number);
4. record the outcome: `sent` with a digest of the provider's id, `failed` with the code of
   a permanent error (`rtcc.sms.errors.classify`), or, on a transient error, retry with
   exponential backoff and full jitter; after `attempts_per_delivery` tries the claim is
   released (`retry`) and the recipient is returned in `BatchReport.redeliver`, so the
   caller puts it back on the queue: nothing is dropped. Past `max_attempts` in all, the
   recipient is recorded `failed` ("retries:<code>").

At most once, not at least once. A send the provider may have accepted is never sent again:
- a crash between the provider's accept and the ledger update leaves the entry `claimed`. A
  later delivery of the batch that finds a claim younger than `stale_claim_after` leaves it
  alone and returns the recipient for redelivery (its owner may still be working); an older
  one becomes `unknown`, final, never resent. The provider's status callback carries the
  (alert, subscriber) reference (`DeliveryRef`), so if the message did go out its callback
  can still record it; the delivery view counts `unknown` apart, so a supervisor sees them.
- a transient error with `maybe_sent` (the request reached the provider and its answer was
  lost: a read timeout) is recorded `unknown` too, not retried.
A resident who misses one alert because of a crash is the price of never getting it twice;
the window is one provider call per in-flight recipient.

Cancelling: every worker asks the `AlertSource` whether the alert is cancelled (or past its
`expires_at`: rtcc.alerts.sending.StoredAlerts) before each claim and before each send,
through a cache no older than `cancel_check_seconds` (1 s), so sends stop within about a
second of the flag; recipients not yet claimed are marked `cancelled` (a claimed one that
had not been sent is settled `cancelled` by its owner).

Time: the caller says how long its invocation has left (`remaining`, seconds: a Lambda's
`get_remaining_time_in_millis`). With less than `reserve_seconds` left, no recipient is
taken any more, a permit that arrives too late is given back unused, and a recipient between
retries releases its claim: all of them are returned in `redeliver`, unclaimed (or `retry`),
so the next delivery sends each exactly once. Nothing is left `claimed` to end `unknown`.

Concurrency: `workers` threads per batch pull recipients from the page, as provider calls are
I/O-bound; the ledger and limiter are key writes (no scans), one shared-counter write per
rate slot per process.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

from rtcc.alerts.capability import ALERT_FUNCTIONS, ALERT_QUEUES
from rtcc.alerts.ledger import Delivery, DeliveryLedger, Status
from rtcc.alerts.model import Alert, Recipient
from rtcc.alerts.ratelimit import Permit, RateLimiter
from rtcc.sms.errors import Classification, Transient, classify

log = logging.getLogger(__name__)

#: Transient codes that mean "you are over the provider's rate": the refused request still
#: counts against the rate, so its permit is not given back.
RATE_LIMITED_CODES = frozenset({"20429", "http429"})


#: Recipients per queue message: ~60 bytes each in JSON, far under SQS's 256 KiB, and a page
#: one dispatcher sends in a few seconds at a carrier's rate (a redelivery redoes little).
MAX_PAGE = 500
#: The dispatcher function's timeout and how many run at once, as declared: a page is sized
#: so that it is sent within one invocation even when every dispatcher shares the sender's
#: rate (`page_size`).
DISPATCH_TIMEOUT_S = next(f.timeout_s for f in ALERT_FUNCTIONS if f.name == "alert-dispatch")
DISPATCH_CONCURRENCY = next(q.max_concurrency for q in ALERT_QUEUES if q.name == "alert-fanout")
#: Seconds of an invocation kept for handing back the rest (re-queue, logs) once sending stops.
RESERVE_S = 60.0


def page_size(
    rate: float, timeout_s: float = DISPATCH_TIMEOUT_S, concurrency: int = DISPATCH_CONCURRENCY
) -> int:
    """Recipients per page: what one dispatcher sends in its invocation (less the reserve)
    when `concurrency` dispatchers share `rate` messages a second; 1 message/s, 900 s and 4
    dispatchers make 210, not the 500 that would outlive the timeout. The deadline hand-back
    (`DispatchPolicy.reserve_seconds`) covers what slows a page further (retries, a bigger
    share taken by other alerts)."""
    if not rate > 0:
        raise ValueError("rate: messages per second must be positive")
    fits = math.floor(rate * (timeout_s - RESERVE_S) / max(1, concurrency))
    return max(1, min(MAX_PAGE, fits))


@dataclass(frozen=True)
class DispatchBatch:
    """What one fan-out queue message carries (`to_message` / `from_message`)."""

    alert_id: str
    zone: str  # the zone this page of recipients was selected from (delivery view counters)
    recipients: tuple[Recipient, ...]

    def to_message(self) -> str:
        return json.dumps(
            {
                "alert_id": self.alert_id,
                "zone": self.zone,
                "recipients": [[r.subscriber_id, r.language] for r in self.recipients],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_message(cls, body: str) -> DispatchBatch:
        """Parse a queue message; ValueError for anything else (a malformed message is
        refused whole, never half-sent). Recipient validates each id and language."""
        data = json.loads(body)
        if not isinstance(data, dict) or set(data) != {"alert_id", "zone", "recipients"}:
            raise ValueError("fan-out message: expected alert_id, zone and recipients")
        alert_id, zone, pairs = data["alert_id"], data["zone"], data["recipients"]
        if not (isinstance(alert_id, str) and alert_id and isinstance(zone, str) and zone):
            raise ValueError("fan-out message: alert_id and zone must be non-empty strings")
        if not isinstance(pairs, list) or len(pairs) > MAX_PAGE:
            raise ValueError(f"fan-out message: recipients must be a list of at most {MAX_PAGE}")
        if any(not (isinstance(p, list) and len(p) == 2) for p in pairs):
            raise ValueError("fan-out message: each recipient is [subscriber_id, language]")
        return cls(alert_id, zone, tuple(Recipient(sid, lang) for sid, lang in pairs))


@dataclass(frozen=True)
class DeliveryRef:
    """Names one ledger entry to the provider's status callback; no number in it."""

    alert_id: str
    subscriber_id: str


class SmsSender(Protocol):
    def send(self, recipient: Recipient, body: str, ref: DeliveryRef) -> str:
        """Send `body` to the recipient; returns the provider's message id. Raises on
        failure with an exception `rtcc.sms.errors.classify` understands."""
        ...


class AlertSource(Protocol):
    def alert(self, alert_id: str) -> Alert: ...

    def is_cancelled(self, alert_id: str) -> bool: ...


@dataclass(frozen=True)
class DispatchPolicy:
    workers: int = 32  # concurrent provider calls per batch
    attempts_per_delivery: int = 4  # tries before the claim is released for redelivery
    max_attempts: int = 12  # tries in all, across redeliveries; then `failed`
    backoff_base: float = 0.25  # seconds; the n-th retry waits up to base * 2**n
    backoff_cap: float = 8.0
    stale_claim_after: float = 300.0  # seconds without an outcome before a claim is `unknown`
    cancel_check_seconds: float = 1.0
    reserve_seconds: float = RESERVE_S  # left of the invocation when sending stops (see Time)


@dataclass
class BatchReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    unknown: int = 0
    skipped: int = 0  # already settled by an earlier delivery or another dispatcher
    lost_claims: int = 0  # our claim was taken from us before we recorded the outcome
    redeliver: list[Recipient] = field(default_factory=list)  # put these back on the queue

    def add(self, other: BatchReport) -> None:
        for name in ("sent", "failed", "cancelled", "unknown", "skipped", "lost_claims"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.redeliver.extend(other.redeliver)


class CancelWatch:
    """Whether an alert is cancelled, asked of the source at most once per `ttl` seconds."""

    def __init__(self, source: AlertSource, alert_id: str, ttl: float, clock: Callable[[], float]) -> None:
        self._source, self._alert_id, self._ttl, self._clock = source, alert_id, ttl, clock
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._cancelled = False

    def __call__(self) -> bool:
        with self._lock:
            if self._cancelled:
                return True  # a cancel is never undone
            now = self._clock()
            if now - self._checked_at >= self._ttl:
                self._cancelled = self._source.is_cancelled(self._alert_id)
                self._checked_at = now
            return self._cancelled


def body_for(alert: Alert, language: str) -> str:
    """The recipient's language, else its primary subtag ("es" for "es-US"), else the
    alert's first language (the composer's main text)."""
    texts = alert.texts
    return texts.get(language) or texts.get(language.split("-")[0]) or next(iter(texts.values()))


def backoff_delay(retry: int, base: float, cap: float, rng: Callable[[float, float], float]) -> float:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in
    [0, min(cap, base * 2**retry)], so dispatchers hit by the same outage do not retry in step."""
    return rng(0.0, min(cap, base * (2**retry)))


class AlertDispatcher:
    def __init__(
        self,
        ledger: DeliveryLedger,
        limiter: RateLimiter,
        sender: SmsSender,
        alerts: AlertSource,
        policy: DispatchPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.ledger, self.limiter, self.sender, self.alerts = ledger, limiter, sender, alerts
        self.policy = policy or DispatchPolicy()
        self._clock, self._sleep, self._rng = clock, sleep, rng
        self._pool = ThreadPoolExecutor(self.policy.workers, thread_name_prefix="alert-dispatch")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def dispatch(self, batch: DispatchBatch, remaining: Callable[[], float] | None = None) -> BatchReport:
        """Send the batch; returns what happened, and whom to put back on the queue.
        `remaining`: seconds the invocation has left (None: no limit)."""
        job = _BatchJob(self, batch, self.alerts.alert(batch.alert_id), remaining)
        # Each worker runs in a copy of the caller's context: what the invocation set there
        # (the acting function whose role signs AWS calls locally, the logger's keys) holds
        # in the pool's threads too.
        futures = [
            self._pool.submit(contextvars.copy_context().run, job.work)
            for _ in range(min(self.policy.workers, len(batch.recipients)))
        ]
        report = BatchReport()
        for future in futures:
            report.add(future.result())
        report.redeliver.extend(job.untaken())  # stopped for time: never claimed
        return report


class _BatchJob:
    """One dispatch of one batch: its owner token, cancel watch and recipient queue."""

    def __init__(
        self,
        dispatcher: AlertDispatcher,
        batch: DispatchBatch,
        alert: Alert,
        remaining: Callable[[], float] | None,
    ) -> None:
        self.d, self.batch, self.alert = dispatcher, batch, alert
        self.policy = dispatcher.policy
        # A fresh owner per dispatch: two dispatches of the same batch never share a claim.
        self.owner = uuid.uuid4().hex
        self.cancelled = CancelWatch(
            dispatcher.alerts, batch.alert_id, self.policy.cancel_check_seconds, dispatcher._clock
        )
        self._lock = threading.Lock()
        self._next: Iterator[Recipient] = iter(batch.recipients)
        self._remaining = remaining or (lambda: math.inf)
        self._stopped = False

    def out_of_time(self) -> bool:
        return self._remaining() < self.policy.reserve_seconds

    def work(self) -> BatchReport:
        report = BatchReport()
        while (recipient := self._take()) is not None:
            try:
                self.deliver(recipient, report)
            except Exception:  # noqa: BLE001 - a ledger outage: the recipient goes back on the queue
                log.exception("alert dispatch: recipient left for redelivery")
                report.redeliver.append(recipient)
        return report

    def _take(self) -> Recipient | None:
        with self._lock:
            if self._stopped or self.out_of_time():
                self._stopped = True  # the rest goes back on the queue, unclaimed
                return None
            return next(self._next, None)

    def untaken(self) -> list[Recipient]:
        with self._lock:
            return list(self._next)

    def deliver(self, recipient: Recipient, report: BatchReport) -> None:
        # The permit first: the wait for the rate holds no claim (see the module's docstring).
        permit = self._permit()
        if permit is None:
            self._cancel_unclaimed(recipient, report)
            return
        if self.out_of_time():
            self.d.limiter.refund(permit)
            report.redeliver.append(recipient)
            return
        now = self.d._clock()
        claim = self.d.ledger.claim(
            self.batch.alert_id, recipient.subscriber_id, self.batch.zone, self.owner, now
        )
        if not claim.won:
            self.d.limiter.refund(permit)
            self._not_ours(recipient, report, now)
            return
        self._send(recipient, claim.current, report, permit)

    def _cancel_unclaimed(self, recipient: Recipient, report: BatchReport) -> None:
        now = self.d._clock()
        if self.d.ledger.cancel(self.batch.alert_id, recipient.subscriber_id, self.batch.zone, now):
            report.cancelled += 1
        else:
            self._not_ours(recipient, report, now)

    def _not_ours(self, recipient: Recipient, report: BatchReport, now: float) -> None:
        """Someone else's entry: settled (skip), released (retry it later), or claimed: its
        owner may be working (later) or long gone (unknown, never resent)."""
        current = self.d.ledger.get(self.batch.alert_id, recipient.subscriber_id)
        if current is None or current.status == Status.RETRY:
            report.redeliver.append(recipient)
        elif current.status != Status.CLAIMED:
            report.skipped += 1
        elif current.claimed_at is not None and now - current.claimed_at > self.policy.stale_claim_after:
            if self.d.ledger.expire_claim(current, now):
                report.unknown += 1
            else:
                report.redeliver.append(recipient)
        else:
            report.redeliver.append(recipient)

    def _send(self, recipient: Recipient, claimed: Delivery, report: BatchReport, permit: Permit) -> None:
        body = body_for(self.alert, recipient.language)
        ref = DeliveryRef(self.batch.alert_id, recipient.subscriber_id)
        attempts, verdict = claimed.attempts, None
        for retry in range(self.policy.attempts_per_delivery):
            if retry:
                self.d._sleep(
                    backoff_delay(retry - 1, self.policy.backoff_base, self.policy.backoff_cap, self.d._rng)
                )
                permit = self._permit()
                if permit is None:
                    self._settle(claimed, attempts, Status.CANCELLED, report)
                    return
                if self.out_of_time():
                    # Released, not left claimed: the next delivery retries it (once).
                    self.d.limiter.refund(permit)
                    break
            attempts += 1
            try:
                provider_id = self.d.sender.send(recipient, body, ref)
            except Exception as exc:  # noqa: BLE001 - every provider failure is classified
                verdict = classify(exc)
                if self._final_failure(verdict, permit, claimed, attempts, report):
                    return
                continue
            self._settle(claimed, attempts, Status.SENT, report, provider_id=provider_id)
            return
        self._out_of_tries(recipient, claimed, attempts, verdict, report)

    def _permit(self) -> Permit | None:
        """A rate permit, or None if the alert was cancelled (before or while waiting)."""
        if self.cancelled():
            return None
        permit = self.d.limiter.acquire()
        if self.cancelled():
            self.d.limiter.refund(permit)
            return None
        return permit

    def _final_failure(
        self, verdict: Classification, permit: Permit, claimed: Delivery, attempts: int, report: BatchReport
    ) -> bool:
        """Record a failure that ends this recipient's sending; False: retry it."""
        if not isinstance(verdict, Transient):
            self._settle(claimed, attempts, Status.FAILED, report, error_code=verdict.code)
            return True
        if verdict.maybe_sent:
            self._settle(claimed, attempts, Status.UNKNOWN, report, error_code=verdict.code)
            return True
        if verdict.code not in RATE_LIMITED_CODES:
            # Refused before it was queued: it used none of the sender's rate.
            self.d.limiter.refund(permit)
        if self.cancelled():
            self._settle(claimed, attempts, Status.CANCELLED, report)
            return True
        return False

    def _out_of_tries(
        self,
        recipient: Recipient,
        claimed: Delivery,
        attempts: int,
        verdict: Classification | None,
        report: BatchReport,
    ) -> None:
        code = verdict.code if verdict else "none"
        if attempts >= self.policy.max_attempts:
            self._settle(claimed, attempts, Status.FAILED, report, error_code=f"retries:{code}")
            return
        if self.d.ledger.release(_with_attempts(claimed, attempts), self.d._clock()):
            report.redeliver.append(recipient)
        else:
            report.lost_claims += 1

    def _settle(
        self,
        claimed: Delivery,
        attempts: int,
        status: Status,
        report: BatchReport,
        *,
        provider_id: str | None = None,
        error_code: str | None = None,
    ) -> None:
        done = self.d.ledger.settle(
            _with_attempts(claimed, attempts),
            status,
            self.d._clock(),
            provider_id=provider_id,
            error_code=error_code,
        )
        if not done:
            # Only a stale-claim sweep takes a claim away, after stale_claim_after: it is
            # already counted `unknown` there; log so a too-short threshold shows.
            log.warning("alert dispatch: claim lost before its outcome (%s)", status)
            report.lost_claims += 1
            return
        name = {Status.SENT: "sent", Status.FAILED: "failed", Status.CANCELLED: "cancelled"}.get(
            status, "unknown"
        )
        setattr(report, name, getattr(report, name) + 1)


def _with_attempts(delivery: Delivery, attempts: int) -> Delivery:
    return replace(delivery, attempts=attempts)
