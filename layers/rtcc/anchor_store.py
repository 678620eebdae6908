"""The anchors bucket (S3, Object Lock in compliance mode when deployed) behind
`rtcc.anchors.AnchorStore`."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError

from rtcc.aws_clients import client
from rtcc.settings import get_settings


class S3AnchorStore:
    def __init__(self, bucket: str | None = None) -> None:
        self._s3 = client("s3")
        self.bucket = bucket or get_settings().anchors_bucket

    def put(self, key: str, body: bytes) -> None:
        # A bucket with default Object Lock retention takes uploads only with an integrity
        # checksum; the default retention then applies to the new object.
        self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", ChecksumAlgorithm="SHA256"
        )

    def get(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def keys(self, prefix: str, start_after: str | None = None) -> Iterator[str]:
        extra = {"StartAfter": start_after} if start_after else {}
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, **extra)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]
