"""The deploy config's city cameras (`[[cameras]]`, with an optional bearing) and the
`[camera_program]` table: defaults, the example's values, and a precise error per bad value."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, ConfigError, load_config


def _config(tmp_path, extra: str):
    """The example config (its own [camera_program] dropped) with `extra` appended."""
    head, _, tail = DEFAULT_CONFIG.read_text().partition("\n[camera_program]\n")
    rest = tail.partition("\n[")[2]  # what followed the table
    path = tmp_path / "city.toml"
    path.write_text(head + ("\n[" + rest if rest else "") + "\n" + extra)
    return load_config(path)


def test_the_example_declares_two_city_cameras_and_the_program():
    config = load_config(DEFAULT_CONFIG)
    assert [(c.id, c.bearing_deg) for c in config.cameras] == [
        ("main-and-1st", 90),
        ("city-hall-plaza", None),
    ]
    program = config.camera_program
    assert (program.request_max_radius_m, program.request_max_hours, program.requesters) == (
        800,
        12,
        "officer",
    )
    assert (program.max_clip_mb, program.stream_retention_hours, program.evidence_lock_days) == (
        2048,
        24,
        365,
    )
    assert program.email_from is None  # a city verifies its sender first


def test_a_program_and_its_sender(tmp_path):
    config = _config(
        tmp_path, '[camera_program]\nrequesters = "supervisor"\nemail_from = "Cameras@City.Example"\n'
    )
    assert config.camera_program.requesters == "supervisor"
    assert config.camera_program.email_from == "Cameras@city.example"  # the domain's case is SES's
    assert _config(tmp_path, '[camera_program]\nemail_from = "City.Example"\n').camera_program.email_from == (
        "city.example"
    )


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("[camera_program]\nrequest_max_radius_m = 10\n", r"camera_program.request_max_radius_m: .*25"),
        ("[camera_program]\nrequest_max_hours = 0\n", r"camera_program.request_max_hours: .*greater than 0"),
        ("[camera_program]\nrequest_max_hours = 100\n", r"camera_program.request_max_hours: .*72"),
        (
            '[camera_program]\nrequesters = "admin"\n',
            r"camera_program.requesters: .*'officer' or 'supervisor'",
        ),
        ("[camera_program]\nmax_clip_mb = 0\n", r"camera_program.max_clip_mb"),
        ("[camera_program]\nstream_retention_hours = 0\n", r"camera_program.stream_retention_hours"),
        ("[camera_program]\nevidence_lock_days = 0\n", r"camera_program.evidence_lock_days"),
        ('[camera_program]\nemail_from = "not an address"\n', r"camera_program.email_from: .*neither"),
        ('[camera_program]\nemail_from = "a@b@city.example"\n', r"camera_program.email_from: .*neither"),
        ('[camera_program]\nemail_from = "city"\n', r"camera_program.email_from: .*domain"),
        ('[camera_program]\nemial_from = "x@city.example"\n', r"camera_program.emial_from: Extra inputs"),
    ],
)
def test_bad_program_values_are_named(tmp_path, extra, problem):
    with pytest.raises(ConfigError, match=problem):
        _config(tmp_path, extra)


@pytest.mark.parametrize(
    ("bearing", "problem"),
    [
        ("360", r"cameras.0.bearing_deg: .*359"),
        ("-1", r"cameras.0.bearing_deg: .*0"),
        ('"east"', "bearing_deg"),
    ],
)
def test_a_city_cameras_bearing_is_0_to_359(tmp_path, bearing, problem):
    text = DEFAULT_CONFIG.read_text().replace("bearing_deg = 90", f"bearing_deg = {bearing}")
    path = tmp_path / "city.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_config(path)


def test_too_many_city_cameras_for_the_functions_environment(tmp_path):
    many = "".join(
        f'[[cameras]]\nid = "camera-{i:03d}"\nname = "A camera with a long name {i}"\n'
        "lat = 47.6\nlon = -122.3\n"
        for i in range(40)
    )
    head, _, _ = DEFAULT_CONFIG.read_text().partition("\n[[cameras]]\n")
    path = tmp_path / "city.toml"
    path.write_text(head + "\n" + many)
    with pytest.raises(ConfigError, match=r"cameras: .*bytes as JSON"):
        load_config(path)
