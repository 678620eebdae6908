"""Benchmark: a 100,000-row hotlist imported through the local stack (issue 11), as the
console does it: `POST /api/lpr/hotlists/{list}/imports` (a presigned form), the file posted
to S3, `.../start`, then lpr-import from the `lpr-imports` queue (every function under its
deployed IAM) streaming the file, diffing it, writing the keyed index (BatchWriteItem) and
switching the list's head over. Reports, from the start request: time until the import
runs (the queue), until the switch-over (the head's new version), rows/s; then a re-import
of the same file with 1% of rows changed (only the touched keys are written) and its
switch-over time, and a match of a listed plate by key afterwards. The emulator's
BatchWriteItem (~3,300 items/s here, DESIGN.md) sets the pace of the first import.

Size: BENCH_LPR_STACK_ROWS (default 100,000). Writes bench/results/lpr_stack.json.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "layers"))

from bench.common import write_result  # noqa: E402

ROWS = int(os.environ.get("BENCH_LPR_STACK_ROWS", "100000"))
LETTERS, DIGITS = "ABCDEFGHJKLMNPRSTUVWXYZ", "0123456789"
TIMEOUT_S = 1800


class Session(requests.Session):
    """A supervisor's session whose ID token (5 minutes) is renewed every minute."""

    def __init__(self, token: Callable[[], str]) -> None:
        super().__init__()
        self._token, self._at = token, 0.0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if time.monotonic() - self._at > 60:
            self.headers["Authorization"], self._at = f"Bearer {self._token()}", time.monotonic()
        kwargs.setdefault("timeout", 60)
        return super().request(*args, **kwargs)


def plates(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(
            "".join(rng.choice(LETTERS) for _ in range(3)) + "".join(rng.choice(DIGITS) for _ in range(4))
        )
    return sorted(seen)


def autovu(rows: list[str]) -> bytes:
    return ("PlateNumber;PlateState;Category\r\n" + "".join(f"{p};MA;Stolen\r\n" for p in rows)).encode()


def timed_import(base: str, session: Session, list_id: str, data: bytes) -> dict:
    r = session.post(
        f"{base}/api/lpr/hotlists/{list_id}/imports",
        json={"format": "autovu", "filename": "bench.csv", "bytes": len(data)},
    )
    r.raise_for_status()
    form, import_id = r.json()["upload"], r.json()["import_id"]
    began = time.perf_counter()
    requests.post(
        form["url"], data=form["fields"], files={"file": ("bench.csv", data)}, timeout=300
    ).raise_for_status()
    uploaded = time.perf_counter()
    session.post(f"{base}/api/lpr/hotlists/imports/{import_id}/start").raise_for_status()
    running_at = None
    while time.perf_counter() - uploaded < TIMEOUT_S:
        found = session.get(f"{base}/api/lpr/hotlists/imports/{import_id}").json()["import"]
        if found["state"] == "running" and running_at is None:
            running_at = time.perf_counter()
        if found["state"] in ("done", "failed"):
            break
        time.sleep(0.25)
    done = time.perf_counter()
    return {
        "state": found["state"],
        "error": found["error"],
        "summary": {k: v for k, v in (found["summary"] or {}).items() if k != "rejected_rows"},
        "upload_s": round(uploaded - began, 2),
        "queued_s": round((running_at or done) - uploaded, 2),
        "switch_over_s": round(done - uploaded, 2),
        "rows_per_s": round(len(data.splitlines()) / max(done - uploaded, 1e-9)),
    }


def main() -> int:
    os.environ.setdefault("RTCC_LPR_MAX_HOTLIST_BYTES", str(64 * 2**20))
    from rtcc.local import LocalStack

    stack = LocalStack(http_port=0, aws_port=0, seed=False).start()
    try:
        session = Session(lambda: stack.id_token(stack.users["supervisor"]))
        list_id = "bench-" + uuid.uuid4().hex[:8]
        session.post(
            f"{stack.base_url}/api/lpr/hotlists", json={"list_id": list_id, "name": "Bench"}
        ).raise_for_status()
        rng = random.Random(11)
        rows = plates(rng, ROWS)
        first = timed_import(stack.base_url, session, list_id, autovu(rows))
        changed = rows[: ROWS - ROWS // 100] + plates(random.Random(12), ROWS // 100)
        second = timed_import(stack.base_url, session, list_id, autovu(changed))
        matched = _match(rows[0])
    finally:
        stack.stop()
    summary = (
        f"lpr_stack: {ROWS:,} rows imported through the local stack: switch-over {first['switch_over_s']} s "
        f"after start ({first['rows_per_s']:,} rows/s, queue {first['queued_s']} s, "
        f"upload {first['upload_s']} s); "
        f"re-import with 1% changed: {second['switch_over_s']} s; listed plate matched by key: {matched}"
    )
    write_result(
        "lpr_stack", {"rows": ROWS, "first": first, "reimport_1pct": second, "matched": matched}, summary
    )
    return 0 if first["state"] == second["state"] == "done" and matched else 1


def _match(plate: str) -> bool:
    from datetime import UTC, datetime

    from rtcc.lpr.keyed_hotlists import KeyedHotlists
    from rtcc.lpr.model import Read

    read = Read("bench", "r1", plate, datetime.now(UTC))
    return bool(KeyedHotlists().match_many([read], datetime.now(UTC))[0])


if __name__ == "__main__":
    sys.exit(main())
