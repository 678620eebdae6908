"""The /signup page's address search from the deploy config: `[alerts] place_index` gives
the api function (and only it) the index's name and geo:SearchPlaceIndexForText on exactly
that index's ARN; without one, no function gets either. A name Location would refuse stops
the config."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from infra.config import Alerts
from tests.infra.conftest import Synth, env_readers
from tests.infra.iam_policy import as_list, role_statements

VARIABLE = "RTCC_ALERTS_PLACE_INDEX"
ACTION = "geo:SearchPlaceIndexForText"


def _geo_statements(synth: Synth, function: str) -> list[dict]:
    return [
        s for s in role_statements(synth, function) if any(a.startswith("geo:") for a in as_list(s["Action"]))
    ]


def test_the_place_index_reaches_the_api_with_the_one_search_on_the_one_index(configured: Synth) -> None:
    assert env_readers(configured, VARIABLE) == {"rtcc-api": "testville-places"}
    [statement] = _geo_statements(configured, "api")
    assert statement["Effect"] == "Allow" and as_list(statement["Action"]) == [ACTION]
    [resource] = as_list(statement["Resource"])
    text = json.dumps(resource)
    assert ":geo:" in text and ":place-index/testville-places" in text and "*" not in text
    for name in configured.stack.api.functions:
        if name != "api":
            assert _geo_statements(configured, name) == [], name


def test_without_a_place_index_no_function_searches(synth: Synth) -> None:
    assert env_readers(synth, VARIABLE) == {}
    for name in synth.stack.api.functions:
        assert _geo_statements(synth, name) == [], name


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 101])
def test_a_name_location_refuses_stops_the_config(name: str) -> None:
    assert Alerts(place_index="city-places.v2_1").place_index == "city-places.v2_1"
    with pytest.raises(ValidationError):
        Alerts(place_index=name)
