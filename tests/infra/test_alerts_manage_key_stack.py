"""Review finding 3 (issue 10): the number lookup's HMAC key and the manage links' are two
keys. The internet-facing api checks manage links but cannot hash a number: no grant on the
lookup key, its key policy names only the alerts webhook and alert-confirm, and api is not
even told the key's id."""

from __future__ import annotations

from infra.constructs import alerts as construct
from tests.infra.iam_policy import allowed_actions, refs

KMS_MAC = ("kms:GenerateMac", "kms:VerifyMac")


def _key(synth, attribute: str) -> tuple[str, dict]:
    key_id = synth.logical_id(getattr(synth.stack.capabilities["alerts"], attribute))
    return key_id, synth.template["Resources"][key_id]


def _deny_roles(synth, key: dict) -> set[str]:
    (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert set(deny["Action"]) == set(KMS_MAC) and deny["Principal"] == {"AWS": "*"}
    return refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])


def _roles(synth, names) -> set[str]:
    return {synth.logical_id(synth.stack.api.functions[name].role) for name in names}


def _env(synth, name: str) -> dict:
    fn = synth.template["Resources"][synth.logical_id(synth.stack.api.functions[name])]
    return fn["Properties"]["Environment"]["Variables"]


def test_the_api_cannot_hash_numbers_and_only_the_link_signers_sign_links(synth) -> None:
    lookup_id, lookup = _key(synth, "subscriber_key")
    manage_id, manage = _key(synth, "manage_key")
    assert lookup_id != manage_id
    # The lookup key keeps its logical id: the number_macs stored under it stay valid.
    assert lookup_id.startswith("AlertsSubscriberKey")
    assert manage["Properties"]["KeySpec"] == "HMAC_256" and manage["DeletionPolicy"] == "Retain"

    assert _deny_roles(synth, lookup) == _roles(synth, ("alerts-webhook", "alert-confirm"))
    assert _deny_roles(synth, manage) == _roles(synth, ("api", "alert-confirm"))
    assert not allowed_actions(synth, "api", lookup_id, KMS_MAC)
    assert allowed_actions(synth, "api", manage_id, KMS_MAC) == {"kms:GenerateMac"}
    assert not allowed_actions(synth, "alerts-webhook", manage_id, KMS_MAC)
    for name in synth.stack.api.functions:
        expected = {"kms:GenerateMac"} if name in construct._LINK_SIGNERS else set()
        assert allowed_actions(synth, name, manage_id, KMS_MAC) == expected, name

    assert "RTCC_ALERTS_SUBSCRIBER_KEY_ID" not in _env(synth, "api")
    assert "RTCC_ALERTS_MANAGE_KEY_ID" in _env(synth, "api")
    assert "RTCC_ALERTS_MANAGE_KEY_ID" not in _env(synth, "alerts-webhook")
    confirm = _env(synth, "alert-confirm")
    assert "RTCC_ALERTS_SUBSCRIBER_KEY_ID" in confirm and "RTCC_ALERTS_MANAGE_KEY_ID" in confirm
