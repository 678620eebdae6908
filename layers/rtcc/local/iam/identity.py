"""Which function is calling AWS, carried the way AWS carries it: in the credentials.

In Lambda every function signs its calls with its own role's temporary credentials. In
`rtcc dev` all functions share one process, so the runtime marks each invocation with
`acting_as(name)` and every botocore client signs with an access key naming that function
(`RTCCFN<name>`); outside any invocation (the test harness, provisioning) the local
stack's own key signs. The key travels in SigV4 headers and in presigned URLs and forms,
so the enforcer in front of the emulator knows the caller even for a browser following a
link a function signed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.credentials import Credentials, ReadOnlyCredentials

from rtcc.invocation import ACTING_FUNCTION

_PREFIX = "RTCCFN"
_current = ACTING_FUNCTION  # one variable: rtcc.secrets keys its cache by it too
_installed = False
_lock = threading.Lock()


def access_key_for(function: str) -> str:
    return f"{_PREFIX}{function}"


def function_of(access_key: str | None) -> str | None:
    """The function an access key belongs to, or None for the local stack's own key."""
    if access_key and access_key.startswith(_PREFIX):
        return access_key[len(_PREFIX) :]
    return None


#: A local camera agent's access key: `RTCCIOT<thing name>` (rtcc.local.kvs_media.credentials),
#: held to the template's camera-agent role with its thing name, as IoT's credentials are.
AGENT_PREFIX = "RTCCIOT"


def thing_of(access_key: str | None) -> str | None:
    """The IoT thing a local camera agent's key belongs to, else None."""
    if access_key and access_key.startswith(AGENT_PREFIX) and len(access_key) > len(AGENT_PREFIX):
        return access_key[len(AGENT_PREFIX) :]
    return None


def current_function() -> str | None:
    return _current.get()


@contextmanager
def acting_as(function: str | None) -> Iterator[None]:
    token = _current.set(function)
    try:
        yield
    finally:
        _current.reset(token)


class FunctionCredentials(Credentials):
    """Credentials whose access key is the acting function's, resolved at signing time
    (botocore asks `get_frozen_credentials()` for every request and presigned URL)."""

    def __init__(self, base_key: str, secret: str) -> None:
        super().__init__(base_key, secret, None, method="rtcc-local")
        self._base_key = base_key

    def _key(self) -> str:
        function = _current.get()
        return access_key_for(function) if function else self._base_key

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(self._key(), self.secret_key, None)

    @property
    def access_key(self) -> str:  # type: ignore[override]
        return self._key()

    @access_key.setter
    def access_key(self, value: str) -> None:
        self._base_key = value


def install(base_key: str = "testing", secret: str = "testing") -> None:
    """Every botocore session created from now on, and the ones that have not resolved
    credentials yet, signs with `FunctionCredentials` unless a client is given keys
    explicitly (the local stack's provisioning clients are). Idempotent."""
    global _installed
    with _lock:
        if _installed:
            return
        import botocore.session

        original = botocore.session.Session.get_credentials
        shared = FunctionCredentials(base_key, secret)

        def get_credentials(self: botocore.session.Session) -> Credentials | None:
            # Only while the environment holds the local stack's key: a test that sets
            # other credentials gets exactly those.
            if os.environ.get("AWS_ACCESS_KEY_ID") == base_key:
                return shared
            return original(self)

        botocore.session.Session.get_credentials = get_credentials  # type: ignore[method-assign]
        _installed = True
