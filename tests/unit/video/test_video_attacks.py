"""The video capability reviewed as an attacker would use it (server side): each test is an
attack that worked before its fix."""

from __future__ import annotations

from dataclasses import replace

from rtcc.cameras.model import CITY_OWNER

from tests.unit.video.test_live_desk import NOW, OFFICER, World, spot


# --- live sessions outliving the owner's choice -------------------------------------------------
def test_an_owners_camera_session_cannot_outlive_a_pause_or_a_closing_window_by_hours() -> None:
    """KVS session URLs cannot be revoked: with RTCC_VIDEO_SESSION_EXPIRY_S at 12 h, a URL
    taken a minute before an incident closed (or the owner paused) kept playing for 12 h."""
    for policy in ("incident", "always"):
        world = World(spot(policy=policy))
        desk = replace(world.desk(), expiry_s=43_200)
        out = desk.open_session(OFFICER, "cam-0123456789ab")
        assert world.sessions.asked == [("rtcc-cam-cam-0123456789ab", 300)]
        assert out["expires_at"] == "2026-05-01T12:05:00Z"
        ((_, _, detail),) = world.audits
        assert detail["expires_at"] == out["expires_at"]
    assert NOW.isoformat().startswith("2026-05-01T12:00")


def test_the_citys_cameras_keep_the_configured_session_length() -> None:
    world = World(spot("city-main", owner_id=CITY_OWNER, level="city", policy="always"))
    out = replace(world.desk(), expiry_s=3_600).open_session(OFFICER, "city-main")
    assert world.sessions.asked == [("rtcc-cam-city-main", 3_600)]
    assert out["expires_at"] == "2026-05-01T13:00:00Z"
