"""The alerts number's send rate comes from the deploy config (`[alerts] sender_rate_per_second`)
and reaches the dispatcher (the shared rate) and the API (page size) only; unset, 1/s (a long
code's lane)."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, synthesize

VARIABLE = "RTCC_ALERTS_SENDER_RATE_PER_SECOND"


@pytest.fixture(scope="module")
def with_rate(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    path = tmp_path_factory.mktemp("sender-rate") / "city.rate.toml"
    path.write_text(TEST_CONFIG.read_text() + "\n[alerts]\nsender_rate_per_second = 3\n")
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.rate"))


def _readers(synth: Synth) -> dict[str, str]:
    out = {}
    for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values()):
        variables = props.get("Environment", {}).get("Variables", {})
        if VARIABLE in variables:
            out[variables.get("POWERTOOLS_SERVICE_NAME", "?")] = variables[VARIABLE]
    return out


def test_the_config_rate_reaches_the_dispatcher_and_the_api_only(with_rate: Synth, synth: Synth) -> None:
    assert _readers(with_rate) == {"rtcc-api": "3.0", "rtcc-alert-dispatch": "3.0"}
    assert _readers(synth) == {"rtcc-api": "1.0", "rtcc-alert-dispatch": "1.0"}  # a long code's default


def test_the_rate_must_be_positive(tmp_path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(TEST_CONFIG.read_text() + "\n[alerts]\nsender_rate_per_second = 0\n")
    with pytest.raises(ConfigError, match=r"alerts.sender_rate_per_second"):
        load_config(path)
