"""Benchmark: alert fan-out (issue 10), the dispatcher in process.

1. Capacity: one `AlertDispatcher` (default policy, 32 threads) sends 20,000 recipients in
   pages of 500 to an in-process fake provider that answers at once and has no rate cap, the
   rate limiter set far above it: sends per second on this machine (target >= 2,000/s, ten
   times the fastest carrier lane). Also the same against a provider taking 50 ms a call,
   to show the thread count, not the CPU, bounds a dispatcher against a real provider.
2. Rate: 4 dispatchers share one slot counter set to 100 messages/s; the fake provider
   accepts at most 100 messages/s (429 beyond) and fails 5% of requests with a transient
   503; 5,000 recipients in pages of 100, 10% of the pages delivered twice (the queue's
   at-least-once), released recipients put back on the queue. Achieved rate (accepted
   messages / seconds to the last one; target >= 95/s), duplicates (0), lost (0).

Both use the in-memory ledger and in-process rate limiter (the same ports as the DynamoDB
adapters): they measure the dispatcher, not DynamoDB.
3. End to end (runs first; BENCH_ALERTS_E2E_RECIPIENTS, default 10,000; 0 skips it): a private
   local stack (moto + gateway, every function under its deployed IAM), that many active
   subscribers written straight to the tables in one zone, then a supervisor's POST /api/alerts:
   the API selects and queues pages, the SQS poller feeds alert-dispatch, the outbox posts
   signed status callbacks to alert-status. Reports how long the API took to answer, texts
   per second, the time to the last delivered status, duplicates and lost. The sender rate is
   set far above a carrier lane (BENCH_ALERTS_E2E_RATE, 1,000/s) so the local stack's own pace
   is what is measured; it is the emulator's, not AWS's (see DESIGN.md's local stack limits).
Writes bench/results/alerts.json, prints one line.
"""

from __future__ import annotations

import os
import queue
import random
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "layers"))

from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch  # noqa: E402
from rtcc.alerts.fakes import FakeAlerts, FakeProvider  # noqa: E402
from rtcc.alerts.ledger import InMemoryLedger, Status  # noqa: E402
from rtcc.alerts.model import Alert, Recipient, Tier  # noqa: E402
from rtcc.alerts.ratelimit import InProcessSlotCounter, SlotRateLimiter  # noqa: E402

CAPACITY_RECIPIENTS = int(os.environ.get("BENCH_ALERTS_CAPACITY", "20000"))
RATE_RECIPIENTS = int(os.environ.get("BENCH_ALERTS_RECIPIENTS", "5000"))
SENDER_RATE = 100.0
TRANSIENT_SHARE = 0.05
DISPATCHERS = 4
TARGET_CAPACITY = 2000.0
TARGET_RATE = 95.0
#: Part 3 (end to end through the local stack): recipients (0 skips it), the sender rate set
#: for it (far above a carrier lane: the local stack's own pace is what is measured), and how
#: long to wait for the last delivered status.
E2E_RECIPIENTS = int(os.environ.get("BENCH_ALERTS_E2E_RECIPIENTS", "10000"))
E2E_SENDER_RATE = float(os.environ.get("BENCH_ALERTS_E2E_RATE", "1000"))
E2E_TIMEOUT_S = float(os.environ.get("BENCH_ALERTS_E2E_TIMEOUT", "3600"))
SENDER = "+15550100200"

ALERT = Alert(
    alert_id="bench-alert",
    tier=Tier.EMERGENCY,
    headline={"en": "Boil water", "es": "Hierva el agua"},
    texts={"en": "Boil water advisory for Ward 3 until noon.", "es": "Hierva el agua en el Distrito 3."},
    zones=("ward-3",),
    categories=("utilities",),
    sent_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    expires_at=None,
    sender="bench",
)


def recipients(count: int) -> list[Recipient]:
    return [Recipient(f"sub-{i:06d}", "es" if i % 4 == 0 else "en") for i in range(count)]


def pages(rs: list[Recipient], size: int) -> list[DispatchBatch]:
    return [DispatchBatch(ALERT.alert_id, "ward-3", tuple(rs[i : i + size])) for i in range(0, len(rs), size)]


def capacity(count: int, latency: float) -> dict:
    """Part 1: one dispatcher, no rate cap worth the name."""
    provider = FakeProvider(latency=latency)
    limiter = SlotRateLimiter(InProcessSlotCounter(), SENDER, 10_000_000.0)
    dispatcher = AlertDispatcher(InMemoryLedger(), limiter, provider, FakeAlerts(ALERT))
    started = time.perf_counter()
    sent = sum(dispatcher.dispatch(batch).sent for batch in pages(recipients(count), 500))
    elapsed = time.perf_counter() - started
    dispatcher.close()
    return {
        "recipients": count,
        "provider_latency_ms": latency * 1000,
        "workers": dispatcher.policy.workers,
        "sent": sent,
        "seconds": round(elapsed, 2),
        "sends_per_s": round(sent / elapsed, 1),
    }


class FanOutQueue:
    """The fan-out queue as the dispatchers see it: at-least-once, released recipients back."""

    def __init__(self, batches: list[DispatchBatch], duplicate_share: float, rng: random.Random) -> None:
        deliveries = batches + rng.sample(batches, int(len(batches) * duplicate_share))
        rng.shuffle(deliveries)
        self._q: queue.Queue[DispatchBatch] = queue.Queue()
        for batch in deliveries:
            self._q.put(batch)
        self._pending = len(deliveries)
        self._lock = threading.Lock()
        self.redelivered = 0

    def work(self, dispatcher: AlertDispatcher) -> None:
        while True:
            with self._lock:
                if self._pending == 0:
                    return
            try:
                batch = self._q.get(timeout=0.05)
            except queue.Empty:
                continue
            report = dispatcher.dispatch(batch)
            with self._lock:
                if report.redeliver:
                    self._pending += 1
                    self.redelivered += len(report.redeliver)
                    self._q.put(DispatchBatch(batch.alert_id, batch.zone, tuple(report.redeliver)))
                self._pending -= 1


def rate_run(count: int) -> dict:
    """Part 2: four dispatchers, one sender rate, a flaky capped provider."""
    rng = random.Random(10)
    ledger, counter = InMemoryLedger(), InProcessSlotCounter()
    provider = FakeProvider(rate=SENDER_RATE, transient_share=TRANSIENT_SHARE, seed=10)
    dispatchers = [
        AlertDispatcher(ledger, SlotRateLimiter(counter, SENDER, SENDER_RATE), provider, FakeAlerts(ALERT))
        for _ in range(DISPATCHERS)
    ]
    everyone = recipients(count)
    fan_out = FanOutQueue(pages(everyone, 100), 0.10, rng)
    started = time.monotonic()
    threads = [threading.Thread(target=fan_out.work, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in dispatchers:
        d.close()
    accepted = sum(provider.accepted.values())
    last = max(provider.accept_times)
    statuses: dict[str, int] = {}
    for entry in ledger.entries():
        statuses[str(entry.status)] = statuses.get(str(entry.status), 0) + 1
    return {
        "recipients": count,
        "dispatchers": DISPATCHERS,
        "sender_rate_per_s": SENDER_RATE,
        "transient_share": TRANSIENT_SHARE,
        "accepted": accepted,
        "seconds_to_last_accept": round(last - started, 2),
        "achieved_per_s": round(accepted / (last - started), 1),
        "duplicates": sum(n - 1 for n in provider.accepted.values() if n > 1),
        "lost": sum(1 for r in everyone if provider.accepted[r.subscriber_id] == 0),
        "ledger_statuses": statuses,
        "not_sent_in_ledger": sum(n for s, n in statuses.items() if s != Status.SENT),
        "transient_errors": provider.transient_errors,
        "rate_limited_by_provider": provider.rate_limited,
        "recipients_put_back_on_queue": fan_out.redelivered,
    }


def _seed_subscribers(count: int, zone: str) -> None:
    """`count` active subscribers in `zone`, written straight to the tables (sealed numbers
    under the alerts vault key, the zone index): signing 10,000 residents up through the
    webhook would take the local stack half an hour and measure the signup, not the send."""
    import hashlib

    from rtcc.alerts.settings import alerts_settings
    from rtcc.alerts.subscriber_dynamodb import _record, zone_key
    from rtcc.alerts.subscriber_keys import KmsSubscriberSealer
    from rtcc.alerts.subscriber_ports import Preferences, Status, Subscriber
    from rtcc.store.alert_subscribers import AlertZoneSubscriberRecord

    sealer = KmsSubscriberSealer(alerts_settings().vault_key_id)
    prefs = Preferences(zones=(zone,), categories=(), language="en", tiers=(Tier.EMERGENCY,))
    subs = []
    for i in range(count):
        sid = f"bench{i:06d}"
        number = f"+1413{5550000 + i:07d}"
        mac = hashlib.sha256(number.encode()).hexdigest()  # the opt-out key; none opted out
        subs.append(Subscriber(sid, mac, sealer.seal(number, sid), Status.ACTIVE, prefs, time.time()))
    records = [_record(sub) for sub in subs]
    with type(records[0]).batch_write() as batch:
        for record in records:
            batch.save(record)
    with AlertZoneSubscriberRecord.batch_write() as batch:
        for sub in subs:
            batch.save(
                AlertZoneSubscriberRecord(
                    zone_key(zone), sub.subscriber_id, language="en", tiers=["emergency"]
                )
            )


def _poll_until_settled(
    base_url: str, token: Callable[[], str], alert_id: str, zone: str, count: int, deadline: float
) -> dict:
    """The zone's delivery counts once every recipient is delivered or undelivered, or at
    the (bounded) deadline: the bench stops by itself. A fresh token each poll: staff
    tokens last 5 minutes, and a 10,000-recipient run takes longer."""
    import requests

    view: dict = {}
    while time.monotonic() < deadline:
        got = requests.get(
            f"{base_url}/api/alerts/{alert_id}", headers={"Authorization": f"Bearer {token()}"}, timeout=60
        )
        if got.status_code != 200:  # a busy local stack may time a poll out: poll again
            time.sleep(1)
            continue
        view = got.json()["counts"].get(zone, {})
        if view.get("delivered", 0) + view.get("undelivered", 0) >= count:
            break
        time.sleep(1)
    return view


def end_to_end(count: int) -> dict:
    """Part 3: a supervisor's POST /api/alerts through the local stack (moto + gateway, every
    function under its deployed IAM) to `count` residents: the API selects and queues pages,
    the SQS poller feeds alert-dispatch, the outbox posts signed status callbacks to
    alert-status. Rate: texts accepted per second; time to the last delivered status."""
    import requests

    os.environ["RTCC_ALERTS_SENDER_RATE_PER_SECOND"] = str(E2E_SENDER_RATE)
    from rtcc.local import LocalStack
    from rtcc.settings import reload_settings
    from rtcc.sms.gateway import local_outbox

    reload_settings()
    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        zone = "hillcrest"
        t0 = time.monotonic()
        _seed_subscribers(count, zone)
        seeded_s = time.monotonic() - t0
        token = stack.id_token(stack.users["supervisor"])
        body = {"tier": "emergency", "zones": [zone], "categories": [], "texts": {"en": "Bench: boil water."}}
        start = time.monotonic()
        r = requests.post(
            f"{stack.base_url}/api/alerts",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        r.raise_for_status()
        api_s = time.monotonic() - start
        alert_id = r.json()["alert_id"]
        supervisor = stack.users["supervisor"]
        view = _poll_until_settled(
            stack.base_url, lambda: stack.id_token(supervisor), alert_id, zone, count, start + E2E_TIMEOUT_S
        )
        last_delivered_s = time.monotonic() - start
        sent = [m for m in local_outbox().messages() if m.body == body["texts"]["en"]]
        per_number = {}
        for m in sent:
            per_number[m.to] = per_number.get(m.to, 0) + 1
        finished = view.get("delivered", 0) + view.get("undelivered", 0) >= count
        return {
            "recipients": count,
            "sender_rate_setting": E2E_SENDER_RATE,
            "seed_s": round(seeded_s, 1),
            "api_answer_s": round(api_s, 2),
            "texts_sent": len(sent),
            "duplicates": sum(n - 1 for n in per_number.values()),
            "lost": count - len(per_number),
            "rate_per_s": round(len(sent) / last_delivered_s, 1) if last_delivered_s else None,
            "last_delivered_status_s": round(last_delivered_s, 1) if finished else None,
            "finished": finished,
            "counts": view,
        }
    finally:
        stack.stop()


def _e2e_summary(e2e: dict | None) -> str:
    if e2e is None:
        return "end to end skipped"
    last = f"{e2e['last_delivered_status_s']} s" if e2e["finished"] else "not all within the timeout"
    return (
        f"end to end through the local stack: {e2e['recipients']:,} recipients, API answered in "
        f"{e2e['api_answer_s']} s, {e2e['rate_per_s']}/s, last delivered status at {last}, "
        f"duplicates {e2e['duplicates']}, lost {e2e['lost']}"
    )


def main() -> int:
    e2e = end_to_end(E2E_RECIPIENTS) if E2E_RECIPIENTS else None
    instant = capacity(CAPACITY_RECIPIENTS, 0.0)
    slow = capacity(2000, 0.05)
    rated = rate_run(RATE_RECIPIENTS)
    load = round(os.getloadavg()[0], 1)
    ok = (
        instant["sends_per_s"] >= TARGET_CAPACITY
        and rated["achieved_per_s"] >= TARGET_RATE
        and rated["duplicates"] == 0
        and rated["lost"] == 0
    )
    if e2e is not None:
        ok = ok and e2e["finished"] and e2e["duplicates"] == 0 and e2e["lost"] == 0
    summary = (
        f"alerts (parts 1-2: in-memory ledger, in-process rate limiter): "
        f"capacity {instant['sends_per_s']:,.0f} sends/s ({instant['recipients']:,}, instant provider, "
        f"target {TARGET_CAPACITY:,.0f}), {slow['sends_per_s']:,.0f}/s with a 50 ms provider; "
        f"capped {SENDER_RATE:.0f}/s with {TRANSIENT_SHARE:.0%} transient errors, {rated['recipients']:,} "
        f"recipients, {DISPATCHERS} dispatchers: {rated['achieved_per_s']}/s (target {TARGET_RATE:.0f}), "
        f"duplicates {rated['duplicates']}, lost {rated['lost']}, provider 429s "
        f"{rated['rate_limited_by_provider']}, load {load}; "
        + _e2e_summary(e2e)
        + f": {'OK' if ok else 'FAIL'}"
    )
    from bench.common import write_result

    write_result(
        "alerts",
        {
            "ledger_and_limiter": "in-memory ledger, in-process slot rate limiter (not DynamoDB)",
            "capacity": instant,
            "capacity_50ms_provider": slow,
            "capped_rate": rated,
            "end_to_end": e2e or "skipped (BENCH_ALERTS_E2E_RECIPIENTS=0)",
            "load_average_before": load,
            "ok": ok,
        },
        summary,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
