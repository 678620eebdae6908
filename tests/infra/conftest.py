"""Synthesizes the CDK app once per session, in-process, and hands tests the template.

Synth is the slow part (jsii + cdk-nag, ~40 s on 2 cores; the first run on a machine
also installs the layer's wheels from PyPI into .build/), so every test shares it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

HERE = Path(__file__).resolve().parent
TEST_CONFIG = HERE / "city.test.toml"


@dataclass
class Synth:
    config: Any
    stack: Any
    outdir: Path
    template: dict

    def resources(self, cfn_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == cfn_type}

    def one(self, cfn_type: str) -> tuple[str, dict]:
        found = self.resources(cfn_type)
        assert len(found) == 1, f"expected one {cfn_type}, found {sorted(found)}"
        return next(iter(found.items()))

    def logical_id(self, construct: Any) -> str:
        cfn = construct.node.default_child if hasattr(construct.node, "default_child") else construct
        return self.stack.resolve(self.stack.get_logical_id(cfn or construct))


def synthesize(config_path: Path, outdir: Path) -> Synth:
    from infra.app import build_app
    from infra.config import load_config

    config = load_config(config_path)
    app, stack = build_app(config, outdir=str(outdir))
    try:
        app.synth()
    except RuntimeError as exc:
        report = outdir / "validation-report.json"
        details = report.read_text() if report.exists() else ""
        pytest.fail(f"synth failed: {exc}\n{details[:8000]}")
    template = json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    return Synth(config=config, stack=stack, outdir=outdir, template=template)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(TEST_CONFIG, tmp_path_factory.mktemp("cdk.out"))


#: Every optional deploy setting the infra tests check, set at once: one synth (about 40 s)
#: serves them all instead of one per setting.
CONFIGURED_ALERTS = """
[alerts]
zones_geojson = "wards.geojson"
cap_sender = "alerts@testville.example"
place_index = "testville-places"
sender_rate_per_second = 3
emergency_approval_required = true

[lpr]
retention_preset = "NH"
"""
DEMO_CITY = HERE.parents[1] / "layers" / "rtcc" / "alerts" / "demo_city.geojson"


@pytest.fixture(scope="session")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The test config with the optional settings on: the tip line's language (a top-level
    key, so before any table) and the `[alerts]` and `[lpr]` options above, the zones file
    beside the config as a city writes it."""
    folder = tmp_path_factory.mktemp("configured")
    (folder / "wards.geojson").write_bytes(DEMO_CITY.read_bytes())
    path = folder / "city.configured.toml"
    path.write_text('tips_sms_language = "ES"\n' + TEST_CONFIG.read_text() + CONFIGURED_ALERTS)
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.configured"))


def env_readers(synth: Synth, variable: str) -> dict[str, str]:
    """Which functions (by Powertools service name) get `variable`, and its value."""
    out = {}
    for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values()):
        variables = props.get("Environment", {}).get("Variables", {})
        if variable in variables:
            out[variables.get("POWERTOOLS_SERVICE_NAME", "?")] = variables[variable]
    return out


@pytest.fixture(scope="session")
def sandbox_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The other branch of the config switches: a dev-sandbox with MFA off, no alarm email,
    Cognito's own email sender (no SES) and no map tile server.

    Same architecture as the main config, so a cold run installs the layer's wheels once."""
    text = TEST_CONFIG.read_text()
    text = text.replace('environment = "deployed"', 'environment = "dev-sandbox"\nmfa_required = false')
    text = text.replace('alarm_email = "oncall@testville.example"\n', "")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("ses_", "map_tiles")))
    path = tmp_path_factory.mktemp("sandbox") / "city.sandbox.toml"
    path.write_text(text)
    return synthesize(path, tmp_path_factory.mktemp("cdk.out.sandbox"))
