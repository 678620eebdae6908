"""`make test` must not depend on the caller's shell: someone who tried real Twilio through a
tunnel has RTCC_PUBLIC_BASE_URL and RTCC_TWILIO_AUTH_TOKEN set, and the suite once took them
(53 failures). A child pytest runs representative tests in such a shell and must pass."""

from __future__ import annotations

import pytest

from tests.harness import run_pytest

pytestmark = pytest.mark.integration

POLLUTED_SHELL = {
    "RTCC_PUBLIC_BASE_URL": "https://tunnel.example",
    "RTCC_TWILIO_AUTH_TOKEN": "3f1c0a9e5b7d4c2a8e6f0b1d3c5a7e9f",
    "RTCC_TWILIO_ACCOUNT_SID": "AC3f1c0a9e5b7d4c2a8e6f0b1d3c5a7e9f",
    "RTCC_SMS_BACKEND": "twilio",
    "RTCC_ENVIRONMENT": "deployed",
    "RTCC_TABLE_PREFIX": "prod-",
    "RTCC_MEDIA_BUCKET": "city-prod-media",
    "RTCC_REGION": "eu-west-1",
    "RTCC_DEMO_PASSWORD": "not-the-suites",
    "RTCC_AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:twilio",
    "RTCC_DEPLOY_CONFIG": "/nonexistent/city.toml",
    "AWS_PROFILE": "city-prod",
    "AWS_DEFAULT_PROFILE": "city-prod",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    # A proxy nobody answers: the suite's calls to 127.0.0.1 must never go through it.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "TZ": "Pacific/Chatham",
}

REPRESENTATIVE = [
    # Reads the settings' secrets in the local environment.
    "tests/unit/test_auth.py::test_secrets_come_from_settings_locally",
    # The unit moto server, its tables and the API handler's settings.
    "tests/unit/test_api.py::test_health_is_public",
    "tests/unit/test_api.py::test_console_config_carries_no_secret",
    # The local stack, and a webhook signed as Twilio signs it, with the suite's token.
    "tests/integration/test_platform.py::test_health_is_public_and_reports_local",
    "tests/integration/tips/test_sms_webhook.py::test_signed_webhook_stores_a_tip_and_answers_twiml",
]


def test_the_suite_passes_whatever_rtcc_and_aws_variables_the_shell_holds() -> None:
    # RTCC_REQUIRE_ALL: a skip must not pass for a pass. Starting the stack takes ~30 s (more
    # when the IAM snapshot under .build/local-iam must be synthesized first).
    done = run_pytest(*REPRESENTATIVE, env={**POLLUTED_SHELL, "RTCC_REQUIRE_ALL": "1"}, timeout=420)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert f"{len(REPRESENTATIVE)} passed" in done.stdout.splitlines()[-1], done.stdout[-2000:]
