"""SQS consumer of the `alert-fanout` queue: sends one page of an alert's recipients per
message (rtcc.alerts.dispatch.DispatchBatch) on the alerts line.

`AlertDispatcher` over the DynamoDB delivery ledger (one conditional write per recipient
before its send: a redelivered page sends nothing twice), the DynamoDB rate slots (the
alerts number's messages per second, shared by every concurrent dispatcher) and
`rtcc.sms.send_on_line` (the line's opt-outs first; a 21610 recorded). Recipients the
dispatcher hands back after transient errors (`redeliver`) go back on the queue as a new
page, delayed, so a provider outage is waited out without blocking this invocation; the
record itself succeeds. A message that is not a page fails alone (Powertools partial batch
response) and reaches the dead-letter queue after the queue's receives; only its reason is
logged, never the body.

One page per invocation (batch size 1), sized from the sender's rate and this function's
timeout (rtcc.alerts.dispatch.page_size). Whatever slows a page past that (other alerts'
pages sharing the rate, retries) is bounded by the invocation's remaining time: a minute
before the timeout the dispatcher stops taking recipients and the unsent rest, never
claimed, goes back on the queue as a new page like the handed-back ones, so no recipient is
left claimed-unsent by a killed invocation (which would end `unknown`, never sent).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from rtcc.alerts.dispatch import AlertDispatcher, DispatchBatch
from rtcc.metrics import count

logger = Logger(service="rtcc-alerts-dispatch")
processor = BatchProcessor(event_type=EventType.SQS)

#: Seconds before handed-back recipients are tried again (SQS DelaySeconds).
REDELIVER_DELAY_S = 30

_dispatcher: AlertDispatcher | None = None


def _default_dispatcher() -> AlertDispatcher:
    # One per execution environment: its thread pool and rate limiter outlive invocations.
    global _dispatcher
    if _dispatcher is None:
        from rtcc.alerts.sending_wiring import dispatcher

        _dispatcher = dispatcher()
    return _dispatcher


def _requeue(batch: DispatchBatch) -> None:
    from rtcc.alerts.sending_wiring import SqsFanoutQueue

    if SqsFanoutQueue().enqueue([batch], delay_s=REDELIVER_DELAY_S):
        # Refused even after retries: fail the record, so SQS delivers the whole page again
        # (the ledger skips whoever was sent).
        raise RuntimeError("the fan-out queue refused the handed-back recipients")


def record_handler(
    record: SQSRecord, lambda_context: LambdaContext | None = None, dispatcher: AlertDispatcher | None = None
) -> dict:
    """Powertools passes `lambda_context` (named so) to a record handler that takes it."""
    try:
        batch = DispatchBatch.from_message(record.body)
    except ValueError as exc:  # its own message names what is wrong, never a value
        count("AlertDispatch", "malformed")
        logger.warning("fan-out message is not a page", extra={"message_id": record.message_id})
        raise ValueError(str(exc).split(":")[0]) from None
    remaining = (lambda: lambda_context.get_remaining_time_in_millis() / 1000) if lambda_context else None
    report = (dispatcher or _default_dispatcher()).dispatch(batch, remaining)
    if report.redeliver:
        _requeue(DispatchBatch(batch.alert_id, batch.zone, tuple(report.redeliver)))
    outcome = {
        "sent": report.sent,
        "failed": report.failed,
        "cancelled": report.cancelled,
        "unknown": report.unknown,
        "skipped": report.skipped,
        "redelivered": len(report.redeliver),
    }
    for name, n in outcome.items():
        if n:
            count("AlertDispatch", name)
    logger.info("fan-out page done", extra={"alert_id": batch.alert_id, "zone": batch.zone, **outcome})
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
