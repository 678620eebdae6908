"""The deploy config keeps the two SMS lines apart: a STOP on one line never affects the other
(review 10, finding 10). Twilio keeps opt-outs per number, and per Messaging Service when lines
share one, so the config refuses a shared service and a shared number."""

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


def test_a_messaging_service_shared_by_the_two_lines_is_refused(tmp_path):
    assert load_config(DEFAULT_CONFIG).twilio_messaging_service_sid is None
    with pytest.raises(ConfigError, match="twilio_messaging_service_sid: leave it unset.*opt-outs"):
        _config(tmp_path, f'twilio_messaging_service_sid = "{SID}"')
    with pytest.raises(ConfigError, match="config error: twilio_messaging_service_sid:"):
        _config(tmp_path, 'twilio_messaging_service_sid = "PN0123"')


def test_the_alerts_number_must_not_be_the_tip_line(tmp_path):
    tip = load_config(DEFAULT_CONFIG).tip_line_number
    path = tmp_path / "city.toml"
    text = DEFAULT_CONFIG.read_text()
    [alert_line] = [line for line in text.splitlines() if line.startswith("alert_number")]
    path.write_text(text.replace(alert_line, f'alert_number = "{tip}"', 1))
    with pytest.raises(ConfigError, match="alert_number: must differ from tip_line_number"):
        load_config(path)


def test_no_function_sends_through_a_messaging_service(synth):
    for function in synth.resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "RTCC_TWILIO_MESSAGING_SERVICE_SID" not in variables
