"""The /signup page's address search through the local stack: the api function's boto3
`location` client calls SearchPlaceIndexForText on `rtcc dev`'s stand-in, checked against
the api role's deployed grant (geo:SearchPlaceIndexForText on the one place index the config
names); without the grant the page gets a 503 and the call is refused as AWS would."""

from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = pytest.mark.integration

PLACES = "/api/public/alerts/places"


def search(local_stack: Any, **params: str) -> requests.Response:
    return requests.get(local_stack.base_url + PLACES, params=params, timeout=30)


def place_calls(local_stack: Any) -> list[dict]:
    r = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10)
    return [c for c in r.json()["calls"] if c["action"] == "geo:SearchPlaceIndexForText"]


def test_an_address_is_found_in_the_city_with_the_zones_a_pin_there_selects(local_stack: Any) -> None:
    from rtcc.local.places import DEMO_PLACE_INDEX

    on = search(local_stack)
    assert (on.status_code, on.json()) == (200, {"enabled": True, "results": []})
    found = search(local_stack, q="cobblestone", lang="es")
    assert found.status_code == 200, found.text
    [place] = found.json()["results"]
    assert place["label"].startswith("15 Cobblestone Street")
    assert place["zones"] == ["old-town", "ward-1", "zip:98104"]
    [call] = [c for c in place_calls(local_stack) if c["allowed"]]
    assert call["function"] == "api"
    assert call["resource"].endswith(f":place-index/{DEMO_PLACE_INDEX}")
    assert call["resource"].startswith("arn:aws:geo:")


def test_a_query_too_short_reaches_no_provider(local_stack: Any) -> None:
    before = sum(c["count"] for c in place_calls(local_stack))
    r = search(local_stack, q="ab")
    assert r.status_code == 422 and r.json()["code"] == "too_short"
    assert sum(c["count"] for c in place_calls(local_stack)) == before


def test_without_the_grant_search_is_unavailable_and_aws_refuses_it(local_stack: Any) -> None:
    with local_stack.without_grant("api", "geo:SearchPlaceIndexForText"):
        r = search(local_stack, q="harbor way")
    assert r.status_code == 503 and "pin" in r.json()["message"]
    assert any(not c["allowed"] and c["function"] == "api" for c in place_calls(local_stack))
    assert len(search(local_stack, q="harbor way").json()["results"]) == 2  # grant back: found again
