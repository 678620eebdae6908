"""The public alert feed (no login): an Atom feed for readers, the CAP 1.2 index feed, each
alert's CAP document, and the JSON the public `/alerts` page shows.

Per-alert paths live under `/api/public/alerts/sent/`: the residents' router owns the rest
of `/api/public/alerts` (zones, signup, subscription), and an alert id must never be able to
shadow one of its paths. What is public is what `rtcc.alerts.cap` renders: never the sending
supervisor, a subscriber or a count of them.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.alerts.cap import (
    CAP_MIME,
    render_atom_feed,
    render_cap,
    render_cap_cancel,
    render_cap_feed,
    render_public_page,
)
from rtcc.alerts.feed import feed_sources
from rtcc.alerts.model import Alert
from rtcc.errors import NotFound

router = APIGatewayRouter()

ATOM_MIME = "application/atom+xml"
#: Readers and aggregators poll: a minute of caching spares the function, and a new alert
#: still reaches them within a minute (the SMS is the fast path).
CACHE = "public, max-age=60"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _xml(body: bytes, mime: str) -> Response[str]:
    return Response(200, f"{mime}; charset=utf-8", body.decode("utf-8"), headers={"Cache-Control": CACHE})


def _language() -> str | None:
    wanted = router.current_event.get_query_string_value("lang") or None
    return wanted if wanted and _LANG.match(wanted) else None


def _alert(alert_id: str) -> Alert:
    alert = feed_sources().public_alert(alert_id) if _ID.match(alert_id) else None
    if alert is None:
        raise NotFound(f"alert: no published alert {alert_id[:40]!r}")
    return alert


@router.get(
    "/api/public/alerts/feed.atom", summary="Atom feed of sent alerts (public)", tags=["alerts-public"]
)
def atom_feed() -> Response[str]:
    sources = feed_sources()
    return _xml(render_atom_feed(sources.public(), sources.publisher), ATOM_MIME)


@router.get(
    "/api/public/alerts/cap.xml",
    summary="CAP 1.2 index feed (Atom) of sent alerts (public)",
    tags=["alerts-public"],
)
def cap_feed() -> Response[str]:
    sources = feed_sources()
    public = sources.public()
    body = render_cap_feed(public, sources.publisher, cancelled=sources.cancelled(public))
    return _xml(body, ATOM_MIME)


@router.get(
    "/api/public/alerts/sent", summary="Sent alerts for the public page (public)", tags=["alerts-public"]
)
def public_list() -> Response[dict]:
    sources, language = feed_sources(), _language()
    pages = [render_public_page(a, sources.zones, sources.publisher, language) for a in sources.public()]
    return Response(200, content_types.APPLICATION_JSON, {"alerts": pages}, headers={"Cache-Control": CACHE})


# Before "<id>.cap.xml", which would read "<id>.cancel" as an id (and refuse it).
@router.get(
    "/api/public/alerts/sent/<alert_id>.cancel.cap.xml",
    summary="The CAP 1.2 Cancel of a sent alert that was cancelled (public)",
    tags=["alerts-public"],
)
def cap_cancel(alert_id: str) -> Response[str]:
    """Served for the alerts the CAP index lists (the newest 50), as the index links them."""
    sources = feed_sources()
    alert = _alert(alert_id)
    cancelled_at = sources.cancelled().get(alert.alert_id)
    if cancelled_at is None:
        raise NotFound(f"alert: {alert_id[:40]!r} was not cancelled")
    return _xml(render_cap_cancel(alert, cancelled_at, sources.publisher), CAP_MIME)


# Before the JSON route: "<id>.cap.xml" would otherwise be read as an id (and refused).
@router.get(
    "/api/public/alerts/sent/<alert_id>.cap.xml",
    summary="One alert as CAP 1.2 (public)",
    tags=["alerts-public"],
)
def cap_document(alert_id: str) -> Response[str]:
    sources = feed_sources()
    return _xml(render_cap(_alert(alert_id), sources.zones, sources.publisher), CAP_MIME)


@router.get("/api/public/alerts/sent/<alert_id>", summary="One sent alert (public)", tags=["alerts-public"])
def public_alert(alert_id: str) -> Response[dict]:
    sources = feed_sources()
    page = render_public_page(_alert(alert_id), sources.zones, sources.publisher, _language())
    return Response(200, content_types.APPLICATION_JSON, page, headers={"Cache-Control": CACHE})
