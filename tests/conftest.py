"""Fixtures shared by integration and browser tests: one local stack per session.

- `local_stack`: a started `rtcc.local.LocalStack` on ephemeral ports (moto, gateway,
  pollers, demo users with password DEMO_PASSWORD, seeds run), serving under STAGE_PATH
  as the execute-api URL does: its base_url is http://127.0.0.1:<port>/prod.
- `token(role_or_username)`: a verified-by-the-gateway Cognito ID token, cached and
  renewed a minute before it expires.
- `api`: a requests.Session bound to the stack's base URL; `api.as_role("admin")`
  returns one that sends that role's token.

The suite runs the same whatever the caller's shell holds: before anything reads
`rtcc.settings`, every `RTCC_*`, `AWS_*` and `POWERTOOLS_*` variable is dropped except
SHELL_ALLOWED, and so are proxies, CA bundles and TZ (DROPPED_NAMES), then SUITE_ENV is
set. With RTCC_REQUIRE_ALL=1 (CI) a skipped test fails the run.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

# --- the environment the suite runs in, whatever the caller's shell holds ----------------

#: The only RTCC_* variables taken from the caller's shell: they choose how the suite runs,
#: never what the code under test sees.
SHELL_ALLOWED = {
    "RTCC_REQUIRE_ALL": "1: any skipped test fails the run (CI sets it)",
    "RTCC_CHROMIUM": "the Chromium binary the browser tests drive (default /usr/bin/chromium)",
    "RTCC_E2E_SCREENSHOTS": "a directory to keep the browser tests' screenshots in",
}
#: Prefixes of what the suite drops from the shell: settings (a tunnel's RTCC_PUBLIC_BASE_URL,
#: a real RTCC_TWILIO_AUTH_TOKEN), AWS profiles, endpoints and keys (a city-prod profile must
#: never reach the emulator, let alone real AWS) and Powertools' log level and switches.
DROPPED_PREFIXES = ("RTCC_", "AWS_", "POWERTOOLS_")
#: Single variables of the shell that would change where the suite's own traffic goes or
#: how it is checked: a proxy would carry 127.0.0.1 calls away, a CA bundle or a time zone
#: would change what the code under test sees.
DROPPED_NAMES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "TZ",
)
#: What the suite relies on, set explicitly rather than left to the local defaults.
SUITE_ENV = {
    "RTCC_ENVIRONMENT": "local",
    # tests/integration/tips signs webhooks with it (the local default).
    "RTCC_TWILIO_AUTH_TOKEN": "local-twilio-auth-token",
    # Fake keys and no config files: a call that escapes the emulator fails, unsigned by
    # any real account, and boto3 never reads the caller's ~/.aws profiles.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "1",
}


def _hermetic_environment() -> None:
    for name in [n for n in os.environ if n.startswith(DROPPED_PREFIXES) and n not in SHELL_ALLOWED]:
        del os.environ[name]
    for name in DROPPED_NAMES:
        os.environ.pop(name, None)
    os.environ.update(SUITE_ENV)


# Here, at import: pytest loads this file before any test module, so nothing has read (and
# cached, get_settings is lru_cached) the shell's values yet.
_hermetic_environment()
REQUIRE_ALL = os.environ.get("RTCC_REQUIRE_ALL") == "1"

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # the `functions` package lives at the repo root

DEMO_PASSWORD = "Demo-Passw0rd!1"
#: Deployed, the default URL is https://<id>.execute-api.<region>.amazonaws.com/prod/: tests
#: run under the same kind of path, so a page or call that leaves it fails here too.
STAGE_PATH = "/prod"
TEST_CITY_CENTER = (44.0521, -123.0868)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[Any]:
    from rtcc.local import LocalStack

    # The city the tests deploy for: public maps open on it (browser tests check that).
    os.environ["RTCC_MAP_CENTER"] = json.dumps(list(TEST_CITY_CENTER))
    # Every test's footage requests are the same few users': the hourly limit (counted for the
    # whole session) is tested on its own (tests/integration/cameras/test_footage_limits.py).
    os.environ.setdefault("RTCC_CAMERAS_REQUESTS_PER_HOUR", "1000")
    stack = LocalStack(http_port=0, aws_port=0, demo_password=DEMO_PASSWORD, base_path=STAGE_PATH)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        os.environ.pop("RTCC_MAP_CENTER", None)


@pytest.fixture(scope="session")
def token(local_stack: Any) -> Callable[[str], str]:
    cache: dict[str, tuple[str, float]] = {}
    lock = threading.Lock()

    def get(role: str) -> str:
        username = local_stack.users.get(role, role)
        with lock:
            cached = cache.get(username)
            if cached is None or cached[1] - time.time() < 60:
                fresh = local_stack.id_token(username)
                expires = float(jwt.decode(fresh, options={"verify_signature": False})["exp"])
                cache[username] = cached = (fresh, expires)
            return cached[0]

    return get


class ApiSession(requests.Session):
    """A session whose relative URLs ("/api/health") resolve against the stack."""

    def __init__(self, base_url: str, token: Callable[[str], str]) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self._token = token

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)

    def as_role(self, role: str) -> ApiSession:
        session = ApiSession(self.base_url, self._token)
        session.headers["Authorization"] = f"Bearer {self._token(role)}"
        return session


@pytest.fixture
def api(local_stack: Any, token: Callable[[str], str]) -> Iterator[ApiSession]:
    session = ApiSession(local_stack.base_url, token)
    try:
        yield session
    finally:
        session.close()


# --- the least-privilege check runs last, and only after the whole suite ------------------

LAST_TESTS = ("test_least_privilege.py",)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """The least-privilege test reads the AWS calls every other test caused: run it last."""
    items.sort(key=lambda item: any(item.nodeid.split("::")[0].endswith(n) for n in LAST_TESTS))


def pytest_deselected(items: list) -> None:
    _RUN["deselected"] += len(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _RUN["passed_files"].add(report.nodeid.split("::")[0])
    _note_skip(report)


_RUN: dict[str, Any] = {"deselected": 0, "passed_files": set(), "skipped": {}}


@pytest.fixture
def whole_suite_ran() -> Callable[[], tuple[bool, str]]:
    """A fixture, not an import: pytest loads this file as its own module, so only its
    fixtures see the counts its hooks keep."""
    return whole_suite_passed_so_far


def whole_suite_passed_so_far() -> tuple[bool, str]:
    """Whether every integration and browser test file ran and had passing tests (no -k,
    no -m, no subset of files): only then do the recorded AWS calls cover every flow."""
    if _RUN["deselected"]:
        return False, f"{_RUN['deselected']} tests were deselected"
    wanted = {
        str(p.relative_to(REPO_ROOT))
        for folder in ("tests/integration", "tests/e2e")
        for p in (REPO_ROOT / folder).rglob("test_*.py")
        if not p.name.endswith(LAST_TESTS)
    }
    missing = sorted(wanted - _RUN["passed_files"])
    if missing:
        return False, f"no passing test from {missing[:3]}{'...' if len(missing) > 3 else ''}"
    return True, ""


# --- RTCC_REQUIRE_ALL=1: nothing may skip (CI runs every test) ----------------------------


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)  # a module that skips itself at import


def _note_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    # An xfail is reported as skipped, but it ran.
    if report.skipped and not hasattr(report, "wasxfail"):
        _RUN["skipped"].setdefault(report.nodeid, _skip_reason(report))


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # (path, line, "Skipped: <reason>")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRE_ALL and _RUN["skipped"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REQUIRE_ALL and _RUN["skipped"]:
        terminalreporter.section("RTCC_REQUIRE_ALL=1: nothing may skip, and these did", red=True)
        for nodeid, reason in _RUN["skipped"].items():
            terminalreporter.write_line(f"{nodeid}: {reason}", red=True)
