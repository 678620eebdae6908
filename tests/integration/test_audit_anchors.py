"""The hourly audit-anchor function against the local stack: it publishes the head to the
anchors bucket, and the API, the CLI and the public page all read what it published."""

from __future__ import annotations

import time

import pytest
from rtcc.anchor_store import S3AnchorStore
from rtcc.anchors import anchor_key, recorded
from rtcc.audit import Anchor, AuditEvent, AuditLog
from rtcc.audit_archive import copied_entries
from rtcc.local.iam.identity import acting_as
from rtcc.local.runtime import LambdaContext
from rtcc.local.schedules import scheduled_event
from rtcc.topology import TOPOLOGY

from tests.integration.test_audit_chain import _rtcc

pytestmark = pytest.mark.integration


def run_anchor_function(local_stack) -> dict:
    from functions.audit_anchor import handler

    spec = TOPOLOGY.function("audit-anchor")
    with acting_as("audit-anchor"):  # under its deployed IAM, as the local runtime runs it
        return handler(scheduled_event(spec, "us-east-1"), LambdaContext(spec, "us-east-1"))


def _wait_for_copy(log: AuditLog, seq: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not any(e.seq == seq for e in copied_entries(S3AnchorStore(), log.chain, after_seq=seq - 1)):
        assert time.monotonic() < deadline, f"entry {seq} was not copied within {timeout} s"
        time.sleep(0.5)


def test_the_head_is_published_and_every_reader_checks_it(local_stack, api) -> None:
    log = AuditLog()
    log.append(AuditEvent(actor="officer", role="officer", action="tip.view", target="T-ANCH"))
    head = log.head()
    _wait_for_copy(log, head.seq)  # an anchor goes only as far as the write-once copy
    result = run_anchor_function(local_stack)
    assert result["anchored"] == f"{head.seq}:{head.entry_hash}"
    store = S3AnchorStore()
    assert store.exists(anchor_key(log.chain, Anchor(head.seq, head.entry_hash)))
    assert Anchor(head.seq, head.entry_hash) in recorded(store, log.chain)

    # Anyone may read the newest published anchor, without signing in.
    public = api.get("/api/public/audit/anchor")
    assert public.status_code == 200, public.text
    assert public.json()["seq"] >= head.seq and len(public.json()["entry_hash"]) == 64

    verified = api.as_role("auditor").get("/api/audit/verify").json()
    assert verified["ok"] is True
    assert verified["anchors_checked"] >= 1 and verified["latest_anchor_seq"] >= head.seq

    cli = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "published anchors checked" in cli.stdout and " 0 published" not in cli.stdout


def test_an_officer_cannot_verify_and_the_public_page_names_nothing(api) -> None:
    assert api.as_role("officer").get("/api/audit/verify").status_code == 403
    body = api.get("/api/public/audit/anchor").json()
    assert set(body) == {"chain", "seq", "entry_hash", "anchors"}
