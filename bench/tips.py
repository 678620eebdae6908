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
import statistics
import sys
import threading
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
TIP_LINE = "+15550100100"
ACCOUNT_SID = "AC" + "0" * 32


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def message_forms(count: int) -> list[dict[str, str]]:
    """`count` inbound texts from as many tipsters, as Twilio would post them."""
    from rtcc.sms.twilio_form import inbound_form

    return [
        inbound_form(
            from_number=f"+1555{i:07d}",
            to_number=TIP_LINE,
            body=f"Benchmark tip {i}: a car parked on Elm Street for three days, plate {i:06d}",
            account_sid=ACCOUNT_SID,
        )
        for i in range(count)
    ]


def with_retries(forms: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every form once, DUPLICATE_SHARE of them twice (Twilio's retries), shuffled."""
    deliveries = list(forms)
    deliveries += random.sample(forms, int(len(forms) * DUPLICATE_SHARE))
    random.shuffle(deliveries)
    return deliveries


class Sender:
    """Posts signed forms to the webhook, one HTTP session per sending thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sessions: dict[int, requests.Session] = {}

    def __call__(self, form: dict[str, str]) -> tuple[float, int, str]:
        """(latency in ms, status, body) of one delivery."""
        from rtcc.tips.adapters.twilio_webhook import sign

        session = self._sessions.setdefault(threading.get_ident(), requests.Session())
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, self.url, form)}
        start = time.perf_counter()
        response = session.post(self.url, data=form, headers=headers, timeout=30)
        return (time.perf_counter() - start) * 1000, response.status_code, response.text


def warm_up(send: Sender) -> None:
    """One delivery outside the measurement: the first call creates the local KMS key."""
    from rtcc.sms.twilio_form import inbound_form

    send(
        inbound_form(
            from_number="+15559999999",
            to_number=TIP_LINE,
            body="Benchmark warm-up",
            account_sid=ACCOUNT_SID,
            message_sid="SM" + "f" * 32,
        )
    )


def deliver_all(send: Sender, deliveries: list[dict[str, str]]) -> dict:
    """Every delivery through SENDERS threads, with the load average around the run."""
    load_before = os.getloadavg()
    began = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        results = list(pool.map(send, deliveries))
    elapsed = time.perf_counter() - began
    return {"results": results, "elapsed": elapsed, "load_before": load_before, "load_after": os.getloadavg()}


def split_first_and_retries(
    deliveries: list[dict[str, str]], results: list[tuple[float, int, str]]
) -> tuple[list[float], list[float], int]:
    """Latencies of first deliveries and of retries (in sending order), and how many
    messages got a different reply on a retry than on their first delivery."""
    first_ms, retry_ms, replies = [], [], {}
    for form, (ms, _, text) in zip(deliveries, results, strict=True):
        sid = form["MessageSid"]
        (retry_ms if sid in replies else first_ms).append(ms)
        replies.setdefault(sid, []).append(text)
    differing_replies = sum(1 for texts in replies.values() if len(set(texts)) > 1)
    return first_ms, retry_ms, differing_replies


def stored_counts(stack, forms: list[dict[str, str]]) -> dict[str, int]:
    """What the tables hold after the run: tips, the run's messages, duplicates and
    receipts left half-done."""
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
    # Messages name their delivery by the receipt's keyed hash (the SID itself is deleted
    # once the message is deleted at Twilio): one per unique delivery, the warm-up's included.
    messages = scan_all(f"{prefix}tip-messages", "receipt_key, direction")
    receipts = scan_all(f"{prefix}tip-receipts", "#s", {"#s": "state"})
    keys = [m["receipt_key"]["S"] for m in messages if m.get("direction", {}).get("S") == "in"]
    return {
        "stored_tips": len(tips) - 1,  # minus the warm-up tip
        "stored_messages_of_run": len(set(keys)) - 1,  # minus the warm-up message
        "duplicate_messages": len(keys) - len(set(keys)),
        "receipts_not_stored": sum(1 for r in receipts if r.get("state", {}).get("S") != "stored"),
    }


def build_result(deliveries: list[dict[str, str]], run: dict, stored: dict[str, int]) -> dict:
    results = run["results"]
    latencies = [ms for ms, _, _ in results]
    first_ms, retry_ms, differing_replies = split_first_and_retries(deliveries, results)

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
        "throughput_per_s": round(len(deliveries) / run["elapsed"], 1),
        "non_200": sum(1 for _, status, _ in results if status != 200),
        "stored_tips": stored["stored_tips"],
        "stored_messages_of_run": stored["stored_messages_of_run"],
        "duplicate_messages": stored["duplicate_messages"],
        "retries_with_a_different_reply": differing_replies,
        "receipts_not_stored": stored["receipts_not_stored"],
        "load_average_before": [round(x, 2) for x in run["load_before"]],
        "load_average_after": [round(x, 2) for x in run["load_after"]],
        "target_p95_ms": TARGET_P95_MS,
    }
    result["ok"] = (
        result["non_200"] == 0
        and result["stored_tips"] == MESSAGES
        and result["stored_messages_of_run"] == MESSAGES
        and result["duplicate_messages"] == 0
        and differing_replies == 0
        and result["receipts_not_stored"] == 0
    )
    result["meets_latency_target"] = result["p95_ms"] < TARGET_P95_MS
    return result


def summary_line(result: dict) -> str:
    return (
        f"tips: {result['deliveries']} deliveries ({MESSAGES} unique) p50 {result['p50_ms']} ms "
        f"p95 {result['p95_ms']} ms p99 {result['p99_ms']} ms max {result['max_ms']} ms, "
        f"{result['throughput_per_s']}/s, stored tips {result['stored_tips']}, "
        f"duplicates {result['duplicate_messages']}, non-200 {result['non_200']}, "
        f"retry replies differing {result['retries_with_a_different_reply']}, "
        f"unfinished receipts {result['receipts_not_stored']}, "
        f"load {result['load_average_before'][0]}: {'OK' if result['ok'] else 'FAIL'}"
        f"{'' if result['meets_latency_target'] else f' (p95 over the {TARGET_P95_MS:.0f} ms target)'}"
    )


def write(result: dict, summary: str) -> None:
    try:
        from bench.common import write_result
    except ImportError:  # running from a checkout without the shared helper
        out = REPO / "bench" / "results" / "tips.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**result, "summary": summary}, indent=2) + "\n")
        print(summary)
    else:
        write_result("tips", {k: v for k, v in result.items() if k != "benchmark"}, summary)


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from rtcc.local import LocalStack

    random.seed(7)
    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        forms = message_forms(MESSAGES)
        deliveries = with_retries(forms)
        send = Sender(stack.base_url + "/webhooks/twilio/tips")
        warm_up(send)
        run = deliver_all(send, deliveries)
        result = build_result(deliveries, run, stored_counts(stack, forms))
    finally:
        stack.stop()
    write(result, summary_line(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
