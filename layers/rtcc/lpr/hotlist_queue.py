"""The `lpr-imports` queue: an import to run, by id (the function reads the import record)."""

from __future__ import annotations

import json

from rtcc.aws_clients import client

IMPORTS_QUEUE = "lpr-imports"


def queue_import(import_id: str) -> None:
    from rtcc.tips.adapters.aws import queue_url

    client("sqs").send_message(
        QueueUrl=queue_url(IMPORTS_QUEUE), MessageBody=json.dumps({"import_id": import_id})
    )
