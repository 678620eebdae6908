"""EXIF stripping, the media allowlist, Twilio signatures (reference vectors) and TwiML."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pytest
from PIL import Image
from rtcc.tips.adapters.twilio_webhook import (
    FormParams,
    parse_form,
    raw_body,
    signature_valid,
    signed_url,
    twiml,
)
from rtcc.tips.imagemeta import ImageRejected, strip_metadata
from rtcc.tips.mediapolicy import judge, sniff
from rtcc.tips.sms_intake import ack_joined, ack_new

from tests.reference import reference_path

MB = 1024 * 1024


def photo_with_gps(fmt: str = "JPEG") -> bytes:
    img = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = img.getexif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X serial 12345"
    exif[0x0112] = 6  # rotate 90 degrees when shown
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 46.0, 29.7), "W", (122.0, 25.0, 9.8)
    out = io.BytesIO()
    img.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_exif_and_gps_are_stripped(fmt: str, content_type: str) -> None:
    original = photo_with_gps(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture does carry GPS
    cleaned = strip_metadata(original, content_type)
    img = Image.open(io.BytesIO(cleaned))
    assert img.format == fmt
    assert not img.getexif() and not img.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in cleaned and b"serial 12345" not in cleaned
    assert img.size == (48, 64)  # orientation applied to the pixels before EXIF went


def test_animated_gif_keeps_its_frames() -> None:
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"secret comment")
    cleaned = strip_metadata(out.getvalue(), "image/gif")
    assert Image.open(io.BytesIO(cleaned)).n_frames == 2 and b"secret comment" not in cleaned


def test_a_fake_image_is_rejected() -> None:
    with pytest.raises(ImageRejected):
        strip_metadata(b"\xff\xd8\xff" + b"not really a jpeg" * 10, "image/jpeg")


def test_media_verdicts() -> None:
    jpeg = photo_with_gps()
    assert judge("image/jpeg", jpeg, 5 * MB).accepted
    assert judge("", jpeg, 5 * MB).content_type == "image/jpeg"
    assert "too large" in judge("image/jpeg", jpeg, 100).reason
    assert "not allowed" in judge("application/x-msdownload", b"MZ\x90\x00", 5 * MB).reason
    assert "not a recognised" in judge("image/jpeg", b"MZ\x90\x00binary", 5 * MB).reason
    assert "does not match" in judge("application/pdf", jpeg, 5 * MB).reason
    assert judge("application/pdf", b"%PDF-1.7\n...", 5 * MB).accepted
    assert judge("video/mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, 5 * MB).accepted
    assert judge("audio/amr", b"#!AMR\n" + b"\x00" * 20, 5 * MB).accepted
    assert judge("image/jpeg", b"", 5 * MB).reason == "empty file"
    assert sniff(b"GIF89a....") == "image/gif"


def test_twilio_reference_vectors_validate() -> None:
    vectors = json.loads(reference_path("twilio", "request_validator_vectors.json").read_text())
    token, params = vectors["auth_token"], vectors["params"]
    checked = 0
    for case in vectors["cases"]:
        if "expected_signature" not in case or "body" in case:
            continue
        event = {"headers": {"X-Twilio-Signature": case["expected_signature"]}}
        if "params_querystring" in case:
            form = parse_form(case["params_querystring"])
        else:
            form = FormParams(list(params.items()))
        assert signature_valid(token, case["url"], form, event), case["test"]
        assert not signature_valid("wrong-token", case["url"], form, event)
        checked += 1
    assert checked == 6


def test_webhook_examples_parse_and_a_changed_body_fails() -> None:
    examples = json.loads(reference_path("twilio", "webhook_examples.json").read_text())["inbound"]
    token = "local-token"
    for example in examples:
        form = parse_form(example["raw_body"])
        assert form.flat() == example["parsed"]
        from rtcc.tips.adapters.twilio_webhook import sign

        url = "https://tips.example.org/prod/webhooks/twilio/tips"
        signature = sign(token, url, form)
        event = {"headers": {"x-twilio-signature": signature}}
        assert signature_valid(token, url, form, event)
        tampered = parse_form(example["raw_body"].replace("MessageSid=", "MessageSid=X", 1))
        assert not signature_valid(token, url, tampered, event)
        assert not signature_valid(token, url.replace("tips.example.org", "evil.example"), form, event)
        assert not signature_valid(token, url, form, {"headers": {}})


def test_signed_url_comes_from_settings_not_the_host_header() -> None:
    event = {
        "path": "/webhooks/twilio/tips",
        "headers": {"Host": "evil.example"},
        "multiValueQueryStringParameters": None,
    }
    assert (
        signed_url("https://tips.example.org/prod/", event)
        == "https://tips.example.org/prod/webhooks/twilio/tips"
    )
    event["multiValueQueryStringParameters"] = {"a": ["1", "2"]}
    assert signed_url("https://x.org", event) == "https://x.org/webhooks/twilio/tips?a=1&a=2"


def test_base64_bodies_are_decoded() -> None:
    import base64

    body = "Body=caf%C3%A9+%F0%9F%98%80&From=%2B1555"
    assert raw_body({"body": base64.b64encode(body.encode()).decode(), "isBase64Encoded": True}) == body
    assert dict(parse_qsl(raw_body({"body": body})))["Body"] == "café 😀"


def test_twiml_ack() -> None:
    doc = ElementTree.fromstring(twiml(ack_new("T-4F7K")))
    assert doc.tag == "Response"
    text = doc.find("Message").text
    assert "T-4F7K" in text and "NEW" in text and "STOP" in text and len(text) <= 160
    assert len(ack_joined("T-4F7K")) <= 160
    assert ElementTree.fromstring(twiml("")).find("Message") is None
    assert "&lt;" in twiml("a <b> & c")  # escaped, never raw markup
