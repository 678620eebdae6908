"""The deploy config's `tips_sms_language` reaches the tip line's two texting functions (the
webhook answers in it, the reply function frames replies in it) and no other; it must name
a shipped SMS catalog; unset, no function gets the variable (English)."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, env_readers

VARIABLE = "RTCC_TIPS_SMS_LANGUAGE"


def _write(folder, line: str):
    path = folder / "city.lang.toml"
    path.write_text(line + "\n" + TEST_CONFIG.read_text())  # a top-level key: before any [table]
    return path


def test_the_language_reaches_the_tip_lines_texting_functions_only(configured: Synth, synth: Synth) -> None:
    assert env_readers(configured, VARIABLE) == {"rtcc-tip-webhook": "es", "rtcc-tip-outbound": "es"}
    assert env_readers(synth, VARIABLE) == {}


def test_a_language_without_a_catalog_stops_the_deploy(tmp_path) -> None:
    assert load_config(TEST_CONFIG).tips_sms_language is None
    with pytest.raises(ConfigError, match=r"config error: tips_sms_language: 'fr' has no SMS catalog"):
        load_config(_write(tmp_path, 'tips_sms_language = "fr"'))
