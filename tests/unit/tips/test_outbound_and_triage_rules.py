"""Pure rules: send errors carry no number; triage refuses incoherent results."""

from __future__ import annotations

import traceback

import pytest
from rtcc.store.tips import TipRecord
from rtcc.tips.inbox import TipChanges, TipInbox
from rtcc.tips.outbound import SendFailed, send_sms
from rtcc.tips.passphrase import spend_like_a_check
from rtcc.tips.records import TipInputError

NUMBER = "+15551234567"


class RestError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Failing:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def send(self, to: str, from_: str, body: str, media_urls: tuple[str, ...] = ()) -> str:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code", "permanent"),
    [
        (RestError(21211, f"The 'To' number {NUMBER} is not a valid phone number."), "21211", True),
        (RestError(21610, f"Attempt to send to unsubscribed recipient {NUMBER}"), "21610", True),
        (RestError(21614, f"'To' number {NUMBER} is not a valid mobile number"), "21614", True),
        (RestError(20429, "Too Many Requests"), "20429", False),
        (TimeoutError(f"timed out sending to {NUMBER}"), "TimeoutError", False),
    ],
)
def test_send_errors_keep_only_a_safe_code(exc: Exception, code: str, permanent: bool) -> None:
    with pytest.raises(SendFailed) as raised:
        send_sms(Failing(exc), NUMBER, "+15550100100", "hello")
    assert (raised.value.code, raised.value.permanent) == (code, permanent)
    printed = str(raised.value) + "".join(traceback.format_exception(raised.value))
    assert NUMBER not in printed and NUMBER[2:] not in printed


def tip(**fields) -> TipRecord:
    base = {
        "channel": "sms",
        "alias": "a",
        "created_at": "t",
        "last_activity_at": "t",
        "activity_key": "t#T-2345",
    }
    return TipRecord("T-2345", **{**base, **fields})


def apply(record: TipRecord, **changes) -> list[str]:
    cleared = {k for k, v in changes.items() if v is None}
    return TipInbox(None, None)._apply(record, TipChanges(**changes, cleared=cleared), "officer")  # type: ignore[arg-type]


def test_an_assigned_tip_keeps_its_assignee() -> None:
    with pytest.raises(TipInputError, match=r"^assignee:"):
        apply(tip(status="assigned", assignee="det.smith"), assignee=None)
    assert apply(tip(status="assigned", assignee="det.smith"), assignee=None, status="triaged") == [
        "assignee",
        "status",
    ]


def test_a_closed_tip_keeps_its_disposition() -> None:
    with pytest.raises(TipInputError, match=r"^disposition:"):
        apply(tip(status="closed", disposition="duplicate"), disposition=None)
    with pytest.raises(TipInputError, match=r"^disposition: required to close"):
        apply(tip(status="new"), status="closed")
    # A tip that is already incoherent can still get a note.
    assert apply(tip(status="assigned"), note="reviewed") == ["notes"]


def test_the_decoy_check_answers_no() -> None:
    assert spend_like_a_check("AAAA-BBBB-CCCC") is False


def test_tips_modules_ship_nothing_local_only() -> None:
    """The Lambda layer leaves out only rtcc/local and rtcc/cli.py (infra/bundling.py):
    a tips module importing werkzeug or rtcc.local would break in Lambda."""
    import ast
    from pathlib import Path

    import rtcc.tips

    offenders = []
    for path in Path(rtcc.tips.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] == "werkzeug" or n.startswith("rtcc.local")
            ]
    assert offenders == []
