"""The public side of opting in: the `/signup` page's request and the `/alerts/manage` link.

What the page may learn is the point of this module. `sign_up` gives the caller the same
nothing whatever state the number is in (new, pending, active, opted out, a send that
failed), after the same work: it checks the request, seals the number under a fresh id and
queues it (`SignupQueue`; deployed: SQS `alert-confirmations`). The page always says "check
your phone", and only the phone learns more: the queue's consumer (rtcc.alerts.signup_confirm,
function `alert-confirm`) looks the number up, writes, and texts a new or renewed signup its
confirmation, an active subscriber a manage link (at most once per duplicate window), a repeat
nothing, within the limits of rtcc.alerts.signup_limits. The internet-facing `api` function
holds no Twilio key and cannot open a number.

What the page is told is what the request itself got wrong: a number that is not a valid
number, or one of another country (`SignupRefused.code` names which, so the page can say it
in the resident's language), zones, categories, tiers or a language the program lacks. The
consent evidence of what the page showed is the server's catalog text (`disclosure`), never
a text the client sends.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from rtcc.alerts.model import Tier
from rtcc.alerts.numbers import normalise_number
from rtcc.alerts.subscriber_ports import Preferences
from rtcc.alerts.subscriptions import ManageView, Subscriptions
from rtcc.alerts.zones import ZoneError, zip_zone_id
from rtcc.errors import Invalid

#: The catalog text of the page's disclosure (the same words as web/public/i18n's
#: `signup.disclosure`, which a test keeps equal): what consent evidence records as shown.
DISCLOSURE_KEY = "alerts.disclosure"


class SignupRefused(Invalid):
    """A request the page can fix; `code` ("phone.foreign") is the page's catalog key."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message, field=field)
        self.code = code


class SignupQueue(Protocol):
    def __call__(self, ticket: SignupTicket) -> None:
        """Hand the signup to the confirmations queue (deployed: SQS `alert-confirmations`,
        read by `alert-confirm`, rtcc.alerts.signup_confirm)."""
        ...


@dataclass(frozen=True)
class SignupTicket:
    """A checked signup on its way to the confirmations queue: the number sealed under the
    ticket's id (the new subscriber's id, if it is new), never in the clear."""

    ticket_id: str
    sealed_number: bytes
    prefs: Preferences
    shown: str  # the disclosure the page shows in the signup's language (consent evidence)
    at: float

    def to_message(self) -> str:
        return json.dumps(
            {
                "id": self.ticket_id,
                "sealed": base64.b64encode(self.sealed_number).decode(),
                "prefs": preferences_out(self.prefs),
                "shown": self.shown,
                "at": self.at,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_message(cls, body: str) -> SignupTicket:
        """ValueError (naming no value) for anything that is not a ticket."""
        try:
            data = json.loads(body)
            p = data["prefs"]
            prefs = Preferences(
                tuple(p["zones"]),
                tuple(p["categories"]),
                str(p["language"]),
                tuple(Tier(t) for t in p["tiers"]),
            )
            return cls(
                str(data["id"]),
                base64.b64decode(data["sealed"], validate=True),
                prefs,
                str(data["shown"]),
                float(data["at"]),
            )
        except (ValueError, KeyError, TypeError):
            raise ValueError("not a signup ticket") from None


@dataclass(frozen=True)
class ZoneChoice:
    """Zones as the page gives them: picked from the list, a ZIP code, a pin, or several."""

    zones: tuple[str, ...] = ()
    zip: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class SignupRequest:
    phone: str
    where: ZoneChoice
    categories: tuple[str, ...]
    tiers: tuple[str, ...]
    language: str


class PublicSignup:
    def __init__(self, subscriptions: Subscriptions, queue: SignupQueue, clock: Callable[[], float]) -> None:
        self.subscriptions, self.queue, self.clock = subscriptions, queue, clock

    # -- what the page asks for ----------------------------------------------------------

    def zones_of(self, where: ZoneChoice) -> tuple[str, ...]:
        """The zone ids the choice names, in the order given; SignupRefused names the part
        that names none (an unknown ZIP, a pin outside every zone)."""
        chosen = list(where.zones)
        if where.zip:
            try:
                zone_id = zip_zone_id(where.zip)
            except ZoneError:
                raise SignupRefused("not a five-digit ZIP code", field="zip", code="zip.invalid") from None
            if zone_id not in self.subscriptions.zones:
                raise SignupRefused("no alerts are sent for this ZIP code", field="zip", code="zip.unknown")
            chosen.append(zone_id)
        if where.lat is not None and where.lon is not None:
            chosen.extend(self._zones_at(where.lat, where.lon))
        if not chosen:
            raise SignupRefused(
                "pick at least one zone, a ZIP code or a place", field="zones", code="zones.none"
            )
        return tuple(dict.fromkeys(chosen))

    def preferences(self, where: ZoneChoice, categories: Iterable[str], tiers: Iterable[str], language: str):
        zones = self.zones_of(where)
        try:
            return self.subscriptions.preferences(zones, categories, language, tiers)
        except Invalid as exc:
            field = exc.field or "body"
            raise SignupRefused(
                exc.message.split(": ", 1)[-1], field=field, code=f"{field}.invalid"
            ) from None

    def number(self, phone: str) -> str:
        """E.164, or SignupRefused saying whether it is no number at all or a foreign one."""
        policy = self.subscriptions.policy
        try:
            return normalise_number(phone, region=policy.region, allow_foreign=policy.allow_foreign)
        except Invalid:
            pass
        try:
            normalise_number(phone, region=policy.region, allow_foreign=True)
        except Invalid:
            raise SignupRefused(
                f"not a valid {policy.region} number", field="phone", code="phone.invalid"
            ) from None
        raise SignupRefused(
            f"only {policy.region} numbers can sign up for these alerts", field="phone", code="phone.foreign"
        )

    # -- signing up ----------------------------------------------------------------------

    def sign_up(self, request: SignupRequest) -> None:
        """Validates, seals the number under a fresh id and queues the signup: the same work
        (one KMS Encrypt, one queue message) whatever the number's state, so neither the
        answer nor its time says whether the number is known. The lookup, the writes and
        any text happen in the queue's consumer (rtcc.alerts.signup_confirm)."""
        e164 = self.number(request.phone)
        prefs = self.preferences(request.where, request.categories, request.tiers, request.language)
        ticket_id = uuid.uuid4().hex
        sealed = self.subscriptions.sealer.seal(e164, ticket_id)
        self.queue(SignupTicket(ticket_id, sealed, prefs, self.disclosure(prefs.language), self.clock()))

    def disclosure(self, language: str) -> str:
        """The disclosure the page shows, from the server's catalog: consent evidence is
        never a text the client chose."""
        subs = self.subscriptions
        return subs.catalog.text(language, DISCLOSURE_KEY, program=subs.policy.program_name)

    # -- the manage link -----------------------------------------------------------------

    def view(self, token: str) -> ManageView:
        return self.subscriptions.manage(token, self.clock())

    def update(
        self, token: str, where: ZoneChoice, categories: Iterable[str], tiers: Iterable[str], language: str
    ) -> ManageView:
        # The link first: a request without a valid one learns nothing about zones either.
        self.subscriptions.manage(token, self.clock())
        prefs = self.preferences(where, categories, tiers, language)
        return self.subscriptions.update(token, prefs, self.clock())

    def delete(self, token: str) -> None:
        self.subscriptions.delete(token, self.clock())

    def _zones_at(self, lat: float, lon: float) -> list[str]:
        try:
            found = self.subscriptions.zones.zones_at(lat, lon)
        except ZoneError:
            raise SignupRefused("not a place on the map", field="location", code="location.invalid") from None
        if not found:
            raise SignupRefused("no alert zone covers this place", field="location", code="location.outside")
        return [zone.zone_id for zone in found]


def preferences_out(prefs: Preferences) -> dict[str, object]:
    return {
        "zones": list(prefs.zones),
        "categories": list(prefs.categories),
        "tiers": [str(t) for t in prefs.tiers],
        "language": prefs.language,
    }
