"""The SQS pollers behave like Lambda's event source mapping with ReportBatchItemFailures:
successes are deleted, reported failures come back and end in the DLQ."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest
from rtcc.local.provision import aws_client
from rtcc.resources import queue_url_env_var
from rtcc.topology import FunctionSpec, QueueSpec

pytestmark = pytest.mark.integration


class Consumer:
    """Fails every message whose body says so; records what it was given."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, event: dict, context: object) -> dict:
        with self.lock:
            self.records.extend(event["Records"])
        failures = [
            {"itemIdentifier": r["messageId"]} for r in event["Records"] if json.loads(r["body"]).get("fail")
        ]
        return {"batchItemFailures": failures}

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.records]


def _wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_partial_batch_failure_retries_only_the_failed_message_then_dead_letters_it(local_stack) -> None:
    name = f"itest-{uuid.uuid4().hex[:6]}"
    consumer = Consumer()
    queue = QueueSpec(
        name=name, consumer=f"{name}-consumer", batch_size=10, visibility_timeout_s=1, max_receive_count=2
    )
    url = local_stack.add_consumer(
        queue, FunctionSpec(f"{name}-consumer", "tests.integration.consumer", "test"), handler=consumer
    )
    sqs = aws_client("sqs", local_stack.aws_endpoint_url, local_stack.settings.region)
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok1", "MessageBody": json.dumps({"n": 1})},
            {
                "Id": "bad",
                "MessageBody": json.dumps({"n": 2, "fail": True}),
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "poison"}},
            },
            {"Id": "ok2", "MessageBody": json.dumps({"n": 3})},
        ],
    )
    # Producers find the URL in the environment, as CDK sets it for deployed functions.
    assert os.environ[queue_url_env_var(name)] == url
    dlq_url = sqs.get_queue_url(QueueName=f"{local_stack.settings.table_prefix}{name}-dlq")["QueueUrl"]

    def dead_lettered() -> list[dict]:
        return sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        )

    _wait_for(lambda: len(dead_lettered()) == 1)
    bodies = consumer.bodies()
    # Successes were delivered once and deleted; the failure was delivered max_receive_count times.
    assert sorted(b["n"] for b in bodies if not b.get("fail")) == [1, 3]
    assert sum(1 for b in bodies if b.get("fail")) == 2
    assert json.loads(dead_lettered()[0]["Body"]) == {"n": 2, "fail": True}

    bad = [r for r in consumer.records if json.loads(r["body"]).get("fail")]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in bad] == ["1", "2"]
    record = bad[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(f":{local_stack.settings.table_prefix}{name}")
    assert record["messageAttributes"]["kind"]["stringValue"] == "poison"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["receiptHandle"] and record["md5OfBody"]
    assert (
        int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
        == 0
    )


def test_a_consumer_that_raises_gets_the_whole_batch_again(local_stack) -> None:
    name = f"itest-{uuid.uuid4().hex[:6]}"
    calls: list[int] = []

    def flaky(event: dict, context: object) -> dict:
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("transient")
        return {"batchItemFailures": []}

    queue = QueueSpec(name=name, consumer=f"{name}-consumer", visibility_timeout_s=1, max_receive_count=3)
    url = local_stack.add_consumer(
        queue, FunctionSpec(f"{name}-consumer", "tests.integration.flaky", "test"), handler=flaky
    )
    sqs = aws_client("sqs", local_stack.aws_endpoint_url, local_stack.settings.region)
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    _wait_for(lambda: len(calls) >= 2)
    time.sleep(1.5)  # past the visibility timeout: a deleted message does not come back
    assert calls == [1, 1]
