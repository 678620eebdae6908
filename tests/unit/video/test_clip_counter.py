"""The VideoClips counter's description (rtcc.video.capability, shown with the metrics) names
every outcome the video-clip function counts: read from the code, so a new outcome (as
"busy", a second delivery of a job being saved) cannot go unlisted."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _returned_literals(tree: ast.AST, functions: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Constant):
                    found.add(inner.value.value)
    return found


def _counted_literals(tree: ast.AST) -> set[str]:
    """`count("VideoClips", "<lit>")` and `outcome = "<lit>"` in the function's handler."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "count":
            name, what = node.args
            if (
                isinstance(name, ast.Constant)
                and name.value == "VideoClips"
                and isinstance(what, ast.Constant)
            ):
                found.add(what.value)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if any(getattr(t, "id", "") == "outcome" for t in node.targets):
                found.add(node.value.value)
    return found


def test_every_counted_clip_outcome_is_described() -> None:
    from rtcc.video.capability import VIDEO

    service = ast.parse((ROOT / "layers/rtcc/video/clips_service.py").read_text())
    function = ast.parse((ROOT / "functions/video_clip.py").read_text())
    outcomes = _returned_literals(service, {"save_clip", "_save"}) | _counted_literals(function)
    assert {"saved", "refused", "already", "busy", "failed", "malformed"} <= outcomes  # the reading works
    described = set(re.findall(r"[a-z]+", VIDEO.counters["VideoClips"].split("(", 1)[1]))
    assert outcomes <= described, sorted(outcomes - described)
