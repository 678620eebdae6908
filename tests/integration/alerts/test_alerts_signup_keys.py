"""Review finding 3 (issue 10), under the local stack's enforced IAM and key policies: the
internet-facing api checks a manage link under the manage-link key and cannot hash a
number with the lookup key; the alerts webhook looks numbers up and cannot sign a link.

Named to run after test_alerts_signup_api, whose checks find every api GenerateMac allowed:
the denials provoked here are the last of the alerts tests' calls."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from rtcc.alerts.settings import alerts_settings
from rtcc.aws_clients import client
from rtcc.local.iam.identity import acting_as

from tests.integration.alerts.test_alerts_signup_api import SUBSCRIPTION, _active, calls, resident_number

pytestmark = pytest.mark.integration


def _arn(key_id: str) -> str:
    return client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


def _macs(local_stack: Any, function: str) -> list[dict]:
    return calls(local_stack, "kms:GenerateMac", "", function)


def test_manage_links_and_the_number_lookup_are_keyed_apart(local_stack: Any) -> None:
    number = resident_number()
    token = _active(local_stack, number)  # signup, YES by text, a repeat texting the link
    r = requests.get(
        local_stack.base_url + SUBSCRIPTION, headers={"Authorization": f"Manage {token}"}, timeout=30
    )
    assert r.status_code == 200 and r.json()["status"] == "active"

    s = alerts_settings()
    lookup, manage = _arn(s.subscriber_key_id), _arn(s.manage_key_id)
    assert lookup != manage
    # Only the alerts keys: the api also checks camera owners' links under the cameras' own key.
    allowed = {
        f: {c["resource"] for c in _macs(local_stack, f) if c["allowed"]} & {lookup, manage}
        for f in ("api", "alert-confirm", "alerts-webhook")
    }
    assert allowed["api"] == {manage}  # the link checked; never a number hashed
    assert allowed["alert-confirm"] >= {lookup, manage}  # the lookup, and the link it texted
    assert lookup in allowed["alerts-webhook"] and manage not in allowed["alerts-webhook"]

    # Whatever its code did, the api's role cannot hash a number, nor the webhook sign a link.
    for function, key in (("api", s.subscriber_key_id), ("alerts-webhook", s.manage_key_id)):
        with acting_as(function), pytest.raises(ClientError) as denied:
            client("kms").generate_mac(KeyId=key, Message=number.encode(), MacAlgorithm="HMAC_SHA_256")
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException", function
