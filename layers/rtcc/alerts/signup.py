"""The public side of opting in: the `/signup` page's request and the `/alerts/manage` link.

What the page may learn is the point of this module. `sign_up` gives the caller the same
nothing whatever state the number is in (new, pending, active, opted out, a send that
failed): the page always says "check your phone", and only the phone learns more. A new or
renewed signup is texted its confirmation; an active subscriber is texted a manage link
instead (so a resident who lost theirs gets one, and a stranger typing their number learns
nothing); a repeat inside the duplicate window is texted nothing. Each of these texts goes
to the number only, on the alerts line, through the `ConfirmationSender` port.

What the page is told is what the request itself got wrong: a number that is not a valid
number, or one of another country (`SignupRefused.code` names which, so the page can say it
in the resident's language), zones, categories, tiers or a language the program lacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from rtcc.alerts import manage_token
from rtcc.alerts.numbers import normalise_number
from rtcc.alerts.subscriber_ports import Channel, Preferences, Status
from rtcc.alerts.subscriptions import ManageView, Outcome, Subscriptions
from rtcc.alerts.zones import ZoneError, zip_zone_id
from rtcc.errors import Invalid

logger = logging.getLogger(__name__)

#: The longest disclosure text kept as consent evidence (the page's is a few hundred).
MAX_SHOWN = 2000


class SignupRefused(Invalid):
    """A request the page can fix; `code` ("phone.foreign") is the page's catalog key."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message, field=field)
        self.code = code


class ConfirmationSender(Protocol):
    def __call__(self, number: str, sender_key: str, body: str) -> None:
        """Text `body` to `number` on the alerts line (opt-outs of `sender_key` checked
        first). Raises whatever the send raises; `sign_up` swallows it."""
        ...


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
    shown: str  # the disclosure the page showed, kept as consent evidence


class PublicSignup:
    def __init__(
        self,
        subscriptions: Subscriptions,
        send: ConfirmationSender,
        manage_url: Callable[[str], str],
        clock: Callable[[], float],
    ) -> None:
        self.subscriptions, self.send, self.manage_url, self.clock = subscriptions, send, manage_url, clock

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

    def sign_up(self, request: SignupRequest) -> str:
        """Validates, then signs up and texts the number whatever it needs. Returns the
        outcome for logs and metrics only: the caller answers the same in every case."""
        e164 = self.number(request.phone)
        prefs = self.preferences(request.where, request.categories, request.tiers, request.language)
        now = self.clock()
        result = self.subscriptions.subscribe(e164, prefs, Channel.WEB, request.shown[:MAX_SHOWN], now)
        if result.outcome == Outcome.PENDING and result.text:
            return self._text(e164, result.text, "confirmation-sent")
        if result.outcome == Outcome.ALREADY_ACTIVE and result.subscriber_id:
            return self._manage_link(e164, result.subscriber_id, now)
        return str(result.outcome)

    def _manage_link(self, e164: str, subscriber_id: str, now: float) -> str:
        """An active subscriber signing up again gets a manage link, at most once per
        duplicate window (kept on the subscriber's `confirmation_sent_at`), so the page
        cannot be used to text a subscriber over and over."""
        subs = self.subscriptions
        sub = subs.store.get(subscriber_id)
        if sub is None or sub.status != Status.ACTIVE:
            return "unchanged"
        window = subs.policy.duplicate_window_minutes * 60
        if sub.confirmation_sent_at is not None and now - sub.confirmation_sent_at < window:
            return "unchanged"
        subs.store.save(sub.with_(confirmation_sent_at=now))
        text = subs.catalog.text(
            sub.prefs.language,
            "alerts.manage",
            program=subs.policy.program_name,
            hours=subs.policy.manage_link_hours,
            link=self.manage_url(subs.manage_token(subscriber_id, now)),
        )
        return self._text(e164, text, "manage-link-sent")

    def _text(self, e164: str, body: str, outcome: str) -> str:
        key = manage_token.number_mac(self.subscriptions.mac, e164)
        try:
            self.send(e164, key, body)
        except Exception as exc:  # noqa: BLE001 - opted out, refused: the page learns nothing
            # The class name only: a provider's message may quote the number.
            logger.info("alerts signup: text not sent", extra={"reason": type(exc).__name__})
            return "not-sent"
        return outcome

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
