"""SnapStart hooks (rtcc.snapstart): what a restored environment must not share."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import types
from pathlib import Path

import boto3
import pytest
from rtcc import snapstart
from rtcc.settings import reload_settings
from rtcc.store import ALL_MODELS, bind_models
from rtcc.store.tips import TipRecord


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """A stand-in for Lambda's snapshot_restore_py: records what is registered."""
    hooks = types.SimpleNamespace(before=[], after=[])
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = hooks.before.append  # type: ignore[attr-defined]
    module.register_after_restore = hooks.after.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return hooks


@pytest.fixture
def deployed_like(monkeypatch: pytest.MonkeyPatch):
    # Clients are created, never called: an endpoint nobody listens on is enough.
    for name, value in {
        "RTCC_ENVIRONMENT": "test",
        "RTCC_REGION": "us-east-1",
        "RTCC_AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "RTCC_TABLE_PREFIX": "snapstart-",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    bind_models(reload_settings())
    yield
    monkeypatch.undo()
    # Clients the test cached point at the dead endpoint: drop them for the tests after.
    snapstart.drop_aws_clients()
    bind_models(reload_settings())


def _run(hooks: list) -> None:
    for hook in hooks:
        hook()


def test_enable_registers_warm_before_and_reset_after(runtime) -> None:
    warmed = []
    assert snapstart.enable(warm=lambda: warmed.append(True)) is True
    _run(runtime.before)
    assert warmed == [True]
    assert runtime.after == [snapstart.after_restore]


def test_enable_without_the_runtime_library_registers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import raises ImportError
    assert snapstart.enable(warm=lambda: None) is False


def test_after_restore_reseeds_random(runtime) -> None:
    snapstart.enable()
    random.seed(1234)  # the state every environment restored from one snapshot would share
    shared = [random.random() for _ in range(4)]
    random.seed(1234)
    _run(runtime.after)
    assert [random.random() for _ in range(4)] != shared


def test_after_restore_drops_cached_clients_and_connections(runtime, deployed_like) -> None:
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
    from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider
    from rtcc.api.routes import audit as audit_routes
    from rtcc.tips import records
    from rtcc.tips.adapters import default_ports

    boto3.setup_default_session()
    ports = default_ports()
    records._connection()
    TipRecord._get_connection()
    audit_routes._latest()
    DEFAULT_PROVIDERS["secrets"] = SecretsProvider()
    from rtcc import secrets

    secrets._PROVIDERS["api"] = SecretsProvider()  # rtcc.secrets' own per-function cache
    assert default_ports.cache_info().currsize == 1 and records._CONNECTIONS

    snapstart.enable()
    _run(runtime.after)

    assert boto3.DEFAULT_SESSION is None
    assert default_ports.cache_info().currsize == 0
    assert default_ports() is not ports  # a fresh set of clients on next use
    assert records._CONNECTIONS == {}
    assert all(model._connection is None for model in ALL_MODELS)
    assert audit_routes._latest.cache_info().currsize == 0
    assert "secrets" not in DEFAULT_PROVIDERS
    assert secrets._PROVIDERS == {}


FAKE_RUNTIME = """
before, after = [], []
def register_before_snapshot(func, *args, **kwargs):
    before.append(func)
    return func
def register_after_restore(func, *args, **kwargs):
    after.append(func)
    return func
"""


@pytest.mark.parametrize(
    ("module", "check"),
    [
        # Before the snapshot, the API holds every router; lazily it would hold none.
        ("functions.api", "assert m.app._included == set(ROUTER_PREFIXES.values()), m.app._included"),
        ("functions.tip_webhook", "assert 'rtcc.tips.adapters.aws' in sys.modules"),
    ],
)
def test_snapstart_functions_warm_before_the_snapshot(tmp_path, module: str, check: str) -> None:
    """What Lambda does at publish: import the handler, run the before-snapshot hooks."""
    (tmp_path / "snapshot_restore_py.py").write_text(FAKE_RUNTIME)
    repo = Path(__file__).resolve().parents[2]
    code = (
        "import importlib, sys, snapshot_restore_py as rt\n"
        "from rtcc.api.app import ROUTER_PREFIXES\n"
        f"m = importlib.import_module({module!r})\n"
        "assert rt.after, 'no after-restore hook registered'\n"
        "for hook in reversed(rt.before): hook()\n"
        f"{check}\n"
        "for hook in rt.after: hook()\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(repo), str(repo / "layers")]),
        "RTCC_ENVIRONMENT": "test",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
