"""CAP 1.2 / Atom rendering of a sent alert: every CAP document validates against the OASIS
schema and uses the fields the way the real IPAWS messages in the reference data do."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rtcc.alerts.cap import (
    ATOM_NS,
    CAP_MIME,
    CAP_NS,
    MAX_POLYGON_POINTS,
    TIER_CAP,
    CapPublisher,
    cap_categories,
    cap_polygons,
    render_atom_feed,
    render_cap,
    render_cap_feed,
    render_public_page,
)
from rtcc.alerts.model import Alert, Tier
from rtcc.alerts.zones import ZoneMap

from tests.reference import reference_path

C = {"cap": CAP_NS}
A = {"a": ATOM_NS}
SENT = datetime(2026, 12, 1, 20, 15, 30, 123456, tzinfo=UTC)
SUPERVISOR = "sgt.morales"
PUBLISHER = CapPublisher(
    "alerts@springfield.example", "Springfield Police", "https://rtcc.springfield.example/"
)


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(reference_path("cap", "CAP-v1.2.xsd")))


def _alert(
    alert_id="evt-1",
    tier=Tier.EMERGENCY,
    sent_at=SENT,
    zones=("downtown", "ward-2", "zip:98104", "zip:01013"),
):
    return Alert(
        alert_id=alert_id,
        tier=tier,
        headline={"en": "Police activity near City Hall", "es": "Actividad policial cerca del Ayuntamiento"},
        texts={
            "en": "Avoid 4th Ave & Main. Shelter in place.",
            "es": "Evite 4th Ave y Main. Quédese adentro.",
        },
        zones=zones,
        categories=("Crime", "traffic"),
        sent_at=sent_at,
        expires_at=sent_at + timedelta(hours=2) if sent_at else None,
        sender=SUPERVISOR,
    )


def _ipaws_examples():
    folder = reference_path("cap", "CAP-v1.2.xsd").parent
    return sorted(folder.glob("ipaws-*.xml")) + sorted(folder.glob("v1dot2_appendix_*.xml"))


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_renders_a_schema_valid_cap_document(schema, tier):
    document = render_cap(_alert(tier=tier), ZoneMap.demo(), PUBLISHER)
    schema.validate(document.decode())
    root = ET.fromstring(document)
    for info in root.findall("cap:info", C):
        assert (
            info.findtext("cap:urgency", namespaces=C),
            info.findtext("cap:severity", namespaces=C),
            info.findtext("cap:certainty", namespaces=C),
        ) == TIER_CAP[tier]


def test_the_reference_examples_validate_too(schema):
    # The validator and schema accept real IPAWS traffic: a failure above is ours, not theirs.
    examples = _ipaws_examples()
    assert len(examples) >= 2
    for path in examples:
        schema.validate(str(path))


def _fields(element, ns=CAP_NS):
    return [child.tag.removeprefix(f"{{{ns}}}") for child in element]


def test_fields_are_used_as_ipaws_uses_them(schema):
    ours = ET.fromstring(render_cap(_alert(), ZoneMap.demo(), PUBLISHER))
    ipaws = ET.parse(reference_path("cap", "ipaws-5e7e0fc5023f1930efcf3deb.xml")).getroot()
    # The header: the same elements in the same order (IPAWS adds its own <code>).
    header = [f for f in _fields(ours) if f != "info"]
    assert [f for f in _fields(ipaws) if f in header] == header
    time_format = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
    assert time_format.match(ipaws.findtext("cap:sent", namespaces=C))
    assert ours.findtext("cap:sent", namespaces=C) == "2026-12-01T20:15:30+00:00"
    ref_info, infos = ipaws.find("cap:info", C), ours.findall("cap:info", C)
    assert [i.findtext("cap:language", namespaces=C) for i in infos] == ["en-US", "es-US"]
    assert ref_info.findtext("cap:language", namespaces=C) == "en-US"
    spec_info = ET.parse(reference_path("cap", "v1dot2_appendix_adot3.xml")).getroot().find("cap:info", C)
    for info in infos:  # every info field we use, IPAWS (or the spec's example) uses, in that order
        used = list(dict.fromkeys(_fields(info)))
        assert [f for f in _fields(ref_info) if f in used] == [
            f for f in used if f not in ("description", "web")
        ]
        assert {"description", "web"} <= set(_fields(spec_info))
    # Polygons in the same "lat,lon lat,lon ..." form, closed.
    point = r"-?\d+\.\d+,-?\d+\.\d+"
    polygon = re.compile(rf"^{point}( {point}){{3,}}$")
    ref_polygon = ipaws.findtext(".//cap:polygon", namespaces=C)
    assert polygon.match(ref_polygon)
    ours_polygons = [p.text for p in ours.iter(f"{{{CAP_NS}}}polygon")]
    assert ours_polygons and all(polygon.match(p) for p in ours_polygons)
    assert all(p.split()[0] == p.split()[-1] for p in ours_polygons)
    lat, lon = map(float, ours_polygons[0].split()[0].split(","))
    assert 47 < lat < 48 and -123 < lon < -122  # lat first, as CAP says (GeoJSON is lon first)


def test_areas_name_the_zones_and_geocode_the_zips():
    root = ET.fromstring(render_cap(_alert(), ZoneMap.demo(), PUBLISHER))
    areas = root.find("cap:info", C).findall("cap:area", C)
    assert [a.findtext("cap:areaDesc", namespaces=C) for a in areas] == [
        "Downtown",
        "Ward 2",
        "ZIP 98104",
        "ZIP 01013",
    ]
    assert [len(a.findall("cap:polygon", C)) for a in areas] == [1, 1, 1, 0]  # 01013 has no shape
    assert [g.findtext("cap:value", namespaces=C) for g in root.iter(f"{{{CAP_NS}}}geocode")][:2] == [
        "98104",
        "01013",
    ]
    es = root.findall("cap:info", C)[1]
    assert es.findtext("cap:event", namespaces=C) == "Alerta de emergencia"
    assert es.findtext("cap:description", namespaces=C).startswith("Evite")
    assert es.findtext("cap:web", namespaces=C) == "https://rtcc.springfield.example/alerts?lang=es#evt-1"
    assert [c.text for c in es.findall("cap:category", C)] == ["Security", "Transport"]


def _circle(points):
    angles = [2 * math.pi * i / points for i in range(points)]
    ring = [[-122.33 + 0.01 * math.cos(a), 47.6 + 0.01 * math.sin(a)] for a in angles]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_detailed_and_multipart_boundaries_are_simplified_and_kept(schema):
    detailed = _circle(5000)
    hole = [[-122.331, 47.599], [-122.329, 47.599], [-122.329, 47.601], [-122.331, 47.599]]
    detailed["coordinates"].append(hole)
    islands = {
        "type": "MultiPolygon",
        "coordinates": [_circle(300)["coordinates"], [[[0, 0], [0.1, 0], [0, 0.1], [0, 0]]]],
    }
    zones = ZoneMap.from_geojson(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": "big", "properties": {"name": "Big"}, "geometry": detailed},
                {"type": "Feature", "id": "isl", "properties": {"name": "Islands"}, "geometry": islands},
            ],
        }
    )
    (big,) = cap_polygons(zones.zone("big").geometry)
    assert 4 <= len(big.split()) <= MAX_POLYGON_POINTS
    assert len(cap_polygons(zones.zone("isl").geometry)) == 2
    document = render_cap(_alert(zones=("big", "isl")), zones, PUBLISHER)
    schema.validate(document.decode())
    assert len(document) < 20_000  # 5,000 + 300 input points


def test_identifier_sender_and_times_follow_the_spec(schema):
    publisher = CapPublisher(
        "alerts@springfield.example",
        "Springfield Police",
        "https://x.example",
        timezone="America/Los_Angeles",
    )
    alerts = [_alert(alert_id="a-1"), _alert(alert_id="a-2")]
    documents = [ET.fromstring(render_cap(a, ZoneMap.demo(), publisher)) for a in alerts]
    identifiers = [d.findtext("cap:identifier", namespaces=C) for d in documents]
    assert len(set(identifiers)) == 2
    assert not any(re.search(r"[\s,<&]", i) for i in identifiers)
    assert documents[0].findtext("cap:sent", namespaces=C) == "2026-12-01T12:15:30-08:00"
    assert documents[0].findtext(".//cap:expires", namespaces=C) == "2026-12-01T14:15:30-08:00"
    odd = _alert(sent_at=datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))))
    schema.validate(render_cap(odd, ZoneMap.demo(), publisher).decode())
    for bad in ("alerts springfield@x.org", "alerts@x,org", "alerts", "a<b@x.org"):
        with pytest.raises(ValueError, match="sender"):
            CapPublisher(bad, "Springfield Police", "https://x.example")
    with pytest.raises(ValueError, match="not sent yet"):
        render_cap(_alert(sent_at=None), ZoneMap.demo(), publisher)
    with pytest.raises(ValueError, match="unknown zone 'atlantis'"):
        render_cap(_alert(zones=("atlantis",)), ZoneMap.demo(), publisher)


def test_categories_map_to_caps_closed_list():
    assert cap_categories(["Crime", "police", "FIRE", "Weather", "bake sale"]) == [
        "Security",
        "Fire",
        "Met",
        "Other",
    ]
    assert cap_categories([]) == ["Safety"]


def test_feeds_link_each_alert_and_its_cap_document():
    older = _alert(alert_id="old", sent_at=SENT - timedelta(days=1))
    newer = _alert(alert_id="new")
    cap_feed = ET.fromstring(render_cap_feed([older, newer], PUBLISHER))
    atom = ET.fromstring(render_atom_feed([older, newer], PUBLISHER))
    for feed in (cap_feed, atom):
        assert feed.tag == f"{{{ATOM_NS}}}feed"
        assert feed.findtext("a:updated", namespaces=A) == "2026-12-01T20:15:30+00:00"
        entries = feed.findall("a:entry", A)
        assert [e.findtext("a:id", namespaces=A) for e in entries] == [
            "https://rtcc.springfield.example/alerts#new",
            "https://rtcc.springfield.example/alerts#old",
        ]
        assert all(
            e.findtext("a:title", namespaces=A) and e.findtext("a:updated", namespaces=A) for e in entries
        )
    cap_links = [
        (link.get("rel"), link.get("type"), link.get("href"))
        for link in cap_feed.find("a:entry", A).findall("a:link", A)
    ]
    assert (
        "alternate",
        CAP_MIME,
        "https://rtcc.springfield.example/api/public/alerts/sent/new.cap.xml",
    ) in cap_links
    pages = [
        link.get("hreflang")
        for link in atom.find("a:entry", A).findall("a:link", A)
        if link.get("type") == "text/html"
    ]
    assert pages == ["en", "es"]
    empty = ET.fromstring(render_cap_feed([], PUBLISHER, now=SENT))
    assert empty.findtext("a:updated", namespaces=A) == "2026-12-01T20:15:30+00:00"


def test_public_page_data_picks_the_language_and_says_when_expired():
    page = render_public_page(_alert(), ZoneMap.demo(), PUBLISHER, language="es-MX", now=SENT)
    assert page["language"] == "es" and page["text"].startswith("Evite")
    assert page["areas"] == ["Downtown", "Ward 2", "ZIP 98104", "ZIP 01013"]
    assert page["expired"] is False and page["links"]["cap"].endswith("/api/public/alerts/sent/evt-1.cap.xml")
    later = render_public_page(
        _alert(), ZoneMap.demo(), PUBLISHER, language="fr", now=SENT + timedelta(hours=3)
    )
    assert later["language"] == "en" and later["expired"] is True


def test_nothing_published_names_the_supervisor():
    alert = _alert()
    outputs = [
        render_cap(alert, ZoneMap.demo(), PUBLISHER).decode(),
        render_cap_feed([alert], PUBLISHER).decode(),
        render_atom_feed([alert], PUBLISHER).decode(),
        repr(render_public_page(alert, ZoneMap.demo(), PUBLISHER)),
    ]
    assert not [o for o in outputs if SUPERVISOR in o]


def test_control_characters_in_a_text_do_not_break_the_xml(schema):
    # "\f" is a GSM-7 character (the composer accepts it) but not an XML 1.0 one.
    alert = Alert(
        alert_id="ff",
        tier=Tier.ADVISORY,
        headline={"en": "Form\x0bfeed"},
        texts={"en": "Page one\fpage two\x00"},
        zones=("downtown",),
        categories=(),
        sent_at=SENT,
        expires_at=None,
        sender=SUPERVISOR,
    )
    document = render_cap(alert, ZoneMap.demo(), PUBLISHER)
    schema.validate(document.decode())
    assert ET.fromstring(document).findtext(".//cap:description", namespaces=C) == "Page one page two "
    ET.fromstring(render_atom_feed([alert], PUBLISHER))
    ET.fromstring(render_cap_feed([alert], PUBLISHER))
