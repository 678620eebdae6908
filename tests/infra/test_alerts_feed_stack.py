"""The public alert feed's CAP sender reaches the API function (and only it) from the
deploy config; without one in the config, no function gets the variable."""

from __future__ import annotations

import pytest

from tests.infra.conftest import TEST_CONFIG, Synth, synthesize

VARIABLE = "RTCC_ALERTS_CAP_SENDER"


@pytest.fixture(scope="module")
def with_cap_sender(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    path = tmp_path_factory.mktemp("cap-sender") / "city.cap.toml"
    path.write_text(TEST_CONFIG.read_text() + '\n[alerts]\ncap_sender = "alerts@testville.example"\n')
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.cap"))


def _readers(synth: Synth) -> dict[str, str]:
    out = {}
    for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values()):
        value = props.get("Environment", {}).get("Variables", {}).get(VARIABLE)
        if value is not None:
            out[props["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME", "?")] = value
    return out


def test_the_config_cap_sender_reaches_the_api_only(with_cap_sender: Synth, synth: Synth) -> None:
    readers = _readers(with_cap_sender)
    assert readers == {"rtcc-api": "alerts@testville.example"}
    assert _readers(synth) == {}  # the test config names neither a cap_sender nor a domain
