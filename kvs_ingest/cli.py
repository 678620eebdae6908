"""`rtcc-ingest`: run the agent, or check a config file without streaming.

    rtcc-ingest check-config --config /etc/rtcc-ingest/agent.toml
    rtcc-ingest run --config /etc/rtcc-ingest/agent.toml

Exit codes: 0 fine, 2 the config is wrong (each bad field on its own line) or its buffer
directory is not the agent's own (a link, another user's), 1 anything else. A private key, or
a config file holding keys or motion tokens, that other users of the box may read is warned
about (with the chmod that fixes it): whoever reads them can stream as the camera.
SIGTERM (systemctl stop) and Ctrl-C end the body of each PutMedia request and give KVS a few
seconds to acknowledge it; what is not PERSISTED stays on disk for the next start.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

from kvs_ingest import logsafe
from kvs_ingest.config import LOCAL_HOSTS, AgentConfig, ConfigError, load_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtcc-ingest", description="rtcc camera edge agent (KVS PutMedia)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("run", "stream the configured cameras"), ("check-config", "validate a config file")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--config", required=True, type=Path, help="the agent's TOML file")
        command.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def _file_problems(config: AgentConfig) -> list[str]:
    """What pydantic cannot see: files that must exist, a buffer directory we can write."""
    problems = []
    if config.credentials.mode == "iot":
        for field in ("cert", "key", "ca"):
            path = getattr(config.credentials, field)
            if not Path(path).is_file():
                problems.append(f"credentials.{field}: {path} does not exist")
    buffer_dir = Path(config.agent.buffer_dir)
    parent = buffer_dir if buffer_dir.exists() else buffer_dir.parent
    if not os.access(parent, os.W_OK):
        problems.append(f"agent.buffer_dir: {buffer_dir} is not writable")
    for number, camera in enumerate(config.cameras):
        kind_file = "://" not in camera.source and not camera.source.startswith("device:")
        if kind_file and not Path(camera.source).is_file():
            problems.append(f"cameras[{number}].source: {camera.source} does not exist")
    return problems


def _cleartext_problems(config: AgentConfig) -> list[str]:
    """http:// is for the local stack only: elsewhere the motion tokens (bearer) would cross the
    network in clear, and a control plane answered in clear could send the video anywhere."""
    problems = []
    for field in ("api_url", "endpoint_url"):
        url = getattr(config.agent, field)
        if url and urlsplit(url).scheme == "http" and urlsplit(url).hostname not in LOCAL_HOSTS:
            problems.append(f"agent.{field}: must be https:// (http:// only to 127.0.0.1 or localhost)")
    return problems


def _readable_by_others(path: Path) -> bool:
    try:
        return bool(os.stat(path).st_mode & 0o077)
    except OSError:
        return False


def permission_warnings(config: AgentConfig, path: Path) -> list[str]:
    """Secrets other local users could read (not refused: a file's mode is the owner's to fix)."""
    warnings = []
    if config.credentials.mode == "iot" and _readable_by_others(Path(config.credentials.key)):
        warnings.append(
            f"credentials.key: {config.credentials.key} is readable by other users (chmod 600 it)"
        )
    holds_secrets = config.credentials.mode == "static" or any(c.motion_token for c in config.cameras)
    if holds_secrets and _readable_by_others(path):
        warnings.append(f"{path} holds keys or motion tokens and is readable by other users (chmod 600 it)")
    return warnings


def check_config(path: Path) -> AgentConfig:
    config = load_config(path)
    problems = _file_problems(config) + _cleartext_problems(config)
    if problems:
        raise ConfigError(path, problems)
    return config


def _summary(config: AgentConfig) -> str:
    cameras = ", ".join(f"{c.camera_id} -> {c.stream_name}" for c in config.cameras)
    return (
        f"ok: {len(config.cameras)} camera(s) ({cameras}); credentials {config.credentials.mode}; "
        f"buffer {config.agent.buffer_dir} ({config.agent.buffer_minutes} min); region {config.agent.region}"
    )


def _run(config: AgentConfig) -> int:
    from kvs_ingest.agent import Agent
    from kvs_ingest.ringbuffer import BufferDirError

    try:
        agent = Agent(config)
    except BufferDirError as exc:  # restarting cannot fix it: exit 2 as for a config error
        print(f"rtcc-ingest: agent.buffer_dir: {exc}", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: agent.stop())
    agent.run()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logsafe.install(args.log_level)  # no key, token or camera password in the journal, even at DEBUG
    try:
        config = check_config(args.config)
    except ConfigError as exc:
        print(f"rtcc-ingest: {exc.path} is not a usable config:", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 2
    for warning in permission_warnings(config, args.config):
        print(f"rtcc-ingest: warning: {warning}", file=sys.stderr)
    if args.command == "check-config":
        print(_summary(config))
        return 0
    return _run(config)


if __name__ == "__main__":
    sys.exit(main())
