"""`rtcc dev` as a city's IT team runs it: starts, prints URLs, logins and demo tips,
answers, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration


def test_rtcc_dev_starts_with_demo_tips_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "rtcc"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "rtcc.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RTCC_", "AWS_"))}
    env["RTCC_DEMO_PASSWORD"] = "Demo-Passw0rd!cli"
    log = tmp_path / "dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "dev", "--port", "0", "--aws-port", "0"], stdout=out, stderr=out, env=env
        )
        try:
            deadline = time.monotonic() + 240  # a loaded 2-core CI box took over 90 s
            while "Ctrl-C to stop" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.5)
            text = log.read_text()
            assert "Ctrl-C to stop" in text, text
            # Under the stage path by default, as the execute-api URL is.
            base = re.search(r"console\s+(http://127\.0\.0\.1:\d+/prod)/\n", text).group(1)
            assert "Demo-Passw0rd!cli" in text and "lives in memory" in text
            codes = re.findall(r"\bT-[A-Z0-9]{4,8}\b", text.split("Demo tips in the inbox:", 1)[1])
            assert len(set(codes)) == 4, text  # three texted tips (two texts joined one) and one web tip
            assert requests.get(f"{base}/api/health", timeout=10).json()["status"] == "ok"
            assert requests.get(f"{base}/api/audit", timeout=10).status_code == 401
            assert requests.get(f"{base}/", timeout=10).headers["content-type"].startswith("text/html")
            assert requests.get(f"{base.removesuffix('/prod')}/api/health", timeout=10).status_code == 403
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=30)
    assert code == 0, log.read_text()
    assert "+1555" not in log.read_text()  # demo tipsters' numbers are never printed or logged
