"""Scheduled functions in `rtcc dev`: what EventBridge rules do when deployed.

Each `ScheduleSpec` runs once when the stack starts (so a restarted dev stack catches up
at once) and then every `every_minutes` on a thread, with the event shape an
EventBridge scheduled rule delivers.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from rtcc.local.runtime import FunctionRuntime
from rtcc.topology import FunctionSpec, ScheduleSpec

logger = logging.getLogger(__name__)


def scheduled_event(function: FunctionSpec, region: str) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/rtcc-{function.name}"],
        "detail": {},
    }


class ScheduledRunner:
    def __init__(
        self, schedule: ScheduleSpec, function: FunctionSpec, runtime: FunctionRuntime, region: str
    ) -> None:
        self.schedule = schedule
        self.function = function
        self.runtime = runtime
        self.region = region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{function.name}", daemon=True)

    def run_once(self) -> None:
        try:
            self.runtime.invoke(self.function, scheduled_event(self.function, self.region))
        except Exception:
            logger.exception("scheduled function %s failed; it runs again on schedule", self.function.name)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.schedule.every_minutes * 60):
            self.run_once()
