"""A nearest question's plan is bounded everywhere on the globe: near a pole (where a
degree of longitude shrinks to nothing) it is refused at once, never an endless plan."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rtcc.cameras import cells
from rtcc.errors import Invalid


@pytest.mark.parametrize(("lat", "radius_m"), [(90, 25), (-90, 25), (89.99, 400), (70, 5000)])
def test_a_plan_past_the_budget_is_a_422_naming_radius(lat: float, radius_m: int) -> None:
    with pytest.raises(Invalid) as refused:
        cells.nearest_plan(lat, 0, radius_m)
    assert refused.value.status == 422 and str(refused.value).startswith("radius_m:")


@pytest.mark.parametrize("lat", [0, 30, 47.6, 60, 64.1, -60])
def test_the_widest_radius_is_planned_up_to_65_degrees(lat: float) -> None:
    rings = cells.nearest_plan(lat, 0, 5000)
    assert 0 < sum(len(r.cells) for r in rings) <= cells.MAX_NEAREST_CELLS


@settings(max_examples=200, deadline=2000)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    radius=st.integers(25, 5000),
)
def test_every_point_gets_a_bounded_plan_or_a_422(lat: float, lon: float, radius: int) -> None:
    try:
        rings = cells.nearest_plan(lat, lon, radius)
    except Invalid:
        return
    assert sum(len(r.cells) for r in rings) <= cells.MAX_NEAREST_CELLS
