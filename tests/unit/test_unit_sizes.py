"""Units small enough to read in one screen: no function or method outside the tests is
longer than MAX_LINES. A 150-line constructor is three constructs; a long function is
several steps that each deserve a name."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("layers", "functions", "infra", "bench", "kvs_ingest")
MAX_LINES = 60


def _sources() -> list[Path]:
    return sorted(
        path for root in ROOTS for path in (REPO / root).rglob("*.py") if "__pycache__" not in path.parts
    )


def long_functions(path: Path, root: Path = REPO, limit: int = MAX_LINES) -> list[str]:
    """`path:line name (n lines)` for each function in `path` longer than `limit` lines,
    decorators left out, nested functions counted on their own as well as in their parent."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_the_scan_covers_the_source_trees() -> None:
    # kvs_ingest/ holds no Python yet; it is scanned as soon as it does.
    sources = _sources()
    for root in ("layers", "functions", "infra", "bench"):
        assert any(p.is_relative_to(REPO / root) for p in sources), f"no Python files under {root}/"


def test_no_function_is_longer_than_a_screen() -> None:
    too_long = [entry for path in _sources() for entry in long_functions(path)]
    assert not too_long, f"functions over {MAX_LINES} lines (split them into named steps):\n" + "\n".join(
        too_long
    )


def test_a_long_function_is_named(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    source = tmp_path / "probe.py"
    source.write_text(f"def short():\n    return 1\n\n\ndef too_long():\n{body}\n")
    assert long_functions(source, root=tmp_path) == [f"probe.py:5 too_long ({MAX_LINES + 1} lines)"]
