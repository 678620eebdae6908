"""Distances and directions on the earth, for "which cameras are near this point, and which
of them face it".

Pure functions (no I/O). A city is small next to the earth, but the haversine formula costs
little more than an equirectangular guess and stays right near the poles and for the
widest request radius, so every distance here is a great-circle one.
"""

from __future__ import annotations

import math

#: Mean earth radius (metres), IUGG: the figure geohash cell sizes are converted with too.
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 towards point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360


def angle_between(a_deg: float, b_deg: float) -> float:
    """The smaller angle between two bearings, 0..180."""
    diff = abs(a_deg - b_deg) % 360
    return min(diff, 360 - diff)


def faces(
    cam_lat: float,
    cam_lon: float,
    cam_bearing: int | None,
    lat: float,
    lon: float,
    fov_deg: float = 90,
) -> bool:
    """Whether a camera pointing at `cam_bearing` sees the point within ±fov/2.

    A camera with no bearing is never "facing" (nothing says it is); a camera standing on
    the point itself is (whichever way it looks, the point is in the picture's foot)."""
    if cam_bearing is None:
        return False
    if distance_m(cam_lat, cam_lon, lat, lon) < 1.0:
        return True
    return angle_between(bearing_deg(cam_lat, cam_lon, lat, lon), cam_bearing) <= fov_deg / 2


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) at a latitude: the
    local scale a cell's size in degrees is turned into metres with."""
    per_lat = math.pi * EARTH_RADIUS_M / 180
    return per_lat, per_lat * max(math.cos(math.radians(lat)), 1e-12)
