"""The tips capability in the synthesized stack: who can reach the contact vault, the
media bucket's upload rules, DLQ alarms, and deployed settings that code actually reads."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
from rtcc.resources import BINARY_MEDIA_TYPES, queue_url_env_var
from rtcc.settings import Settings
from rtcc.topology import TOPOLOGY

from infra.config import ConfigError, load_config

pytestmark = pytest.mark.infra

HERE = Path(__file__).resolve().parent

#: Everything that reads a DynamoDB item's contents.
DYNAMODB_READS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:GetRecords",
    "dynamodb:PartiQLSelect",
)
DYNAMODB_ACTIONS = (
    *DYNAMODB_READS,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


# --- a small IAM evaluator over the template ----------------------------------------------
def _refs(value: object) -> set[str]:
    """Logical ids a template value points at (Ref / Fn::GetAtt anywhere inside it)."""
    if isinstance(value, dict):
        found: set[str] = set()
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            else:
                found |= _refs(v)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _role_statements(synth, function_name: str) -> list[dict]:
    role_id = synth.logical_id(synth.stack.api.functions[function_name].role)
    statements = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if role_id in _refs(policy["Properties"]["Roles"]):
            statements += _as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    role = synth.template["Resources"][role_id]["Properties"]
    for inline in role.get("Policies", []):
        statements += _as_list(inline["PolicyDocument"]["Statement"])
    return statements


def _allows(statement: dict, action: str, resource_id: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if not any(fnmatch.fnmatchcase(action, a) for a in _as_list(statement.get("Action", []))):
        return False
    resources = _as_list(statement.get("Resource", []))
    # A whole-resource ARN only: "<arn>/index/*" is the table's indexes, not its items.
    exact = [r for r in resources if not (isinstance(r, dict) and "Fn::Join" in r)]
    return "*" in resources or resource_id in _refs(exact)


def allowed_actions(synth, function_name: str, resource_id: str, actions: tuple[str, ...]) -> set[str]:
    statements = _role_statements(synth, function_name)
    return {a for a in actions if any(_allows(s, a, resource_id) for s in statements)}


def vault_ids(synth) -> tuple[str, str]:
    return synth.logical_id(synth.stack.tips.vault_table), synth.logical_id(synth.stack.tips.vault_key)


# --- the contact vault --------------------------------------------------------------------
def test_only_the_outbound_function_reads_the_vault_and_decrypts(synth):
    table, key = vault_ids(synth)
    assert allowed_actions(synth, "tip-outbound", table, DYNAMODB_ACTIONS) == {"dynamodb:GetItem"}
    assert allowed_actions(synth, "tip-outbound", key, ("kms:Decrypt",)) == {"kms:Decrypt"}
    for name in ("api", "tip-webhook", "tip-media"):
        assert allowed_actions(synth, name, table, DYNAMODB_READS) == set(), name
        assert allowed_actions(synth, name, key, ("kms:Decrypt", "kms:ReEncryptFrom")) == set(), name


def test_webhook_seals_and_writes_api_only_schedules_deletion(synth):
    table, key = vault_ids(synth)
    assert allowed_actions(synth, "tip-webhook", table, DYNAMODB_ACTIONS) == {"dynamodb:PutItem"}
    assert allowed_actions(synth, "tip-webhook", key, ("kms:Encrypt", "kms:Decrypt")) == {"kms:Encrypt"}
    assert allowed_actions(synth, "api", table, DYNAMODB_ACTIONS) == {"dynamodb:UpdateItem"}
    assert allowed_actions(synth, "api", key, ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")) == set()
    assert allowed_actions(synth, "tip-media", table, DYNAMODB_ACTIONS) == set()
    # Any other function of the stack (capabilities still to come) gets nothing of the vault.
    for name in synth.stack.api.functions:
        if name not in ("api", "tip-webhook", "tip-outbound"):
            assert allowed_actions(synth, name, table, DYNAMODB_ACTIONS) == set(), name


def test_vault_key_uses_need_the_tip_encryption_context(synth):
    _, key = vault_ids(synth)
    for name, action in (("tip-webhook", "kms:Encrypt"), ("tip-outbound", "kms:Decrypt")):
        (statement,) = [s for s in _role_statements(synth, name) if _allows(s, action, key)]
        conditions = statement["Condition"]
        assert conditions["Null"] == {"kms:EncryptionContext:tip": "false"}
        assert conditions["ForAllValues:StringEquals"] == {"kms:EncryptionContextKeys": ["tip"]}


def test_vault_key_rotates_is_kept_and_denies_decrypt_to_all_but_the_reply_role(synth):
    _, key_id = vault_ids(synth)
    key = synth.template["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    outbound_role = synth.logical_id(synth.stack.api.functions["tip-outbound"].role)
    (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert set(deny["Action"]) == {"kms:Decrypt", "kms:ReEncryptFrom"}
    assert deny["Principal"] == {"AWS": "*"}
    assert _refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == {outbound_role}
    # The data key is a different key: tables stay encrypted at rest with it.
    assert key_id != synth.logical_id(synth.stack.data.key)


def test_every_function_knows_the_vault_key_and_retention(synth):
    _, key_id = vault_ids(synth)
    for fn in synth.stack.api.functions.values():
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]
        assert _refs(env["RTCC_TIPS_VAULT_KEY_ID"]) == {key_id}  # the key ARN (GetAtt Arn)
        assert env["RTCC_TIPS_VAULT_RETENTION_DAYS"] == str(synth.config.retention.tip_contact_days)


# --- the other reserved resources ----------------------------------------------------------
def test_secrets_and_queues_only_where_the_code_uses_them(synth):
    def readers(secret: str) -> set[str]:
        sid = synth.logical_id(synth.stack.data.secrets[secret])
        return {
            n
            for n in synth.stack.api.functions
            if allowed_actions(synth, n, sid, ("secretsmanager:GetSecretValue",))
        }

    def senders(queue: str) -> set[str]:
        qid = synth.logical_id(synth.stack.data.queues[queue])
        return {n for n in synth.stack.api.functions if allowed_actions(synth, n, qid, ("sqs:SendMessage",))}

    assert readers("twilio_auth_token") == {"tip-webhook", "tip-media", "tip-outbound"}
    assert readers("tips_pseudonym_key") == {"tip-webhook", "api"}
    assert senders("tip-media") == senders("tip-outbound") == {"tip-webhook", "api"}
    media = synth.logical_id(synth.stack.data.buckets["media"])
    with_media = {
        n
        for n in synth.stack.api.functions
        if allowed_actions(synth, n, media, ("s3:PutObject", "s3:GetObject"))
    }
    assert with_media == {"api", "tip-media"}


def test_tip_functions_still_write_the_audit_log(synth):
    audit = synth.logical_id(synth.stack.data.tables["audit"])
    for name in synth.stack.api.functions:
        assert "dynamodb:PutItem" in allowed_actions(synth, name, audit, ("dynamodb:PutItem",)), name


# --- media bucket ---------------------------------------------------------------------------
def _media_bucket(synth) -> dict:
    return synth.template["Resources"][synth.logical_id(synth.stack.data.buckets["media"])]["Properties"]


def test_media_bucket_accepts_presigned_posts_from_the_api_origin_only(synth):
    (rule,) = _media_bucket(synth)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET", "POST"]
    (origin,) = rule["AllowedOrigins"]
    # No public_base_url or domain in the test config: the execute-api host, without the stage.
    assert origin != "*"
    parts = origin["Fn::Join"][1]
    assert parts[0] == "https://" and _refs(parts) >= {synth.logical_id(synth.stack.api.rest_api)}
    assert not any(isinstance(p, str) and "/prod" in p for p in parts)


def test_public_origin_follows_the_configured_url(synth):
    from infra.constructs.api import ApiConstruct

    config = synth.config.model_copy(
        update={"public_base_url": "https://tips.example.gov/rtcc", "domain_name": "rtcc.example.gov"}
    )
    assert ApiConstruct.browser_origin(config, "https://default") == "https://tips.example.gov"
    config = config.model_copy(update={"public_base_url": None})
    assert ApiConstruct.browser_origin(config, "https://default") == "https://rtcc.example.gov"
    config = config.model_copy(update={"domain_name": None})
    assert ApiConstruct.browser_origin(config, "https://default") == "https://default"


def test_tip_media_and_abandoned_uploads_expire(synth):
    rules = {r.get("Id"): r for r in _media_bucket(synth)["LifecycleConfiguration"]["Rules"]}
    assert rules["TipMediaRetention"]["Prefix"] == "tips/"
    assert rules["TipMediaRetention"]["ExpirationInDays"] == synth.config.retention.media_days
    assert rules["AbandonedTipUploads"]["Prefix"] == "uploads/"
    assert rules["AbandonedTipUploads"]["ExpirationInDays"] == 1


def test_key_prefixes_match_the_backend():
    from rtcc.tips.media import stored_key  # noqa: F401  (fails loudly if renamed)
    from rtcc.tips.web_intake import upload_key

    from infra.constructs.tips import MEDIA_PREFIX, UPLOAD_PREFIX

    assert upload_key("T-ABCD", "m1").startswith(UPLOAD_PREFIX)
    assert stored_key("T-ABCD", "m1").startswith(MEDIA_PREFIX)


# --- webhook, alarms ------------------------------------------------------------------------
def test_twilio_form_posts_reach_the_webhook_as_exact_bytes(synth):
    _, api = synth.one("AWS::ApiGateway::RestApi")
    binary = api["Properties"]["BinaryMediaTypes"]
    assert "application/x-www-form-urlencoded" in BINARY_MEDIA_TYPES
    assert "application/x-www-form-urlencoded" in binary
    webhook = synth.logical_id(synth.stack.api.functions["tip-webhook"])
    (route,) = [r for r in TOPOLOGY.routes if r.path == "/webhooks/twilio/tips"]
    assert route.public and route.methods == ("POST",) and route.function == "tip-webhook"
    posts = [
        m["Properties"]
        for m in synth.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST" and webhook in _refs(m["Properties"]["Integration"])
    ]
    (method,) = posts
    # Lambda proxy: no mapping template rewrites the body, no content handling converts it.
    assert method["Integration"]["Type"] == "AWS_PROXY"
    assert "ContentHandling" not in method["Integration"]
    assert "RequestTemplates" not in method["Integration"]


def test_tips_dead_letter_queues_raise_alarms(synth):
    alarms = synth.resources("AWS::CloudWatch::Alarm").values()
    for name in ("tip-media", "tip-outbound"):
        dlq = synth.logical_id(synth.stack.data.dead_letter_queues[name])
        assert any(
            a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
            and dlq in _refs(a["Properties"]["Dimensions"])
            and a["Properties"]["AlarmActions"]
            for a in alarms
        ), name


# --- deployed settings match the code ------------------------------------------------------
def test_every_rtcc_variable_the_stack_sets_is_read_by_code(synth):
    fields = set(Settings.model_fields)
    secret_fields = {n for n, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    queue_vars = {queue_url_env_var(q.name) for q in TOPOLOGY.queues}
    for fn_name, fn in synth.stack.api.functions.items():
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]
        for var in env:
            if not var.startswith("RTCC_"):
                continue
            if secret := re.fullmatch(r"RTCC_(\w+)_SECRET_ARN", var):
                # rtcc.secrets.secret_value(name) reads it; locally the SecretStr field.
                assert secret.group(1).lower() in secret_fields, (fn_name, var)
            elif var.endswith("_QUEUE_URL"):
                assert var in queue_vars, (fn_name, var)  # rtcc.tips.adapters.aws.queue_url
            else:
                # RTCC_MEDIA_BUCKET and the rest: a Settings field, or nothing reads it.
                assert var.removeprefix("RTCC_").lower() in fields, (fn_name, var)
        assert env["RTCC_CITY_NAME"] == synth.config.city_name


# --- config --------------------------------------------------------------------------------
def test_retired_retention_keys_say_what_replaced_them(tmp_path):
    text = (HERE / "city.test.toml").read_text().replace("tip_contact_days = 45", "tips_days = 365")
    path = tmp_path / "city.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith("config error: retention.tips_days: no longer used")
    assert "retention.tip_contact_days" in str(caught.value)
