"""SQS consumer of the tip-outbound queue: replies to tipsters and supervisor alerts.

The one function allowed to read the contact vault (IAM: GetItem on the vault table and
kms:Decrypt on the vault key are granted to this function alone).

What a record handler raises is logged by Powertools and, when a whole batch fails, put
into the BatchProcessingError Lambda logs: `OutboundSender` raises only errors without
the provider's message (which would name the tipster's number), see rtcc.tips.outbound.
Each record's body is parsed into a reply or alert job first: a message that is neither
fails as that record, with the reason logged and never the body (rtcc.consumers).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json
from rtcc.consumers import JobBatchProcessor, JobRecord
from rtcc.metrics import count
from rtcc.sms import get_sms_gateway
from rtcc.sms.gateway import TWILIO_TIMEOUT_S
from rtcc.tips.adapters import default_ports
from rtcc.tips.jobs import OutboundJob
from rtcc.tips.logs import route_tips_logs
from rtcc.tips.outbound import OutboundSender

logger = Logger(service="rtcc-tips-outbound")
route_tips_logs(logger)


class OutboundJobRecord(JobRecord):
    body: Json[OutboundJob]  # type: ignore[assignment]


processor = JobBatchProcessor(OutboundJobRecord, logger, metric="TipOutbound")


def receive_count(record: OutboundJobRecord) -> int:
    try:
        return int(record.attributes.ApproximateReceiveCount or 1)
    except (TypeError, ValueError):
        return 1


#: Outcomes counted by name; anything else is counted as "other" (a bounded dimension).
_OUTCOMES = frozenset(
    {"sent", "undeliverable", "failed", "queued", "sending", "unknown", "deferred", "forgotten"}
)


class OutOfTime(Exception):
    """Too little of the invocation is left for one more send: the record goes back to
    the queue untouched (a batch failure) instead of being cut off mid-send by Lambda's
    timeout, which would leave its reply claimed until the claim expires."""


#: One send may take the Twilio client's timeout; keep a margin for the bookkeeping.
SEND_BUDGET_MS = int((TWILIO_TIMEOUT_S + 2) * 1000)


def record_handler(
    record: OutboundJobRecord,
    lambda_context: LambdaContext | None = None,
    sender: OutboundSender | None = None,
) -> str:
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < SEND_BUDGET_MS:
        count("TipOutbound", "deferred")
        raise OutOfTime("not enough time left in this invocation for another send")
    sender = sender or OutboundSender(default_ports().sealer, get_sms_gateway())
    outcome = sender.handle(record.body, receive_count(record))
    count("TipOutbound", outcome if outcome in _OUTCOMES else "other")
    return outcome


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
