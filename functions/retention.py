"""Scheduled (hourly): delete what the city's retention policy says is due.

Thin on purpose: rtcc.retention does the work. A run that leaves an item it could not
delete raises after finishing the rest, so the Lambda errors alarm tells the city and the
next run retries it.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.metrics import count
from rtcc.retention import load_purgers, sweep

logger = Logger(service="rtcc-retention")
load_purgers()


class RetentionSweepIncomplete(RuntimeError):
    pass


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    report = sweep()
    for outcome, items in (("purged", report.purged), ("dropped", report.dropped), ("failed", report.failed)):
        for _ in items:
            count("RetentionSweep", outcome)
    summary = report.summary()
    logger.info("retention sweep done", extra=summary)
    if report.failed:
        raise RetentionSweepIncomplete(f"{len(report.failed)} item(s) could not be deleted; retried next run")
    return summary
