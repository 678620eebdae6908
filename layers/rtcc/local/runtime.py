"""Invokes handler functions the way the Lambda runtime does: imported once, one event
at a time per function, with a Lambda-like context object."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from rtcc.local.iam.identity import acting_as
from rtcc.topology import FunctionSpec

Handler = Callable[[dict, Any], Any]

ACCOUNT_ID = "000000000000"


class LambdaContext:
    """The attributes and method Powertools and handlers read from the real context."""

    def __init__(self, spec: FunctionSpec, region: str) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{spec.name}"
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionRuntime:
    """Resolves a FunctionSpec to its handler and runs invocations.

    A Lambda execution environment handles one event at a time, and module-level state
    (the Powertools resolver keeps the current event on itself) relies on that, so
    invocations of the same handler module are serialised here too.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._handlers: dict[str, Handler] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def register(self, spec: FunctionSpec, handler: Handler) -> None:
        """Use `handler` for `spec` instead of importing spec.module (tests)."""
        with self._guard:
            self._handlers[spec.name] = handler
            self._locks.setdefault(spec.module, threading.Lock())

    def handler(self, spec: FunctionSpec) -> Handler:
        with self._guard:
            if spec.name not in self._handlers:
                module = importlib.import_module(spec.module)
                self._handlers[spec.name] = getattr(module, spec.handler)
                self._locks.setdefault(spec.module, threading.Lock())
            return self._handlers[spec.name]

    def invoke(self, spec: FunctionSpec, event: dict) -> Any:
        handler = self.handler(spec)
        # Every AWS call the handler makes signs as this function (rtcc.local.iam).
        with self._locks[spec.module], acting_as(spec.name):
            return handler(event, LambdaContext(spec, self.region))
