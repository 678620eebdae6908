"""The operations map (#/map) in real Chromium through the local stack, every function under
its deployed IAM: an officer's map is open; the city's CAD posts a signed incident next to a
city camera that shares live during incidents; the incident appears on the open map without
a reload, and its panel lists the nearest cameras with distance, facing and sharing policy.
The officer reports a second incident by tapping the map and closes it. The page fits 375 px
and is axe-clean there and at desk width (the tests' config has no tile server: the plain grid).

The test drives the console as an officer would and posts as CAD would (rtcc.cameras.cad's
signature); how the stack stores and publishes is not its business."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.cameras.incident_helpers import cad_message, city_camera, post_cad

pytestmark = pytest.mark.e2e


def _axe_clean(page: Any) -> None:
    if AXE.exists():  # tests/e2e/test_accessibility.py says when axe-core is not installed
        assert violations(page) == []


def _open_map(page: Any, sign_in: Any, lat: float, lon: float) -> None:
    """The officer's map, opened on the test's spot (#/map/@lat,lon,zoom: a link to a place)."""
    sign_in(page, "officer")
    page.evaluate(f"location.hash = '#/map/@{lat:.6f},{lon:.6f},17'")
    page.wait_for_selector("#ops-map.leaflet-container")
    page.wait_for_selector("#ops-incident-list li")


def test_a_cad_incident_appears_live_with_its_nearest_cameras(
    new_page, sign_in, local_stack, screenshot
) -> None:
    message = cad_message(type="Law:Burglary")
    lat, lon = message["location"]["lat"], message["location"]["lon"]
    camera = city_camera(lat + 0.0004, lon, "incident", bearing=180)  # ~45 m north, facing south

    officer = new_page(PHONE)
    _open_map(officer, sign_in, lat, lon)
    # The cameras layer (GET /api/map/layers/cameras): a labelled keyboard button per camera.
    pin = officer.locator(".leaflet-marker-icon.ops-camera[aria-label^='Camera Test camera: City camera']")
    expect(pin.first).to_have_attribute("role", "button")
    expect(pin.first).to_have_attribute("aria-label", re.compile("Live during incidents, live, faces 180"))
    assert horizontal_overflow(officer) == 0
    _axe_clean(officer)
    officer.wait_for_timeout(1500)  # the feed's first poll: the incident is news, not the first page

    answer = post_cad(local_stack, message)
    assert answer.status_code == 200, answer.text
    incident_id = answer.json()["incident_id"]

    # On the open map without a reload: in the list, and as a labelled marker.
    item = officer.locator(f"#ops-incident-list li[data-incident='{incident_id}'] button")
    expect(item).to_have_count(1, timeout=30_000)
    expect(item).to_contain_text("Law:Burglary")
    expect(officer.locator("#ops-announce")).to_contain_text("New incident")
    expect(
        officer.locator(".leaflet-marker-icon.ops-incident[aria-label*='Law:Burglary']").first
    ).to_be_attached()
    item.click()
    nearest = officer.locator(f"#ops-nearest li[data-camera='{camera.camera_id}']")
    expect(nearest).to_contain_text("Test camera")
    expect(nearest).to_contain_text("faces it")
    expect(nearest).to_contain_text("Live during incidents")
    expect(nearest).to_contain_text("Live now")
    expect(nearest).to_contain_text(" m ")
    expect(officer.locator("#ops-incident")).to_contain_text("caller Jane Roe")
    assert horizontal_overflow(officer) == 0
    screenshot(officer, "operations-map-cad-incident")
    _axe_clean(officer)

    desk = new_page(DESKTOP)
    _open_map(desk, sign_in, lat, lon)
    desk.locator(f"#ops-incident-list li[data-incident='{incident_id}'] button").click()
    expect(desk.locator(f"#ops-nearest li[data-camera='{camera.camera_id}']")).to_be_visible()
    _axe_clean(desk)


def test_report_by_tapping_the_map_then_close(new_page, sign_in, local_stack) -> None:
    officer = new_page(PHONE)
    _open_map(officer, sign_in, 44.0521, -123.0868)
    box = officer.locator("#ops-map").bounding_box()
    officer.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 + 20)
    expect(officer.locator("#ops-report-form")).to_be_visible()
    expect(officer.locator("#ops-where")).to_contain_text("At ")
    officer.fill("#ops-type", "Suspicious vehicle")
    officer.fill("#ops-notes", "Grey van, engine running")
    _axe_clean(officer)
    officer.click("#ops-report")
    title = officer.locator("#ops-incident-title")
    expect(title).to_contain_text("Suspicious vehicle (open)")
    officer.once("dialog", lambda dialog: dialog.accept())
    officer.click("#ops-close-incident")
    expect(title).to_contain_text("Suspicious vehicle (closed)")
    expect(
        officer.locator("#ops-incident-list button.ops-closed").filter(has_text="Suspicious vehicle").first
    ).to_be_visible()
    assert horizontal_overflow(officer) == 0
    _axe_clean(officer)
