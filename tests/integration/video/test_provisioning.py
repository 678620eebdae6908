"""`rtcc cameras provision` against the local stack: the deployed path on the emulator's IoT
(thing, certificate, policy, principal, credentials endpoint; files 0600, an agent.toml the
agent's own config loader accepts), the refusals (unknown or registered-only camera, a folder
already provisioned, no IoT policy: the half-made certificate deleted), and `--local` through
the real command line, whose keys then act as the camera agent role on the camera's own
stream only."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from rtcc.cameras.model import stream_name
from rtcc.video.provisioning import agent_names

pytestmark = pytest.mark.integration


def _client(stack: Any, service: str, **keys: str) -> Any:
    return boto3.client(
        service, endpoint_url=stack.aws_endpoint_url, region_name=stack.settings.region, **keys
    )


def _camera(level: str = "integrate", with_stream: bool = True, owner: str | None = None) -> str:
    """A camera as the registry keeps it (what registration and camera-streams leave)."""
    from rtcc.store.camera_registry import CameraRecord

    camera_id = f"cam-{secrets.token_hex(6)}"
    CameraRecord(
        camera_id,
        owner_id=owner or f"own-{secrets.token_hex(8)}",
        name="Shop door",
        camera_type="fixed",
        lat=11.5,
        lon=11.5,
        level=level,
        policy="always",
        status="offline",
        stream_name=stream_name(camera_id) if with_stream else None,
        created_at=time.time(),
        updated_at=time.time(),
    ).save()
    return camera_id


@pytest.fixture(scope="module")
def iot_policy(local_stack: Any) -> str:
    """The stack's IoT policy and role alias, as CDK makes them (infra/constructs/video_agents.py)."""
    from infra.constructs.video_agents import policy_json

    iot, names = _client(local_stack, "iot"), agent_names(local_stack.settings.table_prefix)
    try:
        alias = iot.create_role_alias(
            roleAlias=names["role_alias"], roleArn="arn:aws:iam::123456789012:role/camera-agent"
        )["roleAliasArn"]
    except ClientError:
        alias = iot.describe_role_alias(roleAlias=names["role_alias"])["roleAliasDescription"]["roleAliasArn"]
    try:
        iot.create_policy(policyName=names["iot_policy"], policyDocument=policy_json(alias))
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    return names["iot_policy"]


def _provision(*args: str) -> int:
    from rtcc.cli import main

    return main(["cameras", "provision", *args])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_camera_is_provisioned_with_a_certificate_attached_to_its_thing(
    local_stack: Any, iot_policy: str, tmp_path: Path
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from rtcc.video import agent_tokens

    from kvs_ingest.config import load_config

    camera_id, out = _camera(), tmp_path / "agent"
    assert _provision(camera_id, "--out", str(out)) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"agent.toml", "certificate.pem", "private.key", "AmazonRootCA1.pem"}
    assert _mode(out) == 0o700 and all(_mode(out / n) == 0o600 for n in names)
    config = load_config(out / "agent.toml")  # the agent's own loader accepts it
    thing = stream_name(camera_id)
    credentials = config.credentials
    assert (credentials.mode, credentials.thing_name, credentials.role_alias) == (
        "iot",
        thing,
        agent_names(local_stack.settings.table_prefix)["role_alias"],
    )
    assert ".credentials.iot." in str(credentials.endpoint) and credentials.cert == out / "certificate.pem"
    (camera,) = config.cameras
    assert (camera.camera_id, camera.stream_name, camera.motion.enabled) == (camera_id, thing, True)
    owner = agent_tokens.verify(camera.motion_token.get_secret_value(), camera_id)
    assert owner.startswith("own-")
    iot = _client(local_stack, "iot")
    assert iot.describe_thing(thingName=thing)["attributes"] == {"rtcc_camera": camera_id}
    (principal,) = iot.list_thing_principals(thingName=thing)["principals"]
    policies = iot.list_attached_policies(target=principal)["policies"]
    assert [p["policyName"] for p in policies] == [iot_policy]
    certificate = iot.describe_certificate(certificateId=principal.rsplit("/", 1)[1])[
        "certificateDescription"
    ]
    assert certificate["status"] == "ACTIVE"
    pem = x509.load_pem_x509_certificate((out / "certificate.pem").read_bytes())
    key = serialization.load_pem_private_key((out / "private.key").read_bytes(), password=None)
    assert pem.public_key().public_numbers() == key.public_key().public_numbers()
    assert (out / "certificate.pem").read_text() == certificate["certificatePem"]
    assert "Amazon Root CA 1" not in (out / "AmazonRootCA1.pem").read_text()  # the PEM only
    assert x509.load_pem_x509_certificate(
        (out / "AmazonRootCA1.pem").read_bytes()
    ).subject.rfc4514_string() == ("CN=Amazon Root CA 1,O=Amazon,C=US")
    # Paths relative to agent.toml: the owner can move the folder whole.
    assert 'cert = "certificate.pem"' in (out / "agent.toml").read_text()
    moved = out.rename(tmp_path / "moved-by-the-owner")
    moved_credentials = load_config(moved / "agent.toml").credentials
    assert (moved_credentials.key, moved_credentials.ca) == (
        moved / "private.key",
        moved / "AmazonRootCA1.pem",
    )
    assert moved_credentials.key.is_file() and moved_credentials.ca.is_file()


def test_a_city_camera_gets_no_motion_token(local_stack: Any, iot_policy: str, tmp_path: Path) -> None:
    from kvs_ingest.config import load_config

    assert _provision("city-main-and-1st", "--out", str(tmp_path / "city")) == 0
    (camera,) = load_config(tmp_path / "city" / "agent.toml").cameras
    assert camera.motion_token is None and camera.motion.enabled is False
    assert camera.stream_name == stream_name("city-main-and-1st")


def _certificates(stack: Any) -> int:
    return len(_client(stack, "iot").list_certificates()["certificates"])


@pytest.mark.parametrize(
    ("camera", "says"),
    [
        ("cam-000000000000", "camera_id: no camera cam-000000000000 in the registry"),
        ("not-a-camera", "camera_id: not a camera id"),
        ("registered", "camera_id: the camera is registered only"),
        ("no-stream", "camera_id: the camera's video stream is not created yet"),
    ],
)
def test_a_camera_that_cannot_send_video_is_refused_by_name(
    local_stack: Any, iot_policy: str, tmp_path: Path, capsys: Any, camera: str, says: str
) -> None:
    camera_id = {
        "registered": lambda: _camera("register", False),
        "no-stream": lambda: _camera(with_stream=False),
    }
    camera = camera_id.get(camera, lambda: camera)()
    before = _certificates(local_stack)
    assert _provision(camera, "--out", str(tmp_path / "x")) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and _certificates(local_stack) == before


def test_a_folder_already_provisioned_is_not_overwritten(
    local_stack: Any, iot_policy: str, tmp_path: Path, capsys: Any
) -> None:
    camera_id, out = _camera(), tmp_path / "agent"
    assert _provision(camera_id, "--out", str(out)) == 0
    first = (out / "private.key").read_bytes()
    before = _certificates(local_stack)
    assert _provision(camera_id, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "out: " in err and "choose another --out" in err
    assert (out / "private.key").read_bytes() == first and _certificates(local_stack) == before


def test_without_the_stacks_iot_policy_the_new_certificate_is_deleted(
    local_stack: Any, iot_policy: str
) -> None:
    """A step after the certificate fails: no usable key is left in IoT without its files."""
    from rtcc.aws_clients import client
    from rtcc.errors import Conflict
    from rtcc.video.provisioning import Target, deployed_config
    from rtcc.video.provisioning_iot import IotThingRegistry

    camera_id = _camera()
    camera = Target(camera_id, stream_name(camera_id), "own-0000000000000000", True)
    before = _client(local_stack, "iot").list_certificates()["certificates"]
    with pytest.raises(Conflict, match="policy: no IoT policy nope-camera-agent: deploy the stack first"):
        deployed_config(camera, IotThingRegistry(client("iot")), "nope-", "us-east-1", "http://x", None)
    assert _client(local_stack, "iot").list_certificates()["certificates"] == before
    assert _client(local_stack, "iot").list_thing_principals(thingName=camera.thing_name)["principals"] == []


def _cli(stack: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTCC_")}
    env |= {"RTCC_TABLE_PREFIX": stack.settings.table_prefix, "RTCC_PUBLIC_BASE_URL": stack.base_url}
    env |= {"PYTHONPATH": os.pathsep.join(p for p in (str(Path.cwd()), env.get("PYTHONPATH", "")) if p)}
    command = [sys.executable, "-m", "rtcc.cli", "cameras", "provision", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_local_provisioning_gives_keys_that_reach_only_the_cameras_own_stream(
    local_stack: Any, tmp_path: Path
) -> None:
    from rtcc.local.kvs_media import agent_credentials

    from kvs_ingest.config import load_config

    camera_id, other = _camera(), _camera()
    kvs = _client(local_stack, "kinesisvideo")
    for camera in (camera_id, other):
        kvs.create_stream(StreamName=stream_name(camera), DataRetentionInHours=24, MediaType="video/h264")
    out = tmp_path / "local"
    done = _cli(
        local_stack, camera_id, "--local", "--out", str(out), "--endpoint", local_stack.aws_endpoint_url
    )
    assert done.returncode == 0, done.stderr
    assert "private" not in done.stdout.lower() and "secret" not in done.stdout.lower()
    assert {p.name for p in out.iterdir()} == {"agent.toml"} and _mode(out / "agent.toml") == 0o600
    config = load_config(out / "agent.toml")
    keys = agent_credentials(stream_name(camera_id))
    assert config.credentials.mode == "static"
    assert (
        config.credentials.access_key.get_secret_value(),
        config.credentials.secret_key.get_secret_value(),
    ) == keys
    assert config.agent.endpoint_url == local_stack.aws_endpoint_url.rstrip("/")
    assert config.agent.api_url == local_stack.base_url.rstrip("/")
    agent = _client(local_stack, "kinesisvideo", aws_access_key_id=keys[0], aws_secret_access_key=keys[1])
    own = agent.get_data_endpoint(StreamName=stream_name(camera_id), APIName="PUT_MEDIA")
    assert own["DataEndpoint"].startswith("http")
    with pytest.raises(ClientError) as refused:
        agent.get_data_endpoint(StreamName=stream_name(other), APIName="PUT_MEDIA")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert json.dumps(refused.value.response).count(stream_name(other)) >= 1
