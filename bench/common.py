"""What every benchmark shares: where results go and what they record about the machine.

    from bench.common import write_result
    write_result("tips", {"p50_ms": 12.3, ...}, summary="tips: p50 12.3 ms ...")

writes bench/results/tips.json (the data plus when, where and on what it ran) and, given
a summary, prints it as the benchmark's one line.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def environment() -> dict[str, Any]:
    """The machine a number was measured on; results without it cannot be compared."""
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "git_revision": _git_revision(),
    }


def write_result(name: str, data: dict[str, Any], summary: str | None = None) -> Path:
    """Write bench/results/<name>.json and print `summary` (the one-line result) if given."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, **data, "environment": environment()}
    if summary:
        payload["summary"] = summary
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    tmp.replace(path)
    if summary:
        print(summary)
        sys.stdout.flush()
    return path
