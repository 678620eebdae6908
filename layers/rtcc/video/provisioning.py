"""`rtcc cameras provision <camera_id> [--out DIR] [--local]`: what a camera's agent
(`kvs_ingest`, console script `rtcc-ingest`) needs to push its video, written to one folder.

Deployed, with the operator's own AWS credentials (no Lambda holds IoT rights): an IoT thing
named after the camera's stream (CreateThing), a new certificate and key
(CreateKeysAndCertificate), the stack's IoT policy on it (AttachPolicy), the certificate
attached to the thing (AttachThingPrincipal) and the credentials provider's endpoint
(DescribeEndpoint iot:CredentialProvider). The agent trades the certificate for an hour's keys
of the camera agent role (infra/constructs/video_agents.py), which may push to this camera's
stream only. With `--local` (against `rtcc dev`): the stand-in's static keys for that thing
(rtcc.local.kvs_media.agent_credentials) and the emulator's URL, no IoT.

Files: `agent.toml` (the agent's config), and deployed `certificate.pem`, `private.key`,
`AmazonRootCA1.pem`; each written 0600 in a 0700 folder, never over an existing file (a
second run needs another folder: the first key would otherwise be lost or mixed up). The
private key and the motion token are printed nowhere. The AWS calls are in the adapter
rtcc.video.provisioning_iot; this module decides and writes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rtcc.errors import Conflict, DomainError, NotFound

#: The local stack's doors when `rtcc dev` runs with its defaults.
LOCAL_AWS = "http://127.0.0.1:4566"
LOCAL_API = "http://127.0.0.1:8000/prod"
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


@dataclass(frozen=True)
class Certificate:
    arn: str
    certificate_id: str
    pem: str
    private_key: str


class ThingRegistry(Protocol):
    """The IoT calls provisioning makes (rtcc.video.provisioning_iot.IotThingRegistry)."""

    def ensure_thing(self, name: str, attributes: dict[str, str]) -> None: ...
    def new_certificate(self) -> Certificate: ...
    def attach(self, policy: str, thing: str, certificate: Certificate) -> None: ...
    def revoke(self, certificate: Certificate) -> None: ...
    def credentials_endpoint(self) -> str: ...


@dataclass(frozen=True)
class Target:
    """The camera being provisioned, as the registry has it."""

    camera_id: str
    thing_name: str  # = its stream's name
    owner_id: str
    integrated: bool  # an owner's camera (motion events); False: the city's


@dataclass
class AgentConfig:
    """What agent.toml says (the agent's config: kvs_ingest/config.py)."""

    region: str
    api_url: str
    credentials: dict[str, str]
    camera: dict[str, Any]
    endpoint_url: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # file name -> content (certificates)
    certificate_id: str | None = None  # the IoT certificate made (printed: it names no secret)


def target(camera_id: str, camera: Any, stream_of: Callable[[str], str]) -> Target:
    """The camera to provision, or an error naming `camera_id`: unknown, only registered (no
    video), or its stream not made yet (camera-streams makes it when the camera is integrated)."""
    from rtcc.cameras.model import CITY_OWNER, is_camera_id

    if not is_camera_id(camera_id):
        raise DomainError("not a camera id (cam-<12 hex> or city-<id>)", field="camera_id")
    if camera is None:
        raise NotFound(f"no camera {camera_id} in the registry", field="camera_id")
    if camera.level == "register":
        raise Conflict(
            "the camera is registered only (no video): its owner integrates it first", field="camera_id"
        )
    if not camera.stream_name:
        raise Conflict(
            "the camera's video stream is not created yet: try again in a minute", field="camera_id"
        )
    if camera.stream_name != stream_of(camera_id):
        raise Conflict(
            f"the camera's stream {camera.stream_name} is not this deployment's", field="camera_id"
        )
    return Target(camera_id, camera.stream_name, camera.owner_id, camera.owner_id != CITY_OWNER)


def camera_section(camera: Target, motion_token: str | None) -> dict[str, Any]:
    """The agent's [[cameras]] entry: the source left for the owner to fill in."""
    section: dict[str, Any] = {
        "camera_id": camera.camera_id,
        "stream_name": camera.thing_name,
        "source": "rtsp://CHANGE-ME/stream",
        "loop": False,
        "fragment_seconds": 2,
    }
    if motion_token:
        section["motion_token"] = motion_token
    # Motion events go to the city only for owners' cameras (the API takes no others).
    section["motion"] = {
        "enabled": bool(motion_token),
        "sample_fps": 2,
        "threshold": 0.02,
        "privacy_masks": [],
    }
    return section


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string: JSON's escapes are TOML's


def _table(name: str, values: dict[str, Any]) -> list[str]:
    lines = [f"[{name}]"] if name else []
    return lines + [
        f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None and not isinstance(v, dict)
    ]


def render(config: AgentConfig) -> str:
    """agent.toml: [agent], [credentials], one [[cameras]] with its [cameras.motion]. Its
    paths (cert, key, CA, the buffer) are relative: the agent takes them from agent.toml's own
    folder (kvs_ingest.config), so the owner can move or copy the folder whole."""
    agent = {
        "region": config.region,
        "buffer_dir": "buffer",
        "buffer_minutes": 10,
        "health_port": 8081,
    }
    agent |= {"api_url": config.api_url, "endpoint_url": config.endpoint_url}
    camera = dict(config.camera)
    motion = camera.pop("motion", {})
    lines = [
        "# rtcc camera agent (rtcc-ingest run --config agent.toml). Written by rtcc cameras provision.",
        "# Set [[cameras]] source to the camera's RTSP URL (or a file, or device:/dev/video0).",
        "# Keep this folder private (0600 files): it holds the camera's key or keys.",
        *_table("agent", agent),
        "",
        *_table("credentials", config.credentials),
        "",
        "[[cameras]]",
        *_table("", camera),
        "",
        *_table("cameras.motion", motion),
    ]
    return "\n".join(lines) + "\n"


def write_private(folder: Path, files: dict[str, str]) -> list[Path]:
    """Each file created 0600 (never over an existing one) in `folder`, made 0700 if new.
    All or nothing: an existing file is found before anything is written."""
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    clash = sorted(name for name in files if (folder / name).exists())
    if clash:
        raise Conflict(f"{folder} already holds {', '.join(clash)}: choose another --out", field="out")
    written = []
    for name, content in files.items():
        path = folder / name
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), PRIVATE_FILE)  # whatever the umask said
            out.write(content)
        written.append(path)
    return written


def agent_names(prefix: str) -> dict[str, str]:
    """The IoT role alias's and policy's names: infra/constructs/video_agents.py makes them."""
    return {"role_alias": f"{prefix}camera-agent", "iot_policy": f"{prefix}camera-agent"}


def amazon_root_ca() -> str:
    """Amazon Root CA 1 (the credentials provider's TLS root), from botocore's CA bundle: the
    agent pins it rather than trusting the camera host's whole store."""
    import botocore

    bundle = (Path(botocore.__file__).parent / "cacert.pem").read_text()
    marker = "Amazon Root CA 1"
    start = bundle.index("-----BEGIN CERTIFICATE-----", bundle.index(marker))
    end = bundle.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
    return bundle[start:end] + "\n"


def deployed_config(
    camera: Target, iot: ThingRegistry, prefix: str, region: str, api_url: str, token: str | None
) -> AgentConfig:
    """The thing, a certificate attached to it with the stack's policy, the endpoint. A step
    failing after the certificate was made revokes it (no live key left without its files)."""
    names = agent_names(prefix)
    iot.ensure_thing(camera.thing_name, {"rtcc_camera": camera.camera_id})
    certificate = iot.new_certificate()
    try:
        iot.attach(names["iot_policy"], camera.thing_name, certificate)
        endpoint = iot.credentials_endpoint()
    except Exception:
        iot.revoke(certificate)
        raise
    files = {
        "certificate.pem": certificate.pem,
        "private.key": certificate.private_key,
        "AmazonRootCA1.pem": amazon_root_ca(),
    }
    credentials = {
        "mode": "iot",
        "endpoint": endpoint,
        "role_alias": names["role_alias"],
        "thing_name": camera.thing_name,
        "cert": "certificate.pem",
        "key": "private.key",
        "ca": "AmazonRootCA1.pem",
    }
    section = camera_section(camera, token)
    return AgentConfig(
        region, api_url, credentials, section, files=files, certificate_id=certificate.certificate_id
    )


def local_config(camera: Target, region: str, api_url: str, aws_url: str, token: str | None) -> AgentConfig:
    """Against `rtcc dev`: the stand-in's static keys for the thing (they act as the camera
    agent role there, its ThingName variable this stream), the emulator's URL."""
    from rtcc.local.kvs_media import agent_credentials

    access_key, secret_key = agent_credentials(camera.thing_name)
    credentials = {"mode": "static", "access_key": access_key, "secret_key": secret_key}
    return AgentConfig(region, api_url, credentials, camera_section(camera, token), endpoint_url=aws_url)


def motion_token(camera: Target) -> str | None:
    """The agent's motion token (scope `agent:<camera id>` under the cameras' link key) for an
    owner's camera; the city's cameras send no motion events (None)."""
    if not camera.integrated:
        return None
    from rtcc.cameras.registry_dynamodb import stream_since
    from rtcc.video import agent_tokens
    from rtcc.video.settings import video_settings

    # Months: an agent runs unattended; a lost token is replaced by provisioning again.
    days = video_settings().agent_token_days
    return agent_tokens.issue(camera.owner_id, camera.camera_id, days, since=stream_since(camera.camera_id))


def motion_token_help(camera_id: str, api_url: str) -> str:
    """How a deployed operator gets the agent's token: an admin asks the api, which may sign."""
    return (
        "  to turn motion events on, an admin asks the API for the agent's token (admin group;\n"
        "  their Cognito ID token from signing in, e.g. aws cognito-idp initiate-auth with the console's\n"
        "  app client, USER_PASSWORD_AUTH, then the MFA challenge):\n"
        f"    curl -X POST {api_url.rstrip('/')}/api/video/agent-tokens -H 'Authorization: Bearer <ID token>'"
        f" -H 'Content-Type: application/json' -d '{{\"camera_id\": \"{camera_id}\"}}'\n"
        "  saves the answer's token alone in a file (chmod 600) and provisions again with\n"
        "    --motion-token-file FILE --out <a new folder>\n"
        '  (or sets motion_token = "<token>" and [cameras.motion] enabled = true in agent.toml)'
    )


def read_motion_token(path: Path, camera: Target, now: float | None = None) -> str:
    """The token in `path` (from POST /api/video/agent-tokens), checked as far as can be
    without the link key: its shape, this camera's owner, not expired. Its signature is the
    motion route's to check (a token of another of the owner's cameras is refused there)."""
    import re
    import time

    field_name = "motion_token_file"
    if not camera.integrated:
        raise Conflict("the city's cameras send no motion events: no token to give", field=field_name)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(f"cannot read {path}: {error.__class__.__name__}", field=field_name) from None
    match = re.fullmatch(r"(own-[0-9a-f]{16})\.([0-9]{1,12})\.[A-Za-z0-9_-]{16,128}", token)
    if not match:  # the message never quotes the file: it may hold some other secret
        raise DomainError(f"{path} does not hold a camera agent token alone", field=field_name)
    if match.group(1) != camera.owner_id:
        raise DomainError(
            f"the token is for another owner's camera, not {camera.camera_id}", field=field_name
        )
    if int(match.group(2)) <= (time.time() if now is None else now):
        raise DomainError("the token has expired: ask for a new one", field=field_name)
    return token


def _motion_token(
    camera: Target, token_file: Path | None, api_url: str, mint: Callable[[Target], str | None] = motion_token
) -> str | None:
    """The token from --motion-token-file, else minted, else None (motion events off, and how
    to get one said on stderr) when KMS refuses the operator: deployed, the link key's policy
    lets only rtcc's functions compute MACs."""
    from botocore.exceptions import ClientError

    if token_file is not None:
        return read_motion_token(token_file, camera)
    try:
        return mint(camera)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        print(f"cameras provision: no motion token ({code} from KMS): motion events off", file=sys.stderr)
        print(motion_token_help(camera.camera_id, api_url), file=sys.stderr)
        return None


def write_agent(folder: Path, config: AgentConfig) -> list[Path]:
    return write_private(folder, {"agent.toml": render(config), **config.files})


# --- the command ---------------------------------------------------------------------------
def add_camera_commands(commands: Any) -> None:
    cameras = commands.add_parser("cameras", help="camera tools")
    camera_commands = cameras.add_subparsers(dest="cameras_command", required=True)
    provision = camera_commands.add_parser(
        "provision",
        help="make a camera agent's credentials and agent.toml (IoT thing and certificate; "
        "--local: the local stack's keys)",
    )
    provision.add_argument("camera_id", help="the camera (cam-<12 hex> or city-<id>)")
    provision.add_argument(
        "--out", type=Path, help="folder to write (default ./agent-<camera_id>; must not hold them)"
    )
    provision.add_argument("--local", action="store_true", help="for `rtcc dev`: no IoT, the stand-in's keys")
    provision.add_argument("--endpoint", help=f"AWS endpoint URL (--local: default {LOCAL_AWS})")
    provision.add_argument(
        "--api-url", help="the API's base URL, stage included (default RTCC_PUBLIC_BASE_URL)"
    )
    provision.add_argument(
        "--motion-token-file",
        type=Path,
        help="a file holding the agent's motion token from POST /api/video/agent-tokens (an admin's); "
        "deployed, the operator cannot mint it",
    )
    provision.set_defaults(run=run_provision)


def _settings(args: Any) -> Any:
    """The settings the command runs with: --endpoint (or --local's default) points every
    client and table at that endpoint, as `rtcc audit verify --endpoint` does."""
    from rtcc.settings import get_settings, reload_settings
    from rtcc.store import bind_models

    endpoint = args.endpoint or (LOCAL_AWS if args.local and not get_settings().aws_endpoint_url else None)
    if not endpoint:
        return get_settings()
    os.environ["RTCC_AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")  # the emulator takes any keys
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    settings = reload_settings()
    bind_models(settings)
    return settings


def provision(args: Any) -> tuple[Path, AgentConfig]:
    from rtcc.cameras.model import stream_name
    from rtcc.cameras.registry_dynamodb import get_camera

    settings = _settings(args)
    camera = target(args.camera_id, get_camera(args.camera_id), stream_name)
    folder = args.out or Path(f"agent-{camera.camera_id}")
    clash = [n for n in ("agent.toml", "private.key", "certificate.pem") if (folder / n).exists()]
    if clash:  # before any certificate is made
        raise Conflict(f"{folder} already holds {', '.join(clash)}: choose another --out", field="out")
    local_api = (
        LOCAL_API
        if settings.public_base_url.rstrip("/") == "http://127.0.0.1:8000"
        else settings.public_base_url
    )
    api_url = args.api_url or (local_api if args.local else settings.public_base_url)
    token = _motion_token(camera, args.motion_token_file, api_url)
    if args.local:
        config = local_config(camera, settings.region, api_url, str(settings.aws_endpoint_url), token)
    else:
        from rtcc.aws_clients import client
        from rtcc.video.provisioning_iot import IotThingRegistry

        config = deployed_config(
            camera, IotThingRegistry(client("iot")), settings.table_prefix, settings.region, api_url, token
        )
    write_agent(folder, config)
    return folder, config


def run_provision(args: Any) -> int:
    """0 written; 2 refused (unknown camera, no stream, folder in use, no policy); 1 an AWS error."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        folder, config = provision(args)
    except DomainError as error:
        print(f"cameras provision: {error.message}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"cameras provision: AWS refused or failed: {error}", file=sys.stderr)
        return 1
    thing = config.camera["stream_name"]
    print(f"{folder}/agent.toml written for camera {config.camera['camera_id']} (stream and thing {thing})")
    if config.certificate_id:
        print(f"  IoT certificate {config.certificate_id} attached to thing {thing}")
    city = str(config.camera["camera_id"]).startswith("city-")
    motion = (
        "on"
        if config.camera.get("motion_token")
        else "off" + (" (the city's cameras send none)" if city else "")
    )
    print(f"  motion events: {motion}")
    print("  next: set [[cameras]] source in agent.toml, copy the folder to the camera's host, run")
    print("        rtcc-ingest run --config agent.toml")
    return 0
