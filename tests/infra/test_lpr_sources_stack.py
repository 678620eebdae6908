"""The plate-read sources key as synthesized: api seals HMAC keys (Encrypt only), only
lpr-ingest opens them (Decrypt, in IAM and in the key policy, whatever IAM grants others),
both bound to the `lpr-source` encryption context; the key's id reaches those two only; and
the sources tables' grants follow infra/constructs/lpr.py exactly."""

from __future__ import annotations

from infra.constructs import lpr as construct
from tests.infra.conftest import env_readers
from tests.infra.iam_policy import allowed_actions, allows, refs, role_statements

KMS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey")
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
)


def test_api_seals_and_only_lpr_ingest_opens_source_keys(synth) -> None:
    key_id = synth.logical_id(synth.stack.capabilities["lpr"].sources_key)
    key = synth.template["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    for name in synth.stack.api.functions:
        expected = {"api": {"kms:Encrypt"}, "lpr-ingest": {"kms:Decrypt"}}.get(name, set())
        assert allowed_actions(synth, name, key_id, KMS_ACTIONS) == expected, name
        for action in expected:
            (statement,) = [s for s in role_statements(synth, name) if allows(s, action, key_id)]
            assert statement["Condition"]["ForAllValues:StringEquals"] == {
                "kms:EncryptionContextKeys": [construct.SOURCES_CONTEXT_KEY]
            }
    (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == {"AWS": "*"} and set(deny["Action"]) == {"kms:Decrypt", "kms:ReEncryptFrom"}
    ingest_role = synth.logical_id(synth.stack.api.functions["lpr-ingest"].role)
    assert refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == {ingest_role}
    assert set(env_readers(synth, "RTCC_LPR_SOURCES_KEY_ID")) == {"rtcc-api", "rtcc-lpr-ingest"}


def test_the_sources_tables_grants(synth) -> None:
    expected = {
        ("api", "lpr-sources"): {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem"},
        # BatchGetItem: the operations map draws today's hits at their readers (rtcc.lpr.map_layer).
        ("api", "lpr-readers"): {
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchGetItem",
        },
        ("lpr-ingest", "lpr-sources"): {"dynamodb:GetItem"},
        ("lpr-ingest", "lpr-reads"): {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"},
    }
    for (name, table), actions in expected.items():
        table_id = synth.logical_id(synth.stack.data.tables[table])
        assert allowed_actions(synth, name, table_id, TABLE_ACTIONS) == actions, (name, table)
    readers = synth.logical_id(synth.stack.data.tables["lpr-readers"])
    # Registered? and the reader times; no function but api writes a reader otherwise.
    assert {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"} <= allowed_actions(
        synth, "lpr-ingest", readers, TABLE_ACTIONS
    )
    assert "dynamodb:PutItem" not in allowed_actions(synth, "lpr-ingest", readers, TABLE_ACTIONS)
