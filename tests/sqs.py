"""One SQS record as Lambda's event source mapping delivers it, for the tests that call
queue consumers directly (the local stack's pollers build real ones: rtcc.local.pollers)."""

from __future__ import annotations


def sqs_record(message_id: str, body: str, queue: str, receive_count: int = 1) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": "rh-" + message_id,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:000000000000:rtcc-{queue}",
        "awsRegion": "us-east-1",
    }
