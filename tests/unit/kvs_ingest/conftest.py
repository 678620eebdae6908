"""Fixtures of the agent's media tests: the generated files of tests/unit/kvs_ingest/media.py, made once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvs_ingest.testpattern import write_test_pattern
from tests.unit.kvs_ingest.media import FPS, SIZE, START_MS, write_two_part_ts


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """name -> file: h264 (MP4, AVCC, moving square), static (no motion), mpeg4, vp8, sizes (TS, two
    resolutions), restart (TS, timestamps reset mid-stream), longgop (keyframes 12 s apart), bframes."""
    d = tmp_path_factory.mktemp("media")
    return {
        "h264": write_test_pattern(d / "h264.mp4", 7, FPS, SIZE, start_ms=START_MS),
        "static": write_test_pattern(d / "static.mp4", 7, FPS, SIZE, start_ms=START_MS, moving=False,
                                     burn_time=False),
        "mpeg4": write_test_pattern(d / "mpeg4.mkv", 4, FPS, SIZE, start_ms=START_MS, codec="mpeg4"),
        "vp8": write_test_pattern(d / "vp8.webm", 4, FPS, SIZE, start_ms=START_MS, codec="libvpx"),
        "sizes": write_two_part_ts(d / "sizes.ts", ((320, 240), (480, 360))),
        "restart": write_two_part_ts(d / "restart.ts", ((320, 240), (320, 240)), reset_pts=True),
        "longgop": write_test_pattern(d / "longgop.mp4", 14, 10, SIZE, start_ms=START_MS, gop=120),
        "bframes": write_test_pattern(d / "bframes.mp4", 7, FPS, SIZE, start_ms=START_MS, bframes=3),
    }  # fmt: skip
