"""Runs pytest on a few of the suite's own tests in a child process, to check what the
suite does as a whole: with a polluted shell, without Chromium, under RTCC_REQUIRE_ALL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_pytest(*args: str, env: dict[str, str | None], timeout: float) -> subprocess.CompletedProcess[str]:
    """pytest *args from the repo root, in this process's environment changed by env
    (None removes a variable). The cache stays untouched: the outer run owns it."""
    child = dict(os.environ)
    for name, value in env.items():
        if value is None:
            child.pop(name, None)
        else:
            child[name] = value
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
