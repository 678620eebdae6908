"""rtcc.local.iam.requests reads Kinesis Video Streams' REST-JSON calls and SES's sends as
IAM actions on ARNs (so camera-streams' and the email senders' calls are enforced, not
refused as unreadable), and the enforcer answers a refusal in each service's own shape."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from rtcc.local.iam.enforcer import _denied
from rtcc.local.iam.requests import AwsCall, RawRequest, calls

ACCOUNT = "123456789012"
REGION = "us-east-1"
EXISTING = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/rtcc-cam-cam-0123456789ab/1598784211076"


class Lookups:
    def kms_key_arn(self, key_id: str) -> str | None:
        return None

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        return None

    def secret_arn(self, secret_id: str) -> str | None:
        return None

    def ses_identity(self, address: str) -> str | None:
        return {"cameras@city.example": "cameras@city.example", "x@mail.example": "mail.example"}.get(address)

    def kinesisvideo_stream_arn(self, stream_name: str) -> str | None:
        return EXISTING if stream_name == "rtcc-cam-cam-0123456789ab" else None


def _signed(service: str) -> dict[str, str]:
    return {
        "authorization": "AWS4-HMAC-SHA256 "
        f"Credential=RTCCFNcamera-streams/20261202/{REGION}/{service}/aws4_request"
    }


def kvs(path: str, body: dict, method: str = "POST") -> list[AwsCall]:
    request = RawRequest(method, path, {}, _signed("kinesisvideo"), json.dumps(body).encode())
    return calls(request, account=ACCOUNT, region=REGION, lookups=Lookups())


def test_create_stream_is_read_on_the_name_with_any_creation_time_and_its_tags() -> None:
    (call,) = kvs(
        "/createStream", {"StreamName": "rtcc-cam-cam-aaaaaaaaaaaa", "Tags": {"rtcc:camera": "cam-a"}}
    )
    assert call.action == "kinesisvideo:CreateStream"
    assert call.resource == f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/rtcc-cam-cam-aaaaaaaaaaaa/*"
    assert call.context == {"aws:RequestTag/rtcc:camera": "cam-a", "aws:TagKeys": ["rtcc:camera"]}


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/describeStream", "kinesisvideo:DescribeStream"),
        ("/tagStream", "kinesisvideo:TagStream"),
        ("/getDataEndpoint", "kinesisvideo:GetDataEndpoint"),
        ("/listTagsForStream", "kinesisvideo:ListTagsForStream"),
    ],
)
def test_a_stream_named_by_name_is_its_emulator_arn(path: str, action: str) -> None:
    (call,) = kvs(path, {"StreamName": "rtcc-cam-cam-0123456789ab"})
    assert (call.action, call.resource) == (action, EXISTING)


def test_a_stream_named_by_arn_and_a_missing_one() -> None:
    (delete,) = kvs("/deleteStream", {"StreamARN": EXISTING})
    assert (delete.action, delete.resource) == ("kinesisvideo:DeleteStream", EXISTING)
    (missing,) = kvs("/describeStream", {"StreamName": "other"})
    assert missing.resource == f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/other/*"
    (listing,) = kvs("/listStreams", {})
    assert (listing.action, listing.resource) == ("kinesisvideo:ListStreams", "*")


def test_unknown_kvs_paths_and_methods_are_unread_so_refused() -> None:
    assert kvs("/getMedia", {"StreamName": "x"}) == []  # (PutMedia is read: the media stand-in)
    assert kvs("/describeStream", {"StreamName": "x"}, method="GET") == []


def test_ses_v2_send_is_on_the_verified_identity_with_the_from_address() -> None:
    body = json.dumps({"FromEmailAddress": "Cameras <cameras@city.example>", "Content": {}}).encode()
    request = RawRequest("POST", "/v2/email/outbound-emails", {}, _signed("ses"), body)
    (call,) = calls(request, account=ACCOUNT, region=REGION, lookups=Lookups())
    assert call.action == "ses:SendEmail"
    assert call.resource == f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/cameras@city.example"
    assert call.context == {"ses:FromAddress": "cameras@city.example", "ses:ApiVersion": "2"}


def test_ses_v1_sends_are_read_and_a_domain_identity_covers_its_addresses() -> None:
    headers = {**_signed("ses"), "content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    body = urlencode({"Action": "SendRawEmail", "Source": "x@mail.example"}).encode()
    (call,) = calls(
        RawRequest("POST", "/", {}, headers, body), account=ACCOUNT, region=REGION, lookups=Lookups()
    )
    assert (call.action, call.resource) == (
        "ses:SendRawEmail",
        f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/mail.example",
    )
    other = urlencode({"Action": "VerifyEmailIdentity", "EmailAddress": "a@b.example"}).encode()
    assert (
        calls(RawRequest("POST", "/", {}, headers, other), account=ACCOUNT, region=REGION, lookups=Lookups())
        == []
    )


def test_refusals_come_in_each_services_shape() -> None:
    kvs_call = AwsCall("kinesisvideo", "CreateStream", "kinesisvideo:CreateStream", "*")
    refused = _denied(kvs_call, "no", RawRequest("POST", "/createStream", {}, {}))
    assert refused.status == 401 and ("x-amzn-ErrorType", "AccessDeniedException") in refused.headers
    ses_call = AwsCall("ses", "SendEmail", "ses:SendEmail", "*")
    v2 = _denied(ses_call, "no", RawRequest("POST", "/v2/email/outbound-emails", {}, {}))
    assert v2.status == 403 and ("x-amzn-ErrorType", "AccessDeniedException") in v2.headers
    v1 = _denied(ses_call, "no", RawRequest("POST", "/", {}, {}))
    assert v1.status == 403 and b"<Code>AccessDenied</Code>" in v1.body
