"""The two-person rule for Emergency alerts can be turned on in a deployment (review of issue
10, finding 2): `[alerts] emergency_approval_required` in the deploy config reaches the API
function (the one that sends alerts) as RTCC_ALERTS_EMERGENCY_APPROVAL_REQUIRED; the example
config a city starts from turns it on."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, synthesize

VARIABLE = "RTCC_ALERTS_EMERGENCY_APPROVAL_REQUIRED"


@pytest.fixture(scope="module")
def with_approval(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    path = tmp_path_factory.mktemp("approval") / "city.approval.toml"
    path.write_text(TEST_CONFIG.read_text() + "\n[alerts]\nemergency_approval_required = true\n")
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.approval"))


def _readers(synth: Synth) -> dict[str, str]:
    out = {}
    for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values()):
        variables = props.get("Environment", {}).get("Variables", {})
        if VARIABLE in variables:
            out[variables.get("POWERTOOLS_SERVICE_NAME", "?")] = variables[VARIABLE]
    return out


def test_the_config_turns_the_rule_on_for_the_api_only(with_approval: Synth, synth: Synth) -> None:
    assert _readers(with_approval) == {"rtcc-api": "true"}
    assert _readers(synth) == {"rtcc-api": "false"}  # unset: off, and said so explicitly


def test_the_value_reads_as_the_api_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The string the stack writes is one the API's settings read as that boolean."""
    from rtcc.alerts.settings import AlertsSettings

    for text, value in (("true", True), ("false", False)):
        monkeypatch.setenv(VARIABLE, text)
        assert AlertsSettings().emergency_approval_required is value


def test_the_example_config_turns_it_on() -> None:
    assert load_config(DEFAULT_CONFIG).alerts.emergency_approval_required is True
    assert load_config(TEST_CONFIG).alerts.emergency_approval_required is False  # the default
