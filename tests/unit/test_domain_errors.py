"""Domain errors become HTTP answers in one place: the API app's DomainError handler."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rtcc.api.app import build_app
from rtcc.api.security import require
from rtcc.auth import AuthError, Role
from rtcc.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Throttled, Unavailable
from rtcc.tips.inbox import ReplyNotQueued
from rtcc.tips.records import TipConflict, TipInputError, TipNotFound, TipUnlockFailed
from rtcc.tips.web_intake import TipUnavailable

from tests.unit.test_api import call

RAISED: dict[str, Exception] = {}


@pytest.fixture(scope="module")
def app(moto_endpoint: str):
    app = build_app()

    @app.get("/api/raise/<name>")
    def raise_it(name: str) -> dict:
        raise RAISED[name]

    @app.get("/api/raise-guarded", middlewares=[require(Role.AUDITOR)])
    def guarded() -> dict:
        return {"ok": True}

    return app


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError("thing: cannot be done"), 400),
        (Forbidden("code: not yours"), 403),
        (NotFound("code: no tip T-1"), 404),
        (Conflict("version: changed while saving"), 409),
        (Invalid("category: must be one of a, b"), 422),
        (Throttled("passphrase: too many attempts"), 429),
        (Unavailable("queue: refused; send it again"), 503),
        (TipNotFound("code: no tip T-ABCD"), 404),
        (TipConflict("status: the tip is closed; reopen it to reply"), 409),
        (TipInputError("text: empty reply"), 422),
        (TipUnlockFailed("code or passphrase not recognised"), 403),
        (TipUnavailable("upload: could not be queued for checking; confirm it again"), 503),
    ],
)
def test_a_domain_error_is_answered_with_its_status_and_message(app, monkeypatch, error, status) -> None:
    monkeypatch.setitem(RAISED, "it", error)
    got, body = call(app, "GET", "/api/raise/it", role="officer")
    # Exactly the 4xx shape every other refusal has: no internals, no traceback.
    assert (got, body) == (status, {"statusCode": status, "message": str(error)})


def test_a_reply_not_queued_is_a_503_naming_the_queue(app, monkeypatch) -> None:
    monkeypatch.setitem(RAISED, "reply", ReplyNotQueued(object()))  # type: ignore[arg-type]
    status, body = call(app, "GET", "/api/raise/reply", role="officer")
    assert status == 503 and body["message"].startswith("queue:")


def test_a_field_is_named_before_the_problem(app, monkeypatch) -> None:
    error = Invalid("write what you know, or attach a file", field="text")
    assert (error.field, error.status) == ("text", 422)
    monkeypatch.setitem(RAISED, "field", error)
    status, body = call(app, "GET", "/api/raise/field", role="officer")
    assert status == 422 and body["message"] == "text: write what you know, or attach a file"


def test_auth_errors_are_domain_errors_answered_401_and_403(app, monkeypatch) -> None:
    assert issubclass(AuthError, DomainError)
    monkeypatch.setitem(RAISED, "auth", AuthError(401, "authentication required"))
    assert call(app, "GET", "/api/raise/auth", role="officer") == (
        401,
        {"statusCode": 401, "message": "authentication required"},
    )
    status, body = call(app, "GET", "/api/raise-guarded", role="officer")
    assert status == 403 and body == {"statusCode": 403, "message": body["message"]}
    assert "auditor" in body["message"]
    assert call(app, "GET", "/api/raise-guarded", role="auditor")[0] == 200


def test_anything_else_is_still_a_500_without_internals(app, monkeypatch) -> None:
    monkeypatch.setitem(RAISED, "other", KeyError("kind"))
    status, body = call(app, "GET", "/api/raise/other", role="officer")
    assert status == 500 and "kind" not in body["message"]


def test_domain_modules_import_nothing_of_http_or_powertools() -> None:
    # The error carries a status number only: raising one must not drag the web layer in.
    code = (
        "import sys, rtcc.errors, rtcc.auth, rtcc.tips.records, rtcc.tips.inbox, rtcc.tips.web_intake\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('aws_lambda_powertools', 'rtcc.api')))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
