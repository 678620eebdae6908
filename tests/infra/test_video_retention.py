"""Camera video has one retention setting, `[camera_program] stream_retention_hours`: the
older `[retention] video_days` (read by nothing) is taken as that many days when alone, and
is a config error next to it; the example config sets only the one."""

from __future__ import annotations

import pytest

from infra.config import DEFAULT_CONFIG, ConfigError, load_config


def _config(tmp_path, video_days: str | None, keep_hours: bool):
    text = DEFAULT_CONFIG.read_text()
    if video_days is not None:
        text = text.replace("\n[retention]\n", f"\n[retention]\nvideo_days = {video_days}\n", 1)
    if not keep_hours:
        lines = text.splitlines(keepends=True)
        text = "".join(line for line in lines if not line.startswith("stream_retention_hours"))
    path = tmp_path / "city.toml"
    path.write_text(text)
    return load_config(path)


def test_the_example_sets_video_retention_once():
    text = DEFAULT_CONFIG.read_text()
    assert "video_days" not in "".join(line.split("#")[0] for line in text.splitlines())
    assert load_config(DEFAULT_CONFIG).camera_program.stream_retention_hours == 24


def test_video_days_alone_is_read_as_days_of_stream_retention(tmp_path):
    config = _config(tmp_path, "14", keep_hours=False)
    assert config.camera_program.stream_retention_hours == 14 * 24
    assert not hasattr(config.retention, "video_days")


def test_both_set_is_a_config_error_naming_the_old_one(tmp_path):
    with pytest.raises(ConfigError, match=r"retention.video_days: .*stream_retention_hours only"):
        _config(tmp_path, "14", keep_hours=True)


@pytest.mark.parametrize("days", ["0", "400", '"a month"'])
def test_a_bad_video_days_is_named(tmp_path, days):
    with pytest.raises(ConfigError, match=r"retention.video_days: whole days from 1 to 365"):
        _config(tmp_path, days, keep_hours=False)
