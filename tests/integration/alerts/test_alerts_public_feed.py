"""The public feed reads what supervisors sent, through the local stack with the API
function under its deployed IAM (GetItem and Query on the `alerts` table): an alert sent
through /api/alerts is at once on the anonymous feeds, its CAP document validates against
the OASIS schema and does not name the supervisor who sent it (an Emergency awaiting its
second supervisor has no send time and is left out: tests/unit/alerts)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from rtcc.alerts.cap import ATOM_NS, CAP_NS

from tests.integration.alerts.test_alert_sending import send, subscribe
from tests.reference import reference_path

pytestmark = pytest.mark.integration


def anonymous(base: str, path: str) -> requests.Response:
    return requests.get(base + path, timeout=30)


def test_a_sent_alert_is_published_at_once_without_login(local_stack: Any, api: Any) -> None:
    base = local_stack.base_url
    subscribe(base, "98104")
    sent = send(api, "zip:98104", {"en": "Water main break on 3rd Ave. Boil water.", "es": "Hierva el agua."})
    alert_id = sent["alert_id"]

    page = anonymous(base, f"/api/public/alerts/sent/{alert_id}?lang=es")
    assert page.status_code == 200, page.text
    assert page.json()["text"] == "Hierva el agua." and page.json()["areas"] == ["ZIP 98104"]
    cap = anonymous(base, f"/api/public/alerts/sent/{alert_id}.cap.xml")
    assert cap.status_code == 200 and cap.headers["content-type"].startswith("application/cap+xml")
    schema = pytest.importorskip("xmlschema").XMLSchema(str(reference_path("cap", "CAP-v1.2.xsd")))
    schema.validate(cap.content)
    assert ET.fromstring(cap.content).findtext(f"{{{CAP_NS}}}identifier") == f"rtcc-{alert_id}"
    assert sent["sender"] not in cap.text and sent["sender"] not in page.text

    for path in ("/api/public/alerts/feed.atom", "/api/public/alerts/cap.xml"):
        feed = anonymous(base, path)
        assert feed.status_code == 200, feed.text
        ids = [
            e.findtext(f"{{{ATOM_NS}}}id") for e in ET.fromstring(feed.content).iter(f"{{{ATOM_NS}}}entry")
        ]
        assert f"{base}/alerts#{alert_id}" in ids
    listed = anonymous(base, "/api/public/alerts/sent").json()["alerts"]
    assert alert_id in [a["id"] for a in listed]


def test_a_cancelled_alert_publishes_a_cap_cancel_referencing_it(local_stack: Any, api: Any) -> None:
    base = local_stack.base_url
    subscribe(base, "98104")
    sent = send(api, "zip:98104", {"en": "Road closed on 3rd Ave.", "es": "Calle cerrada en 3rd Ave."})
    alert_id = sent["alert_id"]
    r = api.as_role("supervisor").post(f"/api/alerts/{alert_id}/cancel")
    assert r.status_code == 200, r.text

    cancel = anonymous(base, f"/api/public/alerts/sent/{alert_id}.cancel.cap.xml")
    assert cancel.status_code == 200 and cancel.headers["content-type"].startswith("application/cap+xml")
    pytest.importorskip("xmlschema").XMLSchema(str(reference_path("cap", "CAP-v1.2.xsd"))).validate(
        cancel.content
    )
    original = ET.fromstring(anonymous(base, f"/api/public/alerts/sent/{alert_id}.cap.xml").content)
    doc = ET.fromstring(cancel.content)
    assert doc.findtext(f"{{{CAP_NS}}}msgType") == "Cancel"
    fields = [original.findtext(f"{{{CAP_NS}}}{f}") for f in ("sender", "identifier", "sent")]
    assert doc.findtext(f"{{{CAP_NS}}}references") == ",".join(fields)  # type: ignore[arg-type]
    assert sent["sender"] not in cancel.text

    index = ET.fromstring(anonymous(base, "/api/public/alerts/cap.xml").content)
    ids = [e.findtext(f"{{{ATOM_NS}}}id") for e in index.iter(f"{{{ATOM_NS}}}entry")]
    assert f"{base}/api/public/alerts/sent/{alert_id}.cancel.cap.xml" in ids
    assert f"{base}/alerts#{alert_id}" in ids
