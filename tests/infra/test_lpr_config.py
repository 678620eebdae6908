"""The deploy config's `[lpr]` table: purposes checked for publication, the retention preset
and days checked as rtcc.lpr.retention would, numbers normalised; and each RTCC_LPR_* variable
given to exactly the functions that read it."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, ConfigError, load_config
from infra.constructs.lpr import lpr_environment
from tests.infra.conftest import env_readers


def _config(tmp_path, lpr: str):
    """The example config with `lpr` in place of its `[lpr]` table's settings."""
    path = tmp_path / "city.toml"
    example = DEFAULT_CONFIG.read_text()
    head, _, _ = example.partition("\n[lpr]\n")
    path.write_text(head + "\n[lpr]\n" + lpr)
    return load_config(path)


def test_the_example_and_its_defaults(tmp_path):
    lpr = load_config(DEFAULT_CONFIG).lpr
    assert lpr.retention_preset == "default" and "stolen vehicle" in lpr.purposes and lpr.hit_text_to == ()
    custom = _config(
        tmp_path,
        'purposes = ["homicide", "stolen vehicle"]\nretention_preset = "custom"\nretention_days = 14\n'
        'hit_text_to = ["+12065550142"]\nmax_hotlist_mb = 50\n',
    )
    env = lpr_environment(custom)
    assert env["api"] == {
        "RTCC_LPR_PURPOSES": "homicide,stolen vehicle",
        "RTCC_LPR_RETENTION_PRESET": "custom",
        "RTCC_LPR_RETENTION_DAYS": "14",
        "RTCC_LPR_MAX_HOTLIST_BYTES": str(50 * 1024 * 1024),
    }
    assert env["lpr-ingest"] == {"RTCC_LPR_RETENTION_PRESET": "custom", "RTCC_LPR_RETENTION_DAYS": "14"}
    assert env["lpr-import"] == {"RTCC_LPR_MAX_HOTLIST_BYTES": str(50 * 1024 * 1024)}
    assert env["lpr-notify"] == {
        "RTCC_LPR_HIT_TEXT_FROM": custom.alert_number,
        "RTCC_LPR_HIT_TEXT_TO": "+12065550142",
    }


@pytest.mark.parametrize(
    ("lpr", "problem"),
    [
        ('purposes = ["case 24-1001"]\n', r"lpr.purposes: .*no digits"),
        ("purposes = []\n", r"lpr.purposes"),
        ('purposes = ["theft", "theft"]\n', r"lpr.purposes: .*twice"),
        ('retention_preset = "custom"\n', r"lpr: .*custom_days"),
        ('retention_preset = "XX"\n', r"lpr: .*unknown preset"),
        ('retention_preset = "ME"\nretention_days = 60\n', r"lpr: .*longer than the limit"),
        ('hit_text_to = ["not a number"]\n', r"lpr.hit_text_to: hit_text_to.0"),
    ],
)
def test_bad_values_stop_synth_naming_the_field(tmp_path, lpr, problem):
    with pytest.raises(ConfigError, match=problem):
        _config(tmp_path, lpr)


@pytest.mark.parametrize(
    ("variable", "readers"),
    [
        ("RTCC_LPR_PURPOSES", {"rtcc-api"}),
        ("RTCC_LPR_RETENTION_PRESET", {"rtcc-api", "rtcc-lpr-ingest"}),
        ("RTCC_LPR_MAX_HOTLIST_BYTES", {"rtcc-api", "rtcc-lpr-import"}),
        ("RTCC_LPR_HIT_TEXT_FROM", {"rtcc-lpr-notify"}),
    ],
)
def test_each_lpr_variable_reaches_only_its_readers(synth, variable, readers):
    assert set(env_readers(synth, variable)) == readers
