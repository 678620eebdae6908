"""The nearest-cameras question at the edges of the map (found by the API fuzz run): a point
at or near a pole, where the geohash rings never pass the radius, or the widest radius far
north, is a 422 naming `radius_m` at once instead of a question that never ends (or outlasts
the client); the widest radius in an empty area up to ~65 degrees is answered, empty."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("lat", "lon", "radius_m"), [(90, 0, 25), (-90, 0, 400), (89.99, 10, 5000), (70, 0, 5000)]
)
def test_a_point_at_a_pole_is_a_precise_422(api: Any, lat: float, lon: float, radius_m: int) -> None:
    officer = api.as_role("officer")
    began = time.monotonic()
    r = officer.get("/api/cameras/nearest", params={"lat": lat, "lon": lon, "radius_m": radius_m}, timeout=30)
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith("radius_m:"), r.text
    assert time.monotonic() - began < 10


@pytest.mark.parametrize(("lat", "lon"), [(0, 0), (64.1, -21.9), (-60, 179.999)])
def test_the_widest_radius_in_an_empty_area_is_answered(api: Any, lat: float, lon: float) -> None:
    officer = api.as_role("officer")
    began = time.monotonic()
    r = officer.get("/api/cameras/nearest", params={"lat": lat, "lon": lon, "radius_m": 5000}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["cameras"] == []
    assert time.monotonic() - began < 25
