"""Deleting from the versioned media bucket is for good: every delete names a version.

IAM cannot say so: deleting by version id takes s3:DeleteObject too (AWS's DeleteObject
reference), so the grant would also allow a plain delete, which only hides the file
behind a delete marker for 30 days (the tipster's original, EXIF and GPS included).
This test holds the code to it instead."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    found = []
    for folder in ("layers/rtcc", "functions"):
        for path in (ROOT / folder).rglob("*.py"):
            if "local" in path.relative_to(ROOT).parts:
                continue  # rtcc dev's own provisioning, never deployed
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == name:
                    found.append((str(path.relative_to(ROOT)), node))
    return found


def test_no_plain_delete_object_call_exists() -> None:
    assert _calls("delete_object") == [], "delete by version: rtcc.tips.adapters.aws.delete_every_version"


def test_every_batch_delete_names_versions() -> None:
    batches = _calls("delete_objects")
    assert [path for path, _ in batches] == ["layers/rtcc/tips/adapters/aws.py"]
    source = (ROOT / "layers/rtcc/tips/adapters/aws.py").read_text()
    assert '{"Key": key, "VersionId": version["VersionId"]}' in source
