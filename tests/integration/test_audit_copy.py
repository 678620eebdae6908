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
    chain = f"worm-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(AuditLog.__init__, "__defaults__", (chain, 30))
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
