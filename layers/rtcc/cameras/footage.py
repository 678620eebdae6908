"""Footage requests: what an officer may ask camera owners for, and who is asked.

Pure domain (no AWS): the request's rules (area, window, case number, the reason owners read),
grouping the cameras in the circle by owner (only owners with a verified contact get a notice;
paused owners are skipped), a notice's one answer, expiry. Adapters: rtcc.cameras.footage_dynamodb.

Why the limits: a request reaches private people's cameras, so it is held to a small area and a
short window (the city's settings), to the past (footage of the future is surveillance, not
evidence), and to a case number the officer is accountable for. The reason is shown to owners
verbatim, so it is short and plain.

Why a request cannot be turned into spam or phishing: the case number is letters, digits and
'-' only (no '.', '/' or ':', so a phone never shows it as a link: "ABC.co/x" cannot ride in a
text sent from the city's number); one circle reaches at most `max_owners` owners (a wider one
is refused at radius_m, not quietly cut); an owner is asked about one case once (a second
request for the same case skips them); an officer sends at most so many requests an hour
(rtcc.cameras.footage_limits).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.errors import Conflict, DomainError, NotFound

#: Letters, digits and '-': nothing a phone's text app turns into a link (see the module's doc).
CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
REQUEST_ID = re.compile(r"^fr-[0-9]{8}-[0-9a-f]{12}$")
REASON_MAX = 280
ANSWERS = ("approved", "declined")


class Gone(DomainError):
    """The request's time to answer has passed (410): nothing more can be sent to it."""

    status = 410


@dataclass(frozen=True)
class RequestRules:
    """The city's limits (rtcc.cameras.settings): passed in, so the rules read no environment."""

    max_radius_m: int
    max_hours: float
    request_days: int
    #: The most owners one request's circle may reach (more: refused at radius_m).
    max_owners: int = 200
    #: How far back (days) a request's window may start.
    lookback_days: int = 30


@dataclass(frozen=True)
class FootageAsk:
    """A validated request, before it is stored."""

    lat: float
    lon: float
    radius_m: int
    start: datetime
    end: datetime
    case_number: str
    reason: str
    incident_id: str | None = None


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError("a number is required", field=name)
    if not low <= float(value) <= high:
        raise DomainError(f"must be within {low:g}..{high:g}", field=name)
    return float(value)


def _moment(body: dict[str, Any], name: str) -> datetime:
    value = body.get(name)
    if not isinstance(value, str):
        raise DomainError("a UTC ISO 8601 time is required", field=name)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError("not an ISO 8601 time", field=name) from None
    if moment.tzinfo is None:
        raise DomainError("a time zone is required (e.g. Z)", field=name)
    return moment.astimezone(UTC)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DomainError("required", field=name)
    return value.strip()


def validate_ask(body: object, rules: RequestRules, now: datetime) -> FootageAsk:
    """The request, or a 400 naming the first field that breaks a rule."""
    if not isinstance(body, dict):
        raise DomainError("a JSON object is required", field="body")
    lat, lon = _number(body, "lat", -90, 90), _number(body, "lon", -180, 180)
    radius = _number(body, "radius_m", 1, rules.max_radius_m)
    start, end = _moment(body, "start"), _moment(body, "end")
    if start >= end:
        raise DomainError("must be after start", field="end")
    if end > now + timedelta(minutes=1):  # a minute of clock skew between browser and server
        raise DomainError("footage of the future cannot be requested", field="end")
    if start < now - timedelta(days=rules.lookback_days):
        raise DomainError(f"at most {rules.lookback_days} days ago", field="start")
    if end - start > timedelta(hours=rules.max_hours):
        raise DomainError(f"the window may be at most {rules.max_hours:g} hours", field="end")
    case = _text(body, "case_number")
    if not CASE_NUMBER.fullmatch(case):
        raise DomainError("letters, digits and - (at most 40)", field="case_number")
    reason = _text(body, "reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"at most {REASON_MAX} characters (owners read it)", field="reason")
    incident = body.get("incident_id")
    if incident is not None and not (isinstance(incident, str) and 0 < len(incident) <= 64):
        raise DomainError("an incident id or null", field="incident_id")
    return FootageAsk(lat, lon, int(radius), start, end, case, reason, incident)


def new_request_id(now: datetime) -> str:
    return f"fr-{now:%Y%m%d}-{secrets.token_hex(6)}"


def month_of(request_id: str) -> str:
    """The table partition of a request id (its creation month)."""
    if not REQUEST_ID.match(request_id):
        raise NotFound("no such footage request", field="request_id")
    return f"{request_id[3:7]}-{request_id[7:9]}"


def expires_at(created: datetime, rules: RequestRules) -> datetime:
    return created + timedelta(days=rules.request_days)


@dataclass
class OwnerPlan:
    """Who a request reaches: owners to notify (with their cameras) and the counts shown."""

    notify: dict[str, list[str]] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    cameras: int = 0
    #: Owners already asked about this case by an earlier request: not asked again.
    asked_before: list[str] = field(default_factory=list)


def owners_in(cameras: Iterable[Any], max_owners: int) -> dict[str, list[str]]:
    """The circle's cameras (rtcc.cameras.model.CameraSpot) by owner; city cameras are the
    city's own (no owner to ask). More than `max_owners` owners: 400 at radius_m."""
    by_owner: dict[str, list[str]] = {}
    for spot in cameras:
        if spot.owner_id != "city":
            by_owner.setdefault(spot.owner_id, []).append(spot.camera_id)
    if len(by_owner) > max_owners:
        raise DomainError(
            f"the area reaches {len(by_owner)} camera owners, more than {max_owners}: make it smaller",
            field="radius_m",
        )
    return by_owner


def plan_owners(
    cameras: Iterable[Any], contact_of: Any, asked: Iterable[str] = (), max_owners: int = 200
) -> OwnerPlan:
    """Who a request asks. `contact_of(owner_id)` answers "verified", "unverified" or
    "paused" (the owner's status, not the contact itself: the api never opens a contact);
    `asked`: owners an earlier request for the same case asked already."""
    by_owner = owners_in(cameras, max_owners)
    plan, asked = OwnerPlan(), set(asked)
    plan.cameras = sum(len(ids) for ids in by_owner.values())
    for owner_id, camera_ids in sorted(by_owner.items()):
        if owner_id in asked:
            plan.asked_before.append(owner_id)
            continue
        state = contact_of(owner_id)
        if state == "paused":
            plan.paused.append(owner_id)
        elif state == "verified":
            plan.notify[owner_id] = sorted(camera_ids)
        else:
            plan.unreachable.append(owner_id)
    return plan


def notice_state(status: str, expires: str, now: datetime) -> str:
    """A notice's status as it stands now: a pending one past its expiry is expired."""
    if status == "pending" and datetime.fromisoformat(expires) <= now:
        return "expired"
    return status


def check_answer(status: str, expires: str, now: datetime) -> None:
    """Whether an owner may answer now: 410 past expiry, 409 once answered."""
    state = notice_state(status, expires, now)
    if state == "expired":
        raise Gone("this request has expired", field="request")
    if state != "pending":
        raise Conflict(f"already answered ({state})", field="request")
