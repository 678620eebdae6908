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
