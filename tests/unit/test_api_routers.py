"""The api function's routers load on demand (rtcc.api.app.ROUTER_PREFIXES)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from rtcc.api.app import DOCS_PATHS, ROUTER_PREFIXES, build_app


@pytest.mark.parametrize("module", sorted(set(ROUTER_PREFIXES.values())))
def test_every_route_is_reached_through_its_own_routers_prefix(module: str) -> None:
    """A route outside its router's prefixes would 404 until some other request happened
    to load its router: every declared route must map back to its own module."""
    router = importlib.import_module(module).router
    own = [prefix for prefix, owner in ROUTER_PREFIXES.items() if owner == module]
    for rule, *_ in router._routes:
        path = rule.replace("<", "").replace(">", "")
        matching = [prefix for prefix in ROUTER_PREFIXES if path.startswith(prefix)]
        assert matching, f"{rule} ({module}) matches no prefix in ROUTER_PREFIXES"
        assert max(matching, key=len) in own, f"{rule} would load another router than {module}"


def test_importing_the_api_loads_no_router_and_no_openapi_models() -> None:
    code = (
        "import sys; import functions.api\n"
        "loaded = [m for m in sys.modules if m.startswith('rtcc.api.routes.')\n"
        "          or m == 'aws_lambda_powertools.event_handler.openapi.models']\n"
        "print(','.join(loaded))"
    )
    env = {"RTCC_ENVIRONMENT": "test", "POWERTOOLS_TRACE_DISABLED": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    env["PATH"] = os.environ.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_request_includes_only_its_router_and_docs_include_all() -> None:
    app = build_app()
    app.include_for("/api/public/tips/follow-up")
    assert app._included == {"rtcc.api.routes.tips"}
    app.include_for("/api/nowhere")
    assert app._included == {"rtcc.api.routes.tips"}
    app.include_for(DOCS_PATHS[1])
    assert app._included == set(ROUTER_PREFIXES.values())
    before = len(app._static_routes) + len(app._dynamic_routes)
    app.include_all()  # twice is a no-op: no route registered again
    assert len(app._static_routes) + len(app._dynamic_routes) == before
