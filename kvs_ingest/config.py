"""The agent's TOML configuration, validated by pydantic.

One file describes one agent process: where it buffers, how it gets AWS credentials and
which cameras it streams. A mistake is reported as `ConfigError` whose lines each name the
field (`cameras[1].fragment_seconds: ...`), so an owner fixing a file by hand sees where.
Unknown keys are errors too: a misspelt `buffer_minute` would otherwise silently fall back
to the default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: Hosts a `static` credentials config may talk to: long-lived keys in a file are for the
#: local stack only, never for AWS (where the IoT credentials provider hands out 1-hour keys).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ConfigError(ValueError):
    """A config file that cannot be used; `errors` holds one "field: reason" line each."""

    def __init__(self, path: str | Path, errors: list[str]) -> None:
        self.path = str(path)
        self.errors = errors
        super().__init__(f"{path}: " + "; ".join(errors))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _beside_config(value: Path | None, info: ValidationInfo) -> Path | None:
    """A relative path is relative to the config file's folder, not to wherever the agent was
    started from: a provisioned folder (agent.toml, cert, key, CA, buffer) can then be moved
    or copied to the camera's host whole. Absolute paths are kept as written."""
    base = (info.context or {}).get("base_dir")
    if value is None or base is None or value.is_absolute():
        return value
    return Path(base) / value


def is_file_source(source: str) -> bool:
    """A camera source that is a file path: not `device:…` and no URL scheme (rtsp://, http://)."""
    return "://" not in source and not source.startswith("device:")


class AgentSection(_Strict):
    region: str = Field(min_length=1, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    buffer_dir: Path
    buffer_minutes: int = Field(default=10, ge=1, le=24 * 60)
    #: Per camera, with buffer_minutes: whichever is reached first (huge frames cannot fill the disk).
    buffer_max_mb: int = Field(default=2048, ge=64, le=1024 * 1024)
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    api_url: str | None = None
    endpoint_url: str | None = None
    #: A PutMedia connection is rotated (new GetDataEndpoint, new credentials) before KVS's
    #: own connection limit ends it with error 4003 mid-fragment.
    rotate_minutes: float = Field(default=40, gt=0, le=45)

    @field_validator("buffer_dir")
    @classmethod
    def _buffer_beside_config(cls, value: Path, info: ValidationInfo) -> Path | None:
        return _beside_config(value, info)

    @field_validator("api_url", "endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")


class CredentialsSection(_Strict):
    mode: Literal["iot", "profile", "env", "static"]
    endpoint: str | None = None
    # AWS IoT's own rules: a value that could not be a name must not reach an HTTP header.
    role_alias: str | None = Field(default=None, max_length=128, pattern=r"^[\w=,@-]+$")
    thing_name: str | None = Field(default=None, max_length=128, pattern=r"^[a-zA-Z0-9:_-]+$")
    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    profile: str | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None

    @field_validator("cert", "key", "ca")
    @classmethod
    def _files_beside_config(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return _beside_config(value, info)

    @model_validator(mode="after")
    def _mode_fields(self) -> CredentialsSection:
        needed = {
            "iot": ("endpoint", "role_alias", "thing_name", "cert", "key", "ca"),
            "profile": ("profile",),
            "static": ("access_key", "secret_key"),
            "env": (),
        }[self.mode]
        missing = [name for name in needed if getattr(self, name) in (None, "")]
        if missing:
            raise ValueError(f"mode {self.mode!r} needs {', '.join('credentials.' + m for m in missing)}")
        return self


Point = tuple[float, float]


class MotionSection(_Strict):
    enabled: bool = False
    sample_fps: float = Field(default=2.0, gt=0, le=30)
    threshold: float = Field(default=0.02, gt=0, lt=1)
    privacy_masks: list[list[Point]] = Field(default_factory=list)

    @field_validator("privacy_masks")
    @classmethod
    def _polygons(cls, masks: list[list[Point]]) -> list[list[Point]]:
        for number, polygon in enumerate(masks):
            if len(polygon) < 3:
                raise ValueError(f"polygon {number} has {len(polygon)} points, needs at least 3")
            if any(not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0) for x, y in polygon):
                raise ValueError(f"polygon {number}: points are fractions of the frame, 0..1")
        return masks


class CameraSection(_Strict):
    camera_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
    # KVS stream names: 1-256 of [a-zA-Z0-9_.-].
    stream_name: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.-]+$")

    @field_validator("stream_name")
    @classmethod
    def _not_dots(cls, value: str) -> str:
        if value in (".", ".."):  # valid for KVS, but as the buffer's folder: buffer_dir or its parent
            raise ValueError("must not be '.' or '..'")
        return value

    source: str = Field(min_length=1)
    loop: bool = False
    fragment_seconds: float = Field(default=2.0, ge=0.5, le=10.0)
    motion_token: SecretStr | None = None
    motion: MotionSection = Field(default_factory=MotionSection)

    @field_validator("source")
    @classmethod
    def _file_beside_config(cls, value: str, info: ValidationInfo) -> str:
        if not is_file_source(value):
            return value  # a URL or a device stays as written
        return str(_beside_config(Path(value), info))


class AgentConfig(_Strict):
    agent: AgentSection
    credentials: CredentialsSection
    cameras: list[CameraSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AgentConfig:
        for field in ("camera_id", "stream_name"):
            seen = [getattr(camera, field) for camera in self.cameras]
            if len(seen) != len(set(seen)):
                raise ValueError(f"cameras: each {field} must be unique")
        if self.credentials.mode == "static":
            host = urlsplit(self.agent.endpoint_url or "").hostname
            if host not in LOCAL_HOSTS:
                raise ValueError(
                    "credentials.mode: 'static' keys are for the local stack only (agent.endpoint_url on "
                    "127.0.0.1); use 'iot' against AWS"
                )
        for camera in self.cameras:
            if camera.motion.enabled and (self.agent.api_url is None or camera.motion_token is None):
                raise ValueError(
                    f"cameras ({camera.camera_id}): motion.enabled needs agent.api_url and motion_token"
                )
        return self


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_config(
    data: dict, path: str | Path = "<config>", base_dir: str | Path | None = None
) -> AgentConfig:
    """`base_dir`: the folder relative paths are taken from (load_config: the file's own);
    None keeps them as written (relative to the working directory)."""
    try:
        return AgentConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = _location(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if where else message)
        raise ConfigError(path, lines) from None


def load_config(path: str | Path) -> AgentConfig:
    """Reads and validates one agent TOML file; `ConfigError` names each bad field. Relative
    paths in it (buffer_dir, cert, key, ca, a file source) are taken from the file's folder."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    return parse_config(data, path, base_dir=Path(path).absolute().parent)
