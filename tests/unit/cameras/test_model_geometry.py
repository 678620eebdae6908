"""The cameras vocabulary and its geometry: ids, stream names, distances, facing."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtcc.cameras import geometry
from rtcc.cameras.model import CameraSpot, is_camera_id, stream_name
from rtcc.settings import reload_settings


def _spot(**kw: object) -> CameraSpot:
    base: dict[str, object] = dict(
        camera_id="cam-0123456789ab",
        owner_id="own-1",
        name="porch",
        lat=42.36,
        lon=-71.06,
        bearing_deg=90,
        level="register",
        policy="request",
        status="registered",
    )
    base.update(kw)
    return CameraSpot(**base)  # type: ignore[arg-type]


def test_camera_ids() -> None:
    assert is_camera_id("cam-0123456789ab")
    assert is_camera_id("city-main-st-1")
    assert not is_camera_id("cam-0123456789AB")
    assert not is_camera_id("cam-0123")
    assert not is_camera_id("city-")
    assert not is_camera_id(None)


def test_stream_name_uses_the_deployment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCC_TABLE_PREFIX", "nh-")
    reload_settings()
    try:
        assert stream_name("cam-0123456789ab") == "nh-cam-cam-0123456789ab"
    finally:
        monkeypatch.delenv("RTCC_TABLE_PREFIX")
        reload_settings()
    assert stream_name("city-1") == "rtcc-cam-city-1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", 91.0),
        ("lon", -181.0),
        ("lat", math.nan),
        ("bearing_deg", 360),
        ("level", "x"),
        ("policy", "x"),
    ],
)
def test_spot_refuses_impossible_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        _spot(**{field: value})


def test_distance_known_values() -> None:
    # One degree of latitude is ~111.2 km; Boston to New York ~306 km.
    assert geometry.distance_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-3)
    assert geometry.distance_m(42.3601, -71.0589, 40.7128, -74.0060) == pytest.approx(306_000, rel=0.01)
    assert geometry.distance_m(10, 10, 10, 10) == 0


def test_bearing_cardinal_directions() -> None:
    assert geometry.bearing_deg(0, 0, 1, 0) == pytest.approx(0)
    assert geometry.bearing_deg(0, 0, 0, 1) == pytest.approx(90)
    assert geometry.bearing_deg(0, 0, -1, 0) == pytest.approx(180)
    assert geometry.bearing_deg(0, 0, 0, -1) == pytest.approx(270)


def test_facing() -> None:
    # The point is due east of the camera (~80 m).
    cam, point = (42.36, -71.06), (42.36, -71.059)
    assert geometry.faces(*cam, 90, *point)
    assert geometry.faces(*cam, 45, *point)  # edge of a 90 degree view
    assert not geometry.faces(*cam, 30, *point)
    assert not geometry.faces(*cam, 270, *point)
    assert not geometry.faces(*cam, None, *point)
    assert geometry.faces(*cam, 30, *point, fov_deg=180)
    assert geometry.faces(*cam, 270, *cam)  # standing on the point


@given(st.floats(0, 720), st.floats(0, 720))
def test_angle_between_is_symmetric_and_bounded(a: float, b: float) -> None:
    d = geometry.angle_between(a, b)
    assert 0 <= d <= 180
    assert d == pytest.approx(geometry.angle_between(b, a))


@given(st.floats(-60, 60), st.floats(-179, 179), st.floats(-0.05, 0.05), st.floats(-0.05, 0.05))
def test_distance_is_symmetric_and_near_the_flat_estimate(
    lat: float, lon: float, dlat: float, dlon: float
) -> None:
    d = geometry.distance_m(lat, lon, lat + dlat, lon + dlon)
    assert d == pytest.approx(geometry.distance_m(lat + dlat, lon + dlon, lat, lon), abs=1e-6)
    per_lat, per_lon = geometry.metres_per_degree(lat)
    flat = math.hypot(dlat * per_lat, dlon * per_lon)
    assert d == pytest.approx(flat, rel=0.01, abs=0.5)
