"""The two-person rule for Emergency alerts can be turned on in a deployment (review of issue
10, finding 2): `[alerts] emergency_approval_required` in the deploy config reaches the API
function (the one that sends alerts) as RTCC_ALERTS_EMERGENCY_APPROVAL_REQUIRED; the example
config a city starts from turns it on."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, env_readers

VARIABLE = "RTCC_ALERTS_EMERGENCY_APPROVAL_REQUIRED"


def test_the_config_turns_the_rule_on_for_the_api_only(configured: Synth, synth: Synth) -> None:
    assert env_readers(configured, VARIABLE) == {"rtcc-api": "true"}
    assert env_readers(synth, VARIABLE) == {"rtcc-api": "false"}  # unset: off, and said so explicitly


def test_the_value_reads_as_the_api_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The string the stack writes is one the API's settings read as that boolean."""
    from rtcc.alerts.settings import AlertsSettings

    for text, value in (("true", True), ("false", False)):
        monkeypatch.setenv(VARIABLE, text)
        assert AlertsSettings().emergency_approval_required is value


def test_the_example_config_turns_it_on() -> None:
    assert load_config(DEFAULT_CONFIG).alerts.emergency_approval_required is True
    assert load_config(TEST_CONFIG).alerts.emergency_approval_required is False  # the default
