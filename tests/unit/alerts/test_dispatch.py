"""The fan-out dispatcher: one message per (alert, subscriber) whatever the redeliveries and
races, transient errors retried, permanent ones recorded, cancel honoured within a second."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch, DispatchPolicy
from rtcc.alerts.fakes import FakeAlerts, FakeProvider, ProviderError
from rtcc.alerts.ledger import InMemoryLedger, Status
from rtcc.alerts.model import Alert, Recipient, Tier
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter

ALERT = Alert(
    alert_id="a-water-main",
    tier=Tier.ADVISORY,
    headline={"en": "Water main break", "es": "Rotura de tubería"},
    texts={"en": "Boil water on Elm St until further notice.", "es": "Hierva el agua en Elm St."},
    zones=("zip:01013",),
    categories=("utilities",),
    sent_at=datetime(2026, 12, 1, 20, 0, tzinfo=UTC),
    expires_at=None,
    sender="supervisor1",
)
FAST = DispatchPolicy(workers=8, backoff_base=0.001, backoff_cap=0.01)


def recipients(n: int, language: str = "en") -> tuple[Recipient, ...]:
    return tuple(Recipient(f"sub-{i:05d}", language) for i in range(n))


def batch(rs: tuple[Recipient, ...]) -> DispatchBatch:
    return DispatchBatch(ALERT.alert_id, "zip:01013", rs)


def dispatcher(ledger, provider, alerts=None, policy=FAST, rate=100_000.0, counter=None) -> AlertDispatcher:
    limiter = SlotRateLimiter(counter or InProcessSlotCounter(), "+15550100200", rate)
    return AlertDispatcher(ledger, limiter, provider, alerts or FakeAlerts(ALERT), policy)


def test_each_recipient_gets_one_message_in_their_language_with_the_outcome_recorded() -> None:
    ledger, provider = InMemoryLedger(), FakeProvider()
    rs = recipients(30) + (Recipient("sub-es", "es-US"),)
    report = dispatcher(ledger, provider).dispatch(batch(rs))
    assert report.sent == 31 and not report.redeliver
    assert set(provider.accepted.values()) == {1}
    assert provider.bodies["sub-es"] == ALERT.texts["es"]
    entry = ledger.get(ALERT.alert_id, "sub-00000")
    assert entry.status == Status.SENT and entry.attempts == 1 and len(entry.provider_id_hash) == 64
    assert ledger.counts(ALERT.alert_id) == {("zip:01013", "sent"): 31}


def test_a_redelivered_batch_sends_nothing_twice() -> None:
    ledger, provider = InMemoryLedger(), FakeProvider()
    d = dispatcher(ledger, provider)
    first = d.dispatch(batch(recipients(50)))
    again = d.dispatch(batch(recipients(50)))
    assert first.sent == 50 and again.sent == 0 and again.skipped == 50
    assert sum(provider.accepted.values()) == 50


def test_racing_dispatchers_on_the_same_batch_send_each_message_once() -> None:
    ledger = InMemoryLedger()
    provider = FakeProvider(latency=0.002)  # long enough for the dispatchers to overlap
    counter = InProcessSlotCounter()
    dispatchers = [dispatcher(ledger, provider, counter=counter) for _ in range(4)]
    rs = recipients(200)
    reports: list = []
    start = threading.Barrier(4)

    def run(d: AlertDispatcher) -> None:
        start.wait()
        reports.append(d.dispatch(batch(rs)))

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(provider.accepted.values()) == 1
    assert len(provider.accepted) == 200
    assert sum(r.sent for r in reports) == 200
    # Losers found the entries settled or still claimed by the winner (put back on the queue,
    # where they find them settled); no entry was left without an outcome.
    assert all(e.status == Status.SENT for e in ledger.entries())


class Flaky(FakeProvider):
    """Fails the first `failures` sends of each recipient with `code`."""

    def __init__(self, failures: int, code: int, status: int) -> None:
        super().__init__()
        self.failures, self.code, self.status = failures, code, status
        self.tries: dict[str, int] = {}

    def send(self, recipient, body, ref):
        n = self.tries[recipient.subscriber_id] = self.tries.get(recipient.subscriber_id, 0) + 1
        if n <= self.failures:
            raise ProviderError(self.code, self.status)
        return super().send(recipient, body, ref)


def test_transient_errors_are_retried_then_sent() -> None:
    ledger, provider = InMemoryLedger(), Flaky(failures=2, code=20503, status=503)
    report = dispatcher(ledger, provider).dispatch(batch(recipients(5)))
    assert report.sent == 5 and not report.redeliver
    assert all(n == 3 for n in provider.tries.values())
    assert ledger.get(ALERT.alert_id, "sub-00003").attempts == 3


def test_a_long_outage_releases_the_claim_and_the_redelivery_sends_it_once() -> None:
    ledger, provider = InMemoryLedger(), Flaky(failures=4, code=20503, status=503)
    d = dispatcher(ledger, provider)
    first = d.dispatch(batch(recipients(3)))
    assert first.sent == 0 and len(first.redeliver) == 3  # nothing lost: back on the queue
    assert ledger.get(ALERT.alert_id, "sub-00000").status == Status.RETRY
    second = d.dispatch(batch(tuple(first.redeliver)))
    assert second.sent == 3 and set(provider.accepted.values()) == {1}
    assert ledger.get(ALERT.alert_id, "sub-00000").attempts == 5


def test_transient_errors_past_the_attempt_limit_are_recorded_failed() -> None:
    ledger, provider = InMemoryLedger(), Flaky(failures=99, code=20503, status=503)
    policy = DispatchPolicy(workers=2, attempts_per_delivery=2, max_attempts=4, backoff_base=0.001)
    d = dispatcher(ledger, provider, policy=policy)
    first = d.dispatch(batch(recipients(1)))
    second = d.dispatch(batch(tuple(first.redeliver)))
    assert second.failed == 1 and not second.redeliver
    entry = ledger.get(ALERT.alert_id, "sub-00000")
    assert entry.status == Status.FAILED and entry.error_code == "retries:20503" and entry.attempts == 4


def test_a_permanent_error_is_recorded_for_that_recipient_and_not_retried() -> None:
    ledger = InMemoryLedger()
    provider = FakeProvider(permanent={"sub-00001": 21211, "sub-00002": 21610})
    report = dispatcher(ledger, provider).dispatch(batch(recipients(4)))
    assert (report.sent, report.failed) == (2, 2)
    assert ledger.get(ALERT.alert_id, "sub-00001").error_code == "21211"
    assert ledger.get(ALERT.alert_id, "sub-00002").error_code == "21610"
    assert ledger.get(ALERT.alert_id, "sub-00002").attempts == 1
    assert ledger.counts(ALERT.alert_id) == {("zip:01013", "sent"): 2, ("zip:01013", "failed"): 2}


class TimesOut(FakeProvider):
    def send(self, recipient, body, ref):
        super().send(recipient, body, ref)  # the provider took it...
        raise type("ReadTimeout", (Exception,), {})()  # ...and its answer was lost


def test_a_send_that_may_have_gone_out_is_never_resent() -> None:
    ledger, provider = InMemoryLedger(), TimesOut()
    d = dispatcher(ledger, provider)
    report = d.dispatch(batch(recipients(2)))
    assert report.unknown == 2 and not report.redeliver
    assert d.dispatch(batch(recipients(2))).skipped == 2
    assert set(provider.accepted.values()) == {1}
    assert ledger.get(ALERT.alert_id, "sub-00000").status == Status.UNKNOWN


def test_a_crash_after_the_claim_is_not_resent_blindly() -> None:
    """A dispatcher claimed, maybe sent, and died before recording the outcome: a redelivery
    leaves a young claim alone (back on the queue) and turns an old one into `unknown`."""
    ledger, provider = InMemoryLedger(), FakeProvider()
    claimed_at = time.time()
    ledger.claim(ALERT.alert_id, "sub-00000", "zip:01013", "crashed-dispatcher", claimed_at)
    d = dispatcher(ledger, provider, policy=DispatchPolicy(workers=2, stale_claim_after=60))
    young = d.dispatch(batch(recipients(1)))
    assert young.redeliver == [Recipient("sub-00000", "en")] and not provider.accepted
    assert ledger.get(ALERT.alert_id, "sub-00000").owner == "crashed-dispatcher"

    old = AlertDispatcher(
        ledger,
        d.limiter,
        provider,
        d.alerts,
        DispatchPolicy(workers=2, stale_claim_after=60),
        clock=lambda: claimed_at + 61,
    ).dispatch(batch(recipients(1)))
    assert old.unknown == 1 and not old.redeliver and not provider.accepted
    assert ledger.get(ALERT.alert_id, "sub-00000").status == Status.UNKNOWN
    assert ledger.counts(ALERT.alert_id) == {("zip:01013", "unknown"): 1}


def test_cancel_stops_sending_within_a_second_and_marks_the_rest_cancelled() -> None:
    ledger, alerts = InMemoryLedger(), FakeAlerts(ALERT)
    provider = FakeProvider(latency=0.001)
    d = dispatcher(ledger, provider, alerts=alerts, rate=50.0)  # 500 recipients take 10 s
    result: list = []
    worker = threading.Thread(target=lambda: result.append(d.dispatch(batch(recipients(500)))))
    worker.start()
    time.sleep(1.0)
    alerts.cancel(ALERT.alert_id)
    cancelled_at = time.monotonic()
    sent_at_cancel = sum(provider.accepted.values())
    worker.join(timeout=10)
    assert not worker.is_alive()
    # Sends stop about a second after the flag (the cache is at most a second old) and the
    # batch finishes soon after: nothing waits for the rate once cancelled. The bounds leave
    # room for a loaded 2-core CI machine (the issue asks for 10 s); without the check the
    # batch would go on sending for 9 more seconds and fail every one of them.
    late = [t for t in provider.accept_times if t > cancelled_at + 3.0]
    assert not late
    assert time.monotonic() - cancelled_at < 5.0
    report = result[0]
    assert report.sent + report.cancelled == 500 and report.sent <= sent_at_cancel + 150
    assert report.cancelled >= 300
    statuses = {e.status for e in ledger.entries()}
    assert statuses == {Status.SENT, Status.CANCELLED} and len(ledger.entries()) == 500
    # The flag is read about once a second per batch, not once per recipient.
    assert alerts.flag_reads <= 5


@pytest.mark.parametrize("language", ["fr", "es-MX"])
def test_a_language_without_text_falls_back(language: str) -> None:
    from rtcc.alerts.dispatch import body_for

    expected = ALERT.texts["es"] if language.startswith("es") else ALERT.texts["en"]
    assert body_for(ALERT, language) == expected


def test_a_batch_travels_as_a_queue_message_and_a_malformed_one_is_refused_whole() -> None:
    original = batch(recipients(3) + (Recipient("sub-es", "es-US"),))
    assert DispatchBatch.from_message(original.to_message()) == original
    good = '{"alert_id":"a1","zone":"ward-1","recipients":[["s1","en"]]}'
    assert DispatchBatch.from_message(good).recipients == (Recipient("s1", "en"),)
    for bad in (
        "[]",
        '{"alert_id":"a1","zone":"ward-1"}',
        '{"alert_id":"","zone":"ward-1","recipients":[]}',
        '{"alert_id":"a1","zone":"ward-1","recipients":[["s1"]]}',
        '{"alert_id":"a1","zone":"ward-1","recipients":[["+15551234567","en"]]}',  # a number, not an id
        '{"alert_id":"a1","zone":"ward-1","recipients":[["s1","english please"]]}',
        '{"alert_id":"a1","zone":"ward-1","recipients":%s}' % ([["s", "en"]] * 501),
    ):
        with pytest.raises(ValueError):
            DispatchBatch.from_message(bad.replace("'", '"'))
