"""The deploy config's `tips_sms_language` reaches the tip line's two texting functions (the
webhook answers in it, the reply function frames replies in it) and no other; it must name
a shipped SMS catalog; unset, no function gets the variable (English)."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_config
from tests.infra.conftest import TEST_CONFIG, Synth, synthesize

VARIABLE = "RTCC_TIPS_SMS_LANGUAGE"


def _write(folder, line: str):
    path = folder / "city.lang.toml"
    path.write_text(line + "\n" + TEST_CONFIG.read_text())  # a top-level key: before any [table]
    return path


@pytest.fixture(scope="module")
def in_spanish(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    path = _write(tmp_path_factory.mktemp("tips-lang"), 'tips_sms_language = "ES"')
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.tips-lang"))


def _readers(synth: Synth) -> dict[str, str]:
    out = {}
    for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values()):
        variables = props.get("Environment", {}).get("Variables", {})
        if VARIABLE in variables:
            out[variables.get("POWERTOOLS_SERVICE_NAME", "?")] = variables[VARIABLE]
    return out


def test_the_language_reaches_the_tip_lines_texting_functions_only(in_spanish: Synth, synth: Synth) -> None:
    assert _readers(in_spanish) == {"rtcc-tip-webhook": "es", "rtcc-tip-outbound": "es"}
    assert _readers(synth) == {}


def test_a_language_without_a_catalog_stops_the_deploy(tmp_path) -> None:
    assert load_config(TEST_CONFIG).tips_sms_language is None
    with pytest.raises(ConfigError, match=r"config error: tips_sms_language: 'fr' has no SMS catalog"):
        load_config(_write(tmp_path, 'tips_sms_language = "fr"'))
