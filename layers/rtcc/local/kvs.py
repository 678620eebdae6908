"""What moto's Kinesis Video Streams lacks, answered beside it: TagStream and
ListTagsForStream (moto 5.2.5 keeps the tags CreateStream is given but serves neither call).

WSGI in front of moto and behind the IAM enforcer, like the places stand-in
(rtcc.local.places): the enforcer has already checked the call against the caller's role
when it arrives here. Tags are kept on moto's own stream object, so CreateStream's tags and
these agree."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID

_PATHS = ("/tagStream", "/listTagsForStream", "/getDataEndpoint")
#: GetDataEndpoint's APIName values (the service model's enum).
_API_NAMES = (
    "PUT_MEDIA",
    "GET_MEDIA",
    "LIST_FRAGMENTS",
    "GET_MEDIA_FOR_FRAGMENT_LIST",
    "GET_HLS_STREAMING_SESSION_URL",
    "GET_DASH_STREAMING_SESSION_URL",
    "GET_CLIP",
    "GET_IMAGES",
)


def _signed_for_kvs(environ: dict) -> bool:
    return "/kinesisvideo/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def _region(environ: dict) -> str:
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split("/")
    return scope[2] if len(scope) > 2 else "us-east-1"


def _stream(environ: dict, params: dict) -> Any:
    from moto.kinesisvideo.models import kinesisvideo_backends

    backend = kinesisvideo_backends[DEFAULT_ACCOUNT_ID][_region(environ)]
    for stream in list(backend.streams.values()):
        if stream.arn == params.get("StreamARN") or stream.stream_name == params.get("StreamName"):
            return stream
    return None


class KinesisVideoTagsStandIn:
    """Also GetDataEndpoint, once the media stand-in runs (`media_url`): every APIName is
    served by it (rtcc.local.kvs_media), as one data endpoint serves them in AWS."""

    def __init__(self, app: Callable, media_url: Callable[[], str | None] = lambda: None) -> None:
        self.app = app
        self.media_url = media_url

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in _PATHS or environ.get("REQUEST_METHOD") != "POST" or not _signed_for_kvs(environ):
            return self.app(environ, start_response)
        if path == "/getDataEndpoint" and not self.media_url():
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            params = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            params = None
        status, body = self._answer(path, environ, params, self.media_url())
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if not status.startswith("200"):
            headers.append(("x-amzn-ErrorType", json.loads(body)["__type"]))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _answer(path: str, environ: dict, params: Any, media_url: str | None = None) -> tuple[str, bytes]:
        if not isinstance(params, dict):
            return "400 Bad Request", json.dumps(
                {"__type": "InvalidArgumentException", "message": "body"}
            ).encode()
        if path == "/getDataEndpoint" and params.get("APIName") not in _API_NAMES:
            message = {
                "__type": "InvalidArgumentException",
                "message": f"APIName: one of {', '.join(_API_NAMES)}",
            }
            return "400 Bad Request", json.dumps(message).encode()
        stream = _stream(environ, params)
        if stream is None:
            message = {"__type": "ResourceNotFoundException", "message": "The requested stream is not found"}
            return "404 Not Found", json.dumps(message).encode()
        if path == "/getDataEndpoint":
            return "200 OK", json.dumps({"DataEndpoint": media_url}).encode()
        if path == "/tagStream":
            tags = params.get("Tags")
            if not isinstance(tags, dict) or not tags or len({**(stream.tags or {}), **tags}) > 50:
                message = {"__type": "InvalidArgumentException", "message": "Tags: 1 to 50 tags"}
                return "400 Bad Request", json.dumps(message).encode()
            stream.tags = {**(stream.tags or {}), **{str(k): str(v) for k, v in tags.items()}}
            return "200 OK", b"{}"
        return "200 OK", json.dumps({"Tags": dict(stream.tags or {})}).encode()


def create_template_streams(template_resources: dict[str, Any], kinesisvideo: Any) -> list[str]:
    """The Kinesis Video Streams the deployed template creates (one per city camera), created
    in the emulator with their retention and tags, as the keys and secrets are
    (rtcc.local.iam.local_resources); returns their names."""
    names = []
    for spec in template_resources.values():
        if spec.get("Type") != "AWS::KinesisVideo::Stream":
            continue
        props = spec.get("Properties", {})
        kinesisvideo.create_stream(
            StreamName=props["Name"],
            MediaType=props.get("MediaType", "video/h264"),
            DataRetentionInHours=int(props.get("DataRetentionInHours", 0)),
            Tags={tag["Key"]: tag["Value"] for tag in props.get("Tags", [])},
        )
        names.append(props["Name"])
    return names
