"""Benchmark: 1,000 signed inbound tip messages against the local stack, 10% delivered twice.

Starts a private local stack (moto + gateway on free ports, in this process), sends every
message as a Twilio-signed form post over HTTP to /webhooks/twilio/tips (one sender by
default; BENCH_TIPS_SENDERS for more, though the local runtime runs one invocation of a
function at a time, as one Lambda container does), then counts what was stored.

Reports webhook latency as seen by the sender (p50/p95/p99/max, and first deliveries and
retries apart) and checks: stored tips == unique messages, no message stored twice, no
non-200, every retry answered with the same TwiML as its first delivery, and no receipt
left half-done ("claimed"). Records the load average, since other work on this 2-core
machine moves the latency figures. Writes bench/results/tips.json, prints one line.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MESSAGES = int(os.environ.get("BENCH_TIPS_MESSAGES", "1000"))
DUPLICATE_SHARE = 0.10
SENDERS = int(os.environ.get("BENCH_TIPS_SENDERS", "1"))
TARGET_P95_MS = 250.0
AUTH_TOKEN = "local-twilio-auth-token"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from rtcc.local import LocalStack
    from rtcc.tips.adapters.twilio_webhook import sign

    random.seed(7)
    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        url = stack.base_url + "/webhooks/twilio/tips"
        forms = []
        for i in range(MESSAGES):
            sid = "SM" + secrets.token_hex(16)
            forms.append(
                {
                    "MessageSid": sid,
                    "SmsMessageSid": sid,
                    "SmsSid": sid,
                    "AccountSid": "AC" + "0" * 32,
                    "From": f"+1555{i:07d}",
                    "To": "+15550100100",
                    "NumMedia": "0",
                    "NumSegments": "1",
                    "Body": f"Benchmark tip {i}: a car parked on Elm Street for three days, plate {i:06d}",
                    "FromCity": "SPRINGFIELD",
                    "FromZip": "00000",
                    "ApiVersion": "2010-04-01",
                }
            )
        deliveries = list(forms)
        deliveries += random.sample(forms, int(MESSAGES * DUPLICATE_SHARE))  # Twilio's retries
        random.shuffle(deliveries)

        session_per_thread: dict[int, requests.Session] = {}

        def deliver(form: dict[str, str]) -> tuple[float, int, str]:
            import threading

            session = session_per_thread.setdefault(threading.get_ident(), requests.Session())
            headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, form)}
            start = time.perf_counter()
            response = session.post(url, data=form, headers=headers, timeout=30)
            return (time.perf_counter() - start) * 1000, response.status_code, response.text

        # Warm-up outside the measurement: the first call creates the local KMS key.
        deliver(
            {
                **forms[0],
                "MessageSid": "SM" + "f" * 32,
                "SmsMessageSid": "SM" + "f" * 32,
                "From": "+15559999999",
            }
        )
        load_before = os.getloadavg()
        began = time.perf_counter()
        with ThreadPoolExecutor(SENDERS) as pool:
            results = list(pool.map(deliver, deliveries))
        elapsed = time.perf_counter() - began
        load_after = os.getloadavg()
        latencies = [ms for ms, _, _ in results]
        failures = sum(1 for _, status, _ in results if status != 200)
        # The first delivery of a MessageSid in sending order, and its retry.
        first_ms, retry_ms, replies = [], [], {}
        for form, (ms, _, text) in zip(deliveries, results, strict=True):
            sid = form["MessageSid"]
            (retry_ms if sid in replies else first_ms).append(ms)
            replies.setdefault(sid, []).append(text)
        differing_replies = sum(1 for texts in replies.values() if len(set(texts)) > 1)

        import boto3

        ddb = boto3.client("dynamodb", endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region)

        def scan_all(table: str, projection: str, names: dict | None = None) -> list[dict]:
            items, kwargs = [], {"TableName": table, "ProjectionExpression": projection}
            if names:
                kwargs["ExpressionAttributeNames"] = names
            while True:
                page = ddb.scan(**kwargs)
                items += page["Items"]
                if "LastEvaluatedKey" not in page:
                    return items
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        prefix = stack.settings.table_prefix
        tips = scan_all(f"{prefix}tips", "code")
        messages = scan_all(f"{prefix}tip-messages", "provider_sid")
        receipts = scan_all(f"{prefix}tip-receipts", "#s", {"#s": "state"})
        unfinished = sum(1 for r in receipts if r.get("state", {}).get("S") != "stored")
        sids = [m["provider_sid"]["S"] for m in messages]
        wanted = {f["MessageSid"] for f in forms}
        stored_unique = len(wanted & set(sids))
        duplicates = len(sids) - len(set(sids))

        def pct(values: list[float], p: float) -> float:
            return round(percentile(values, p), 1)

        result = {
            "benchmark": "tips",
            "what": "signed Twilio inbound webhooks via the local gateway (moto server), 10% delivered twice",
            "messages_unique": MESSAGES,
            "deliveries": len(deliveries),
            "concurrent_senders": SENDERS,
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": pct(latencies, 95),
            "p99_ms": pct(latencies, 99),
            "max_ms": round(max(latencies), 1),
            "first_delivery_p50_ms": pct(first_ms, 50),
            "first_delivery_p95_ms": pct(first_ms, 95),
            "retry_p50_ms": pct(retry_ms, 50) if retry_ms else None,
            "retry_p95_ms": pct(retry_ms, 95) if retry_ms else None,
            "throughput_per_s": round(len(deliveries) / elapsed, 1),
            "non_200": failures,
            "stored_tips": len(tips) - 1,  # minus the warm-up tip
            "stored_messages_of_run": stored_unique,
            "duplicate_messages": duplicates,
            "retries_with_a_different_reply": differing_replies,
            "receipts_not_stored": unfinished,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "target_p95_ms": TARGET_P95_MS,
        }
        result["ok"] = (
            failures == 0
            and result["stored_tips"] == MESSAGES
            and stored_unique == MESSAGES
            and duplicates == 0
            and differing_replies == 0
            and unfinished == 0
        )
        result["meets_latency_target"] = result["p95_ms"] < TARGET_P95_MS
    finally:
        stack.stop()

    summary = (
        f"tips: {result['deliveries']} deliveries ({MESSAGES} unique) p50 {result['p50_ms']} ms "
        f"p95 {result['p95_ms']} ms p99 {result['p99_ms']} ms max {result['max_ms']} ms, "
        f"{result['throughput_per_s']}/s, stored tips {result['stored_tips']}, duplicates {duplicates}, "
        f"non-200 {failures}, retry replies differing {differing_replies}, unfinished receipts {unfinished}, "
        f"load {result['load_average_before'][0]}: {'OK' if result['ok'] else 'FAIL'}"
        f"{'' if result['meets_latency_target'] else f' (p95 over the {TARGET_P95_MS:.0f} ms target)'}"
    )
    try:
        from bench.common import write_result
    except ImportError:  # running from a checkout without the shared helper
        out = REPO / "bench" / "results" / "tips.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**result, "summary": summary}, indent=2) + "\n")
        print(summary)
    else:
        write_result("tips", {k: v for k, v in result.items() if k != "benchmark"}, summary)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
