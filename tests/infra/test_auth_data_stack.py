"""The user pool's app client and email sender, and the data stores' small print: delete
markers and who may use the data key."""

from __future__ import annotations

import json

import pytest

from tests.infra.iam_policy import allowed_actions, as_list, refs, role_statements

pytestmark = pytest.mark.infra


def test_console_client_has_no_oauth_flows_or_placeholder_callbacks(synth):
    _, client = synth.one("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    # CDK's default would be the implicit grant (tokens in URLs) with https://example.com.
    assert "example.com" not in json.dumps(props)
    for key in ("AllowedOAuthFlows", "CallbackURLs", "LogoutURLs", "AllowedOAuthScopes"):
        assert not props.get(key), key
    assert props.get("AllowedOAuthFlowsUserPoolClient", False) is False


def test_pool_sends_email_through_ses_when_configured(synth):
    config = synth.config
    assert config.ses_from_email
    _, pool = synth.one("AWS::Cognito::UserPool")
    email = pool["Properties"]["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == f"{config.ses_from_name} <{config.ses_from_email}>"
    # The identity is the verified domain, in the stack's region.
    source = json.dumps(email["SourceArn"])
    assert f"identity/{config.ses_verified_domain}" in source and ":ses:" in source
    assert config.region in source or "AWS::Region" in source


def test_pool_uses_cognitos_own_sender_without_ses(sandbox_synth):
    assert sandbox_synth.config.ses_from_email is None
    _, pool = sandbox_synth.one("AWS::Cognito::UserPool")
    email = pool["Properties"].get("EmailConfiguration", {})
    assert email.get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT"
    assert "SourceArn" not in email


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "log_retention_days = 365\n",
            'log_retention_days = 365\nses_from_name = "RTCC"\n',
            "ses_from_email",
        ),
        (
            "log_retention_days = 365\n",
            'log_retention_days = 365\nses_from_email = "rtcc@city.example"\n'
            'ses_verified_domain = "other.example"\n',
            "ses_verified_domain",
        ),
        ("waf_ip_ceiling = 20000\n", "waf_ip_ceiling = 1000\n", "waf_ip_ceiling"),
    ],
)
def test_inconsistent_ses_and_waf_settings_are_refused(tmp_path, old, new, field):
    from infra.config import DEFAULT_CONFIG, ConfigError, load_config

    text = DEFAULT_CONFIG.read_text()
    assert old in text
    path = tmp_path / "city.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"config error: {field}:" in str(err.value)


def test_versioned_buckets_drop_expired_delete_markers(synth):
    from infra.constructs.data import OBJECT_LOCKED_BUCKETS

    for name, bucket in synth.stack.data.buckets.items():
        props = synth.template["Resources"][synth.logical_id(bucket)]["Properties"]
        assert props["VersioningConfiguration"]["Status"] == "Enabled"
        rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
        cleans = [r for r in rules if r.get("ExpiredObjectDeleteMarker") is True and r["Status"] == "Enabled"]
        if name in OBJECT_LOCKED_BUCKETS:
            # Nothing in a locked bucket expires, so no marker ever becomes "expired".
            assert not rules, name
        else:
            # A marker becomes "expired" once its noncurrent versions expire.
            assert cleans and any("NoncurrentVersionExpiration" in r for r in cleans), name


def test_services_use_the_data_key_only_for_this_account(synth):
    key_id = synth.logical_id(synth.stack.data.key)
    policy = synth.template["Resources"][key_id]["Properties"]["KeyPolicy"]
    service_statements = [s for s in policy["Statement"] if "Service" in s.get("Principal", {})]
    assert any("cloudwatch.amazonaws.com" in json.dumps(s["Principal"]) for s in service_statements)
    for statement in service_statements:
        condition = statement.get("Condition", {}).get("StringEquals", {})
        assert condition.get("aws:SourceAccount") == {"Ref": "AWS::AccountId"}, statement


def test_console_tokens_last_five_minutes_and_refresh_tokens_can_be_revoked(synth):
    # The Cognito authorizer checks expiry, not revocation: a disabled officer keeps an
    # ID token until it expires, so its lifetime is the bound (rtcc.staff).
    _, client = synth.one("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    seconds = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    units = props.get("TokenValidityUnits", {})
    for token in ("AccessToken", "IdToken"):
        assert props[f"{token}Validity"] * seconds[units.get(token, "hours")] <= 5 * 60, token
    assert props["RefreshTokenValidity"] * seconds[units.get("RefreshToken", "days")] <= 12 * 3600
    assert props["EnableTokenRevocation"] is True


def test_only_the_api_may_disable_staff_and_only_in_the_staff_pool(synth):
    pool_id, _ = synth.one("AWS::Cognito::UserPool")
    wanted = (
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminEnableUser",
        "cognito-idp:AdminUserGlobalSignOut",
        # Resolving the target (an email names the same account) and counting enabled admins.
        "cognito-idp:AdminGetUser",
        "cognito-idp:ListUsersInGroup",
    )
    unwanted = ("cognito-idp:AdminDeleteUser", "cognito-idp:ListUsers", "cognito-idp:AdminListGroupsForUser")
    assert allowed_actions(synth, "api", pool_id, (*wanted, *unwanted)) == set(wanted)
    for name in synth.stack.api.functions:
        if name != "api":
            assert allowed_actions(synth, name, pool_id, wanted) == set(), name
    granted = [
        s
        for s in role_statements(synth, "api")
        if any(str(a).startswith("cognito-idp:") for a in as_list(s["Action"]))
    ]
    assert all(refs(s["Resource"]) == {pool_id} for s in granted), "on the staff pool's ARN only"


def test_authorizer_checks_every_token_instead_of_caching_its_result(synth):
    # A cached "allow" outlives the token it was computed for: with a 5-minute cache, a
    # disabled officer's token checked just before it expired would keep working for up
    # to 5 more minutes, stretching the 5-minute cut-off to ~10.
    _, authorizer = synth.one("AWS::ApiGateway::Authorizer")
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["Properties"].get("AuthorizerResultTtlInSeconds") == 0
