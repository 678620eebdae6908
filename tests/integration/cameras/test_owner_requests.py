"""An owner's footage requests in the portal, and what "delete everything" does to them:
the portal lists the requests still waiting for the owner's answer, each with its own
request link (which opens that request, and only it); deleting everything deletes the
owner's unanswered notices and keeps an answered one (the case's record)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.cameras.footage_helpers import (
    ask,
    link_of,
    make_camera,
    make_owner,
    phone_number,
    spot_near,
    texts_to,
    wait_for,
)
from tests.integration.cameras.footage_helpers import footage_settings as footage_settings  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


def _owner(local_stack: Any, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-Owner-Link"] = token
    return session


def _portal(local_stack: Any, token: str, method: str = "GET") -> requests.Response:
    url = f"{local_stack.base_url.rstrip('/')}/api/public/cameras/portal"
    return _owner(local_stack, token).request(method, url, timeout=60)


def _footage(local_stack: Any, request_id: str, what: str = "") -> str:
    return f"{local_stack.base_url.rstrip('/')}/api/public/footage/{request_id}{what}"


def test_the_portal_lists_open_requests_and_delete_everything_forgets_them(
    local_stack: Any, api: Any
) -> None:
    from rtcc.cameras import owner_links
    from rtcc.cameras.footage_dynamodb import notices_of

    lat, lon = spot_near()
    phone = phone_number()
    owner = make_owner(phone)
    make_camera(owner, lat + 0.0005, lon)
    officer = api.as_role("officer")
    sent = []
    for _ in range(2):
        answer = officer.post("/api/footage", json=ask(lat, lon))
        assert answer.status_code == 201, answer.text
        sent.append(answer.json()["request"]["request_id"])
    texts = wait_for(
        lambda: len(texts_to(local_stack.base_url, phone)) >= 2 and texts_to(local_stack.base_url, phone)
    )
    links = dict(reversed(link_of(t["body"])) for t in texts)  # request id -> token
    answered, waiting = sent
    declined = _owner(local_stack, links[answered]).post(
        _footage(local_stack, answered, "/decline"), timeout=30
    )
    assert declined.status_code == 200, declined.text

    portal_token = owner_links.issue(owner, "portal", 1)
    portal = _portal(local_stack, portal_token)
    assert portal.status_code == 200, portal.text
    (listed,) = portal.json()["requests"]
    assert listed["request_id"] == waiting and listed["status"] == "pending" and listed["agency"]
    # Its own link opens that request (and only it).
    own = _owner(local_stack, listed["link_token"])
    assert own.get(_footage(local_stack, waiting), timeout=30).status_code == 200
    assert own.get(_footage(local_stack, answered), timeout=30).status_code == 401  # scope in its MAC

    gone = _portal(local_stack, portal_token, "DELETE")
    assert gone.status_code == 200, gone.text
    assert gone.json()["notices"] == 1 and gone.json()["deleted"] is True
    assert [n.owner_id for n in notices_of(waiting)] == []
    assert [(n.owner_id, n.status) for n in notices_of(answered)] == [(owner, "declined")]
    assert _portal(local_stack, portal_token).status_code == 410
