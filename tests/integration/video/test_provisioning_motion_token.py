"""`rtcc cameras provision --motion-token-file`: deployed, the operator cannot sign the agent's
motion token (the cameras' link key lets only rtcc's functions compute MACs), so an admin asks
the api for it (POST /api/video/agent-tokens) and provisioning writes it into agent.toml, where
the motion route accepts it. A file that holds no token of this camera's owner, or an expired
one, is refused naming the field before any certificate is made."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.video.test_provisioning import _camera, _certificates, _provision, iot_policy

pytestmark = pytest.mark.integration

__all__ = ["iot_policy"]  # the stack's IoT policy fixture, shared with test_provisioning


def _token_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "token"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_an_admins_token_goes_into_agent_toml_and_the_motion_route_takes_it(
    local_stack: Any, api: Any, iot_policy: str, tmp_path: Path, capsys: Any
) -> None:
    from rtcc.cameras.registry_dynamodb import get_camera

    from kvs_ingest.config import load_config

    camera_id, out = _camera(), tmp_path / "agent"
    answer = api.as_role("admin").post("/api/video/agent-tokens", json={"camera_id": camera_id}).json()
    token = answer["token"]
    assert (
        _provision(
            camera_id, "--out", str(out), "--motion-token-file", str(_token_file(tmp_path, token + "\n"))
        )
        == 0
    )
    printed = capsys.readouterr()
    assert token not in printed.out + printed.err and "motion events: on" in printed.out
    (camera,) = load_config(out / "agent.toml").cameras
    assert camera.motion.enabled is True and camera.motion_token.get_secret_value() == token
    at = (datetime.now(UTC) - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    r = requests.post(
        local_stack.base_url + "/api/public/video/motion",
        json={"camera_id": camera_id, "at": at, "score": 0.2},
        headers={"Authorization": f"Bearer {camera.motion_token.get_secret_value()}"},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    assert get_camera(camera_id).owner_id == token.split(".")[0]


@pytest.mark.parametrize("case", ["missing", "garbage", "another owner's", "expired", "city camera"])
def test_a_file_without_this_cameras_token_is_refused_before_any_certificate(
    local_stack: Any, iot_policy: str, tmp_path: Path, capsys: Any, case: str
) -> None:
    owner = f"own-{'ab' * 8}"
    camera_id = "city-main-and-1st" if case == "city camera" else _camera(owner=owner)
    later, sig = int(time.time()) + 86_400, "A" * 43
    text = {
        "garbage": "password=hunter2",
        "another owner's": f"own-{'cd' * 8}.{later}.{sig}",
        "expired": f"{owner}.{int(time.time()) - 5}.{sig}",
        "city camera": f"{owner}.{later}.{sig}",
    }
    path = tmp_path / "nothing" if case == "missing" else _token_file(tmp_path, text[case])
    before = _certificates(local_stack)
    out = tmp_path / "agent"
    assert _provision(camera_id, "--out", str(out), "--motion-token-file", str(path)) == 2
    err = capsys.readouterr().err
    assert "motion_token_file: " in err and "hunter2" not in err, err
    assert not out.exists() and _certificates(local_stack) == before
