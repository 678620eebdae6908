"""The public registry's limits through the local stack (an attacker's review of issue 12):
- one number cannot be text-bombed: a second pending registration of a contact texts nothing,
  and codes and links to a contact stop at the SMS line's 3 a day (camera-verify counts them
  in the alerts signup's counters, keyed by the contact's keyed hash);
- parallel wrong guesses spend the code's tries first: at most five are compared;
- a confirmed contact gets no new code; an owner gets at most five codes a day;
- an owner's cameras stand at one site (300 m); the city takes a capped number of new owners a day;
- a footage request link opens nothing once its owner deleted everything (410), and
  footage-notify's log names the request, not the owner."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from tests.integration.cameras.registry_helpers import (
    INSIDE,
    call,
    camera_body,
    ddb,
    drained,
    last_code,
    owner_number,
    post,
    register,
    table,
    texts_to,
    verified_owner,
)

pytestmark = pytest.mark.integration


def _allowed(local_stack: Any, function: str, action: str, resource: str) -> bool:
    calls = requests.get(local_stack.base_url + "/dev/aws-calls", timeout=10).json()["calls"]
    made = [
        c
        for c in calls
        if (c["function"], c["action"]) == (function, action) and c["resource"].endswith(resource)
    ]
    return bool(made) and all(c["allowed"] for c in made)


def test_one_number_cannot_be_text_bombed(local_stack: Any) -> None:
    number = owner_number()
    first = register(local_stack, number)
    code = last_code(local_stack, number)
    second = register(local_stack, number)  # the same answer (the api cannot hash contacts)...
    drained(local_stack)
    assert len(texts_to(local_stack, number)) == 1  # ...and no second text
    assert (
        post(local_stack, f"/owners/{second}/verify", {"channel": "phone", "code": code}).status_code == 404
    )
    r = post(local_stack, f"/owners/{first}/verify", {"channel": "phone", "code": code})
    assert r.status_code == 200, r.text
    for _ in range(4):  # "send my link" as often as anyone likes: 3 texts a day in all
        assert post(local_stack, "/links", {"phone": number}).status_code == 202
    drained(local_stack)
    assert len(texts_to(local_stack, number)) == 3
    assert _allowed(local_stack, "camera-verify", "dynamodb:UpdateItem", "alert-signup-counts")
    assert _allowed(local_stack, "camera-verify", "dynamodb:PutItem", "camera-owner-contacts")
    call(local_stack, "DELETE", "/portal", r.json()["portal_token"])


def test_parallel_guesses_spend_the_tries_first(local_stack: Any) -> None:
    number = owner_number()
    owner_id = register(local_stack, number)
    code = last_code(local_stack, number)
    wrong = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 13)]
    answers: list[int] = []

    def guess(attempt: str) -> None:
        r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": attempt})
        answers.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(w,)) for w in wrong]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [422] * 5 + [429] * 7, answers
    item = ddb(local_stack).get_item(
        TableName=table("camera-contact-codes"), Key={"code_key": {"S": f"{owner_id}#phone"}}
    )["Item"]
    assert item["attempts_left"] == {"N": "0"}
    r = post(local_stack, f"/owners/{owner_id}/verify", {"channel": "phone", "code": code})
    assert r.status_code == 429


def test_codes_only_for_unconfirmed_contacts_and_five_a_day(local_stack: Any) -> None:
    owner_id, _, link = verified_owner(local_stack)
    r = post(local_stack, f"/owners/{owner_id}/codes", {"channel": "phone"})
    assert r.status_code == 409 and "channel" in r.text
    call(local_stack, "DELETE", "/portal", link)

    pending = register(local_stack, owner_number())  # its first code counted
    answers = [
        post(local_stack, f"/owners/{pending}/codes", {"channel": "phone"}).status_code for _ in range(5)
    ]
    assert answers == [202, 202, 202, 202, 429]


def test_an_owners_cameras_stand_at_one_site(local_stack: Any) -> None:
    _, _, link = verified_owner(local_stack)
    try:
        first = post(local_stack, "/portal/cameras", camera_body(), link)
        assert first.status_code == 201, first.text
        far = post(local_stack, "/portal/cameras", camera_body(INSIDE[0] + 0.004), link)  # ~445 m
        assert far.status_code == 422 and far.json()["message"].startswith("lat:"), far.text
        assert "one site" in far.json()["message"] and "register another site" in far.json()["message"]
        near = post(local_stack, "/portal/cameras", camera_body(INSIDE[0] + 0.002), link)  # ~222 m
        assert near.status_code == 201, near.text
        first_id = first.json()["camera"]["camera_id"]
        # The first camera moved: every other one must stay within 300 m of its new place.
        moved = call(local_stack, "PUT", f"/portal/cameras/{first_id}", link, camera_body(INSIDE[0] - 0.002))
        assert moved.status_code == 422 and "one site" in moved.text
        ok = call(local_stack, "PUT", f"/portal/cameras/{first_id}", link, camera_body(INSIDE[0] + 0.001))
        assert ok.status_code == 200, ok.text
    finally:
        call(local_stack, "DELETE", "/portal", link)


def test_the_city_takes_a_capped_number_of_new_owners_a_day(local_stack: Any) -> None:
    from rtcc.cameras.settings import cameras_settings

    until = time.time() + 3600
    spent = {
        "counter": {"S": "camera-registrations"},
        "n": {"N": str(cameras_settings().registrations_per_day)},
        "until": {"N": repr(until)},
        "expires": {"N": str(int(until))},
    }
    client, name = ddb(local_stack), table("alert-signup-counts")
    client.put_item(TableName=name, Item=spent)
    number = owner_number()
    try:
        body = {"kind": "resident", "phone": number, "language": "en"}
        r = post(local_stack, "/owners", body)
        assert r.status_code == 429 and r.json()["message"].startswith("kind:"), r.text
    finally:
        client.delete_item(TableName=name, Key={"counter": {"S": "camera-registrations"}})
    drained(local_stack)
    assert texts_to(local_stack, number) == []
    assert _allowed(local_stack, "api", "dynamodb:UpdateItem", "alert-signup-counts")
