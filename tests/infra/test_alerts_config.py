"""The deploy config's `[alerts]` table: the zones file is parsed at synth, ZIP codes checked."""

from __future__ import annotations

import json

import pytest

from infra.config import DEFAULT_CONFIG, ConfigError, load_config

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


def _zones(path, geometry):
    feature = {"type": "Feature", "id": "ward-3", "properties": {"name": "Ward 3", "kind": "ward"}}
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{**feature, "geometry": geometry}]})
    )


def _config(tmp_path, alerts: str):
    """The example config with `alerts` added to its `[alerts]` table (TOML allows one)."""
    path = tmp_path / "city.toml"
    example = DEFAULT_CONFIG.read_text()
    assert example.count("\n[alerts]\n") == 1
    path.write_text(example.replace("\n[alerts]\n", "\n[alerts]\n" + alerts, 1))
    return load_config(path)


def test_zones_file_is_found_beside_the_config_and_zip_codes_kept(tmp_path, monkeypatch):
    _zones(tmp_path / "zones.geojson", SQUARE)
    monkeypatch.chdir(tmp_path.parent)  # synth runs from anywhere: the path is the file's
    config = _config(tmp_path, 'zones_geojson = "zones.geojson"\nzip_codes = ["01013", "01020"]\n')
    assert config.alerts.zones_geojson == str((tmp_path / "zones.geojson").resolve())
    assert config.alerts.zip_codes == ("01013", "01020")
    assert load_config(DEFAULT_CONFIG).alerts.zones_geojson is None  # optional


def test_a_broken_zones_file_stops_synth_naming_the_feature(tmp_path):
    _zones(tmp_path / "zones.geojson", BOWTIE)
    with pytest.raises(
        ConfigError, match=r"config error: alerts.zones_geojson: feature 'ward-3': invalid polygon"
    ):
        _config(tmp_path, 'zones_geojson = "zones.geojson"\n')
    with pytest.raises(
        ConfigError, match=r"config error: alerts.zones_geojson: zones: .*missing.geojson does not"
    ):
        _config(tmp_path, 'zones_geojson = "missing.geojson"\n')


def test_zip_codes_are_five_digits_and_unique(tmp_path):
    with pytest.raises(ConfigError, match=r"config error: alerts.zip_codes.1: '1020' is not a five-digit"):
        _config(tmp_path, 'zip_codes = ["01013", "1020"]\n')
    with pytest.raises(ConfigError, match=r"config error: alerts.zip_codes: a ZIP code appears twice"):
        _config(tmp_path, 'zip_codes = ["01013", "01013"]\n')
    with pytest.raises(ConfigError, match=r"config error: alerts.zip_code: Extra inputs"):
        _config(tmp_path, 'zip_code = ["01013"]\n')


def test_cap_sender_is_email_style_and_defaults_to_the_domain(tmp_path):
    config = _config(tmp_path, 'cap_sender = "alerts@springfield.gov"\n')
    assert config.cap_sender == "alerts@springfield.gov"
    assert load_config(DEFAULT_CONFIG).cap_sender is None  # no domain_name in the example
    with pytest.raises(ConfigError, match=r"config error: alerts.cap_sender: String should match"):
        _config(tmp_path, 'cap_sender = "alerts, springfield"\n')
    from infra.config import DeployConfig

    domain = DeployConfig.model_validate(
        {
            **load_config(DEFAULT_CONFIG).model_dump(),
            "domain_name": "rtcc.springfield.gov",
            "certificate_arn": "arn:aws:acm:x",
        }
    )
    assert domain.cap_sender == "alerts@rtcc.springfield.gov"
