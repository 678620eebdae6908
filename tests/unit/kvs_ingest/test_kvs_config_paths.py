"""Relative paths in the agent's TOML are taken from the config file's folder (not from where
the agent was started), so a provisioned folder still works after the owner moves it;
absolute paths, URLs and devices stay exactly as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvs_ingest.cli import check_config
from kvs_ingest.config import load_config, parse_config

RELATIVE = """
[agent]
region = "us-east-1"
buffer_dir = "buffer"

[credentials]
mode = "iot"
endpoint = "c1.credentials.iot.us-east-1.amazonaws.com"
role_alias = "rtcc-camera-agent"
thing_name = "rtcc-cam-42"
cert = "cert.pem"
key = "./keys/private.key"
ca = "AmazonRootCA1.pem"

[[cameras]]
camera_id = "42"
stream_name = "rtcc-cam-42"
source = "clips/loop.mp4"
loop = true

[[cameras]]
camera_id = "43"
stream_name = "rtcc-cam-43"
source = "rtsp://192.168.1.20:554/stream1"

[[cameras]]
camera_id = "44"
stream_name = "rtcc-cam-44"
source = "http://192.168.1.21/video.mjpg"

[[cameras]]
camera_id = "45"
stream_name = "rtcc-cam-45"
source = "device:/dev/video0"
"""


def _site(folder: Path) -> Path:
    """A provisioned folder: agent.toml with every file it names beside it."""
    (folder / "keys").mkdir(parents=True)
    (folder / "clips").mkdir()
    for name in ("cert.pem", "keys/private.key", "AmazonRootCA1.pem", "clips/loop.mp4"):
        (folder / name).write_bytes(b"x")
    (folder / "agent.toml").write_text(RELATIVE)
    return folder / "agent.toml"


def test_relative_paths_are_the_config_folders_wherever_the_agent_starts(tmp_path, monkeypatch):
    path = _site(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    site = tmp_path / "site"
    assert config.agent.buffer_dir == site / "buffer"
    credentials = config.credentials
    assert (credentials.cert, credentials.key, credentials.ca) == (
        site / "cert.pem",
        site / "keys/private.key",
        site / "AmazonRootCA1.pem",
    )
    assert credentials.key.is_file()
    sources = [camera.source for camera in config.cameras]
    assert sources == [
        str(site / "clips/loop.mp4"),
        "rtsp://192.168.1.20:554/stream1",  # URLs and devices untouched
        "http://192.168.1.21/video.mjpg",
        "device:/dev/video0",
    ]


def test_a_config_named_by_a_relative_path_gives_absolute_paths(tmp_path, monkeypatch):
    _site(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("site/agent.toml"))
    assert config.agent.buffer_dir == tmp_path / "site" / "buffer"
    assert config.credentials.cert is not None and config.credentials.cert.is_absolute()
    assert Path(config.cameras[0].source).is_absolute()


def test_a_moved_folder_still_checks_out(tmp_path, monkeypatch):
    path = _site(tmp_path / "provisioned")
    monkeypatch.chdir(tmp_path)
    check_config(path)  # rtcc-ingest check-config: every file it names exists
    moved = (tmp_path / "provisioned").rename(tmp_path / "moved-by-the-owner")
    monkeypatch.chdir(moved.parent.parent)
    config = check_config(moved / "agent.toml")
    assert config.credentials.ca == moved / "AmazonRootCA1.pem"
    assert config.cameras[0].source == str(moved / "clips/loop.mp4")


def test_absolute_paths_are_kept_as_written(tmp_path):
    absolute = (
        RELATIVE.replace('"buffer"', '"/var/lib/rtcc-ingest"')
        .replace('"cert.pem"', '"/etc/rtcc-ingest/cert.pem"')
        .replace('"clips/loop.mp4"', '"/srv/video/loop.mp4"')
    )
    (tmp_path / "agent.toml").write_text(absolute)
    config = load_config(tmp_path / "agent.toml")
    assert config.agent.buffer_dir == Path("/var/lib/rtcc-ingest")
    assert config.credentials.cert == Path("/etc/rtcc-ingest/cert.pem")
    assert config.credentials.key == tmp_path / "keys/private.key"  # the relative one beside it
    assert config.cameras[0].source == "/srv/video/loop.mp4"


@pytest.mark.parametrize("base_dir", [None, "/opt/site"])
def test_a_parsed_dict_uses_the_folder_it_is_given_or_none(base_dir):
    data = {
        "agent": {"region": "us-east-1", "buffer_dir": "buffer", "endpoint_url": "http://127.0.0.1:4566"},
        "credentials": {"mode": "static", "access_key": "AKIA", "secret_key": "s"},
        "cameras": [{"camera_id": "1", "stream_name": "s1", "source": "a.mp4"}],
    }
    config = parse_config(data, base_dir=base_dir)
    expected = Path(base_dir) / "buffer" if base_dir else Path("buffer")
    assert config.agent.buffer_dir == expected
    assert config.cameras[0].source == str(Path(base_dir) / "a.mp4" if base_dir else "a.mp4")
