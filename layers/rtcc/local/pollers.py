"""SQS pollers: the local stand-in for Lambda's SQS event source mapping.

One thread per queue long-polls, hands the consumer a real SQS event, and deletes what
the consumer did not report in `batchItemFailures` (ReportBatchItemFailures, what
Powertools' batch utility returns). Failed messages are left alone, so they come back
after the visibility timeout and move to the DLQ after max_receive_count receives.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from rtcc.local.iam.identity import acting_as
from rtcc.local.runtime import FunctionRuntime
from rtcc.topology import FunctionSpec, QueueSpec

logger = logging.getLogger("rtcc.local.pollers")

WAIT_TIME_S = 1  # short long-polls so stop() returns quickly


def _message_attributes(raw: dict[str, Any]) -> dict[str, Any]:
    """boto3's ReceiveMessage shape -> the camelCase shape Lambda delivers."""
    out = {}
    for name, attr in (raw or {}).items():
        out[name] = {
            "stringValue": attr.get("StringValue"),
            "binaryValue": attr.get("BinaryValue"),
            "stringListValues": attr.get("StringListValues", []),
            "binaryListValues": attr.get("BinaryListValues", []),
            "dataType": attr.get("DataType"),
        }
    return out


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m.get("Body", ""),
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": _message_attributes(m.get("MessageAttributes") or {}),
                "md5OfBody": m.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def failed_message_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """Ids the consumer reported as failed; None means treat the whole batch as failed
    (Lambda does so for a malformed response or an unknown/empty itemIdentifier)."""
    if not isinstance(result, dict) or "batchItemFailures" not in result:
        return set()  # no report: the whole batch succeeded
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in batch_ids:
            return None
        ids.add(ident)
    return ids


class _PollingThread:
    """One daemon thread calling `poll_once` until stopped; a poll that raises is logged
    and retried a second later, as Lambda's pollers keep going."""

    #: Seconds to wait after a poll that found nothing (0: the poll itself waited).
    idle_wait_s: float = 0

    def __init__(self, thread_name: str, what: str) -> None:
        self._what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def poll_once(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def signal_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 30) -> None:
        """Returns once an in-flight batch is finished (Lambda would finish it too)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once() and self.idle_wait_s:
                    self._stop.wait(self.idle_wait_s)
            except Exception:
                if self._stop.is_set():
                    break  # the emulator is going away under us
                logger.exception("%s failed; retrying", self._what)
                self._stop.wait(1)


class QueuePoller(_PollingThread):
    def __init__(
        self,
        sqs: Any,
        queue: QueueSpec,
        queue_url: str,
        function: FunctionSpec,
        runtime: FunctionRuntime,
        region: str,
    ) -> None:
        self.sqs = sqs
        self.queue = queue
        self.queue_url = queue_url
        self.function = function
        self.runtime = runtime
        self.region = region
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        super().__init__(f"sqs-poller-{queue.name}", f"poller for {queue.name}")

    def _receive(self) -> dict[str, Any]:
        # As Lambda's event source mapping does, with the consumer function's role.
        return self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.queue.batch_size, 10),
            WaitTimeSeconds=WAIT_TIME_S,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )

    def poll_once(self) -> int:
        """Receives one batch and hands it to the consumer; returns how many it got."""
        with acting_as(self.function.name):
            response = self._receive()
        messages = response.get("Messages") or []
        if not messages:
            return 0
        batch_ids = {m["MessageId"] for m in messages}
        try:
            result = self.runtime.invoke(self.function, sqs_event(messages, self.queue_arn, self.region))
            failed = failed_message_ids(result, batch_ids)
        except Exception:
            logger.exception("consumer %s raised; the batch will be retried", self.function.name)
            failed = None
        if failed is None:
            return len(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            with acting_as(self.function.name):
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                    ],
                )
        if failed:
            logger.info(
                "consumer %s failed %d of %d messages", self.function.name, len(failed), len(messages)
            )
        return len(messages)


class StreamPoller(_PollingThread):
    """The local stand-in for Lambda's DynamoDB stream event source mapping: reads each
    shard from TRIM_HORIZON with the consumer function's role, hands it batches in the
    shape Lambda delivers, and retries a batch whose invocation raised. Locally a record is
    never skipped; the deployed mapping splits a failing batch and, after 20 retries, sends
    the records to its failure queue (infra/constructs/audit.py)."""

    idle_wait_s = WAIT_TIME_S  # GetRecords answers at once: pause between empty reads

    def __init__(
        self, streams: Any, stream_arn: str, function: FunctionSpec, runtime: FunctionRuntime, region: str
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.function = function
        self.runtime = runtime
        self.region = region
        self._iterators: dict[str, str | None] = {}
        super().__init__(f"stream-poller-{function.name}", f"stream poller for {function.name}")

    def _iterator(self, shard_id: str, **position: str) -> str:
        with acting_as(self.function.name):
            return self.streams.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=shard_id,
                **(position or {"ShardIteratorType": "TRIM_HORIZON"}),
            )["ShardIterator"]

    def poll_once(self) -> int:
        """One batch from each shard to the consumer; returns how many records it got."""
        with acting_as(self.function.name):
            shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        delivered = 0
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._iterator(shard_id)
            delivered += self._deliver(shard_id)
        return delivered

    def _deliver(self, shard_id: str) -> int:
        iterator = self._iterators[shard_id]
        if iterator is None:
            return 0  # a closed shard, read to its end
        with acting_as(self.function.name):
            response = self.streams.get_records(ShardIterator=iterator, Limit=500)
        records = response.get("Records") or []
        if records:
            event = {"Records": [{**r, "eventSourceARN": self.stream_arn} for r in records]}
            try:
                self.runtime.invoke(self.function, json.loads(json.dumps(event, default=str)))
            except Exception:
                logger.exception("consumer %s raised; the batch will be retried", self.function.name)
                first = records[0]["dynamodb"]["SequenceNumber"]
                self._iterators[shard_id] = self._iterator(
                    shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first
                )
                return 0
        self._iterators[shard_id] = response.get("NextShardIterator")
        return len(records)
