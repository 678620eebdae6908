"""The deploy config's Twilio Messaging Service reaches every function's settings."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, ConfigError, load_config

SID = "MG0123456789abcdef0123456789abcdef"


def _config(tmp_path, line: str):
    path = tmp_path / "city.toml"
    text = DEFAULT_CONFIG.read_text()
    anchor = 'twilio_account_sid = "AC0123456789abcdef0123456789abcdef"\n'
    path.write_text(text.replace(anchor, anchor + line + "\n", 1))
    return load_config(path)


def test_the_messaging_service_is_optional_and_checked(tmp_path):
    assert load_config(DEFAULT_CONFIG).twilio_messaging_service_sid is None
    assert _config(tmp_path, f'twilio_messaging_service_sid = "{SID}"').twilio_messaging_service_sid == SID
    with pytest.raises(ConfigError, match="config error: twilio_messaging_service_sid:"):
        _config(tmp_path, 'twilio_messaging_service_sid = "PN0123"')


def test_every_function_sends_through_the_configured_service(synth):
    assert synth.config.twilio_messaging_service_sid == SID
    for function in synth.resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "RTCC_ENVIRONMENT" in variables:  # rtcc's functions, not CDK's helpers
            assert variables["RTCC_TWILIO_MESSAGING_SERVICE_SID"] == SID
