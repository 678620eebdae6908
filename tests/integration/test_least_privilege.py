"""Least privilege, measured: every grant a function's deployed role has must be used by
some call that function made while the whole suite ran against the local stack (which
enforces those same grants, rtcc.local.iam). A grant nothing uses is a grant an attacker
who takes over the function gets for free; it fails here unless it is on the short
reviewed list below, with the reason it stays.

Runs last (tests/conftest.py) and only after the whole suite: a subset of the tests
exercises a subset of the flows, so it skips then.
"""

from __future__ import annotations

from typing import Any

import pytest
from rtcc.local.iam.policy import action_matches, as_list, resource_matches

pytestmark = pytest.mark.integration

#: (function or "*", action pattern as granted, resource suffix or "*") -> why it stays.
REVIEWED: dict[tuple[str, str, str], str] = {
    ("*", "xray:PutTraceSegments", "*"): "the Lambda runtime's X-Ray client sends traces; no rtcc code does",
    ("*", "xray:PutTelemetryRecords", "*"): "the Lambda runtime's X-Ray client, as above",
}


def _reviewed(function: str, action: str, resource: str) -> bool:
    for (fn, pattern, suffix), _reason in REVIEWED.items():
        if fn in ("*", function) and pattern == action and (suffix == "*" or resource.endswith(suffix)):
            return True
    return False


def unused_grants(permissions: Any, calls: list[dict]) -> list[tuple[str, str, str]]:
    used: dict[str, list[tuple[str, str]]] = {}
    for call in calls:
        if call["allowed"]:
            used.setdefault(call["function"], []).append((call["action"], call["resource"]))
    unused = []
    for function, statements in permissions.identity.items():
        made = used.get(function, [])
        for statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            for action in as_list(statement.get("Action")):
                for resource in as_list(statement.get("Resource")):
                    if any(action_matches([action], a) and resource_matches([resource], r) for a, r in made):
                        continue
                    if not _reviewed(function, action, resource):
                        unused.append((function, action, resource))
    return sorted(set(unused))


def test_every_granted_action_is_used_by_some_call(local_stack: Any, whole_suite_ran: Any) -> None:
    complete, why = whole_suite_ran()
    if not complete:
        pytest.skip(f"needs the whole suite's AWS calls: {why}")
    unused = unused_grants(local_stack.permissions, local_stack.aws_calls.entries())
    listing = "\n".join(f"  {fn}: {action} on {resource}" for fn, action, resource in unused)
    assert not unused, f"granted but never used by any call in the suite ({len(unused)}):\n{listing}"


def test_the_checker_finds_an_unused_grant(local_stack: Any) -> None:
    """The check itself can fail: a grant no recorded call matches is reported."""
    permissions = local_stack.permissions
    calls = [  # every grant used once, as itself, except tip-outbound's
        {"function": fn, "action": action, "resource": resource, "allowed": True}
        for fn, statements in permissions.identity.items()
        if fn != "tip-outbound"
        for statement in statements
        for action in as_list(statement.get("Action"))
        for resource in as_list(statement.get("Resource"))
    ]
    found = unused_grants(permissions, calls)
    assert found and {fn for fn, _, _ in found} == {"tip-outbound"}
