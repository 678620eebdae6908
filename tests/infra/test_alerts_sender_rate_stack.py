"""The alerts number's send rate comes from the deploy config (`[alerts] sender_rate_per_second`)
and reaches the dispatcher (the shared rate), the API (page size) and alert-confirm (signup
texts share the rate) only; unset, 1/s (a long code's lane)."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, env_readers

VARIABLE = "RTCC_ALERTS_SENDER_RATE_PER_SECOND"


def test_the_config_rate_reaches_the_dispatcher_and_the_api_only(configured: Synth, synth: Synth) -> None:
    # alert-confirm too: a signup's text takes its turn in the same rate.
    senders = ("rtcc-api", "rtcc-alert-dispatch", "rtcc-alert-confirm")
    assert env_readers(configured, VARIABLE) == dict.fromkeys(senders, "3.0")
    assert env_readers(synth, VARIABLE) == dict.fromkeys(senders, "1.0")  # unset: a long code's lane


def test_the_rate_must_be_positive(tmp_path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(TEST_CONFIG.read_text() + "\n[alerts]\nsender_rate_per_second = 0\n")
    with pytest.raises(ConfigError, match=r"alerts.sender_rate_per_second"):
        load_config(path)
