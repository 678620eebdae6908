"""The tipster's original file does not outlive its cleaning.

The media bucket is versioned (deployed and locally), so a plain DeleteObject of an
upload would only hide it behind a delete marker: the original, EXIF and GPS included,
would stay readable as an old version for 30 days. These tests list every version and
delete marker (as the harness, not as a function) after an item is stored or rejected,
and after a tip is purged.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for
from tests.integration.tips.test_media import settled_media
from tests.integration.tips.test_retention import CLOSE, one_day, sweep, today  # noqa: F401 (fixture)
from tests.integration.tips.test_web_and_inbox import create_web_tip, upload
from tests.unit.tips.test_media_and_twiml import photo_with_gps
from tests.unit.tips.test_pdfmeta import _jpeg_with_exif, pdf_with

pytestmark = pytest.mark.integration

GPS_IFD = 0x8825


def harness_s3(local_stack: Any) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=local_stack.aws_endpoint_url,
        region_name=local_stack.settings.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def versions_under(s3: Any, bucket: str, prefix: str) -> list[dict]:
    """Every version and delete marker whose key starts with `prefix`."""
    found: list[dict] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        found += page.get("Versions", []) + page.get("DeleteMarkers", [])
    return found


def assert_no_gps_in_any_version(s3: Any, bucket: str, prefix: str) -> int:
    """Every version under `prefix` is a cleaned file; returns how many there are."""
    versions = versions_under(s3, bucket, prefix)
    for version in versions:
        assert "Size" in version, f"a delete marker under {prefix}: a file was replaced or deleted"
        data = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
        assert b"PhoneMaker" not in data
        if data.startswith(b"\xff\xd8"):
            assert not Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    return len(versions)


def pdf_with_attachment_and_gps_photo() -> bytes:
    """A PDF the cleaner refuses (an attached file) that carries a GPS-tagged photo."""
    attachment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(0)] * 2 + [FloatObject(9)] * 2),
        }
    )
    return pdf_with({"/Annots": ArrayObject([attachment])}, image=_jpeg_with_exif())


def web_tip_with_uploads(api, files: list[tuple[bytes, str]], confirm: int | None = None) -> str:
    """A web tip whose files are all uploaded and the first `confirm` of them (all by
    default) confirmed; returns its code once the confirmed items are settled."""
    created = create_web_tip(
        api,
        text="Photos of the car that hit the fence",
        attachments=[{"content_type": ct, "size": len(data)} for data, ct in files],
    )
    code, passphrase = created["code"], created["passphrase"]
    confirm = len(files) if confirm is None else confirm
    for index, (form, (data, content_type)) in enumerate(zip(created["uploads"], files, strict=True)):
        assert upload(form, data, content_type).status_code in (200, 204)
        if index < confirm:
            path = f"/api/public/tips/uploads/{form['media_id']}/confirm"
            confirmed = api.post(path, json={"code": code, "passphrase": passphrase})
            assert confirmed.status_code == 200, confirmed.text

    def settled():
        media = api.as_role("officer").get(f"/api/tips/{code}").json()["media"]
        return sum(m["state"] in ("stored", "rejected") for m in media) == confirm

    wait_for(settled, 60)
    return code


def test_a_stored_or_rejected_web_upload_leaves_no_version_behind(api, local_stack) -> None:
    s3, bucket = harness_s3(local_stack), local_stack.settings.media_bucket
    # The deployed bucket is versioned (infra/constructs/data.py); so is the local one, or
    # a plain delete here would look final while AWS would keep the original.
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"
    photo, refused = photo_with_gps(), pdf_with_attachment_and_gps_photo()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD) and b"PhoneMaker" in refused
    code = web_tip_with_uploads(api, [(photo, "image/jpeg"), (refused, "application/pdf")])

    media = api.as_role("officer").get(f"/api/tips/{code}").json()["media"]
    assert sorted(m["state"] for m in media) == ["rejected", "stored"]
    assert "attached file" in next(m["reason"] for m in media if m["state"] == "rejected")

    def originals_gone():
        return versions_under(s3, bucket, f"uploads/tips/{code}/") == []

    # The source is deleted right after the item settles (the API may answer first).
    wait_for(originals_gone, 30)
    assert assert_no_gps_in_any_version(s3, bucket, f"tips/{code}/") == 1  # the cleaned photo only


def test_an_mms_photo_is_stored_clean_and_nothing_else_is_kept(api, phone: Phone, local_stack) -> None:
    s3, bucket = harness_s3(local_stack), local_stack.settings.media_bucket
    url = phone.upload_media(photo_with_gps(), "image/jpeg")
    code = code_of(phone.text(new_number(), "", media=[(url, "image/jpeg")])[1])
    (item,) = settled_media(api, code, 1)
    assert item["state"] == "stored"
    assert versions_under(s3, bucket, f"uploads/tips/{code}/") == []
    assert assert_no_gps_in_any_version(s3, bucket, f"tips/{code}/") == 1
    assert b"PhoneMaker" not in requests.get(item["url"], timeout=30).content


def test_a_purged_tip_leaves_no_version_of_its_files(api, local_stack, one_day) -> None:  # noqa: F811
    """Its cleaned photo, and an upload the tipster never confirmed (an original nobody
    cleaned): retention deletes every version of both, not just the current one."""
    s3, bucket = harness_s3(local_stack), local_stack.settings.media_bucket
    code = web_tip_with_uploads(api, [(photo_with_gps(), "image/jpeg")] * 2, confirm=1)
    assert versions_under(s3, bucket, f"tips/{code}/")
    # The unconfirmed original (the confirmed one goes once its item settles).
    wait_for(lambda: len(versions_under(s3, bucket, f"uploads/tips/{code}/")) == 1, 30)
    assert api.as_role("officer").patch(f"/api/tips/{code}", json=CLOSE).status_code == 200
    sweep(today() + timedelta(days=1))
    assert api.as_role("officer").get(f"/api/tips/{code}").status_code == 404
    assert versions_under(s3, bucket, f"tips/{code}/") == []
    assert versions_under(s3, bucket, f"uploads/tips/{code}/") == []
