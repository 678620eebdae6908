"""MMS media through the queue: stored clean with a hash, or rejected with a reason."""

from __future__ import annotations

import hashlib
import io

import pytest
import requests
from PIL import Image
from rtcc.local import twilio_media_host
from rtcc.local.iam.identity import acting_as
from rtcc.tips.jobs import MediaJob

from tests.integration.tips.conftest import Phone, code_of, new_number, wait_for
from tests.sqs import sqs_record
from tests.unit.tips.test_media_and_twiml import photo_with_gps
from tests.unit.tips.test_pdfmeta import office_pdf

pytestmark = pytest.mark.integration


def settled_media(api, code: str, count: int) -> list[dict]:
    def check():
        media = api.as_role("officer").get(f"/api/tips/{code}").json()["media"]
        return (
            len(media) == count
            and all(m["state"] not in ("pending", "awaiting_upload") for m in media)
            and media
        )

    return wait_for(check, 60)


def test_media_without_body_is_stored_clean_and_deleted_at_the_source(phone: Phone, api) -> None:
    url = phone.upload_media(photo_with_gps(), "image/jpeg")
    form, response = phone.text(new_number(), "", media=[(url, "image/jpeg")])
    code = code_of(response)
    (item,) = settled_media(api, code, 1)
    assert item["state"] == "stored" and item["content_type"] == "image/jpeg"
    data = requests.get(item["url"], timeout=30).content  # the short-lived presigned URL
    assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]
    img = Image.open(io.BytesIO(data))
    assert not img.getexif() and b"PhoneMaker" not in data
    assert url.rsplit("/", 1)[1] in twilio_media_host.DELETED
    assert item["url_expires_in"] <= 600


def test_unknown_type_and_oversize_are_rejected_with_reasons(phone: Phone, api) -> None:
    exe = phone.upload_media(b"MZ\x90\x00" + b"\x00" * 200, "application/x-msdownload")
    disguised = phone.upload_media(b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg")
    big = phone.upload_media(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 10), "image/jpeg")
    good = phone.upload_media(office_pdf(1), "application/pdf")
    media = [
        (exe, "application/x-msdownload"),
        (disguised, "image/jpeg"),
        (big, "image/jpeg"),
        (good, "application/pdf"),
    ]
    code = code_of(phone.text(new_number(), "files attached", media=media)[1])
    items = {m["media_id"].rsplit("-", 1)[1]: m for m in settled_media(api, code, 4)}
    assert items["0"]["state"] == "rejected" and "not allowed" in items["0"]["reason"]
    assert items["1"]["state"] == "rejected" and "not a recognised" in items["1"]["reason"]
    assert items["2"]["state"] == "rejected" and "too large" in items["2"]["reason"]
    assert items["3"]["state"] == "stored" and items["3"]["sha256"]
    assert items["0"]["url"] is None


def test_settled_media_reach_the_inbox_feed(phone: Phone, api) -> None:
    """An open console hears through the feed when a file has been checked."""
    officer = api.as_role("officer")
    cursor = officer.get("/api/tips", params={"limit": 1}).json()["feed_cursor"]
    url = phone.upload_media(office_pdf(1), "application/pdf")
    code = code_of(phone.text(new_number(), "a document", media=[(url, "application/pdf")])[1])

    def settled_in_feed():
        nonlocal cursor
        page = officer.get("/api/tips/feed", params={"after": cursor}).json()
        cursor = page["cursor"]
        return next((t for t in page["tips"] if t["code"] == code and t["media_settled"] == 1), None)

    summary = wait_for(settled_in_feed, 60)
    assert summary["media_count"] == 1


def test_media_from_a_host_not_allowed_is_refused(phone: Phone, api) -> None:
    code = code_of(
        phone.text(new_number(), "", media=[("http://169.254.169.254/latest/meta-data/", "image/jpeg")])[1]
    )
    (item,) = settled_media(api, code, 1)
    assert item["state"] == "rejected" and "host not allowed" in item["reason"]


def test_a_failing_download_is_retried_alone(phone: Phone, api) -> None:
    """A Twilio outage (HTTP 500) fails only its own record: Powertools reports it in
    batchItemFailures so SQS redelivers it (and dead-letters it after max receives)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from rtcc.store.tips import TipMediaRecord

    from functions import tip_media

    class Outage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Outage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        good = phone.upload_media(office_pdf(1), "application/pdf")
        code = code_of(phone.text(new_number(), "a file", media=[(good, "application/pdf")])[1])
        (stored,) = settled_media(api, code, 1)
        TipMediaRecord(
            code,
            "MMbroken-0",
            message_key="x",
            source="twilio",
            declared_type="image/jpeg",
            state="pending",
            source_url=f"http://127.0.0.1:{server.server_port}/Media/ME1",
            created_at="t",
            updated_at="t",
        ).save()
        event = {
            "Records": [
                _media_record("1", MediaJob(code=code, media_id="MMbroken-0")),
                _media_record("2", MediaJob(code=code, media_id=stored["media_id"])),
            ]
        }
        with acting_as("tip-media"):  # under its deployed IAM, as the local runtime runs it
            result = tip_media.handler(event, _Context())
        assert result == {"batchItemFailures": [{"itemIdentifier": "1"}]}
        assert TipMediaRecord.get(code, "MMbroken-0").state == "pending"  # kept for the retry
        assert TipMediaRecord.get(code, stored["media_id"]).state == "stored"  # redelivery is harmless
    finally:
        server.shutdown()


class _Context:
    function_name = "tip-media"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:tip-media"
    aws_request_id = "test"


def test_a_phone_video_is_stored_without_where_it_was_shot(phone: Phone, api) -> None:
    from tests.unit.tips.test_avmeta import LOCATION, frames, phone_video

    video = phone_video()
    url = phone.upload_media(video, "video/quicktime")
    code = code_of(phone.text(new_number(), "Video of the break-in", media=[(url, "video/quicktime")])[1])
    (item,) = settled_media(api, code, 1)
    assert item["state"] == "stored" and item["content_type"] == "video/quicktime"
    stored = requests.get(item["url"], timeout=30).content
    assert LOCATION.encode() not in stored and b"PhoneMaker" not in stored
    assert hashlib.sha256(stored).hexdigest() == item["sha256"]
    assert len(frames(stored)) == len(frames(video))


def test_a_pdf_is_stored_without_its_author(phone: Phone, api) -> None:
    from pypdf import PdfReader

    from tests.unit.tips.test_pdfmeta import NAME

    url = phone.upload_media(office_pdf(), "application/pdf")
    code = code_of(phone.text(new_number(), "The schedule they use", media=[(url, "application/pdf")])[1])
    (item,) = settled_media(api, code, 1)
    assert item["state"] == "stored" and item["content_type"] == "application/pdf"
    stored = requests.get(item["url"], timeout=30).content
    assert NAME.encode() not in stored and len(PdfReader(io.BytesIO(stored)).pages) == 2


def _media_record(message_id: str, job: MediaJob) -> dict:
    return sqs_record(message_id, job.model_dump_json(), "tip-media")
