"""Local stand-in for Twilio's media host: `/dev/twilio-media/...` on the `rtcc dev` gateway.

The phone simulator (and tests) POST a file here and put the returned URL in the
MediaUrlN field of a signed webhook, exactly where Twilio puts its media URL. The media
consumer then downloads it with HTTP basic auth (its API key) and deletes it, as it does at Twilio.
Registered through `rtcc.local.extensions`; lives under `rtcc.local`, which the Lambda
layer leaves out (infra/bundling.py), so werkzeug never ships.
"""

from __future__ import annotations

import secrets
import threading

from werkzeug.wrappers import Request, Response

from rtcc.local.dev_routes import json_response, register_dev_route
from rtcc.settings import get_settings
from rtcc.sms.twilio_key import stand_in_accepts

PREFIX = "/dev/twilio-media"

_LOCK = threading.Lock()
_MEDIA: dict[str, tuple[bytes, str]] = {}
#: What was deleted (tests check the consumer cleans up at the source).
DELETED: set[str] = set()


def _authorized(request: Request) -> bool:
    """Basic auth as Twilio takes it: an API key's SID and secret (what tip-media sends),
    or the account SID and auth token."""
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    return stand_in_accepts(auth.username or "", auth.password or "")


def put_media(data: bytes, content_type: str) -> str:
    """Keep `data` and return its URL on this stack (in-process callers)."""
    media_id = "ME" + secrets.token_hex(16)
    with _LOCK:
        _MEDIA[media_id] = (data, content_type)
    return f"{get_settings().public_base_url.rstrip('/')}{PREFIX}/{media_id}"


def media_route(request: Request) -> Response:
    media_id = request.path[len(PREFIX) :].strip("/")
    if request.method == "POST" and not media_id:
        data = request.get_data()
        content_type = request.content_type or "application/octet-stream"
        return json_response({"url": put_media(data, content_type)}, 201)
    if not _authorized(request):
        return json_response({"statusCode": 401, "message": "media needs Twilio basic auth"}, 401)
    with _LOCK:
        item = _MEDIA.get(media_id)
        if request.method == "DELETE":
            _MEDIA.pop(media_id, None)
            DELETED.add(media_id)
            return Response(status=204)
    if item is None:
        return json_response({"statusCode": 404, "message": "no such media"}, 404)
    data, content_type = item
    return Response(data, status=200, content_type=content_type)


register_dev_route(PREFIX, media_route, methods=("POST",))
register_dev_route(PREFIX + "/*", media_route, methods=("GET", "DELETE"))
