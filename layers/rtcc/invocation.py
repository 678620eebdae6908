"""Which function the current code runs as.

Deployed, one process is one function: the name is Lambda's AWS_LAMBDA_FUNCTION_NAME. In
`rtcc dev` every function shares one process, so the local runtime sets the name per
invocation; state a real function keeps to itself (a secret cache, the signing identity
in rtcc.local.iam) is keyed by it, so one function never sees what another fetched.
"""

from __future__ import annotations

import contextvars
import os

ACTING_FUNCTION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "rtcc_acting_function", default=None
)


def current_function() -> str:
    """The acting function's name, or "" outside any function."""
    return ACTING_FUNCTION.get() or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
