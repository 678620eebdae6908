"""The tips capability in the synthesized stack: who can reach the contact vault, the
media bucket's upload rules, DLQ alarms, and deployed settings that code actually reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rtcc.resources import BINARY_MEDIA_TYPES, queue_url_env_var
from rtcc.settings import Settings, settings_models
from rtcc.tips.settings import TipsSettings
from rtcc.topology import TOPOLOGY

from infra.config import ConfigError, load_config
from tests.infra.iam_policy import (
    DYNAMODB_ACTIONS,
    DYNAMODB_READS,
    allowed_actions,
    allowed_on_objects,
    allows,
    as_list,
    refs,
    role_statements,
)

pytestmark = pytest.mark.infra

HERE = Path(__file__).resolve().parent


def vault_ids(synth) -> tuple[str, str]:
    return synth.logical_id(synth.stack.capabilities["tips"].vault_table), synth.logical_id(
        synth.stack.capabilities["tips"].vault_key
    )


# --- the contact vault --------------------------------------------------------------------
def test_only_the_outbound_function_reads_the_vault_and_decrypts(synth):
    table, key = vault_ids(synth)
    assert allowed_actions(synth, "tip-outbound", table, DYNAMODB_ACTIONS) == {"dynamodb:GetItem"}
    assert allowed_actions(synth, "tip-outbound", key, ("kms:Decrypt",)) == {"kms:Decrypt"}
    for name in ("api", "tip-webhook", "tip-media", "retention"):
        assert allowed_actions(synth, name, table, DYNAMODB_READS) == set(), name
        assert allowed_actions(synth, name, key, ("kms:Decrypt", "kms:ReEncryptFrom")) == set(), name


def test_webhook_seals_and_writes_api_only_schedules_deletion(synth):
    table, key = vault_ids(synth)
    assert allowed_actions(synth, "tip-webhook", table, DYNAMODB_ACTIONS) == {"dynamodb:PutItem"}
    assert allowed_actions(synth, "tip-webhook", key, ("kms:Encrypt", "kms:Decrypt")) == {"kms:Encrypt"}
    assert allowed_actions(synth, "api", table, DYNAMODB_ACTIONS) == {"dynamodb:UpdateItem"}
    assert allowed_actions(synth, "api", key, ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")) == set()
    assert allowed_actions(synth, "tip-media", table, DYNAMODB_ACTIONS) == set()
    # The retention sweep deletes a purged tip's entry by key, and reads nothing.
    assert allowed_actions(synth, "retention", table, DYNAMODB_ACTIONS) == {"dynamodb:DeleteItem"}
    # Any other function of the stack (capabilities still to come) gets nothing of the vault.
    for name in synth.stack.api.functions:
        if name not in ("api", "tip-webhook", "tip-outbound", "retention"):
            assert allowed_actions(synth, name, table, DYNAMODB_ACTIONS) == set(), name


def test_vault_key_uses_need_the_tip_encryption_context(synth):
    _, key = vault_ids(synth)
    for name, action in (("tip-webhook", "kms:Encrypt"), ("tip-outbound", "kms:Decrypt")):
        (statement,) = [s for s in role_statements(synth, name) if allows(s, action, key)]
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
    assert refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == {outbound_role}
    # The data key is a different key: tables stay encrypted at rest with it.
    assert key_id != synth.logical_id(synth.stack.data.key)


def test_only_the_webhook_computes_pseudonyms_with_the_hmac_key(synth):
    """The pseudonym key is a KMS HMAC key: the webhook's role may GenerateMac (and
    nothing else with it); the key policy denies GenerateMac/VerifyMac to every other
    principal, the account root included, whatever IAM grants them."""
    key_id = synth.logical_id(synth.stack.capabilities["tips"].pseudonym_key)
    key = synth.template["Resources"][key_id]
    assert key["Properties"]["KeySpec"] == "HMAC_256"
    assert key["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert key["DeletionPolicy"] == "Retain"
    mac = ("kms:GenerateMac", "kms:VerifyMac", "kms:Encrypt", "kms:Decrypt")
    assert allowed_actions(synth, "tip-webhook", key_id, mac) == {"kms:GenerateMac"}
    for name in synth.stack.api.functions:
        if name != "tip-webhook":
            assert allowed_actions(synth, name, key_id, mac) == set(), name
    webhook_role = synth.logical_id(synth.stack.api.functions["tip-webhook"].role)
    (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert set(deny["Action"]) == {"kms:GenerateMac", "kms:VerifyMac"}
    assert deny["Principal"] == {"AWS": "*"}
    assert refs(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == {webhook_role}
    assert key_id != vault_ids(synth)[1]  # the vault key is another key


#: Which functions read which RTCC_TIPS_* (rtcc.tips.settings): nowhere else.
TIPS_SETTINGS_BY_FUNCTION = {
    "tip-webhook": {"RTCC_TIPS_VAULT_KEY_ID", "RTCC_TIPS_PSEUDONYM_KEY_ID"},
    "tip-outbound": {"RTCC_TIPS_VAULT_KEY_ID", "RTCC_TIPS_LINE_NUMBER", "RTCC_TIPS_SUPERVISOR_NUMBERS"},
    "api": {
        "RTCC_TIPS_VAULT_RETENTION_DAYS",
        "RTCC_TIPS_CLOSED_RETENTION_DAYS",
        "RTCC_TIPS_CASE_RETENTION_DAYS",
    },
}


def test_tips_settings_reach_only_the_functions_that_read_them(synth):
    _, key_id = vault_ids(synth)
    for name, fn in synth.stack.api.functions.items():
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]
        tips = {var for var in env if var.startswith("RTCC_TIPS_")}
        assert tips == TIPS_SETTINGS_BY_FUNCTION.get(name, set()), name
        if "RTCC_TIPS_VAULT_KEY_ID" in env:
            assert refs(env["RTCC_TIPS_VAULT_KEY_ID"]) == {key_id}  # the key ARN (GetAtt Arn)
    api = _env(synth, "api")
    assert api["RTCC_TIPS_VAULT_RETENTION_DAYS"] == str(synth.config.retention.tip_contact_days)
    assert api["RTCC_TIPS_CLOSED_RETENTION_DAYS"] == str(synth.config.retention.closed_tip_days)
    assert api["RTCC_TIPS_CASE_RETENTION_DAYS"] == str(synth.config.retention.case_tip_days)


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

    # The auth token lets its holder sign forms as Twilio (and so ask the webhook whether a
    # number has an open tip): the webhook alone reads it; Twilio's API gets an API key.
    # Each function that checks Twilio's signature: each line's webhook, the alerts' status callbacks.
    assert readers("twilio_auth_token") == {"tip-webhook", "alerts-webhook", "alert-status"}
    # alert-dispatch sends alerts; alert-confirm texts the signup's confirmation; lpr-notify a
    # plate hit to the watch desk. Never the internet-facing api: it queues signups
    # (rtcc.alerts.signup_wiring), and lpr-ingest queues hit texts (rtcc.lpr.hit_record).
    texters = {"tip-media", "tip-outbound", "alert-dispatch", "alert-confirm", "lpr-notify"}
    texters |= {"camera-verify", "footage-notify"}  # camera owners' codes, links and footage requests
    assert readers("twilio_api_key") == texters
    assert "tips_pseudonym_key" not in synth.stack.data.secrets  # a KMS HMAC key now
    assert senders("tip-media") == senders("tip-outbound") == {"tip-webhook", "api"}
    media = synth.logical_id(synth.stack.data.buckets["media"])
    with_media = {
        n
        for n in synth.stack.api.functions
        if any(allowed_on_objects(synth, n, media, a) for a in ("s3:PutObject", "s3:GetObject"))
    }
    assert with_media == {"api", "tip-media"}
    # Objects only, never the bucket itself (no listing of current keys, no bucket settings;
    # the version listings, held to one tip's keys, are checked below).
    assert not any(
        allowed_actions(synth, n, media, ("s3:ListBucket", "s3:PutBucketPolicy", "s3:GetObject"))
        for n in synth.stack.api.functions
    )
    # Deleting is for good (every version; the bucket is versioned), which takes
    # DeleteObject and DeleteObjectVersion together; only two functions delete.
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        deleters = {n for n in synth.stack.api.functions if allowed_on_objects(synth, n, media, action)}
        assert deleters == {"tip-media", "retention"}, action  # processed uploads; a purged tip's files


def _version_listings(synth, function_name: str) -> list[dict]:
    media = synth.logical_id(synth.stack.data.buckets["media"])
    return [
        s
        for s in role_statements(synth, function_name)
        if s.get("Effect") == "Allow"
        and any(a in ("s3:ListBucketVersions", "s3:*", "s3:List*") for a in as_list(s.get("Action")))
        and media in refs(s.get("Resource"))
    ]


def test_version_listings_are_held_to_one_tips_keys(synth):
    """tip-media lists the versions of the upload it deletes, retention those of a purged
    tip's files: each only with an `s3:prefix` naming one tip's key, never the bucket."""
    from rtcc.local.iam.policy import conditions_hold

    listers = {n for n in synth.stack.api.functions if _version_listings(synth, n)}
    assert listers == {"tip-media", "retention"}

    def may_list(function_name: str, prefix: str | None) -> bool:
        context = {"s3:prefix": prefix} if prefix is not None else {}
        return any(
            conditions_hold(s.get("Condition"), context) for s in _version_listings(synth, function_name)
        )

    assert may_list("tip-media", "uploads/tips/T-ABCD/web-1")
    for prefix in ("tips/T-ABCD/web-1", "uploads/tips/", "uploads/tips/T-AB", "uploads/", "", None):
        assert not may_list("tip-media", prefix), prefix
    assert may_list("retention", "tips/T-ABCD/web-1") and may_list("retention", "uploads/tips/T-ABCD/web-1")
    for prefix in ("tips/", "uploads/tips/", "anchors/", "", None):
        assert not may_list("retention", prefix), prefix


def test_tip_functions_that_audit_still_write_the_audit_log(synth):
    """Views and triage (api) and purges (retention) are audited; refused webhooks are
    counted and summarised once a minute (refusal-summary), so the webhook, like the
    media and reply consumers, writes no entries and may not."""
    audit = synth.logical_id(synth.stack.data.tables["audit"])
    writers = {
        n for n in synth.stack.api.functions if allowed_actions(synth, n, audit, ("dynamodb:PutItem",))
    }
    # Chain-of-custody entries (rtcc.cameras.evidence_jobs) and CAD's incidents are audited too,
    # and so are clips saved to a case (video-clip: each part's custody entry, rtcc.video.clips).
    cameras = {"evidence-intake", "evidence-export", "cameras-cad", "video-clip"}
    assert writers - cameras == {"api", "retention", "refusal-summary"}


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
    assert parts[0] == "https://" and refs(parts) >= {synth.logical_id(synth.stack.api.rest_api)}
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
    # API Gateway invokes the webhook's `live` alias (SnapStart), never $LATEST.
    webhook = synth.logical_id(synth.stack.api.live["tip-webhook"])
    # Inbound messages and the replies' status callbacks: both signed forms.
    routes = [r for r in TOPOLOGY.routes if r.function == "tip-webhook"]
    assert {r.path for r in routes} == {"/webhooks/twilio/tips", "/webhooks/twilio/tips/status"}
    assert all(r.public and r.methods == ("POST",) for r in routes)
    posts = [
        m["Properties"]
        for m in synth.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST" and webhook in refs(m["Properties"]["Integration"])
    ]
    assert len(posts) == len(routes)
    for method in posts:
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
            and dlq in refs(a["Properties"]["Dimensions"])
            and a["Properties"]["AlarmActions"]
            for a in alarms
        ), name


# --- deployed settings match the code ------------------------------------------------------
def test_every_rtcc_variable_the_stack_sets_is_read_by_code(synth):
    # Every variable of every settings model (the platform's and each capability's).
    models = settings_models()
    fields = {(str(m.model_config["env_prefix"]) + f).upper() for m in models for f in m.model_fields}
    secret_fields = {
        (str(m.model_config["env_prefix"]) + n).upper()
        for m in models
        for n, f in m.model_fields.items()
        if "SecretStr" in str(f.annotation)
    }
    queue_vars = {queue_url_env_var(q.name) for q in TOPOLOGY.queues}
    for fn_name, fn in synth.stack.api.functions.items():
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]
        for var in env:
            if not var.startswith("RTCC_"):
                continue
            if secret := re.fullmatch(r"RTCC_(\w+)_SECRET_ARN", var):
                # rtcc.secrets.secret_value(name) reads it; locally the SecretStr field.
                assert f"RTCC_{secret.group(1)}" in secret_fields, (fn_name, var)
            elif var.endswith("_QUEUE_URL"):
                assert var in queue_vars, (fn_name, var)  # rtcc.tips.adapters.aws.queue_url
            else:
                # RTCC_MEDIA_BUCKET and the rest: a Settings field, or nothing reads it.
                assert var in fields, (fn_name, var)
        assert env["RTCC_CITY_NAME"] == synth.config.city_name
        # The /tip map opens on the city: JSON, as pydantic-settings reads a tuple field.
        assert json.loads(env["RTCC_MAP_CENTER"]) == [44.0521, -123.0868] and env["RTCC_MAP_ZOOM"] == "12"


#: What each function's code needs from its environment to work deployed (the reverse of
#: the test above: a setting left at its local default is a feature that silently fails).
#: Every function: where it runs and which tables, the public URL, the vault key.
REQUIRED_EVERYWHERE = (
    "RTCC_ENVIRONMENT",
    "RTCC_REGION",
    "RTCC_PUBLIC_BASE_URL",
    "RTCC_TABLE_PREFIX",
    "RTCC_SMS_BACKEND",
    "RTCC_TWILIO_ACCOUNT_SID",
)
REQUIRED_BY_FUNCTION = {
    # Replies and supervisor alerts go out from the tip line through Twilio.
    "tip-outbound": (
        "RTCC_TIPS_VAULT_KEY_ID",
        "RTCC_TIPS_LINE_NUMBER",
        "RTCC_TIPS_SUPERVISOR_NUMBERS",
        "RTCC_TWILIO_API_KEY_SECRET_ARN",
    ),
    # Signature check (auth token, public URL) and the tipster's pseudonym.
    "tip-webhook": (
        "RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN",
        "RTCC_TIPS_PSEUDONYM_KEY_ID",
        "RTCC_TIPS_VAULT_KEY_ID",
    ),
    # Authenticated downloads from Twilio into the media bucket.
    "tip-media": ("RTCC_TWILIO_API_KEY_SECRET_ARN", "RTCC_MEDIA_BUCKET"),
    # Deletes a purged tip's media files.
    "retention": ("RTCC_MEDIA_BUCKET",),
    # Web tips (presigned uploads) and staff sign-in.
    "api": (
        "RTCC_TIPS_VAULT_RETENTION_DAYS",
        "RTCC_MEDIA_BUCKET",
        "RTCC_USER_POOL_ID",
        "RTCC_USER_POOL_CLIENT_ID",
    ),
}


def _env(synth, name: str) -> dict:
    fn = synth.stack.api.functions[name]
    return synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]


def test_every_function_gets_the_settings_its_code_needs_deployed(synth):
    assert set(REQUIRED_BY_FUNCTION) <= set(synth.stack.api.functions)
    for name in synth.stack.api.functions:
        env = _env(synth, name)
        for var in (*REQUIRED_EVERYWHERE, *REQUIRED_BY_FUNCTION.get(name, ())):
            assert var in env, (name, var)
        assert env["RTCC_ENVIRONMENT"] == "deployed" and env["RTCC_SMS_BACKEND"] == "twilio"
        assert env["RTCC_TABLE_PREFIX"] == synth.config.resource_prefix
        assert env["RTCC_TWILIO_ACCOUNT_SID"] == synth.config.twilio_account_sid
        assert env["RTCC_TWILIO_ACCOUNT_SID"] != Settings.model_fields["twilio_account_sid"].default
        # Each secret ARN names the stack's secret, and the function may read it.
        for var in env:
            if secret := re.fullmatch(r"RTCC_(\w+)_SECRET_ARN", var):
                if var not in REQUIRED_BY_FUNCTION.get(name, ()):
                    continue  # known, not used: no grant expected
                secret_id = synth.logical_id(synth.stack.data.secrets[secret.group(1).lower()])
                assert refs(env[var]) == {secret_id}, (name, var)
                read = allowed_actions(synth, name, secret_id, ("secretsmanager:GetSecretValue",))
                assert read, (name, var)


def test_reply_function_sends_from_the_tip_line_and_alerts_configured_supervisors(synth, monkeypatch):
    env = _env(synth, "tip-outbound")
    assert env["RTCC_TIPS_LINE_NUMBER"] == synth.config.tip_line_number
    assert synth.config.tips_supervisor_numbers  # the test config lists some
    # What the Lambda's Settings object will read from these variables.
    for var, value in env.items():
        if var.startswith("RTCC_") and isinstance(value, str):
            monkeypatch.setenv(var, value)
    settings = TipsSettings()
    assert settings.line_number == synth.config.tip_line_number
    assert settings.supervisor_numbers == list(synth.config.tips_supervisor_numbers)
    # Supervisors' numbers reach only the function that texts them.
    for name in synth.stack.api.functions:
        if name != "tip-outbound":
            assert "RTCC_TIPS_SUPERVISOR_NUMBERS" not in _env(synth, name), name
            assert "RTCC_TIPS_LINE_NUMBER" not in _env(synth, name), name


def test_no_supervisors_configured_means_an_empty_list():
    from infra.constructs.tips import TipsConstruct

    config = load_config(HERE / "city.test.toml").model_copy(update={"tips_supervisor_numbers": ()})
    assert TipsConstruct.outbound_settings(config)["RTCC_TIPS_SUPERVISOR_NUMBERS"] == "[]"


# --- config --------------------------------------------------------------------------------
def test_retention_periods_are_checked_and_named(tmp_path):
    text = (HERE / "city.test.toml").read_text().replace("tip_contact_days = 45", "closed_tip_days = 0")
    path = tmp_path / "city.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith("config error: retention.closed_tip_days:")
