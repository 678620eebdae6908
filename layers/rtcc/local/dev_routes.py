"""Local-only HTTP routes of the `rtcc dev` gateway (the SMS outbox, the phone simulator).

They exist only in the local gateway, never in API Gateway. A module adds one with
`register_dev_route("/dev/thing", fn)`, where `fn` takes a werkzeug Request and returns
a werkzeug Response; a path ending in "/*" matches everything under it. Modules that
register routes are listed in `rtcc.local.extensions.EXTENSION_MODULES` so the stack
imports them at start.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

from werkzeug.wrappers import Request, Response

from rtcc.sms.gateway import local_outbox

DevRouteHandler = Callable[[Request], Response]


@dataclass(frozen=True)
class DevRoute:
    path: str
    handler: DevRouteHandler
    methods: tuple[str, ...]

    def matches(self, path: str) -> bool:
        if self.path.endswith("/*"):
            prefix = self.path[:-1]
            return path == prefix[:-1] or path.startswith(prefix)
        return path == self.path


_ROUTES: dict[str, DevRoute] = {}
_LOCK = threading.Lock()


def register_dev_route(path: str, fn: DevRouteHandler, methods: tuple[str, ...] = ("GET",)) -> None:
    if not path.startswith("/dev/"):
        raise ValueError("local-only routes live under /dev/ so they can never shadow a deployed path")
    with _LOCK:
        _ROUTES[path] = DevRoute(path, fn, tuple(m.upper() for m in methods))


def find_dev_route(path: str) -> DevRoute | None:
    """Exact paths win over "/*" prefixes; a longer prefix wins over a shorter one."""
    with _LOCK:
        routes = list(_ROUTES.values())
    exact = [r for r in routes if r.path == path]
    if exact:
        return exact[0]
    prefixed = [r for r in routes if r.path.endswith("/*") and r.matches(path)]
    return max(prefixed, key=lambda r: len(r.path), default=None)


def json_response(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def outbox(request: Request) -> Response:
    """GET: what would have been sent by SMS (optionally ?to=+1555...), oldest first, and
    the message SIDs that would have been deleted at Twilio (`deleted`).
    DELETE: empty the outbox (tests start from a clean slate)."""
    box = local_outbox()
    if request.method == "DELETE":
        box.clear()
        return Response(status=204)
    to = request.args.get("to") or None
    messages = []
    for message in box.messages(to):
        item = asdict(message)
        item["from"] = item.pop("from_")
        item["media_urls"] = list(message.media_urls)
        messages.append(item)
    return json_response({"messages": messages, "count": len(messages), "deleted": box.deleted()})


register_dev_route("/dev/outbox", outbox, methods=("GET", "DELETE"))


def outbox_failures(request: Request) -> Response:
    """Make the local Twilio fail sends to a number, so error paths run locally.
    POST {"to": "+1555...", "code": 30003}: every later send to that number fails with
    that Twilio error (a send-time error such as 21610 or 20429 is raised by the send; a
    delivery error 30003-30008 comes as an `undelivered` status callback).
    POST {"to": "+1555...", "code": null} or DELETE: stop failing it (DELETE: every number).
    GET: the numbers being failed and their codes."""
    box = local_outbox()
    if request.method == "GET":
        return json_response({"failures": box.failures()})
    if request.method == "DELETE":
        for number in box.failures():
            box.fail(number, None)
        return Response(status=204)
    try:
        payload = json.loads(request.get_data() or b"null")
    except ValueError:
        payload = None
    to = payload.get("to") if isinstance(payload, dict) else None
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(to, str) or not to.startswith("+"):
        return json_response({"statusCode": 400, "message": "to: a number in E.164 form"}, 400)
    valid = isinstance(code, int) and not isinstance(code, bool) and 10000 <= code <= 99999
    if code is not None and not valid:
        return json_response({"statusCode": 400, "message": "code: a Twilio error code, or null"}, 400)
    box.fail(to, code)
    return json_response({"failures": box.failures()})


register_dev_route("/dev/outbox/failures", outbox_failures, methods=("GET", "POST", "DELETE"))


def aws_calls(request: Request) -> Response:
    """Every AWS call functions made since the stack started, as the deployed IAM judged
    it: function, action, resource (ARN), allowed, count (rtcc.local.iam)."""
    from rtcc.local.stack import active_stack

    stack = active_stack()
    calls = stack.aws_calls.entries() if stack is not None else []
    denied = sum(1 for c in calls if not c["allowed"])
    return json_response({"calls": calls, "count": len(calls), "denied": denied})


register_dev_route("/dev/aws-calls", aws_calls)
