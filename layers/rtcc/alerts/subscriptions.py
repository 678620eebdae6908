"""Opting in to community alerts: double opt-in signups, consent evidence, manage links,
and recipient selection by zone.

The rules (issue 10, "Opting in"):
- a signup (`subscribe` from the page, `join_by_text` for "JOIN 01013") is PENDING and
  returns the confirmation text to send; only a YES (`confirm`) makes it ACTIVE, and only an
  active subscriber is in a zone's index, so nothing but the confirmation reaches a number
  that never said YES;
- a repeated signup within `duplicate_window_minutes` of the last confirmation text changes
  nothing and sends nothing (idempotent; no texting a number over and over from the page);
- consent evidence (what was shown, sent and received, when, by which channel) lives as long
  as the subscription: its TTL is unset while the subscription lives, and set to the end
  plus `consent_retention_days` when it ends (deleted, or a signup that lapsed unconfirmed);
- the manage link is signed and expiring (rtcc.alerts.manage_token); `delete` removes the
  subscriber, its sealed number, its number lookup and every zone index entry;
- `recipients(alert)` reads each of the alert's zones by key (rtcc.alerts.subscriber_ports:
  `zone_members`), never scans subscribers, and yields each subscriber once.

Numbers are normalised (rtcc.alerts.numbers), sealed, looked up by keyed hash and never put
in an error, a return value or a log line.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rtcc.alerts import manage_token
from rtcc.alerts.model import Alert, Recipient, Tier, is_language
from rtcc.alerts.numbers import normalise_number
from rtcc.alerts.subscriber_ports import (
    Channel,
    Consent,
    Preferences,
    Sealer,
    Status,
    Subscriber,
    SubscriberGone,
    SubscriberMac,
    SubscriberStore,
    ZoneEntry,
)
from rtcc.alerts.zones import ZoneError, ZoneMap, zip_zone_id
from rtcc.errors import Invalid, NotFound
from rtcc.i18n import FALLBACK, Catalog, sms_catalog

DAY = 86_400


@dataclass(frozen=True)
class SubscriptionPolicy:
    """The program's configuration (the deploy config's `[alerts]` when wired)."""

    program_name: str = "City Alerts"
    region: str = "US"  # the country numbers are read in
    allow_foreign: bool = False
    duplicate_window_minutes: int = 10
    pending_hours: int = 48  # an unconfirmed signup lapses after this
    consent_retention_days: int = 1461  # after the subscription ends (4 years: TCPA's limitation)
    manage_link_hours: int = 72
    categories: tuple[str, ...] = ()  # offered categories; empty: any
    # "JOIN 01013": keyword -> the language of its confirmation text ("ALTA": "es").
    join_keywords: Mapping[str, str] = field(default_factory=lambda: {"JOIN": "en"})
    zone_keywords: Mapping[str, str] = field(default_factory=dict)  # "DOWNTOWN" -> zone id
    bare_zip_joins: bool = True  # a text that is only a ZIP code signs up too (Nixle-style)


class Outcome(StrEnum):
    PENDING = "pending"  # a new or renewed signup: send `text`
    UNCHANGED = "unchanged"  # a duplicate within the window: nothing to send
    ALREADY_ACTIVE = "already-active"
    CONFIRMED = "confirmed"  # YES to a pending signup: send `text`
    NO_PENDING = "no-pending"  # YES with nothing (or only a lapsed signup) to confirm
    UNKNOWN_ZONE = "unknown-zone"  # "JOIN 99999" for a ZIP or keyword the program lacks
    LIMITED = "limited"  # the caller's `may_text` refused a text: nothing written


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    subscriber_id: str | None = None
    text: str | None = None  # the text to send the resident, in their language


@dataclass(frozen=True)
class ManageView:
    subscriber_id: str
    status: Status
    prefs: Preferences


class Subscriptions:
    def __init__(
        self,
        store: SubscriberStore,
        sealer: Sealer,
        mac: SubscriberMac,
        zones: ZoneMap,
        policy: SubscriptionPolicy | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.store, self.sealer, self.mac, self.zones = store, sealer, mac, zones
        self.policy = policy or SubscriptionPolicy()
        self.catalog = catalog or sms_catalog()

    # -- preferences ---------------------------------------------------------------------

    def preferences(
        self,
        zones: Iterable[str],
        categories: Iterable[str] = (),
        language: str = FALLBACK,
        tiers: Iterable[str] = tuple(Tier),
    ) -> Preferences:
        """Checked preferences; Invalid names the field at fault."""
        zone_ids = tuple(dict.fromkeys(str(z) for z in zones))
        if not zone_ids:
            raise Invalid("pick at least one zone", field="zones")
        for zone_id in zone_ids:
            if zone_id not in self.zones:
                raise Invalid(f"unknown zone {zone_id!r}", field="zones")
        cats = tuple(dict.fromkeys(str(c) for c in categories))
        unknown = [c for c in cats if self.policy.categories and c not in self.policy.categories]
        if unknown:
            raise Invalid(f"unknown category {unknown[0]!r}", field="categories")
        if not is_language(language) or _base(self.catalog.language_for(language)) != _base(language):
            raise Invalid(
                f"no texts in {language!r}; choose one of {list(self.catalog.languages)}", field="language"
            )
        try:
            # Emergency alerts reach every subscriber of the zone: a resident chooses whether
            # to hear advisories and community news, not whether to hear an emergency.
            chosen = {Tier(t) for t in tiers} | {Tier.EMERGENCY}
        except ValueError:
            raise Invalid(f"tiers are {[t.value for t in Tier]}", field="tiers") from None
        ordered = tuple(t for t in Tier if t in chosen)
        return Preferences(zone_ids, cats, self.catalog.language_for(language), ordered)

    # -- signing up ----------------------------------------------------------------------

    def subscribe(
        self,
        number: str,
        prefs: Preferences,
        channel: Channel,
        shown: str,
        now: float,
        sealed: tuple[str, bytes] | None = None,
        may_text: Callable[[], bool] | None = None,
        shown_at: float | None = None,
    ) -> Result:
        """A signup from the page (`shown`: the exact disclosure the page showed, at
        `shown_at`) or by text (`shown`: the exact text received). Invalid for a bad or
        foreign number. `sealed`: (id, the number already sealed under that id), used as a new
        subscriber's id and sealed number, so a caller that only opens numbers need not seal
        one. `may_text`: asked once a confirmation text is due, before anything is written;
        False leaves everything as it was (LIMITED), so no evidence records a text never sent.

        A page signup (Channel.WEB) leaves the confirmation's sending and its evidence to the
        caller (`record_text`, once the send is known). A page signup never changes a pending
        signup's preferences: anyone who knows a number can submit the page, and the texted
        confirmation named the first signup's zones. A JOIN texted from the number itself is
        the resident: it replaces them, and is answered even within the duplicate window."""
        e164 = self._normalise(number)
        mac = manage_token.number_mac(self.mac, e164)
        found = self.store.by_number(mac)
        existing = self._live(found, now)  # a lapsed signup is renewed, not treated as a duplicate
        if existing and existing.status == Status.ACTIVE:
            return Result(Outcome.ALREADY_ACTIVE, existing.subscriber_id)
        if existing and channel == Channel.WEB:
            if self._recently_sent(existing, now):
                return Result(Outcome.UNCHANGED, existing.subscriber_id)
            prefs = existing.prefs  # what the number was already texted it signed up for
        if may_text is not None and not may_text():
            return Result(Outcome.LIMITED)
        pending = self._pending(found, existing, e164, mac, prefs, now, sealed)
        if pending is None:
            raced = None if found else self.store.by_number(mac)
            return Result(Outcome.UNCHANGED, raced.subscriber_id if raced else None)
        text = self._confirmation_text(prefs)
        event = "signup-shown" if channel == Channel.WEB else "signup-received"
        self._evidence(pending, event, channel, shown, now if shown_at is None else shown_at)
        if channel != Channel.WEB:  # the answer to the text is the confirmation (TwiML)
            self._evidence(pending, "confirmation-sent", Channel.SMS, text, now)
        # Until YES, the evidence lives as long as the signup could, plus the retention.
        self.store.set_consent_expiry(pending.subscriber_id, self._pending_lapse(now))
        return Result(Outcome.PENDING, pending.subscriber_id, text)

    def record_text(self, subscriber_id: str, number: str, event: str, text: str, now: float) -> None:
        """Consent evidence of a confirmation the caller sent ("confirmation-sent") or could
        not send ("confirmation-failed"), recorded once the send's fate is known, with the
        pending signup's expiry (a YES clears it, as for the rest of the evidence)."""
        mac = manage_token.number_mac(self.mac, self._normalise(number))
        consent = Consent(subscriber_id, mac, event, Channel.SMS, text, now, self._pending_lapse(now))
        self.store.add_consent(consent)

    def _pending_lapse(self, now: float) -> float:
        return now + self.policy.pending_hours * 3600 + self.policy.consent_retention_days * DAY

    def _pending(
        self,
        found: Subscriber | None,
        existing: Subscriber | None,
        e164: str,
        mac: str,
        prefs: Preferences,
        now: float,
        sealed: tuple[str, bytes] | None,
    ) -> Subscriber | None:
        """The pending signup written (a renewal of `found`, or new); None when a racing
        signup or a deletion got there first."""
        sid, sealed_number = self._sealed(found, e164, sealed)
        pending = Subscriber(
            subscriber_id=sid,
            number_mac=mac,
            sealed_number=sealed_number,
            status=Status.PENDING,
            prefs=prefs,
            created_at=existing.created_at if existing else now,
            confirmation_sent_at=now,
            pending_until=now + self.policy.pending_hours * 3600,
        )
        if found:
            try:
                self.store.save(pending)
            except SubscriberGone:  # deleted since it was read: this signup is not its renewal
                return None
        elif not self.store.create(pending):  # a racing signup of the same number won
            return None
        return pending

    def join_by_text(self, number: str, body: str, now: float) -> Result | None:
        """A signup texted to the alerts line: "JOIN 01013", "JOIN DOWNTOWN" or (if allowed)
        "01013"; None when the text is not a signup at all (the caller handles other keywords)."""
        parsed = self._parse_join(body)
        if parsed is None:
            return None
        zone_id, language = parsed
        if zone_id is None:
            return Result(Outcome.UNKNOWN_ZONE)
        prefs = self.preferences([zone_id], (), language)
        return self.subscribe(number, prefs, Channel.SMS, body, now)

    def confirm(self, number: str, now: float, received: str = "YES") -> Result:
        """The resident's YES: a pending signup becomes active and joins its zones' index."""
        try:
            e164 = self._normalise(number)
        except Invalid:
            return Result(Outcome.NO_PENDING)  # a number that cannot sign up has nothing pending
        sub = self._live(self.store.by_number(manage_token.number_mac(self.mac, e164)), now)
        if sub is None:
            return Result(Outcome.NO_PENDING)
        if sub.status == Status.ACTIVE:
            return Result(Outcome.ALREADY_ACTIVE, sub.subscriber_id)
        active = sub.with_(status=Status.ACTIVE, confirmed_at=now, pending_until=None)
        try:
            self.store.save(active)
        except SubscriberGone:  # deleted (or lapsed) since it was read: nothing to confirm
            return Result(Outcome.NO_PENDING)
        self._index(active, ())
        self._evidence(active, "confirm-received", Channel.SMS, received, now)
        self.store.set_consent_expiry(active.subscriber_id, None)  # lives as long as the subscription
        text = self.catalog.text(
            active.prefs.language,
            "alerts.confirmed",
            program=self.policy.program_name,
            zones=self._zone_names(active.prefs),
        )
        return Result(Outcome.CONFIRMED, active.subscriber_id, text)

    # -- the manage link -----------------------------------------------------------------

    def manage_token(self, subscriber_id: str, now: float) -> str:
        return manage_token.issue(self.mac, subscriber_id, int(now) + self.policy.manage_link_hours * 3600)

    def manage(self, token: str, now: float) -> ManageView:
        sub = self._by_token(token, now)
        return ManageView(sub.subscriber_id, sub.status, sub.prefs)

    def update(self, token: str, prefs: Preferences, now: float) -> ManageView:
        """New zones, categories, language or tiers (from `preferences`, so checked)."""
        sub = self._by_token(token, now)
        updated = sub.with_(prefs=prefs)
        self.store.save(updated)  # SubscriberGone (404) when deleted since it was read
        if updated.status == Status.ACTIVE:
            self._index(updated, sub.prefs.zones)
        return ManageView(updated.subscriber_id, updated.status, updated.prefs)

    def delete(self, token: str, now: float) -> None:
        """Deletion deletes: zone entries, the subscriber (sealed number included) and the
        number lookup. Only the consent evidence stays, until its TTL."""
        self.end(self._by_token(token, now), now)

    def end(self, sub: Subscriber, now: float) -> None:
        for zone_id in sub.prefs.zones:
            self.store.unindex(zone_id, sub.subscriber_id)
        self.store.delete(sub)
        self.store.set_consent_expiry(sub.subscriber_id, now + self.policy.consent_retention_days * DAY)

    def number(self, subscriber_id: str) -> str:
        """The number to send to (the dispatcher's only way to it)."""
        sub = self.store.get(subscriber_id)
        if sub is None:
            raise NotFound("no such subscriber", field="subscriber")
        return self.sealer.unseal(sub.sealed_number, sub.subscriber_id)

    # -- recipients ----------------------------------------------------------------------

    def recipients_by_zone(self, alert: Alert) -> Iterator[tuple[str, Recipient]]:
        """(zone id, recipient) for everyone the alert reaches, each subscriber once (under
        the first of the alert's zones they are in), read zone by zone by key."""
        seen: set[str] = set()
        for zone_id in dict.fromkeys(alert.zones):
            for entry in self.store.zone_members(zone_id):
                if entry.subscriber_id in seen or not wants(entry, alert):
                    continue
                seen.add(entry.subscriber_id)
                yield zone_id, Recipient(entry.subscriber_id, text_language(entry.language, alert))

    def recipients(self, alert: Alert) -> Iterator[Recipient]:
        return (recipient for _, recipient in self.recipients_by_zone(alert))

    # -- helpers -------------------------------------------------------------------------

    def _normalise(self, number: str) -> str:
        return normalise_number(number, region=self.policy.region, allow_foreign=self.policy.allow_foreign)

    def _sealed(
        self, found: Subscriber | None, e164: str, sealed: tuple[str, bytes] | None
    ) -> tuple[str, bytes]:
        """The subscriber id and sealed number of a signup: a known subscriber keeps its own
        (the same number, as the lookup by keyed hash says), a new one takes `sealed`'s or a
        fresh id with the number sealed under it."""
        if found:
            return found.subscriber_id, found.sealed_number
        if sealed:
            return sealed
        sid = uuid.uuid4().hex
        return sid, self.sealer.seal(e164, sid)

    def _live(self, sub: Subscriber | None, now: float) -> Subscriber | None:
        """`sub`, unless it is a signup that lapsed (TTL deletes it some time later)."""
        if sub and sub.status == Status.PENDING and (sub.pending_until or 0) <= now:
            return None
        return sub

    def _recently_sent(self, sub: Subscriber, now: float) -> bool:
        window = self.policy.duplicate_window_minutes * 60
        return sub.confirmation_sent_at is not None and now - sub.confirmation_sent_at < window

    def _by_token(self, token: str, now: float) -> Subscriber:
        sub = self.store.get(manage_token.verify(self.mac, token, now))
        if sub is None:
            raise NotFound("this subscription no longer exists", field="subscription")
        return sub

    def _index(self, sub: Subscriber, old_zones: Iterable[str]) -> None:
        entry = ZoneEntry(sub.subscriber_id, sub.prefs.language, sub.prefs.categories, sub.prefs.tiers)
        for zone_id in set(old_zones) - set(sub.prefs.zones):
            self.store.unindex(zone_id, sub.subscriber_id)
        for zone_id in sub.prefs.zones:  # rewritten too: language or categories may have changed
            self.store.index(zone_id, entry)
        # A deletion between the conditional save and these puts removed only the entries it
        # had read; the new ones would outlive it (an alert's reach counting a deleted resident).
        if self.store.get(sub.subscriber_id) is None:
            for zone_id in sub.prefs.zones:
                self.store.unindex(zone_id, sub.subscriber_id)

    def _evidence(self, sub: Subscriber, event: str, channel: Channel, text: str, now: float) -> None:
        self.store.add_consent(Consent(sub.subscriber_id, sub.number_mac, event, channel, text, now, None))

    def _zone_names(self, prefs: Preferences) -> str:
        return ", ".join(self.zones.zone(z).name for z in prefs.zones)

    def _confirmation_text(self, prefs: Preferences) -> str:
        return self.catalog.text(
            prefs.language, "alerts.confirm", program=self.policy.program_name, zones=self._zone_names(prefs)
        )

    def _parse_join(self, body: str) -> tuple[str | None, str] | None:
        words = (body or "").upper().split()
        keywords = {k.upper(): v for k, v in self.policy.join_keywords.items()}
        if len(words) == 2 and words[0] in keywords:
            return self._join_zone(words[1]), keywords[words[0]]
        if len(words) == 1 and words[0] in keywords:
            return None, keywords[words[0]]  # "JOIN" alone: a signup naming no zone
        if len(words) == 1 and self.policy.bare_zip_joins and words[0].isdigit() and len(words[0]) == 5:
            return self._join_zone(words[0]), FALLBACK
        return None

    def _join_zone(self, word: str) -> str | None:
        keywords = {k.upper(): v for k, v in self.policy.zone_keywords.items()}
        if word in keywords:
            return keywords[word] if keywords[word] in self.zones else None
        try:
            zone_id = zip_zone_id(word)
        except ZoneError:
            return None
        return zone_id if zone_id in self.zones else None


def wants(entry: ZoneEntry, alert: Alert) -> bool:
    """Whether a subscriber's tiers and categories take this alert (emergency: always)."""
    if alert.tier != Tier.EMERGENCY and alert.tier not in entry.tiers:
        return False
    if not alert.categories or not entry.categories:
        return True  # an uncategorised alert, or a subscriber who wants every category
    return bool(set(alert.categories) & set(entry.categories))


def text_language(language: str, alert: Alert) -> str:
    """The alert's language closest to the subscriber's: theirs, its base, English, or the
    first the alert has. Never drops the subscriber: an alert without their language still
    reaches them."""
    base = language.split("-", 1)[0]
    for candidate in (language, base, FALLBACK):
        if candidate in alert.texts:
            return candidate
    return sorted(alert.texts)[0]


def _base(language: str) -> str:
    return language.lower().split("-", 1)[0]
