"""Clip rules (rtcc.video.clips) and agent.toml (rtcc.video.provisioning), without AWS."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rtcc.cameras.live_windows import LiveWindow
from rtcc.cameras.model import CameraSpot
from rtcc.errors import DomainError
from rtcc.video import clips
from rtcc.video.provisioning import AgentConfig, Target, camera_section, render, write_private

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _body(**changes: object) -> dict:
    body = {"camera_id": "cam-0123456789ab", "case_number": "24-001", "start": "2026-12-02T11:50:00Z"}
    return body | {"end": "2026-12-02T11:55:00+00:00"} | changes


def test_a_good_ask() -> None:
    ask = clips.validate_ask(_body(), 30, NOW)
    assert (ask.start, ask.end) == (NOW - timedelta(minutes=10), NOW - timedelta(minutes=5))
    assert clips.clip_id(ask) == clips.clip_id(clips.validate_ask(_body(), 30, NOW))  # the same clip
    assert clips.clip_id(ask) != clips.clip_id(clips.validate_ask(_body(case_number="24-002"), 30, NOW))
    assert clips.CLIP_ID.match(clips.clip_id(ask))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "2026-12-02T11:50:00Z"}, "end"),
        ({"start": "2026-12-02T11:00:00Z"}, "end"),  # 55 minutes > 30
        ({"end": "2026-12-02T12:05:00Z"}, "end"),
        ({"start": "2026-12-02T11:50:00"}, "start"),
        ({"case_number": ""}, "case_number"),
        ({"camera_id": 7}, "camera_id"),
    ],
)
def test_bad_asks_name_their_field(changes: dict, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        clips.validate_ask(_body(**changes), 30, NOW)
    assert refused.value.field == field


def _camera(policy: str) -> CameraSpot:
    return CameraSpot(
        "cam-0123456789ab", "own-0123456789abcdef", "x", 1.0, 1.0, None, "integrate", policy, "live"
    )


def test_the_owners_policy_must_cover_the_whole_range() -> None:
    start, end = NOW - timedelta(minutes=10), NOW - timedelta(minutes=5)
    window = LiveWindow("cam-0123456789ab", "inc-1", "2026-12-02T11:45:00Z", "2026-12-02T11:56:00Z")
    late = LiveWindow("cam-0123456789ab", "inc-2", "2026-12-02T11:52:00Z", "2026-12-02T13:00:00Z")
    assert clips.range_allowed(_camera("always"), [], start, end)
    assert clips.range_allowed(_camera("incident"), [window], start, end)
    assert not clips.range_allowed(_camera("incident"), [late], start, end)
    assert not clips.range_allowed(_camera("request"), [window], start, end)


def test_parts_and_halves() -> None:
    pieces = clips.parts(NOW, NOW + timedelta(seconds=700), 300)
    assert [(b - a).total_seconds() for a, b in pieces] == [300, 300, 100]
    assert clips.halves(NOW, NOW + timedelta(seconds=30)) == [
        (NOW, NOW + timedelta(seconds=15)),
        (NOW + timedelta(seconds=15), NOW + timedelta(seconds=30)),
    ]
    assert clips.halves(NOW, NOW + timedelta(seconds=19)) is None


def test_agent_toml_reads_back_and_files_are_private(tmp_path: Path) -> None:
    target = Target("cam-0123456789ab", "rtcc-cam-cam-0123456789ab", "own-0123456789abcdef", True)
    credentials = {
        "mode": "iot",
        "endpoint": "x.credentials.iot.us-east-1.amazonaws.com",
        "cert": "certificate.pem",
    }
    config = AgentConfig(
        "us-east-1", "https://api.example/prod", credentials, camera_section(target, 'to"ken')
    )
    text = render(config)
    data = tomllib.loads(text)
    # Relative: the agent takes them from agent.toml's folder (kvs_ingest.config), wherever it moves.
    assert (data["credentials"]["cert"], data["agent"]["buffer_dir"]) == ("certificate.pem", "buffer")
    assert data["cameras"][0]["motion_token"] == 'to"ken' and data["cameras"][0]["motion"]["enabled"] is True
    write_private(tmp_path / "out", {"agent.toml": text})
    assert (tmp_path / "out" / "agent.toml").stat().st_mode & 0o777 == 0o600
    with pytest.raises(DomainError, match="out: .* already holds agent.toml"):
        write_private(tmp_path / "out", {"agent.toml": "again"})
    assert (tmp_path / "out" / "agent.toml").read_text() == text
