"""Property-based run over every documented operation (schemathesis): whatever a signed-in
admin, an officer (wrong role for some routes) or an anonymous caller sends, the API never
answers with a server error.

Uses each operation's hypothesis strategy directly: schemathesis' lazy pytest loader
(`schemathesis.pytest.from_fixture`, 4.32) reads `request.node._nodeid`, which pytest 9
no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.integration

#: Examples per operation, by caller: the admin reaches every handler, the others mostly
#: exercise the 401/403 paths, which need fewer.
MAX_EXAMPLES = {"admin": 8, "officer": 4, None: 3}


@pytest.mark.parametrize("caller", ["admin", "officer", None], ids=["admin", "officer", "anonymous"])
def test_no_operation_answers_with_a_server_error(local_stack, token, caller) -> None:
    schema = schemathesis.openapi.from_url(f"{local_stack.base_url}/api/openapi.json", timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, "the schema lists the platform and audit operations at least"
    headers = {"Authorization": f"Bearer {token(caller)}"} if caller else {}
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES[caller],
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:
            case.call_and_validate(
                base_url=local_stack.base_url, headers=headers, checks=[not_a_server_error], timeout=30
            )

        try:
            run()
        except Exception as exc:  # collect: one report naming every failing operation
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
