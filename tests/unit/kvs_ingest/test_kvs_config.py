"""The agent's TOML config: a good file loads; each mistake is reported naming its field."""

from __future__ import annotations

import pytest

from kvs_ingest.config import ConfigError, load_config

GOOD = """
[agent]
region = "us-east-1"
buffer_dir = "/var/lib/rtcc-ingest"
health_port = 8089
api_url = "https://abc.execute-api.us-east-1.amazonaws.com/prod"

[credentials]
mode = "iot"
endpoint = "c1.credentials.iot.us-east-1.amazonaws.com"
role_alias = "rtcc-camera-agent"
thing_name = "rtcc-cam-42"
cert = "/etc/rtcc-ingest/cert.pem"
key = "/etc/rtcc-ingest/key.pem"
ca = "/etc/rtcc-ingest/AmazonRootCA1.pem"

[[cameras]]
camera_id = "42"
stream_name = "rtcc-cam-42"
source = "rtsp://192.168.1.20:554/stream1"
motion_token = "m0tion-s3cret"

[cameras.motion]
enabled = true
privacy_masks = [[[0.0, 0.0], [0.3, 0.0], [0.3, 0.2]]]
"""


def _write(tmp_path, text: str):
    path = tmp_path / "agent.toml"
    path.write_text(text)
    return path


def test_a_good_file_loads_with_defaults(tmp_path):
    config = load_config(_write(tmp_path, GOOD))
    assert config.agent.buffer_minutes == 10 and config.agent.rotate_minutes == 40
    camera = config.cameras[0]
    assert camera.fragment_seconds == 2.0 and camera.loop is False
    assert camera.motion.enabled and camera.motion.privacy_masks[0][1] == (0.3, 0.0)
    assert "m0tion-s3cret" not in repr(config)  # the motion token is a secret


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('region = "us-east-1"', 'region = "Mars"', "agent.region"),
        ("health_port = 8089", "health_port = 70000", "agent.health_port"),
        ("health_port = 8089", "buffer_minute = 5", "agent.buffer_minute"),
        ('mode = "iot"', 'mode = "password"', "credentials.mode"),
        ('role_alias = "rtcc-camera-agent"\n', "", "credentials.role_alias"),
        (
            'source = "rtsp://192.168.1.20:554/stream1"',
            'source = "rtsp://x"\nfragment_seconds = 12',
            "cameras[0].fragment_seconds",
        ),
        ('stream_name = "rtcc-cam-42"', 'stream_name = "bad name!"', "cameras[0].stream_name"),
        (
            "[[0.0, 0.0], [0.3, 0.0], [0.3, 0.2]]",
            "[[0.0, 0.0], [1.3, 0.0], [0.3, 0.2]]",
            "cameras[0].motion.privacy_masks",
        ),
        (
            "[[0.0, 0.0], [0.3, 0.0], [0.3, 0.2]]",
            "[[0.0, 0.0], [0.3, 0.0]]",
            "cameras[0].motion.privacy_masks",
        ),
        ('motion_token = "m0tion-s3cret"\n', "", "motion_token"),
        (
            'api_url = "https://abc.execute-api.us-east-1.amazonaws.com/prod"',
            'api_url = "ftp://x"',
            "agent.api_url",
        ),
    ],
)
def test_each_mistake_names_its_field(tmp_path, old, new, field):
    assert old in GOOD
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, GOOD.replace(old, new)))
    assert field in str(caught.value), str(caught.value)


def test_static_keys_are_refused_unless_local(tmp_path):
    static = (
        GOOD.split("[credentials]")[0]
        + '[credentials]\nmode = "static"\naccess_key = "AKIA"\nsecret_key = "s3cr3t"\n'
    )
    static += GOOD.split('ca = "/etc/rtcc-ingest/AmazonRootCA1.pem"')[1]
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, static))
    assert "credentials.mode" in str(caught.value) and "s3cr3t" not in str(caught.value)
    local = static.replace(
        'region = "us-east-1"', 'region = "us-east-1"\nendpoint_url = "http://127.0.0.1:4566"'
    )
    assert load_config(_write(tmp_path, local)).credentials.access_key.get_secret_value() == "AKIA"


def test_no_cameras_duplicate_ids_bad_toml_and_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cameras"):
        load_config(_write(tmp_path, GOOD.split("[[cameras]]")[0]))
    twice = GOOD + GOOD[GOOD.index("[[cameras]]") :].replace("rtcc-cam-42", "rtcc-cam-43")
    with pytest.raises(ConfigError, match="camera_id must be unique"):
        load_config(_write(tmp_path, twice))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[agent\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")
