"""The synthesized template, and which of its resources are which local resource.

`python -m rtcc.local.iam.snapshot OUT.json` builds the CDK app for the example deploy
config (no cdk-nag: only the policies matter here) and writes the template together with
a map from logical ids to what `rtcc dev` calls the same things (a table's model name, a
bucket's or queue's topology name, a secret's settings name, each function's role).
`load_snapshot()` runs that in a subprocess once per change of the code CDK reads and
caches the result under .build/local-iam/, so the local stack never imports CDK itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[4]
CACHE_DIR = REPO_ROOT / ".build" / "local-iam"
EXAMPLE_CONFIG = REPO_ROOT / "infra" / "city.example.toml"


def _inputs() -> list[Path]:
    """What the synthesized policies depend on: infra/ and the rtcc package (the local
    stack's own code aside), and the config."""
    files = [p for p in (REPO_ROOT / "infra").rglob("*.py")]
    rtcc = REPO_ROOT / "layers" / "rtcc"
    files += [p for p in rtcc.rglob("*.py") if "local" not in p.relative_to(rtcc).parts]
    files += [EXAMPLE_CONFIG, REPO_ROOT / "infra" / "package-lock.json"]
    # The config the snapshot is built with gains the stand-in's place index (below).
    files += [Path(__file__).resolve(), rtcc / "local" / "places.py"]
    return sorted(p for p in files if p.is_file())


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def load_snapshot() -> dict[str, Any]:
    """The cached snapshot for the current code, synthesizing it first when stale."""
    target = CACHE_DIR / f"{inputs_hash()}.json"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # One synthesis at a time across processes (two test runs, `rtcc dev` beside tests).
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            _synthesize_into(target)
    return json.loads(target.read_text())


def _synthesize_into(target: Path) -> None:
    partial = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "rtcc.local.iam.snapshot", str(partial)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(
            "the local stack reads each function's deployed IAM from the synthesized CDK app, "
            f"and synthesis failed (run `make install`, then `make synth` to see why):\n{done.stderr[-4000:]}"
        )
    partial.replace(target)
    for old in CACHE_DIR.glob("*.json"):
        if old != target:
            old.unlink(missing_ok=True)


def _logical_id(stack: Any, construct: Any) -> str:
    child = construct.node.default_child or construct
    return str(stack.resolve(stack.get_logical_id(child)))


def _with_demo_place_index(config: Any) -> Any:
    """The example config plus the place index `rtcc dev`'s stand-in serves
    (rtcc.local.places), so the api role is enforced with the grant a city naming a place
    index deploys (the example itself names none: a city may have no index)."""
    from rtcc.local.places import DEMO_PLACE_INDEX

    alerts = config.alerts.model_copy(update={"place_index": DEMO_PLACE_INDEX})
    return config.model_copy(update={"alerts": alerts})


def _with_local_sender(config: Any) -> Any:
    """The example config sending the cameras' email from the local sender (rtcc.email's
    LOCAL_EMAIL_FROM, the settings' local default), so the senders' roles are enforced with
    the grant a city naming `camera_program.email_from` deploys."""
    from rtcc.email.gateway import LOCAL_EMAIL_FROM

    program = config.camera_program.model_copy(update={"email_from": LOCAL_EMAIL_FROM})
    return config.model_copy(update={"camera_program": program})


def synthesize(out: Path) -> None:
    import tempfile

    from infra.app import build_app
    from infra.config import load_config

    config = _with_local_sender(_with_demo_place_index(load_config(EXAMPLE_CONFIG)))
    with tempfile.TemporaryDirectory() as outdir:
        app, stack = build_app(config, outdir=outdir, nag=False)
        app.synth()
        template = json.loads((Path(outdir) / f"{stack.stack_name}.template.json").read_text())
    data = stack.data
    resources = {}
    for name, table in data.tables.items():
        resources[_logical_id(stack, table)] = {"kind": "table", "name": name}
    for name, bucket in data.buckets.items():
        resources[_logical_id(stack, bucket)] = {"kind": "bucket", "name": name}
    for name, queue in data.queues.items():
        resources[_logical_id(stack, queue)] = {"kind": "queue", "name": name}
    for name, queue in data.dead_letter_queues.items():
        resources[_logical_id(stack, queue)] = {"kind": "dlq", "name": name}
    for name, secret in data.secrets.items():
        resources[_logical_id(stack, secret)] = {"kind": "secret", "name": name}
    resources[_logical_id(stack, stack.auth.user_pool)] = {"kind": "user_pool", "name": "staff"}
    roles = {}
    for name, function in stack.api.functions.items():
        roles[name] = _logical_id(stack, function.role)
    out.write_text(json.dumps({"template": template, "resources": resources, "roles": roles}))


if __name__ == "__main__":
    synthesize(Path(sys.argv[1]))
