"""Tampering with a stored audit entry is caught by `rtcc audit verify`, which names it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from rtcc.audit import AuditEvent, AuditLog
from rtcc.local.provision import aws_client

pytestmark = pytest.mark.integration


def _rtcc(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "rtcc"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "rtcc.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


def test_verify_passes_on_the_untouched_log(local_stack) -> None:
    result = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")


def test_editing_one_stored_entry_is_named_by_verify(local_stack) -> None:
    # A chain of its own, so the session's main chain stays valid for other tests.
    chain = f"tamper-{uuid.uuid4().hex[:8]}"
    log = AuditLog(chain=chain)
    for n in range(4):
        log.append(AuditEvent(actor="officer", role="officer", action="tip.read", target=f"tip/T-{n}"))
    ok = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 4 entries"), ok.stdout + ok.stderr

    # Someone with table access rewrites who did it in entry 3, straight in DynamoDB.
    dynamodb = aws_client("dynamodb", local_stack.aws_endpoint_url, local_stack.settings.region)
    dynamodb.update_item(
        TableName=f"{local_stack.settings.table_prefix}audit",
        Key={"chain": {"S": chain}, "seq": {"N": "3"}},
        UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": {"S": "nobody"}},
    )
    broken = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain)
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN: entry 3: entry contents do not match its hash")
    assert "actor=nobody" in broken.stdout
    assert "2 entries before it verified" in broken.stdout


def test_deleting_an_entry_is_named_by_verify(local_stack) -> None:
    chain = f"tamper-{uuid.uuid4().hex[:8]}"
    log = AuditLog(chain=chain)
    for n in range(3):
        log.append(AuditEvent(actor="admin", role="admin", action="user.update", target=f"user/{n}"))
    dynamodb = aws_client("dynamodb", local_stack.aws_endpoint_url, local_stack.settings.region)
    dynamodb.delete_item(
        TableName=f"{local_stack.settings.table_prefix}audit", Key={"chain": {"S": chain}, "seq": {"N": "2"}}
    )
    broken = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain)
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN: entry 2: entry 2 is missing")


def test_a_head_recorded_earlier_catches_a_cut_off_tail(local_stack) -> None:
    chain = f"tamper-{uuid.uuid4().hex[:8]}"
    log = AuditLog(chain=chain)
    for n in range(3):
        log.append(AuditEvent(actor="officer", role="officer", action="tip.view", target=f"tip/T-{n}"))
    first = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain)
    head = first.stdout.split("head ", 1)[1].split()[0]  # "3:<sha256>", as an auditor records it
    assert head.startswith("3:")

    dynamodb = aws_client("dynamodb", local_stack.aws_endpoint_url, local_stack.settings.region)
    dynamodb.delete_item(
        TableName=f"{local_stack.settings.table_prefix}audit", Key={"chain": {"S": chain}, "seq": {"N": "3"}}
    )
    alone = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain)
    assert alone.returncode == 0  # a cut-off chain is consistent with itself...
    anchored = _rtcc(
        "audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--chain", chain, "--expect", head
    )
    assert anchored.returncode == 1  # ...but not with what was recorded
    assert anchored.stdout.startswith("BROKEN: entry 3: anchored entry 3 is no longer in the chain")
    bad = _rtcc("audit", "verify", "--endpoint", local_stack.aws_endpoint_url, "--expect", "3:xyz")
    assert bad.returncode == 2 and "--expect" in bad.stderr
