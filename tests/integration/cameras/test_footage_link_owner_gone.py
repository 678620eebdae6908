"""A footage request's link after its owner deleted everything opens nothing (410: one
GetItem of the owner), and footage-notify logs the outcome and the request, never the owner."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from tests.integration.cameras.footage_helpers import footage_settings as footage_settings  # noqa: F401
from tests.integration.cameras.test_footage_requests import Capture, public, sent_request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("footage_settings")]


def test_a_request_link_is_gone_with_its_owner_and_the_notice_log_names_no_owner(
    local_stack: Any, api: Any
) -> None:
    from rtcc.cameras.owners_dynamodb import OwnerBook

    capture = Capture()
    names = ("", "rtcc", "rtcc-footage-notify", "aws_lambda_powertools")
    for name in names:
        logging.getLogger(name).addHandler(capture)
    try:
        request_id, token, owner_id, _ = sent_request(local_stack, api)
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(capture)
    handled = [line for line in capture.lines if "footage notice handled" in line]
    # Other tests' notices may be handled while this one is captured: this request's line is there.
    assert any(request_id in line for line in handled), handled
    assert owner_id not in "\n".join(capture.lines)

    headers = {"X-Owner-Link": token}
    assert requests.get(public(local_stack, request_id), headers=headers, timeout=30).status_code == 200
    # The owner's "delete everything" (its registry part: the owner item and its lookups).
    owners = OwnerBook()
    owners.forget(owners.get(owner_id))
    r = requests.get(public(local_stack, request_id), headers=headers, timeout=30)
    assert r.status_code == 410 and "X-Owner-Link" in r.text, r.text
