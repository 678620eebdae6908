"""The public alert feed's CAP sender reaches the API function (and only it) from the
deploy config; without one in the config, no function gets the variable."""

from __future__ import annotations

from tests.infra.conftest import Synth, env_readers

VARIABLE = "RTCC_ALERTS_CAP_SENDER"


def test_the_config_cap_sender_reaches_the_api_only(configured: Synth, synth: Synth) -> None:
    readers = env_readers(configured, VARIABLE)
    assert readers == {"rtcc-api": "alerts@testville.example"}
    assert env_readers(synth, VARIABLE) == {}  # the test config names neither a cap_sender nor a domain
