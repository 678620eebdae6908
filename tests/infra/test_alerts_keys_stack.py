"""The alerts keys as synthesized: the subscriber MAC key (HMAC_256) and the number vault
key, their key policies (only the declared roles use them, whatever IAM grants) and the
IAM grants, which follow infra/constructs/alerts.py's lists exactly."""

from __future__ import annotations

from infra.constructs import alerts as construct
from tests.infra.iam_policy import allowed_actions, allows, refs, role_statements

KMS_ACTIONS = ("kms:GenerateMac", "kms:VerifyMac", "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom")


def _key(synth, attribute: str) -> tuple[str, dict]:
    key_id = synth.logical_id(getattr(synth.stack.capabilities["alerts"], attribute))
    return key_id, synth.template["Resources"][key_id]


def _roles(synth, names) -> set[str]:
    return {synth.logical_id(synth.stack.api.functions[name].role) for name in names}


def _deny(key: dict) -> dict:
    (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == {"AWS": "*"}
    return deny


def test_only_the_declared_roles_hash_numbers_with_the_subscriber_key(synth) -> None:
    key_id, key = _key(synth, "subscriber_key")
    assert key["Properties"]["KeySpec"] == "HMAC_256"
    assert key["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert key["DeletionPolicy"] == "Retain"
    assert "alerts-webhook" in construct._MAC_USERS
    for name in synth.stack.api.functions:
        expected = {"kms:GenerateMac"} if name in construct._MAC_USERS else set()
        assert allowed_actions(synth, name, key_id, KMS_ACTIONS) == expected, name
    deny = _deny(key)
    assert set(deny["Action"]) == {"kms:GenerateMac", "kms:VerifyMac"}
    assert refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == _roles(synth, construct._MAC_USERS)
    # Not the tips pseudonym key: an alerts lookup and a tipster pseudonym never match.
    assert key_id != synth.logical_id(synth.stack.capabilities["tips"].pseudonym_key)


def test_the_vault_key_seals_for_the_webhook_and_opens_only_for_the_declared_readers(synth) -> None:
    key_id, key = _key(synth, "vault_key")
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    assert "alerts-webhook" in construct._VAULT_SEALERS and "alerts-webhook" not in construct._VAULT_READERS
    for name in synth.stack.api.functions:
        expected = {"kms:Encrypt"} if name in construct._VAULT_SEALERS else set()
        expected |= {"kms:Decrypt"} if name in construct._VAULT_READERS else set()
        assert allowed_actions(synth, name, key_id, KMS_ACTIONS) == expected, name
        for action in expected:  # always bound to the subscriber id's encryption context
            (statement,) = [s for s in role_statements(synth, name) if allows(s, action, key_id)]
            assert statement["Condition"]["ForAllValues:StringEquals"] == {
                "kms:EncryptionContextKeys": ["alerts-subscriber"]
            }
    deny = _deny(key)
    assert set(deny["Action"]) == {"kms:Decrypt", "kms:ReEncryptFrom"}
    if construct._VAULT_READERS:
        readers = _roles(synth, construct._VAULT_READERS)
        assert refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == readers
    else:
        assert "Condition" not in deny  # nobody decrypts yet
