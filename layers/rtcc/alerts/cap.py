"""Public rendering of a sent alert: a CAP 1.2 <alert>, the Atom feeds, the public page's data.

CAP 1.2 (OASIS) is what IPAWS, Google Public Alerts and emergency-management tools read.
Every document built here validates against the OASIS schema (tests run xmlschema over it)
and follows the field usage of the real IPAWS messages in ../shared/reference-data/cap:
one <info> per language (`en-US`, `es-US`, as in the spec's appendix A.4), urgency, severity
and certainty from the tier (below), one <area> per zone with CAP "lat,lon" polygons and
ZIP geocodes.

Feeds. The schema's only root is a single <alert>, so there is no standard CAP "container";
like the NWS (api.weather.gov) and Google Public Alerts, the CAP feed is an Atom feed whose
entries link (rel="alternate", type="application/cap+xml") to each alert's own CAP document,
which stays individually valid and signable. A second Atom feed links entries to the public
pages, for feed readers.

What is public: the city's CAP sender id and name, and the alert as sent. Never the
supervisor who sent it (`Alert.sender`), a subscriber, or a count of them.

Tier -> CAP (urgency, severity, certainty):
  Emergency  -> Immediate, Severe,   Observed   (act now; an observed threat to life or
                property: the combination WEA "imminent threat" alerts use)
  Advisory   -> Expected,  Moderate, Likely     (act soon: a road closure for a police
                operation, a boil-water notice)
  Community  -> Future,    Minor,    Likely     (information: an event, a meeting, a
                planned closure)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote
from zoneinfo import ZoneInfo

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.zones import ZIP_PREFIX, Zone, ZoneMap

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Atom elements are built unqualified under a literal xmlns attribute: ElementTree's
# default_namespace cannot serialize the unqualified attributes (rel, href) Atom needs.
_ATOM = ""

#: IPAWS refuses polygons over 100 points; simpler polygons also keep each document small
#: enough for feed readers and WEA gateways (a 1,000-point ward boundary is ~30 KB per area).
MAX_POLYGON_POINTS = 100
#: ~1 m at these latitudes: finer than any zone boundary needs, and short.
COORDINATE_DECIMALS = 5

TIER_CAP = {
    Tier.EMERGENCY: ("Immediate", "Severe", "Observed"),
    Tier.ADVISORY: ("Expected", "Moderate", "Likely"),
    Tier.COMMUNITY: ("Future", "Minor", "Likely"),
}
# CAP <event> in the info's language (appendix A.4 gives the Spanish info a Spanish event);
# other languages fall back to English until the message catalogs carry these names.
EVENT_NAMES = {
    "en": {Tier.EMERGENCY: "Emergency Alert", Tier.ADVISORY: "Advisory", Tier.COMMUNITY: "Community Notice"},
    "es": {
        Tier.EMERGENCY: "Alerta de emergencia",
        Tier.ADVISORY: "Aviso",
        Tier.COMMUNITY: "Aviso comunitario",
    },
}
CAP_CATEGORIES = tuple("Geo Met Safety Security Rescue Fire Health Env Transport Infra CBRNE Other".split())
# The composer's resident-facing categories -> CAP's closed list; a category that already
# is a CAP category (any case) maps to itself; anything else is "Other".
CATEGORY_TO_CAP = {
    "crime": "Security",
    "police": "Security",
    "public safety": "Safety",
    "traffic": "Transport",
    "roads": "Transport",
    "transit": "Transport",
    "weather": "Met",
    "missing person": "Rescue",
    "utilities": "Infra",
    "water": "Infra",
    "power": "Infra",
    "environment": "Env",
    "events": "Other",
    "community": "Other",
}
# CAP 1.2 section 3.2.1: sender and identifier carry no spaces, commas, "<" or "&".
_SENDER = re.compile(r"^[^\s,<&@]+@[^\s,<&@]+\.[^\s,<&@]+$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class CapPublisher:
    """Who publishes, and where: from the deploy config (`alerts.cap_sender`, city name, URL)."""

    sender: str  # CAP <sender>: globally unique, email-ish ("alerts@springfield.gov")
    sender_name: str  # CAP <senderName>: the agency residents know ("Springfield Police")
    base_url: str  # the public base URL the pages and feeds are served from
    region: str = "US"  # "en" -> "en-US" in CAP <language>
    timezone: str = "UTC"  # CAP times carry an offset; IPAWS senders use local time

    def __post_init__(self) -> None:
        if not _SENDER.match(self.sender):
            raise ValueError(
                f"sender: {self.sender!r} is not an email-style id without spaces, commas, '<' or '&'"
            )
        if not self.sender_name.strip():
            raise ValueError("sender_name: required")
        if not re.match(r"^https?://[^\s/]+", self.base_url):
            raise ValueError(f"base_url: {self.base_url!r} is not an http(s) URL")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        ZoneInfo(self.timezone)  # an unknown zone fails here, not mid-publish

    def identifier(self, alert: Alert) -> str:
        # Unique per sender because alert ids are; alert ids are [A-Za-z0-9_-] only.
        return f"rtcc-{alert.alert_id}"

    # Where rtcc.api.routes.alerts_feed serves them. The public page is one static page,
    # `/alerts`, that shows the alert its fragment names (static pages have fixed paths).
    def page_url(self, alert_id: str, language: str | None = None) -> str:
        query = f"?lang={quote(language)}" if language else ""
        return f"{self.base_url}/alerts{query}#{quote(alert_id)}"

    def cap_url(self, alert_id: str) -> str:
        return f"{self.base_url}/api/public/alerts/sent/{quote(alert_id)}.cap.xml"

    def cancel_url(self, alert_id: str) -> str:
        """Where the CAP Cancel of a cancelled alert is served."""
        return f"{self.base_url}/api/public/alerts/sent/{quote(alert_id)}.cancel.cap.xml"

    @property
    def atom_url(self) -> str:
        return f"{self.base_url}/api/public/alerts/feed.atom"

    @property
    def cap_feed_url(self) -> str:
        return f"{self.base_url}/api/public/alerts/cap.xml"

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)


def cap_time(value: datetime, tz: tzinfo) -> str:
    """CAP's dateTime: seconds, an explicit offset, never "Z" (the schema's pattern refuses it)."""
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def cap_language(language: str, region: str) -> str:
    return language if "-" in language else f"{language}-{region}"


def cap_categories(categories: Iterable[str]) -> list[str]:
    by_lower = {c.lower(): c for c in CAP_CATEGORIES}
    mapped = [
        by_lower.get(c.strip().lower()) or CATEGORY_TO_CAP.get(c.strip().lower(), "Other") for c in categories
    ]
    return list(dict.fromkeys(mapped)) or ["Safety"]


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = CAP_NS) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag)
    if text is not None:
        # ElementTree writes control characters as they are, and XML 1.0 forbids them: one form
        # feed (a legal GSM-7 character) in an SMS text would make the whole feed unparseable.
        element.text = _XML_INVALID.sub(" ", text)
    return element


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    pair = _sub(parent, tag)
    _sub(pair, "valueName", name)
    _sub(pair, "value", value)


def _require_sent(alert: Alert) -> datetime:
    if alert.sent_at is None:
        raise ValueError(f"alert {alert.alert_id}: not sent yet; only sent alerts are published")
    return alert.sent_at


def _outline(polygon: Polygon) -> Polygon:
    """The polygon's outer ring, simplified until it has at most MAX_POLYGON_POINTS points.

    CAP polygons have no holes: the outer ring is used, so an alert's area can only be larger
    than the zone (residents in a hole are told too), never smaller.
    """
    outline = Polygon(polygon.exterior)
    tolerance = 10**-COORDINATE_DECIMALS
    while len(outline.exterior.coords) > MAX_POLYGON_POINTS and tolerance < 1:
        outline = Polygon(polygon.exterior).simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    if len(outline.exterior.coords) > MAX_POLYGON_POINTS:
        outline = polygon.envelope  # pathological input: the bounding box still covers it
    return outline


def cap_polygons(geometry: BaseGeometry) -> list[str]:
    """CAP <polygon> texts: "lat,lon" pairs separated by spaces, first point repeated last."""
    parts = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    texts = []
    for part in parts:
        points: list[str] = []
        for lon, lat in _outline(part).exterior.coords:
            point = f"{lat:.{COORDINATE_DECIMALS}f},{lon:.{COORDINATE_DECIMALS}f}"
            if not points or points[-1] != point:  # rounding can merge neighbours
                points.append(point)
        if points[0] != points[-1]:
            points.append(points[0])
        if len(points) >= 4:  # CAP: at least four points, a closed ring
            texts.append(" ".join(points))
    return texts


def _zones_of(alert: Alert, zones: ZoneMap) -> list[Zone]:
    # A ZIP the city has no shape for is still a valid target (geocode only); any other
    # unknown id is a caller error (ZoneError names it).
    out = []
    for zone_id in alert.zones:
        if zone_id not in zones and zone_id.startswith(ZIP_PREFIX):
            out.append(Zone(zone_id, zone_id[len(ZIP_PREFIX) :], "zip", None))
        else:
            out.append(zones.zone(zone_id))
    return out


def _area(info: ET.Element, zone: Zone) -> None:
    area = _sub(info, "area")
    _sub(area, "areaDesc", f"ZIP {zone.name}" if zone.is_zip else zone.name)
    for polygon in cap_polygons(zone.geometry) if zone.geometry is not None else []:
        _sub(area, "polygon", polygon)
    if zone.is_zip:
        _pair(area, "geocode", "ZIP", zone.zone_id[len(ZIP_PREFIX) :])


def _headline(alert: Alert, language: str) -> str:
    return alert.headline.get(language) or next(iter(alert.headline.values()))


def _info(root: ET.Element, alert: Alert, language: str, zones: list[Zone], publisher: CapPublisher) -> None:
    info = _sub(root, "info")
    _sub(info, "language", cap_language(language, publisher.region))
    for category in cap_categories(alert.categories):
        _sub(info, "category", category)
    names = EVENT_NAMES.get(language.split("-")[0].lower(), EVENT_NAMES["en"])
    _sub(info, "event", names[alert.tier])
    urgency, severity, certainty = TIER_CAP[alert.tier]
    _sub(info, "urgency", urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", certainty)
    if alert.expires_at is not None:
        _sub(info, "expires", cap_time(alert.expires_at, publisher.tz))
    _sub(info, "senderName", publisher.sender_name)
    _sub(info, "headline", _headline(alert, language))
    _sub(info, "description", alert.texts[language])
    _sub(info, "web", publisher.page_url(alert.alert_id, language))
    for zone in zones:
        _area(info, zone)


def render_cap(alert: Alert, zones: ZoneMap, publisher: CapPublisher, status: str = "Actual") -> bytes:
    """The sent alert as one CAP 1.2 <alert> document (UTF-8 bytes with an XML declaration).

    `status` is "Actual" for real alerts; "Test" or "Exercise" for drills, which receivers
    must not show to the public.
    """
    sent = _require_sent(alert)
    if status not in ("Actual", "Exercise", "System", "Test", "Draft"):
        raise ValueError(f"status: {status!r} is not a CAP status")
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", publisher.identifier(alert))
    _sub(root, "sender", publisher.sender)
    _sub(root, "sent", cap_time(sent, publisher.tz))
    _sub(root, "status", status)
    _sub(root, "msgType", "Alert")
    _sub(root, "source", publisher.sender_name)
    _sub(root, "scope", "Public")
    targets = _zones_of(alert, zones)
    for language in alert.texts:
        _info(root, alert, language, targets, publisher)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True, default_namespace=CAP_NS)


#: A Cancel says what stopped, not why: the public learns nothing of who cancelled.
CANCEL_NOTE = "Cancelled by the sender: the remaining texts of this alert were not sent."


def cap_reference(alert: Alert, publisher: CapPublisher) -> str:
    """The original as a CAP <references> entry: "sender,identifier,sent" (CAP 1.2 3.2.1)."""
    return f"{publisher.sender},{publisher.identifier(alert)},{cap_time(_require_sent(alert), publisher.tz)}"


def render_cap_cancel(alert: Alert, cancelled_at: datetime, publisher: CapPublisher) -> bytes:
    """The CAP 1.2 Cancel of a sent alert a supervisor cancelled: its own identifier, sent at
    the cancel, `msgType` Cancel and <references> naming the original, so receivers (IPAWS
    aggregators, Google Public Alerts) withdraw it. No <info>: a Cancel needs none, and the
    original's stays the record of what was said."""
    reference = cap_reference(alert, publisher)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", f"{publisher.identifier(alert)}-cancel")
    _sub(root, "sender", publisher.sender)
    _sub(root, "sent", cap_time(max(cancelled_at, _require_sent(alert)), publisher.tz))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", "Cancel")
    _sub(root, "source", publisher.sender_name)
    _sub(root, "scope", "Public")
    _sub(root, "note", CANCEL_NOTE)
    _sub(root, "references", reference)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True, default_namespace=CAP_NS)


def _atom_link(parent: ET.Element, href: str, rel: str, mime: str, hreflang: str | None = None) -> None:
    link = _sub(parent, "link", ns=_ATOM)
    link.set("rel", rel)
    link.set("type", mime)
    link.set("href", href)
    if hreflang:
        link.set("hreflang", hreflang)


def _entry(feed: ET.Element, alert: Alert, publisher: CapPublisher, cap: bool) -> None:
    sent = cap_time(_require_sent(alert), publisher.tz)
    language = next(iter(alert.texts))
    entry = _sub(feed, "entry", ns=_ATOM)
    entry.set(_XML_LANG, cap_language(language, publisher.region))
    # The same entry id in both feeds: it names the alert, not the representation.
    _sub(entry, "id", publisher.page_url(alert.alert_id), _ATOM)
    _sub(entry, "title", _headline(alert, language), _ATOM)
    _sub(entry, "updated", sent, _ATOM)
    _sub(entry, "published", sent, _ATOM)
    _sub(entry, "summary", alert.texts[language], _ATOM)
    _sub(entry, "category", ns=_ATOM).set("term", alert.tier.value)
    if cap:
        _atom_link(entry, publisher.cap_url(alert.alert_id), "alternate", CAP_MIME)
        _atom_link(entry, publisher.page_url(alert.alert_id), "related", "text/html")
        return
    for other in alert.texts:  # Atom allows one alternate per (type, hreflang)
        _atom_link(entry, publisher.page_url(alert.alert_id, other), "alternate", "text/html", other)
    _atom_link(entry, publisher.cap_url(alert.alert_id), "related", CAP_MIME)


def _cancel_entry(feed: ET.Element, alert: Alert, at: datetime, publisher: CapPublisher) -> None:
    """The CAP index's entry for an alert's Cancel: its own id, linking the Cancel document."""
    language = next(iter(alert.texts))
    entry = _sub(feed, "entry", ns=_ATOM)
    entry.set(_XML_LANG, cap_language(language, publisher.region))
    _sub(entry, "id", publisher.cancel_url(alert.alert_id), _ATOM)
    _sub(entry, "title", f"Cancelled: {_headline(alert, language)}", _ATOM)
    _sub(entry, "updated", cap_time(at, publisher.tz), _ATOM)
    _sub(entry, "summary", CANCEL_NOTE, _ATOM)
    _sub(entry, "category", ns=_ATOM).set("term", alert.tier.value)
    _atom_link(entry, publisher.cancel_url(alert.alert_id), "alternate", CAP_MIME)
    _atom_link(entry, publisher.page_url(alert.alert_id), "related", "text/html")


def _feed(
    alerts: Iterable[Alert],
    publisher: CapPublisher,
    cap: bool,
    now: datetime | None,
    cancelled: Mapping[str, datetime] | None = None,
) -> bytes:
    # Each entry at its time: an alert when sent, its Cancel (CAP index only) when cancelled.
    entries = [(_require_sent(a), a, False) for a in alerts]
    entries += [
        (cancelled[a.alert_id], a, True) for _, a, _ in list(entries) if a.alert_id in (cancelled or {})
    ]
    entries.sort(key=lambda e: e[0], reverse=True)
    self_url = publisher.cap_feed_url if cap else publisher.atom_url
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(feed, "id", self_url, _ATOM)
    _sub(feed, "title", f"{publisher.sender_name}: {'CAP alerts' if cap else 'alerts'}", _ATOM)
    updated = entries[0][0] if entries else (now or datetime.now(UTC))
    _sub(feed, "updated", cap_time(updated, publisher.tz), _ATOM)
    _sub(_sub(feed, "author", ns=_ATOM), "name", publisher.sender_name, _ATOM)
    _atom_link(feed, self_url, "self", "application/atom+xml")
    _atom_link(feed, f"{publisher.base_url}/alerts", "alternate", "text/html")
    for at, alert, is_cancel in entries:
        if is_cancel:
            _cancel_entry(feed, alert, at, publisher)
        else:
            _entry(feed, alert, publisher, cap)
    return ET.tostring(feed, encoding="UTF-8", xml_declaration=True)


def render_atom_feed(alerts: Iterable[Alert], publisher: CapPublisher, now: datetime | None = None) -> bytes:
    """Atom feed for people's feed readers: entries link to the public pages, one per language."""
    return _feed(alerts, publisher, cap=False, now=now)


def render_cap_feed(
    alerts: Iterable[Alert],
    publisher: CapPublisher,
    now: datetime | None = None,
    cancelled: Mapping[str, datetime] | None = None,
) -> bytes:
    """The CAP feed: an Atom index whose entries link to each alert's CAP 1.2 document, and,
    for each alert in `cancelled` ({alert id: when}), to its CAP Cancel."""
    return _feed(alerts, publisher, cap=True, now=now, cancelled=cancelled)


def _page_language(alert: Alert, wanted: str | None) -> str:
    if wanted in alert.texts:
        return wanted
    base = (wanted or "").split("-")[0].lower()
    return next((lang for lang in alert.texts if lang.split("-")[0].lower() == base), next(iter(alert.texts)))


def render_public_page(
    alert: Alert,
    zones: ZoneMap,
    publisher: CapPublisher,
    language: str | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    """What the public alert page shows (JSON-ready), in `language` or the closest one sent."""
    sent = _require_sent(alert)
    lang = _page_language(alert, language)
    now = now or datetime.now(UTC)
    return {
        "id": alert.alert_id,
        "tier": alert.tier.value,
        "language": lang,
        "languages": list(alert.texts),
        "headline": _headline(alert, lang),
        "text": alert.texts[lang],
        "categories": list(alert.categories),
        "areas": [z.name if not z.is_zip else f"ZIP {z.name}" for z in _zones_of(alert, zones)],
        "senderName": publisher.sender_name,
        "sentAt": cap_time(sent, publisher.tz),
        "expiresAt": cap_time(alert.expires_at, publisher.tz) if alert.expires_at else None,
        "expired": alert.expires_at is not None and alert.expires_at <= now,
        "links": {
            "cap": publisher.cap_url(alert.alert_id),
            "atom": publisher.atom_url,
            "pages": {other: publisher.page_url(alert.alert_id, other) for other in alert.texts},
        },
    }
