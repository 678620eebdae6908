"""Live video in the console (#/live/...) in real Chromium through the local stack, every
function under its deployed IAM, the video itself through the local Kinesis Video stand-in
(rtcc.local.kvs_media): PutMedia in, HLS out.

A resident registers integrated cameras through the public routes (their streams made by
camera-streams from its queue) and a camera agent's PutMedia feeds one
(tests/support/kvs_feed.py). An officer opens the camera whose owner shares live any time:
the API grants a session and the page plays it (the video's currentTime advances) and says how
far behind live it is. A camera whose owner shares footage on request only: the API answers
403, the page says the owner's policy does not allow it, and the audit log holds `video.refused`.
An incident's grid (reached from the operations map's incident panel) shows at most 4 players,
the nearest camera playing. Every page fits 375 px and is axe-clean.

The test drives the console as an officer would; how the API decides is its own tests' business
(tests/integration/video/)."""

from __future__ import annotations

import math
import random
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from rtcc.cameras.model import stream_name

from tests.e2e.browser import DESKTOP, PHONE, TIMEZONE, horizontal_overflow
from tests.e2e.test_accessibility import AXE, violations
from tests.integration.cameras.registry_helpers import call, verified_owner

pytestmark = pytest.mark.e2e

#: The demo city's box (rtcc/alerts/demo_city.geojson): cameras must be inside it.
CITY = ((47.6015, 47.6105), (-122.3385, -122.3265))


def _axe_clean(page: Any) -> None:
    if AXE.exists():  # tests/e2e/test_accessibility.py says when axe-core is not installed
        assert violations(page) == []


def _spot() -> tuple[float, float]:
    (s, n), (w, e) = CITY
    return round(s + random.random() * (n - s), 6), round(w + random.random() * (e - w), 6)


def _feed():
    from tests.support.kvs_feed import feed

    return feed


def _cameras(local_stack: Any, spots: list[tuple[float, float]], policy: str) -> tuple[str, list[str]]:
    """Integrated cameras of one freshly verified owner, through the portal's route; their
    streams made by camera-streams (the registry records each stream's name)."""
    from rtcc.cameras.registry_dynamodb import get_camera

    owner_id, _, token = verified_owner(local_stack)
    ids = []
    for n, (lat, lon) in enumerate(spots):
        body = {"name": f"Porch {n + 1}", "type": "doorbell", "lat": lat, "lon": lon, "bearing_deg": 90}
        r = call(
            local_stack, "POST", "/portal/cameras", token, body | {"level": "integrate", "policy": policy}
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["camera"]["camera_id"])
    deadline = time.time() + 60
    while time.time() < deadline and not all((c := get_camera(i)) and c.stream_name for i in ids):
        time.sleep(0.5)
    assert all(get_camera(i).stream_name == stream_name(i) for i in ids), "camera-streams made no stream"
    return owner_id, ids


def _motion(local_stack: Any, owner_id: str, camera_id: str) -> None:
    """A motion event as the camera's agent posts it (its motion token, `rtcc cameras provision`)."""
    from rtcc.cameras.registry_dynamodb import stream_since
    from rtcc.video import agent_tokens

    # Bound to the camera's current stream, as the admin route and provisioning mint it.
    token = agent_tokens.issue(owner_id, camera_id, 1, since=stream_since(camera_id))
    at = (datetime.now(UTC) - timedelta(seconds=2)).isoformat()
    r = requests.post(
        local_stack.base_url + "/api/public/video/motion",
        json={"camera_id": camera_id, "at": at, "score": 0.4},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 202, r.text


def _audit(api: Any, action: str, target: str) -> list[dict]:
    r = api.as_role("auditor").get("/api/audit", params={"action": action})
    assert r.status_code == 200, r.text
    return [e for e in r.json()["entries"] if e.get("target") == target]


def _console(page: Any) -> list[str]:
    """What the page says in its console (a CSP or CORS refusal of the HLS origin shows here)."""
    said: list[str] = []
    hide = re.compile(r"SessionToken=[^&'\"\s]+")  # a credential for the stream: not in test output
    page.on("console", lambda m: said.append(hide.sub("SessionToken=...", f"{m.type}: {m.text}")))
    page.on(
        "requestfailed", lambda r: said.append(hide.sub("SessionToken=...", f"failed: {r.url} {r.failure}"))
    )
    return said


def _playing(page: Any, selector: str, said: list[str]) -> None:
    try:
        expect(page.locator(selector)).to_have_attribute("data-state", "playing", timeout=30_000)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nthe page's console: {said}") from None


def _advancing(page: Any, selector: str, seconds: float = 3) -> None:
    """The player's video plays: currentTime moves on by more than a second in `seconds`."""
    video = page.locator(f"{selector} video")
    first = video.evaluate("v => v.currentTime")
    page.wait_for_timeout(seconds * 1000)
    later = video.evaluate("v => v.currentTime")
    assert later > first + 1, (first, later)


def test_an_officer_watches_a_camera_its_owner_shares_live(
    new_page, sign_in, local_stack, api, screenshot
) -> None:
    lat, lon = _spot()
    owner_id, (camera_id,) = _cameras(local_stack, [(lat, lon)], "always")
    feeder = _feed()(local_stack, stream_name(camera_id), seconds=45, live=True)
    try:
        feeder.wait_persisted(1)
        officer = new_page(PHONE)
        said = _console(officer)
        sign_in(officer, "officer")
        # From the operations map: an integrated camera's marker is a button into its live view
        # (zoomed in all the way, so no other test's camera shares its cluster).
        officer.evaluate(f"location.hash = '#/map/@{lat:.6f},{lon:.6f},19'")
        # Its agent reports motion: the map's motion layer shows it, a way into the live view too.
        _motion(local_stack, owner_id, camera_id)
        officer.check("#ops-layer-motion")
        moved = officer.locator(".leaflet-marker-icon.ops-motion[aria-label^='Motion at Porch 1 at ']")
        expect(moved.first).to_have_attribute("aria-label", re.compile(r": watch live$"))
        pin = officer.locator(".leaflet-marker-icon.ops-camera[aria-label^='Camera Porch 1: Integrated']")
        expect(pin.first).to_have_attribute("aria-label", re.compile(r"Live any time, .*: watch live$"))
        with officer.expect_response(re.compile(r"/api/video/sessions$")) as answer:
            pin.first.focus()
            officer.keyboard.press("Enter")
        assert answer.value.status == 200
        assert officer.evaluate("location.hash") == f"#/live/{camera_id}"
        player = f".live-player[data-camera='{camera_id}']"
        _playing(officer, player, said)
        _advancing(officer, player)
        expect(officer.locator(f"{player} .live-latency")).to_have_text(
            re.compile(r"^\d+\.\d s behind live$")
        )
        expect(officer.locator(f"{player} .live-name")).to_have_text("Porch 1")
        video = officer.locator(f"{player} video")
        assert video.evaluate("v => [v.muted, v.playsInline, v.autoplay]") == [True, True, True]
        assert _audit(api, "video.viewed", camera_id), "the view was not audited"
        assert horizontal_overflow(officer) == 0
        screenshot(officer, "live-video-camera")
        _axe_clean(officer)
        _save_clip(officer, camera_id, feeder, said)
    finally:
        feeder.stop()


def _local_input(epoch_s: float) -> str:
    """An instant as <input type=datetime-local> takes it in the tests' browser zone."""
    return datetime.fromtimestamp(epoch_s, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%dT%H:%M:%S")


def _save_clip(officer: Any, camera_id: str, feeder: Any, said: list[str]) -> None:
    """Save clip to case, under the player: a bad case number is marked, then the stretch the
    agent has sent is saved to the case (lane K's video-clip) and its SHA-256 shown."""
    form = officer.locator(f".clip-form[data-camera='{camera_id}']")
    officer.locator(".clip-summary").click()
    case_input = form.locator("input[id^='clip-case']")
    case_input.fill("no spaces")
    form.locator("button[type=submit]").click()
    expect(case_input).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".message")).to_contain_text("case_number")
    sent = feeder.persisted()
    start_s = math.ceil(feeder.sent[0].producer_ms / 1000)
    end_s = max(start_s + 2, math.floor(sent[-1]["FragmentTimecode"] / 1000) + 1)
    form.locator("input[id^='clip-start']").fill(_local_input(start_s))
    form.locator("input[id^='clip-end']").fill(_local_input(end_s))
    case = f"VC-{secrets.token_hex(3)}"
    case_input.fill(case)
    form.locator("button[type=submit]").click()
    try:
        expect(form.locator(".message")).to_contain_text(
            f"saved to case {case} in 1 part(s): SHA-256 ", timeout=60_000
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nthe page's console: {said}") from None
    assert horizontal_overflow(officer) == 0
    _axe_clean(officer)


def test_the_player_renews_its_session_and_reconnects_after_a_dropout(
    new_page, sign_in, local_stack, api
) -> None:
    """The API's sessions are answered as expiring in 40 s (the page's view of them; KVS's own
    minimum is 300 s): the player asks for a new one before then and keeps playing. The HLS
    origin then drops every request for a few seconds: the player says it reconnects, and plays
    again once the origin answers."""
    _, (camera_id,) = _cameras(local_stack, [_spot()], "always")
    feeder = _feed()(local_stack, stream_name(camera_id), seconds=90, live=True)
    try:
        feeder.wait_persisted(1)
        officer = new_page(PHONE)
        said = _console(officer)

        def short_lived(route: Any) -> None:
            answer = route.fetch()
            body = answer.json()
            if answer.status == 200:
                body["expires_at"] = (datetime.now(UTC) + timedelta(seconds=40)).isoformat()
            route.fulfill(response=answer, json=body)

        officer.route(re.compile(r"/api/video/sessions$"), short_lived)
        sign_in(officer, "officer")
        officer.evaluate(f"location.hash = '#/live/{camera_id}'")
        player = f".live-player[data-camera='{camera_id}']"
        _playing(officer, player, said)
        with officer.expect_response(re.compile(r"/api/video/sessions$"), timeout=30_000) as renewed:
            pass  # renewal is due 30 s before the answered expiry: 10 s in
        assert renewed.value.status == 200
        _playing(officer, player, said)
        _advancing(officer, player)
        assert len(_audit(api, "video.viewed", camera_id)) >= 2  # each session is an audited view

        media = re.compile(re.escape(local_stack.kvs_media.url) + r"/.*")
        officer.route(media, lambda route: route.abort())
        expect(officer.locator(player)).to_have_attribute("data-state", "reconnecting", timeout=30_000)
        expect(officer.locator(f"{player} .live-status")).to_contain_text("Reconnecting")
        officer.wait_for_timeout(3000)
        officer.unroute(media)
        expect(officer.locator(player)).to_have_attribute("data-state", "playing", timeout=45_000)
        _advancing(officer, player)
    finally:
        feeder.stop()


def _visibility(page: Any, hidden: bool) -> None:
    """The tab hidden or shown again, as a phone's browser reports it when put away."""
    page.evaluate(
        "h => { Object.defineProperty(document, 'hidden', {value: h, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


def test_a_page_hidden_for_a_minute_stops_its_player_and_starts_it_when_shown(
    new_page, sign_in, local_stack
) -> None:
    _, (camera_id,) = _cameras(local_stack, [_spot()], "always")
    feeder = _feed()(local_stack, stream_name(camera_id), seconds=60, live=True)
    try:
        feeder.wait_persisted(1)
        officer = new_page(PHONE)
        officer.clock.install()  # time flows as usual until the test moves it on
        said = _console(officer)
        sign_in(officer, "officer")
        officer.evaluate(f"location.hash = '#/live/{camera_id}'")
        player = f".live-player[data-camera='{camera_id}']"
        _playing(officer, player, said)
        _visibility(officer, True)
        officer.clock.fast_forward(61_000)
        expect(officer.locator(player)).to_have_attribute("data-state", "stopped")
        expect(officer.locator(f"{player} video")).not_to_have_attribute("src", re.compile("."))
        with officer.expect_response(re.compile(r"/api/video/sessions$")) as again:
            _visibility(officer, False)
        assert again.value.status == 200
        _playing(officer, player, said)
    finally:
        feeder.stop()


def test_a_browser_without_media_source_plays_the_stream_natively(new_page, sign_in, local_stack) -> None:
    """As an iPhone before iOS 17.1: no Media Source Extensions, so no hls.js; the video element
    plays the session's HLS URL itself (the page's CSP names the HLS origin in media-src)."""
    _, (camera_id,) = _cameras(local_stack, [_spot()], "always")
    feeder = _feed()(local_stack, stream_name(camera_id), seconds=45, live=True)
    try:
        feeder.wait_persisted(1)
        officer = new_page(PHONE)
        officer.add_init_script("window.MediaSource = undefined; window.ManagedMediaSource = undefined;")
        said = _console(officer)
        sign_in(officer, "officer")
        officer.evaluate(f"location.hash = '#/live/{camera_id}'")
        player = f".live-player[data-camera='{camera_id}']"
        _playing(officer, player, said)
        _advancing(officer, player)
        src = officer.locator(f"{player} video").evaluate("v => v.src")
        assert src.startswith(local_stack.kvs_media.url) and "getHLSMasterPlaylist.m3u8" in src
    finally:
        feeder.stop()


def test_a_camera_its_owner_shares_on_request_only_is_refused_in_words(
    new_page, sign_in, local_stack, api
) -> None:
    _, (camera_id,) = _cameras(local_stack, [_spot()], "request")
    officer = new_page(PHONE)
    sign_in(officer, "officer")
    with officer.expect_response(re.compile(r"/api/video/sessions$")) as answer:
        officer.evaluate(f"location.hash = '#/live/{camera_id}'")
    assert answer.value.status == 403
    player = officer.locator(f".live-player[data-camera='{camera_id}']")
    expect(player).to_have_attribute("data-state", "refused")
    expect(player.locator(".live-status")).to_contain_text(
        "The owner's policy does not allow live view of this camera now"
    )
    expect(player.locator(".live-retry")).to_be_visible()
    refused = _audit(api, "video.refused", camera_id)
    assert refused and refused[0]["actor"] == local_stack.users["officer"]
    assert horizontal_overflow(officer) == 0
    _axe_clean(officer)


def test_an_incidents_grid_from_the_map_holds_at_most_four_players(
    new_page, sign_in, local_stack, api, screenshot
) -> None:
    lat, lon = _spot()
    # Five cameras 10..50 m east of the incident: the grid holds the nearest four.
    spots = [(lat, round(lon + 0.00013 * (n + 1), 6)) for n in range(5)]
    _, ids = _cameras(local_stack, spots, "always")
    r = api.as_role("officer").post("/api/incidents", json={"lat": lat, "lon": lon, "type": "Shots fired"})
    assert r.status_code in (200, 201), r.text
    incident_id = r.json()["incident"]["incident_id"]
    feeder = _feed()(local_stack, stream_name(ids[0]), seconds=45, live=True)
    try:
        feeder.wait_persisted(1)
        officer = new_page(DESKTOP)
        said = _console(officer)
        sign_in(officer, "officer")
        # Live video's own page lists the open incidents, each a way into its grid.
        officer.click("#nav a[data-view=live]")
        expect(officer.locator(f"#live-incidents a[href='#/live/incident/{incident_id}']")).to_have_text(
            "Shots fired: nearest cameras"
        )
        _axe_clean(officer)
        officer.evaluate(f"location.hash = '#/map/@{lat:.6f},{lon:.6f},18'")
        officer.locator(f"#ops-incident-list li[data-incident='{incident_id}'] button").click()
        expect(officer.locator(f"#ops-nearest li[data-camera='{ids[0]}'] a.ops-watch")).to_have_text(
            "Watch live"
        )
        officer.click("#ops-watch-incident")
        players = officer.locator("#live-grid .live-player")
        expect(players).to_have_count(4, timeout=30_000)
        nearest = f"#live-grid .live-player[data-camera='{ids[0]}']"
        _playing(officer, nearest, said)
        _advancing(officer, nearest)
        assert ids[4] not in officer.locator("#live-grid .live-player").evaluate_all(
            "ps => ps.map(p => p.dataset.camera)"
        )
        screenshot(officer, "live-video-incident-grid")
        _axe_clean(officer)
        officer.set_viewport_size(PHONE)
        assert horizontal_overflow(officer) == 0
        _axe_clean(officer)
    finally:
        feeder.stop()
