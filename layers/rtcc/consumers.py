"""What every SQS consumer shares: typed jobs, and a rejected message that says why.

A consumer declares its record model, a `JobRecord` whose body is its job
(`body: Json[TheJob]`), and runs a `JobBatchProcessor` with it: Powertools parses each
record before the record handler sees it. A body that is not the job (not JSON, a field
missing, an unknown kind) fails that record only; SQS delivers it again and, after the
queue's max receives, moves it to the dead-letter queue, where an operator finds it.

The log line and the batch error name where and how the body failed (pydantic's
locations and error types), never the body nor pydantic's messages, some of which quote
the input ("Input tag '...' found"): a job names a tip, and a garbled one could carry
anything.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import ConfigDict, ValidationError

from rtcc.metrics import count


class JobRecord(SqsRecordModel):
    """An SQS record whose body is a job: subclass it with `body: Json[TheJob]`."""

    # str(ValidationError) would otherwise quote the input, i.e. the message body.
    model_config = ConfigDict(hide_input_in_errors=True)


class MalformedJob(Exception):
    """A record whose body is not the job its queue carries. Its message is `reason`,
    safe to log: field locations and error types only."""


def reason(error: ValidationError) -> str:
    """Where and how a record failed to parse, e.g. "body.reply.code: missing"."""
    return "; ".join(
        f"{_where(e['loc']) or 'record'}: {e['type']}"
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    )


def _where(loc: tuple) -> str:
    """The error's location; a message attribute's name is the sender's text, so it is
    never spelled out."""
    parts = [str(part) for part in loc]
    if parts[:1] == ["messageAttributes"] and len(parts) > 1:
        parts[1] = "*"
    return ".".join(parts)


class JobBatchProcessor(BatchProcessor):
    """Powertools' SQS BatchProcessor with a job model, reporting malformed records.

    `log` gets one warning per malformed record (message id, receive count, reason);
    `metric`, if given, counts them under outcome "malformed". Failures of the record
    handler itself are reported exactly as BatchProcessor reports them.
    """

    def __init__(
        self, model: type[JobRecord], log: Logger | logging.Logger, metric: str | None = None
    ) -> None:
        super().__init__(event_type=EventType.SQS, model=model)
        self._log = log
        self._metric = metric

    def failure_handler(self, record, exception):  # noqa: ANN001, ANN201 (BatchProcessor's signature)
        error = exception[1]
        # Only the record model's own validation error: a ValidationError the handler's
        # work raises is a failure of that work, reported as such.
        if isinstance(error, ValidationError) and error.title == self.model.__name__:
            why = reason(error)
            self._log.warning(
                "queue message is not a job; it fails until the dead-letter queue takes it",
                extra={
                    "message_id": record.message_id,
                    "receive_count": record.attributes.approximate_receive_count,
                    "job": self.model.__name__,
                    "reason": why,
                },
            )
            if self._metric:
                count(self._metric, "malformed")
            # No traceback and no pydantic message travel on: BatchProcessingError (a
            # whole batch failing) prints each record's exception into the Lambda log.
            exception = (MalformedJob, MalformedJob(f"{self.model.__name__}: {why}"), None)
        return super().failure_handler(record, exception)
