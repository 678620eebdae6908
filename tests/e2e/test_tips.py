"""Anonymous tips in the browser against the local stack: a web tip with a photo from
/tip reaches the officer inbox without a reload, the officer sees the photo and replies,
the tipster reads the reply on /tip/follow-up; a text from the /dev/phone simulator
reaches the inbox and the officer's reply reaches the phone; the /tip page on a phone."""

from __future__ import annotations

import random
import re
import struct
import time
import zlib
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import TEST_CITY_CENTER
from tests.e2e.browser import DESKTOP, PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

CODE = re.compile(r"T-[2-9A-HJKMNP-Z]{4,8}")


def png(width: int = 48, height: int = 32) -> bytes:
    """A small red-and-white striped PNG, written by hand (no file shipped with the test)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((220, 30, 30) if (x // 6) % 2 else (250, 250, 250)) for x in range(width))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def open_inbox(page: Any, sign_in: Any, role: str = "officer") -> None:
    sign_in(page, role)
    page.evaluate("location.hash = '#/tips'")
    page.wait_for_selector("#tips-empty:not([hidden]), .tip-item")  # the first list has loaded
    # Set after the inbox loaded: still there later proves nothing reloaded the page.
    page.evaluate("window.__noReload = true")


def no_reload(page: Any) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def test_web_tip_with_photo_reaches_the_officer_who_replies(
    new_page, sign_in, local_stack, screenshot
) -> None:
    officer = new_page(DESKTOP)
    open_inbox(officer, sign_in)

    tipster = new_page(PHONE)
    hosts: set[str] = set()
    sent: list[dict] = []
    tipster.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    tipster.on(
        "request",
        lambda r: (
            sent.append(r.post_data_json)
            if r.url.endswith("/api/public/tips") and r.method == "POST"
            else None
        ),
    )
    tipster.goto(local_stack.base_url + "/tip")
    text = f"Bikes stolen from the rack at the library, seen at {time.time():.0f}"
    tipster.fill("#tip-text", text)
    tipster.set_input_files(
        "#tip-files", files=[{"name": "rack.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(tipster.locator(".file-row")).to_have_count(1)
    tipster.click("#tip-send")
    expect(tipster.locator("#tip-receipt")).to_be_visible()
    code = tipster.inner_text("#tip-code").strip()
    passphrase = tipster.inner_text("#tip-passphrase").strip()
    assert CODE.fullmatch(code) and re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", passphrase)
    expect(tipster.locator(".file-row .file-status")).to_have_text("Sent", timeout=20_000)
    screenshot(tipster, "tip-sent-phone")
    # Only what the tipster typed: no location (no pin dropped), one attachment described.
    assert sent == [
        {
            "text": text,
            "latitude": None,
            "longitude": None,
            "attachments": [{"content_type": "image/png", "size": len(png())}],
        }
    ]
    # The page itself never talked to anyone but our origin and the S3 endpoint of the form.
    aws = urlparse(local_stack.aws_endpoint_url).netloc
    assert hosts <= {urlparse(local_stack.base_url).netloc, aws}, hosts

    # The inbox shows it within 5 s of sending (poll every 3 s), without a reload.
    item = officer.locator(f".tip-item[data-code='{code}']")
    expect(item).to_be_visible(timeout=8_000)
    expect(item).to_contain_text("Bikes stolen")
    expect(officer.locator("#tips-unread")).to_be_visible()
    assert no_reload(officer)

    item.locator("a").click()
    expect(officer.locator("#tip-code")).to_have_text(code)
    expect(officer.locator("#tip-alias")).not_to_be_empty()
    # The photo is previewed once the media consumer has checked and stored it.
    image = officer.locator("#tip-thread img.tip-media-img")
    expect(image).to_be_visible(timeout=45_000)
    officer.wait_for_function("img => img.complete && img.naturalWidth === 48", arg=image.element_handle())
    screenshot(officer, "tip-detail-desktop")

    reply = "Thank you. Which rack, the front or the side entrance?"
    officer.fill("#tip-reply-text", reply)
    officer.click("#tip-reply-send")
    expect(officer.locator(".tip-msg-out").last).to_contain_text(reply)

    tipster.click("#tip-follow-up-link")
    tipster.wait_for_url(re.compile(r"/tip/follow-up$"))
    tipster.fill("#follow-up-code", code.lower())
    tipster.fill("#follow-up-passphrase", passphrase)
    tipster.click("#follow-up-open")
    thread = tipster.locator("#follow-up-thread")
    expect(thread.locator("[data-sender='investigator']")).to_contain_text(reply)
    expect(thread.locator("[data-sender='you']").first).to_contain_text("File: received")
    assert horizontal_overflow(tipster) == 0
    screenshot(tipster, "tip-follow-up-phone")

    # The tipster adds information; it reaches the open tip in the console.
    tipster.fill("#follow-up-text", "The side entrance, near the bins.")
    tipster.click("#follow-up-send")
    expect(thread.locator("[data-sender='you']").last).to_contain_text("near the bins")
    expect(officer.locator(".tip-msg-in").last).to_contain_text("near the bins", timeout=10_000)


def test_sms_tip_from_the_phone_simulator(new_page, sign_in, local_stack, screenshot) -> None:
    officer = new_page(DESKTOP)
    open_inbox(officer, sign_in, "supervisor")

    number = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
    phone = new_page(PHONE)
    phone.goto(f"{local_stack.base_url}/dev/phone?from={number.replace('+', '%2B')}")
    expect(phone.locator("#from")).to_have_value(number)
    # The lines capabilities declare; the tip line is the first and the default.
    expect(phone.locator("#line option[value='tips']")).to_have_text("Tip line (+15550100100)")
    expect(phone.locator("#line")).to_have_value("tips")
    phone.fill("#body", "Someone is dealing out of the blue van on Oak St")
    phone.check("#image")
    phone.click("#send")
    ack = phone.locator("#thread li[data-source='twiml']")
    expect(ack).to_contain_text("received")
    code = CODE.search(ack.inner_text()).group(0)  # type: ignore[union-attr]
    screenshot(phone, "dev-phone-ack")

    item = officer.locator(f".tip-item[data-code='{code}']")
    expect(item).to_be_visible(timeout=8_000)
    expect(item).to_contain_text("blue van")
    assert no_reload(officer)
    item.locator("a").click()
    expect(officer.locator("#tip-code")).to_have_text(code)
    # Officers see the code and the alias, never the number.
    assert number not in officer.content() and number[2:] not in officer.inner_text("body")
    expect(officer.locator("#tip-thread img.tip-media-img")).to_be_visible(timeout=45_000)

    reply = "Thanks. Is the van there now?"
    officer.fill("#tip-reply-text", reply)
    officer.click("#tip-reply-send")
    expect(officer.locator(".tip-msg-out").last).to_contain_text(reply)
    # The reply goes out through the queue and the vault to the local outbox; the phone polls it.
    sent = phone.locator("#thread li[data-source='outbox'][data-line='tips']")
    expect(sent).to_contain_text(reply, timeout=30_000)
    # Labelled by line, with the delivery status the stand-in's callbacks report.
    expect(sent.locator("small")).to_contain_text("Tip line · delivered", timeout=15_000)
    screenshot(phone, "dev-phone-reply")

    # Triage from the console: assign to me, categorise, save.
    officer.click("#tip-assign-me")
    officer.select_option("#tip-category", "drugs")
    officer.fill("#tip-case", "2024-000123")
    officer.click("#tip-save")
    expect(officer.locator("#tip-status")).to_have_value("assigned")
    expect(officer.locator(".tip-facts")).to_contain_text("2024-000123")
    screenshot(officer, "tip-sms-detail-desktop")


def test_tip_page_on_a_phone(new_page, local_stack, screenshot) -> None:
    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/tip")
    page.wait_for_selector("#tip-send")
    assert horizontal_overflow(page) == 0
    # Nothing is sent about where the tipster is until they ask for it.
    assert page.evaluate("typeof window.L") == "object"
    assert page.locator(".leaflet-container").count() == 0, (
        "the map (and its tile requests) waits for the tipster"
    )

    # Empty tip: a plain error, nothing sent.
    page.click("#tip-send")
    expect(page.locator("#tip-form .message-error")).to_contain_text("write what you know")

    # Files the tip line cannot take are refused here, with the reason.
    page.set_input_files(
        "#tip-files",
        files=[
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"},
            {"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"0" * (5 * 1024 * 1024)},
        ],
    )
    notice = page.locator(".file-notice")
    expect(notice).to_contain_text("notes.txt")
    expect(notice).to_contain_text("limit is 5 MB")
    expect(page.locator(".file-row")).to_have_count(0)

    # The map opens (a plain grid: the tests configure no tile server) and takes a pin.
    page.click("#tip-location-open")
    expect(page.locator("#tip-map .tip-grid-tile").first).to_be_visible(timeout=10_000)
    page.click("#tip-map", position={"x": 120, "y": 120})
    expect(page.locator("#tip-location-status")).to_contain_text("Pin placed at")
    # The map opened on the deploying city (config.json mapCenter), not the whole country.
    lat, lon = (
        float(v)
        for v in page.locator("#tip-location-status").inner_text().split("at ")[1].rstrip(".").split(", ")
    )
    assert abs(lat - TEST_CITY_CENTER[0]) < 0.1 and abs(lon - TEST_CITY_CENTER[1]) < 0.1
    assert horizontal_overflow(page) == 0
    screenshot(page, "tip-form-phone")
    page.click("#tip-location-clear")
    expect(page.locator("#tip-location-status")).to_have_text("No place marked.")


def test_follow_up_with_a_wrong_passphrase(new_page, local_stack) -> None:
    created = requests.post(
        local_stack.base_url + "/api/public/tips",
        json={"text": "Loud party every night at 9 Pine"},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    code = created.json()["code"]

    page = new_page(PHONE)
    page.goto(local_stack.base_url + "/tip/follow-up")
    error = page.locator("#follow-up-form .message-error")
    messages = []
    for try_code in (code, "T-ZZZZ"):  # an existing code and one that is (almost surely) not
        page.fill("#follow-up-code", try_code)
        page.fill("#follow-up-passphrase", "AAAA-BBBB-CCCC-DDDD")
        page.click("#follow-up-open")
        expect(error).to_be_visible()
        messages.append(error.inner_text())
        page.evaluate("document.querySelector('#follow-up-form .message').hidden = true")
    assert (
        messages[0] == messages[1] == "That tip code and passphrase do not match. Check both and try again."
    )
    expect(page.locator("#follow-up-thread")).to_have_count(0)
    assert horizontal_overflow(page) == 0


def test_without_a_tile_server_placing_a_pin_contacts_no_other_site(new_page, local_stack) -> None:
    """No map_tiles (the `make dev` default): the page says no map pictures are loaded, and
    opening the map, panning, zooming and placing a pin request nothing from any origin but
    the stack's own. A tile server would see the tipster's address and where they look."""
    assert requests.get(local_stack.base_url + "/config.json", timeout=30).json()["mapTiles"] is None
    page = new_page(PHONE)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(local_stack.base_url + "/tip")
    page.wait_for_selector("#tip-send")
    expect(page.locator("#tip-map-source")).to_have_text(re.compile(r"loads no pictures from anywhere"))
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    (img,) = re.findall(r"img-src ([^;]+)", csp or "")
    assert img.split() == ["'self'", "data:", "blob:"]

    page.click("#tip-location-open")
    expect(page.locator("#tip-map .tip-grid-tile").first).to_be_visible(timeout=10_000)
    expect(page.locator("#tip-map img.leaflet-tile")).to_have_count(0)
    expect(page.locator("#tip-map-notice")).to_be_hidden()
    box = page.locator("#tip-map").bounding_box()
    assert box
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -300)  # zoom in: new grid squares, still no pictures
    page.mouse.down()  # and pan
    page.mouse.move(middle[0] - 80, middle[1] - 60, steps=8)
    page.mouse.up()
    page.click("#tip-map", position={"x": 150, "y": 120})
    expect(page.locator("#tip-location-status")).to_contain_text("Pin placed at")
    page.wait_for_load_state("networkidle")
    ours = urlparse(local_stack.base_url).netloc
    assert requested and {urlparse(url).netloc for url in requested if not url.startswith("data:")} == {ours}


def test_with_a_tile_server_the_page_names_it_and_loads_pictures_only_from_it(
    new_page, local_stack, monkeypatch
) -> None:
    """A city's own tile server (map_tiles): the page names it before the map opens, the
    CSP lets exactly its origin through, and the map's pictures come from it."""
    from rtcc.settings import reload_settings

    monkeypatch.setenv("RTCC_MAP_TILES", "https://tiles.city.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("RTCC_MAP_TILES_ATTRIBUTION", "City <b>GIS</b>")
    reload_settings()
    try:
        page = new_page(PHONE)
        tiles: list[str] = []

        def serve_tile(route: Any) -> None:
            tiles.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=png(256, 256))

        page.route("https://tiles.city.example/**", serve_tile)
        page.goto(local_stack.base_url + "/tip")
        expect(page.locator("#tip-map-source")).to_contain_text("come from tiles.city.example")
        assert tiles == [], "no picture before the tipster opens the map"
        csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
        (img,) = re.findall(r"img-src ([^;]+)", csp or "")
        assert img.split() == ["'self'", "data:", "blob:", "https://tiles.city.example"]
        page.click("#tip-location-open")
        expect(page.locator("#tip-map img.leaflet-tile-loaded").first).to_be_visible(timeout=10_000)
        # The credit is shown as text, never as markup.
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("City <b>GIS</b>")
        page.click("#tip-map", position={"x": 120, "y": 120})
        expect(page.locator("#tip-location-status")).to_contain_text("Pin placed at")
        assert tiles and all(url.startswith("https://tiles.city.example/") for url in tiles)
    finally:
        monkeypatch.undo()
        reload_settings()
