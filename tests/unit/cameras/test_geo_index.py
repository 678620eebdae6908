"""The nearest-cameras index against brute force: same answer, reads bounded by the answer."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rtcc.cameras import cells
from rtcc.cameras.geo_index import CameraGeoIndex
from rtcc.cameras.geometry import distance_m, faces
from rtcc.cameras.locator import rank_m
from rtcc.cameras.model import CameraSpot, NearbyCamera
from rtcc.errors import Invalid
from rtcc.lpr.geocells import BBox

CENTRE = (42.36, -71.06)


def _spot(
    i: int, lat: float, lon: float, bearing: int | None = None, status: str = "registered"
) -> CameraSpot:
    return CameraSpot(
        camera_id=f"cam-{i:012x}",
        owner_id=f"own-{i}",
        name=f"c{i}",
        lat=lat,
        lon=lon,
        bearing_deg=bearing,
        level="register",
        policy="request",
        status=status,  # type: ignore[arg-type]
    )


def _brute(
    spots: list[CameraSpot], lat: float, lon: float, count: int, radius: float
) -> list[tuple[float, str]]:
    near = [
        NearbyCamera(s, distance_m(s.lat, s.lon, lat, lon), faces(s.lat, s.lon, s.bearing_deg, lat, lon))
        for s in spots
        if s.status != "paused"
    ]
    near = [n for n in near if n.distance_m <= radius]
    ranked = sorted(near, key=lambda n: (rank_m(n), n.camera.camera_id))
    return [(round(rank_m(n), 6), n.camera.camera_id) for n in ranked[:count]]


def _city(n: int, seed: int, spread: float = 0.05) -> list[CameraSpot]:
    rnd = random.Random(seed)
    return [
        _spot(
            i,
            CENTRE[0] + rnd.uniform(-spread, spread),
            CENTRE[1] + rnd.uniform(-spread, spread),
            rnd.choice([None, *range(0, 360, 15)]),
            "paused" if rnd.random() < 0.05 else "registered",
        )
        for i in range(n)
    ]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 400),
    dlat=st.floats(-0.06, 0.06),
    dlon=st.floats(-0.06, 0.06),
    count=st.integers(1, 8),
    radius=st.sampled_from([50, 400, 1500, 5000]),
    spread=st.sampled_from([0.002, 0.05]),
)
def test_nearest_matches_brute_force(
    seed: int, n: int, dlat: float, dlon: float, count: int, radius: int, spread: float
) -> None:
    spots = _city(n, seed, spread)
    index = CameraGeoIndex(spots)
    lat, lon = CENTRE[0] + dlat, CENTRE[1] + dlon
    got = index.nearest(lat, lon, count=count, radius_m=radius)
    assert [(round(rank_m(c), 6), c.camera.camera_id) for c in got.cameras] == _brute(
        spots, lat, lon, count, radius
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 300), radius=st.sampled_from([30, 200, 800, 5000]))
def test_within_matches_brute_force(seed: int, n: int, radius: int) -> None:
    spots = _city(n, seed, 0.02)
    got = CameraGeoIndex(spots).within(*CENTRE, radius)
    want = sorted(
        s.camera_id for s in spots if s.status != "paused" and distance_m(s.lat, s.lon, *CENTRE) <= radius
    )
    assert sorted(c.camera.camera_id for c in got.cameras) == want
    assert [c.distance_m for c in got.cameras] == sorted(c.distance_m for c in got.cameras)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 300), half=st.floats(0.0005, 0.015))
def test_in_box_matches_brute_force(seed: int, n: int, half: float) -> None:
    spots = _city(n, seed, 0.03)
    box = BBox(CENTRE[0] - half, CENTRE[1] - half, CENTRE[0] + half, CENTRE[1] + half)
    got = CameraGeoIndex(spots).in_box(box, 10_000)
    assert sorted(s.camera_id for s in got) == sorted(
        s.camera_id for s in spots if box.contains(s.lat, s.lon)
    )
    assert len(CameraGeoIndex(spots).in_box(box, 3)) == min(3, len(got))


def test_reads_grow_with_the_answer_not_the_registry() -> None:
    # 50,000 cameras over a 10 km x 10 km city: nearest-4 reads a few dozen, not the registry.
    spots = _city(50_000, 7, 0.045)
    index = CameraGeoIndex(spots)
    rnd = random.Random(1)
    reads = []
    for _ in range(200):
        lat, lon = CENTRE[0] + rnd.uniform(-0.04, 0.04), CENTRE[1] + rnd.uniform(-0.04, 0.04)
        result = index.nearest(lat, lon, count=4, radius_m=400)
        assert len(result.cameras) == 4
        reads.append(result.items_read)
    assert max(reads) < 600, max(reads)
    assert sum(reads) / len(reads) < 250


def test_an_empty_outskirt_costs_bounded_reads() -> None:
    # The only camera is 4.5 km away: found within 5 km, with a bounded number of cells.
    index = CameraGeoIndex([_spot(1, CENTRE[0] + 0.04, CENTRE[1])])
    result = index.nearest(*CENTRE, count=4, radius_m=5000)
    assert [c.camera.camera_id for c in result.cameras] == ["cam-000000000001"]
    rings = list(cells.nearest_plan(*CENTRE, 5000))
    # 3 rings of precision 7, then precision-6 rings to 5 km: each an empty Query at most.
    assert sum(len(r.cells) for r in rings) < 400


def test_facing_preferred_among_near_equals() -> None:
    lat, lon = CENTRE
    # A camera 100 m north looking away; one 140 m south looking north at the point; one 50 m
    # west looking away.
    away = _spot(1, lat + 0.0009, lon, bearing=0)
    facing = _spot(2, lat - 0.00126, lon, bearing=0)
    close = _spot(3, lat, lon - 0.00061, bearing=270)
    got = CameraGeoIndex([away, facing, close]).nearest(lat, lon, count=3, radius_m=400)
    assert [c.camera.camera_id for c in got.cameras] == [close.camera_id, facing.camera_id, away.camera_id]
    assert [c.facing for c in got.cameras] == [False, True, False]


def test_paused_cameras_are_left_out_of_nearest_but_shown_in_the_box() -> None:
    spots = [_spot(1, *CENTRE, status="paused"), _spot(2, CENTRE[0] + 0.001, CENTRE[1])]
    index = CameraGeoIndex(spots)
    assert [c.camera.camera_id for c in index.nearest(*CENTRE, count=2, radius_m=400).cameras] == [
        "cam-000000000002"
    ]
    box = BBox(CENTRE[0] - 0.01, CENTRE[1] - 0.01, CENTRE[0] + 0.01, CENTRE[1] + 0.01)
    assert len(index.in_box(box, 10)) == 2


def test_put_moves_and_remove_forgets() -> None:
    index = CameraGeoIndex([_spot(1, *CENTRE)])
    index.put(_spot(1, CENTRE[0] + 0.03, CENTRE[1]))
    assert index.nearest(*CENTRE, count=1, radius_m=400).cameras == []
    index.remove("cam-000000000001")
    assert len(index) == 0
    assert index.nearest(CENTRE[0] + 0.03, CENTRE[1], count=1, radius_m=400).cameras == []


def test_box_plan_refuses_a_continent() -> None:
    with pytest.raises(Invalid, match="bbox"):
        cells.box_plan(BBox(20, -120, 50, -70))
    with pytest.raises(Invalid, match="bbox"):
        CameraGeoIndex([]).in_box(BBox(42.3, -71.1, 42.4, -71.0), 10)  # ~11 km x 8 km: zoom in
    precision, cover = cells.box_plan(BBox(42.35, -71.07, 42.37, -71.05))
    assert precision in (6, 7) and len(cover) <= cells.MAX_BOX_CELLS


def test_ring_cells_are_distinct_and_rings_disjoint() -> None:
    seen: set[str] = set()
    for r in range(4):
        ring = cells.ring_cells(*CENTRE, r, 7)
        assert len(ring) == (1 if r == 0 else 8 * r)
        assert not seen & set(ring)
        seen |= set(ring)


def test_camera_key_is_prefix_of_every_cell() -> None:
    area, key = cells.camera_key(*CENTRE, "cam-000000000001")
    assert key.startswith(area) and key.endswith("#cam-000000000001")
    assert cells.ring_cells(*CENTRE, 0, 7)[0] == key[:7]
