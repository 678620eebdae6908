"""KMS, SQS and S3 adapters for tips."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from rtcc.aws_clients import client
from rtcc.settings import get_settings
from rtcc.tips.jobs import AlertJob, ForgetInboundJob, ForgetReplyJob, MediaJob, ReplyJob
from rtcc.tips.ports import FetchedMedia, MediaTooLarge
from rtcc.tips.settings import tips_settings

MEDIA_QUEUE = "tip-media"
OUTBOUND_QUEUE = "tip-outbound"


class KmsContactSealer:
    """Envelope-free KMS Encrypt/Decrypt (a phone number is far below the 4 KB limit),
    bound to the tip code by the encryption context: a ciphertext copied onto another
    tip does not decrypt."""

    def __init__(self, key_id: str | None = None) -> None:
        # Deployed: the key CDK creates. Locally: the same key, created by `rtcc dev` from
        # the synthesized template (rtcc.local.iam.local_resources) under the same alias.
        self._kms = client("kms")
        self._given_key_id = key_id

    @property
    def _key_id(self) -> str:
        # Read when sealing, not when the ports are built: only the two functions that seal
        # or unseal are given RTCC_TIPS_VAULT_KEY_ID (infra/constructs/tips.py).
        return self._given_key_id or tips_settings().vault_key_id

    def seal(self, number: str, code: str) -> bytes:
        out = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=number.encode(), EncryptionContext={"tip": code}
        )
        return bytes(out["CiphertextBlob"])

    def unseal(self, ciphertext: bytes, code: str) -> str:
        out = self._kms.decrypt(
            CiphertextBlob=ciphertext, EncryptionContext={"tip": code}, KeyId=self._key_id
        )
        return bytes(out["Plaintext"]).decode()


class KmsMac:
    """HMAC-SHA256 by KMS GenerateMac: the key material never leaves KMS, and its key
    policy lets only the webhook's role generate (infra/constructs/tips.py)."""

    def __init__(self, key_id: str | None = None) -> None:
        self._kms = client("kms")
        self._given_key_id = key_id

    def mac(self, message: bytes) -> bytes:
        # The key is read per call, like the sealer's: only the webhook is given
        # RTCC_TIPS_PSEUDONYM_KEY_ID.
        key_id = self._given_key_id or tips_settings().pseudonym_key_id
        out = self._kms.generate_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
        return bytes(out["Mac"])


def queue_url(name: str) -> str:
    """The URL CDK or `rtcc dev` put in RTCC_<NAME>_QUEUE_URL, else looked up by name."""
    from rtcc.resources import queue_name, queue_url_env_var

    url = os.environ.get(queue_url_env_var(name))
    if url:
        return url
    return client("sqs").get_queue_url(QueueName=queue_name(name, get_settings()))["QueueUrl"]


class SqsTipQueues:
    def __init__(self) -> None:
        self._sqs = client("sqs")
        self._urls: dict[str, str] = {}

    def _url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = queue_url(name)
        return self._urls[name]

    def send_media_jobs(self, jobs: Sequence[MediaJob]) -> None:
        for start in range(0, len(jobs), 10):
            batch = jobs[start : start + 10]
            out = self._sqs.send_message_batch(
                QueueUrl=self._url(MEDIA_QUEUE),
                Entries=[{"Id": str(i), "MessageBody": job.model_dump_json()} for i, job in enumerate(batch)],
            )
            if out.get("Failed"):
                raise RuntimeError(f"tip-media queue refused {len(out['Failed'])} job(s)")

    def send_outbound(
        self, job: ReplyJob | AlertJob | ForgetInboundJob | ForgetReplyJob, delay_s: int = 0
    ) -> None:
        self._sqs.send_message(
            QueueUrl=self._url(OUTBOUND_QUEUE),
            MessageBody=job.model_dump_json(),
            DelaySeconds=max(0, min(int(delay_s), 900)),
        )


def delete_every_version(s3: Any, bucket: str, key: str) -> None:
    """Delete `key` for good: every version and delete marker it has.

    The media bucket is versioned, so a DeleteObject without a version id only hides the
    file behind a delete marker and the bucket's lifecycle removes it 30 days later; for
    an upload that is the tipster's original, EXIF, GPS and all. Listing needs
    s3:ListBucketVersions with an `s3:prefix` the role allows, deleting by version id
    s3:DeleteObject and s3:DeleteObjectVersion on the key (infra/constructs/tips.py); that
    every delete names a version is held by tests/unit/tips/test_deletes_are_for_good.py.
    Never for the anchors bucket: Object Lock refuses, and its versions are the point."""
    doomed: list[dict[str, str]] = []
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
    for page in pages:
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            # The prefix also matches longer keys (media MM1-1 is a prefix of MM1-10).
            if version["Key"] == key:
                doomed.append({"Key": key, "VersionId": version["VersionId"]})
    for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = {"Objects": doomed[start : start + 1000], "Quiet": True}
        out = s3.delete_objects(Bucket=bucket, Delete=batch)
        if out.get("Errors"):
            codes = sorted({error.get("Code", "?") for error in out["Errors"]})
            raise RuntimeError(f"S3 kept {len(out['Errors'])} version(s) of a media file: {codes}")


class S3MediaStore:
    def __init__(self, bucket: str | None = None) -> None:
        self._s3 = client("s3")
        self.bucket = bucket or get_settings().media_bucket

    def put(self, key: str, data: bytes, content_type: str, sha256: str) -> None:
        self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, Metadata={"sha256": sha256}
        )

    def delete(self, key: str) -> None:
        """Every version (retention's purge): nothing of a purged tip waits 30 days more."""
        delete_every_version(self._s3, self.bucket, key)  # no error when already gone

    def presigned_get(self, key: str, expires_s: int) -> str:
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )

    def presigned_post(self, key: str, content_type: str, max_bytes: int, expires_s: int) -> dict[str, Any]:
        return self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_s,
        )


class S3UploadSource:
    """Web uploads waiting in the bucket's uploads/ area (location = object key)."""

    def __init__(self, bucket: str | None = None) -> None:
        self._s3 = client("s3")
        self.bucket = bucket or get_settings().media_bucket

    def fetch(self, location: str, max_bytes: int) -> FetchedMedia:
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=location)
        except ClientError as exc:
            # tip-media may read objects under uploads/tips/ but not list the bucket (a
            # listing would show every tip's keys), and S3 then answers a missing key with
            # 403, not 404 (AWS: no s3:ListBucket, no way to tell "absent" from "denied").
            if exc.response["Error"]["Code"] in ("403", "AccessDenied", "404", "NoSuchKey", "NotFound"):
                from rtcc.tips.ports import MediaRefused

                raise MediaRefused("the upload never arrived (no file in the upload area)") from None
            raise
        if int(head["ContentLength"]) > max_bytes:
            raise MediaTooLarge(int(head["ContentLength"]))
        body = self._s3.get_object(Bucket=self.bucket, Key=location)["Body"].read(max_bytes + 1)
        if len(body) > max_bytes:
            raise MediaTooLarge(None)
        return FetchedMedia(body, head.get("ContentType", ""))

    def delete(self, location: str) -> None:
        """Every version of the upload: the tipster's original, before cleaning, and any
        earlier POST of the same form."""
        delete_every_version(self._s3, self.bucket, location)
