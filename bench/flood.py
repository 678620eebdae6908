"""Benchmark: 1,000 forged (unsigned) posts to the tips webhook while officers triage tips.

Starts a private local stack (127.0.0.1, free ports, in this process), opens a few tips
through the signed webhook, then measures officers' writes (PATCH a tip, reply to its
tipster, through the API as an officer would) twice in one run: alone, then while
BENCH_FLOOD_THREADS threads post BENCH_FLOOD_POSTS unsigned forms to the webhook.
Officers write for as long as the flood lasts (at most BENCH_FLOOD_WRITES writes), so
the run is bounded and stops by itself.

Reports: audit entries the forgeries added on the request path (issue 8 #2: it was one
per post) and after summarising (one `webhook.refusals` entry per minute, run with the
clock moved past the flood's minutes), officers' write p95 without and with the flood,
and the ratio. Writes bench/results/flood.json, prints one line.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import write_result  # noqa: E402
from bench.tips import Sender, message_forms, percentile  # noqa: E402

FORGED_POSTS = int(os.environ.get("BENCH_FLOOD_POSTS", "1000"))
FLOOD_THREADS = int(os.environ.get("BENCH_FLOOD_THREADS", "4"))
OFFICERS = 2
TIPS = 10
BASELINE_WRITES = int(os.environ.get("BENCH_FLOOD_BASELINE_WRITES", "120"))
MAX_FLOOD_WRITES = int(os.environ.get("BENCH_FLOOD_WRITES", "400"))


class Officer:
    """PATCHes and replies to tips through the API, recording each write's latency."""

    def __init__(self, base_url: str, token: str, codes: list[str], seed: int) -> None:
        self.base_url, self.codes = base_url, codes
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.random = random.Random(seed)
        self.failures = 0

    def write(self, i: int) -> float:
        code = self.random.choice(self.codes)
        start = time.perf_counter()
        if i % 2:
            r = self.session.post(
                f"{self.base_url}/api/tips/{code}/replies", json={"text": f"Follow-up {i}"}, timeout=30
            )
        else:
            priority = self.random.choice(("low", "normal", "high", "urgent"))
            r = self.session.patch(
                f"{self.base_url}/api/tips/{code}", json={"priority": priority, "note": f"n{i}"}, timeout=30
            )
        ms = (time.perf_counter() - start) * 1000
        self.failures += r.status_code != 200
        return ms


def officers_write(officers: list[Officer], until: threading.Event | None, limit: int) -> list[float]:
    """Each officer writes in turn on its own thread: `limit` writes in all, or fewer if
    `until` is set first."""
    latencies: list[float] = []
    lock = threading.Lock()

    def work(officer: Officer, share: int) -> None:
        for i in range(share):
            if until is not None and until.is_set():
                return
            ms = officer.write(i)
            with lock:
                latencies.append(ms)

    with ThreadPoolExecutor(len(officers)) as pool:
        list(pool.map(lambda o: work(o, limit // len(officers)), officers))
    return latencies


def flood(url: str, done: threading.Event) -> dict:
    """FORGED_POSTS unsigned forms (as a forger with no auth token would post them)."""
    forms = message_forms(FORGED_POSTS)
    statuses: list[int] = []
    sessions: dict[int, requests.Session] = {}

    def post(form: dict[str, str]) -> None:
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        statuses.append(session.post(url, data=form, timeout=30).status_code)

    began = time.perf_counter()
    try:
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            list(pool.map(post, forms))
    finally:
        done.set()
    return {"seconds": time.perf_counter() - began, "non_403": sum(1 for s in statuses if s != 403)}


def open_tips(stack) -> list[str]:  # noqa: ANN001
    from rtcc.tips.codes import normalize_tip_code

    send = Sender(stack.base_url + "/webhooks/twilio/tips")
    codes = []
    for form in message_forms(TIPS):
        _, status, text = send(form)
        assert status == 200, text
        code = next(normalize_tip_code(w.strip(".,:;")) for w in text.split() if w.startswith("T-"))
        codes.append(code)
    return codes


def forged_entries(after_seq: int) -> dict:
    """Entries appended since `after_seq` because of refusals: on the request path, then
    the summaries once the flood's minutes are over (the schedule does this every minute)."""
    from rtcc.audit import AuditLog
    from rtcc.local.iam.identity import acting_as
    from rtcc.refusals import ACTION, summarise

    log = AuditLog()
    on_path = sum(1 for e in log.entries(after_seq=after_seq) if e.action == "tips.webhook.rejected")
    with acting_as("refusal-summary"):
        summarise(now=datetime.now(UTC) + timedelta(minutes=2))
    summaries = [e for e in log.entries(after_seq=after_seq) if e.action == ACTION]
    return {
        "on_request_path": on_path,
        "summary_entries": len(summaries),
        "refusals_in_summaries": sum(e.detail["count"] for e in summaries),
    }


def main() -> int:
    # ERROR: each refusal logs a warning, a thousand lines that say nothing here.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from rtcc.audit import AuditLog
    from rtcc.local import LocalStack

    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        codes = open_tips(stack)
        officers = [
            Officer(stack.base_url, stack.id_token(stack.users["officer"]), codes, seed)
            for seed in range(OFFICERS)
        ]
        officers_write(officers, None, 10)  # warm-up: first calls, first appends
        quiet = officers_write(officers, None, BASELINE_WRITES)
        seq = AuditLog().head().seq
        done = threading.Event()
        with ThreadPoolExecutor(1) as pool:
            flooding = pool.submit(flood, stack.base_url + "/webhooks/twilio/tips", done)
            loud = officers_write(officers, done, MAX_FLOOD_WRITES)
            flood_run = flooding.result()
        entries = forged_entries(seq)
    finally:
        stack.stop()
    quiet_p95, loud_p95 = percentile(quiet, 95), percentile(loud, 95)
    result = {
        "what": "officers' PATCH/reply latency via the local gateway, alone and during unsigned posts",
        "forged_posts": FORGED_POSTS,
        "flood_threads": FLOOD_THREADS,
        "flood_seconds": round(flood_run["seconds"], 1),
        "forged_not_refused": flood_run["non_403"],
        "audit_entries_on_request_path": entries["on_request_path"],
        "audit_summary_entries": entries["summary_entries"],
        "refusals_in_summaries": entries["refusals_in_summaries"],
        "officer_writes_quiet": len(quiet),
        "officer_writes_during_flood": len(loud),
        "officer_write_failures": sum(o.failures for o in officers),
        "officer_p95_ms_quiet": round(quiet_p95, 1),
        "officer_p95_ms_flood": round(loud_p95, 1),
        "p95_ratio": round(loud_p95 / quiet_p95, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    result["ok"] = (
        result["forged_not_refused"] == 0
        and result["audit_entries_on_request_path"] == 0
        and result["refusals_in_summaries"] >= FORGED_POSTS
        and result["officer_write_failures"] == 0
    )
    summary = (
        f"flood: {FORGED_POSTS} forged posts in {result['flood_seconds']} s -> "
        f"{result['audit_entries_on_request_path']} audit entries on the request path, "
        f"{result['audit_summary_entries']} summary entries ({result['refusals_in_summaries']} refusals); "
        f"officers' write p95 {result['officer_p95_ms_quiet']} ms alone, "
        f"{result['officer_p95_ms_flood']} ms during the flood (x{result['p95_ratio']}, "
        f"{len(loud)} writes): {'OK' if result['ok'] else 'FAIL'}"
    )
    write_result("flood", result, summary)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
