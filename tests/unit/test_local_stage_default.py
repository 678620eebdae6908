"""`rtcc dev` serves under the same stage path as the deployed execute-api URL."""

from __future__ import annotations

import ast
from pathlib import Path

from rtcc.cli import build_parser

API_CONSTRUCT = Path(__file__).resolve().parents[2] / "infra" / "constructs" / "api.py"


def deployed_stage_name() -> str:
    # Read from the source: importing the construct would load the whole CDK library.
    for node in ast.parse(API_CONSTRUCT.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "STAGE_NAME" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("infra/constructs/api.py no longer defines STAGE_NAME")


def test_local_stack_and_rtcc_dev_default_to_the_deployed_stage() -> None:
    from rtcc.local.stack import DEFAULT_BASE_PATH

    stage = deployed_stage_name()
    assert DEFAULT_BASE_PATH == f"/{stage}"
    assert build_parser().parse_args(["dev"]).base_path == f"/{stage}"
