"""The audit log's write-once copy against the local stack: the audit table's stream
feeds `audit-archive` (under its deployed IAM, as Lambda's event source mapping would),
which copies each entry to the Object Lock bucket; a function allowed PutItem on the
audit table that rewrites the newest entry, hash recomputed, is named by the API, the
CLI, and the anchor function refuses to publish over it."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.anchor_store import S3AnchorStore
from rtcc.audit import AuditEntry, AuditEvent, AuditLog, entry_hash
from rtcc.audit_archive import copied_entries
from rtcc.local.iam.identity import acting_as
from rtcc.store import AuditEntryRecord

from tests.integration.test_audit_anchors import run_anchor_function
from tests.integration.test_audit_chain import _rtcc

pytestmark = pytest.mark.integration


def wait_for_copy(log: AuditLog, seq: int, timeout: float = 30) -> AuditEntry:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        copied = next(copied_entries(S3AnchorStore(), log.chain, after_seq=seq - 1), None)
        if copied is not None and copied.seq == seq:
            return copied
        time.sleep(0.5)
    raise AssertionError(f"entry {seq} was not copied to write-once storage within {timeout} s")


def overwrite(entry: AuditEntry, chain: str, **changes: object) -> None:
    """A put of the whole item, hash recomputed, as `api` (it holds PutItem on audit)."""
    forged = dataclasses.replace(entry, **changes)
    forged = dataclasses.replace(forged, entry_hash=entry_hash(forged.as_dict()))
    fields = {k: v for k, v in forged.as_dict().items() if k != "detail"}
    record = AuditEntryRecord(chain, **fields)
    record.detail_json = json.dumps(forged.detail, sort_keys=True) if forged.detail else None
    record.save()


@pytest.fixture
def own_chain(monkeypatch) -> str:
    """Every AuditLog() (the API's, the anchor function's) writes and verifies a chain of
    this test's own, so the forgery leaves the session's main chain intact."""
    import rtcc.refusals

    chain = f"worm-{uuid.uuid4().hex[:8]}"
    session_defaults = AuditLog.__init__.__defaults__
    monkeypatch.setattr(AuditLog.__init__, "__defaults__", (chain, 30))
    # The local stack's minute timer (refusal-summary) runs in this process too and audits the
    # doors' refusals (the plate readers' door makes many in the suite): those stay on the
    # session's chain, or one landing mid-test lengthens this chain past the head it checks.
    monkeypatch.setattr(rtcc.refusals, "AuditLog", lambda: AuditLog(*session_defaults))
    return chain


def test_a_rewritten_newest_entry_is_named_and_never_anchored(local_stack, api, own_chain) -> None:
    log = AuditLog()
    entry = log.append(AuditEvent(actor="officer-7", role="officer", action="tip.view", target="T-WORM"))
    assert wait_for_copy(log, entry.seq) == entry
    with acting_as("api"):
        overwrite(entry, log.chain, actor="someone-else")
    assert log.verify().ok  # the chain alone cannot tell

    verified = api.as_role("auditor").get("/api/audit/verify").json()
    assert verified["ok"] is False, verified
    assert verified["first_broken_seq"] == entry.seq
    assert verified["reason"] == f"entry {entry.seq} differs from its write-once copy"

    cli = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", own_chain)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert cli.stdout.startswith(f"BROKEN: entry {entry.seq}: entry {entry.seq} differs from its write-once")

    assert run_anchor_function(local_stack)["anchored"] is None
    # The MODIFY on the stream was reported, never archived: the copy is the original.
    time.sleep(2)
    assert wait_for_copy(log, entry.seq) == entry


def test_the_api_verifies_from_the_newest_anchor_and_the_cli_from_any_entry(
    local_stack, api, own_chain
) -> None:
    log = AuditLog()
    for n in range(3):
        log.append(AuditEvent(actor="officer", role="officer", action="tip.view", target=f"T-INC-{n}"))
    head = log.head()
    wait_for_copy(log, head.seq)
    anchored = run_anchor_function(local_stack)["anchored"]
    assert anchored == f"{head.seq}:{head.entry_hash}"
    verified = api.as_role("auditor").get("/api/audit/verify").json()
    assert verified["ok"] is True, verified
    assert verified["from_seq"] == head.seq and verified["latest_anchor_seq"] == head.seq

    cli = _rtcc(
        "audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", own_chain,
        "--from", str(head.seq - 1),
    )  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"verified, {head.seq - 1}.." in cli.stdout and "compared with its write-once copy" in cli.stdout


def _insert(image: dict) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"Keys": {}, "NewImage": image}}


def _image(chain: str, entry: AuditEntry, **raw: dict) -> dict:
    fields = {k: {"S": v} for k, v in entry.as_dict().items() if isinstance(v, str)}
    return {"chain": {"S": chain}, "seq": {"N": str(entry.seq)}, **fields, **raw}


def test_a_malformed_item_is_tampering_kept_raw_and_the_copier_goes_on(local_stack, own_chain, monkeypatch):
    """Review finding 3: one item append could not have written (detail_json that is not
    JSON, a chain name too long for an S3 key, no seq) used to raise, and the stream mapping
    retried that batch for ever: no later entry was copied."""
    from rtcc.local.runtime import LambdaContext
    from rtcc.topology import TOPOLOGY

    import functions.audit_archive as audit_archive

    counted: list[tuple[str, str]] = []
    monkeypatch.setattr(audit_archive, "count", lambda name, outcome: counted.append((name, outcome)))
    log = AuditLog()
    # Entries as append wrote them, never delivered to the real archiver: the events below are built by hand.
    first = AuditEntry(
        1, "2026-12-01T00:00:00.000Z", "o", "officer", "tip.view", "T-1", None, None, None, {}, "0" * 64, ""
    )
    first = dataclasses.replace(first, entry_hash=entry_hash(first.as_dict()))
    second = dataclasses.replace(first, seq=2, prev_hash=first.entry_hash, target="T-2")
    second = dataclasses.replace(second, entry_hash=entry_hash(second.as_dict()))
    records = [
        _insert(_image(log.chain, first)),
        _insert(_image(log.chain, second, seq={"N": "3"}, detail_json={"S": "{not json"})),
        _insert(_image("x" * 2000, second)),
        _insert({"chain": {"S": log.chain}}),
        _insert(_image(log.chain, second)),
    ]
    spec = TOPOLOGY.function("audit-archive")
    with acting_as("audit-archive"):  # under its deployed IAM
        result = audit_archive.handler({"Records": records}, LambdaContext(spec, "us-east-1"))
    assert result == {"archived": 1}
    assert list(copied_entries(S3AnchorStore(), log.chain)) == [first, second]
    assert counted == [("AuditTamper", "malformed")] * 3
    kept = [json.loads(S3AnchorStore().get(k)) for k in S3AnchorStore().keys("entries/_malformed/")]
    assert {json.dumps(r, sort_keys=True) for r in records[1:4]} <= {
        json.dumps(r, sort_keys=True) for r in kept
    }


def test_a_rewrite_below_the_newest_anchor_is_caught_by_the_daily_full_check(
    local_stack, api, own_chain, monkeypatch
) -> None:
    """Review finding 4: the hourly run verifies only since the previous anchor and the API
    only since the newest one, so a rewrite below them waited for a manual full verify."""
    import functions.audit_anchor as audit_anchor

    counted: list[tuple[str, str]] = []
    monkeypatch.setattr(audit_anchor, "count", lambda name, outcome: counted.append((name, outcome)))
    log = AuditLog()
    for n in range(3):
        log.append(AuditEvent(actor="officer", role="officer", action="tip.view", target=f"T-FULL-{n}"))
    head = log.head()
    wait_for_copy(log, head.seq)
    first_run = run_anchor_function(local_stack)
    assert first_run["anchored"] == f"{head.seq}:{head.entry_hash}"
    assert first_run["full_check"] == {"ok": True, "checked": head.seq, "head_seq": head.seq}
    assert "full_check" not in run_anchor_function(local_stack)  # once a day

    oldest = next(log.entries())
    with acting_as("api"):
        overwrite(oldest, log.chain, actor="someone-else")  # below the newest anchor
    assert api.as_role("auditor").get("/api/audit/verify").json()["ok"] is True  # incremental: not seen

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    monkeypatch.setattr(audit_anchor, "utc_now", lambda: tomorrow)
    next_day = run_anchor_function(local_stack)
    # The hourly part still passes: it anchors the chain's head, which another in-process
    # writer (the suite's local stack) may have moved past this test's last entry meanwhile.
    seq, digest = next_day["anchored"].split(":")
    assert int(seq) >= head.seq and {e.seq: e.entry_hash for e in log.entries()}[int(seq)] == digest
    assert next_day["full_check"]["ok"] is False
    assert next_day["full_check"]["first_broken_seq"] == oldest.seq
    assert counted == [("AuditVerifyFailed", "mismatch")]
    verified = api.as_role("auditor").get("/api/audit/verify").json()
    assert verified["full_check_ok"] is False and verified["full_check_at"] is not None
