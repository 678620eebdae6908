"""The evidence bucket (`camera-evidence`): clips under clips/, exports under exports/.

Owners' browsers upload straight to S3: the api creates the multipart upload and signs one
UploadPart URL per part (SigV4, rtcc.aws_clients), the browser PUTs the parts (a failed part
is sent again alone) and the api completes the upload with their ETags. Nothing of a clip
passes through the API (API Gateway would cap it at 10 MB). The bucket is versioned, so each
clip's version id names exactly the bytes that were hashed; deployed it is under Object Lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from rtcc.aws_clients import client
from rtcc.cameras.evidence import MIB, extension
from rtcc.cameras.footage_dynamodb import evidence_bucket

#: How long an UploadPart or export URL works. An hour: a phone uploading a large clip over a
#: slow link asks again for the parts it has not sent (the upload itself stays open).
PART_URL_S = 3600
EXPORT_URL_S = 900


def clip_key(request_id: str, upload_hex: str, content_type: str) -> str:
    """Named by ids only: the owner's file name may say who they are (it stays on the evidence
    item for officers, never in a key, a log or a custody entry)."""
    return f"clips/{request_id}/{upload_hex}.{extension(content_type)}"


def export_key(case_number: str, export_id: str) -> str:
    safe_case = case_number.replace("/", "_")
    return f"exports/{safe_case}/{export_id}.zip"


def start_upload(key: str, content_type: str) -> str:
    """CreateMultipartUpload: the upload id the parts are sent to."""
    answer = client("s3").create_multipart_upload(Bucket=evidence_bucket(), Key=key, ContentType=content_type)
    return str(answer["UploadId"])


def part_urls(key: str, upload_id: str, parts: int) -> list[dict[str, Any]]:
    s3, bucket = client("s3"), evidence_bucket()
    return [
        {
            "part_number": number,
            "url": s3.generate_presigned_url(
                "upload_part",
                Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
                ExpiresIn=PART_URL_S,
            ),
        }
        for number in range(1, parts + 1)
    ]


def complete_upload(key: str, upload_id: str, parts: list[dict[str, Any]]) -> str:
    """CompleteMultipartUpload; the version id of the clip. S3 refuses wrong ETags or a part
    smaller than 5 MiB but the last (InvalidPart, EntityTooSmall): raised to the caller."""
    answer = client("s3").complete_multipart_upload(
        Bucket=evidence_bucket(), Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    return str(answer.get("VersionId") or "")


def uploaded_bytes(key: str, upload_id: str) -> int:
    """What the browser really sent (ListParts): a presigned UploadPart URL does not bound a
    part's length, so the declared size is checked against this before the upload completes."""
    s3, bucket, total = client("s3"), evidence_bucket(), 0
    for page in s3.get_paginator("list_parts").paginate(Bucket=bucket, Key=key, UploadId=upload_id):
        total += sum(int(part["Size"]) for part in page.get("Parts", []))
    return total


def abort_upload(key: str, upload_id: str) -> None:
    """AbortMultipartUpload: the parts are deleted and no object (nor locked version) is made."""
    client("s3").abort_multipart_upload(Bucket=evidence_bucket(), Key=key, UploadId=upload_id)


def read_version(key: str, version_id: str) -> Iterator[bytes]:
    """The clip's bytes as stored under that version, 1 MiB at a time (never all in memory)."""
    body = client("s3").get_object(Bucket=evidence_bucket(), Key=key, VersionId=version_id)["Body"]
    try:
        while chunk := body.read(MIB):
            yield chunk
    finally:
        body.close()


#: Larger zips go up in parts: one PUT takes at most 5 GiB, an export up to 9 GiB.
SINGLE_PUT_MAX = 256 * MIB
EXPORT_PART = 128 * MIB


def put_export(path: str, key: str) -> str:
    """Upload the zip (in parts when large: unlike boto3's transfer manager, completing the
    upload answers the version id); its version id. The parts are s3:PutObject to IAM, and
    under SSE-KMS each needs kms:Decrypt of the upload's data key (grant_objects multipart)."""
    s3, bucket = client("s3"), evidence_bucket()
    with open(path, "rb") as file:
        if os.path.getsize(path) <= SINGLE_PUT_MAX:
            answer = s3.put_object(Bucket=bucket, Key=key, Body=file, ContentType="application/zip")
            return str(answer.get("VersionId") or "")
        # An upload left unfinished (the function timed out) is removed by the bucket's
        # AbortIncompleteMultipartUpload rule; nothing half-written is ever an object.
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/zip")["UploadId"]
        parts = []
        while chunk := file.read(EXPORT_PART):
            number = len(parts) + 1
            sent = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=chunk)
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    return complete_upload(key, upload, parts)


def export_url(key: str, version_id: str) -> str:
    params = {"Bucket": evidence_bucket(), "Key": key}
    if version_id:
        params["VersionId"] = version_id
    return client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=EXPORT_URL_S)
