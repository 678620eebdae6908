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


def test_the_internet_facing_api_neither_texts_nor_opens_a_number(synth) -> None:
    """Review finding: the signup's texts go through alert-confirm, fed by an encrypted
    queue with a dead-letter queue; api only seals and queues."""
    assert "kms:Decrypt" not in allowed_actions(synth, "api", _key(synth, "vault_key")[0], KMS_ACTIONS)
    twilio = synth.logical_id(synth.stack.data.secrets["twilio_api_key"])
    assert not allowed_actions(synth, "api", twilio, ("secretsmanager:GetSecretValue",))
    assert allowed_actions(synth, "alert-confirm", twilio, ("secretsmanager:GetSecretValue",))
    opt_outs = synth.logical_id(synth.stack.data.tables["sms-opt-outs"])
    assert not allowed_actions(synth, "api", opt_outs, ("dynamodb:GetItem", "dynamodb:UpdateItem"))
    env = synth.template["Resources"][synth.logical_id(synth.stack.api.functions["api"])]["Properties"]
    variables = env["Environment"]["Variables"]
    assert "RTCC_TWILIO_API_KEY_SECRET_ARN" not in variables and "RTCC_ALERTS_LINE_NUMBER" not in variables
    queue = synth.stack.data.queues["alert-confirmations"]
    qid = synth.logical_id(queue)
    props = synth.template["Resources"][qid]["Properties"]
    assert "KmsMasterKeyId" in props and "RedrivePolicy" in props
    assert allowed_actions(synth, "api", qid, ("sqs:SendMessage",)) == {"sqs:SendMessage"}
    confirm_env = synth.template["Resources"][synth.logical_id(synth.stack.api.functions["alert-confirm"])]
    assert confirm_env["Properties"]["Environment"]["Variables"]["RTCC_ALERTS_SIGNUPS_PER_HOUR"] == "60"


def test_the_signup_breaker_is_alarmed_on(synth) -> None:
    alarms = [
        r["Properties"]
        for r in synth.template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and "breaker" in r["Properties"].get("AlarmDescription", "")
    ]
    assert len(alarms) == 1 and "breaker" in str(alarms[0]["Metrics"])
    assert "rtcc-alert-confirm" in str(alarms[0]["Metrics"]) and alarms[0]["AlarmActions"]
