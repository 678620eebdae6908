"""Checks the SigV4 signature of a call to the stand-in, with botocore's own signer, as
KVS authenticates before it authorizes (the IAM enforcer comes after this).

Only headers are signed: PutMedia's body streams, so the payload hash is what the signed
`x-amz-content-sha256` header says, else the empty body's (lane B's producer signs it
so). Refusals are AWS's: 403 MissingAuthenticationTokenException,
UnrecognizedClientException (a key nobody issued), InvalidSignatureException (a wrong
secret, or a signature older than 5 minutes)."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from rtcc.local.kvs_media.credentials import secret_for
from rtcc.local.kvs_media.errors import error_response

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$"
)
#: AWS refuses a request signed more than 5 minutes from its clock.
MAX_SKEW_S = 300


def _headers(environ: dict) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    return headers


def _body(environ: dict) -> bytes | None:
    """A control call's JSON body, which its signature covers (read, then put back);
    None for PutMedia, whose body streams and is not signed."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if environ.get("PATH_INFO") == "/putMedia" or not length:
        return None
    body = environ["wsgi.input"].read(min(length, 1024 * 1024))
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def refusal(environ: dict) -> tuple[str, str] | None:
    """(error type, message) when the request's signature does not hold, else None."""
    headers = _headers(environ)
    body = _body(environ)
    match = _AUTH.match(headers.get("authorization", "").strip())
    if match is None:
        return "MissingAuthenticationTokenException", "Missing Authentication Token"
    access_key, day, region, service, signed, signature = match.groups()
    secret = secret_for(access_key)
    if secret is None:
        return "UnrecognizedClientException", "The security token included in the request is invalid."
    stamp = headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "IncompleteSignatureException", "x-amz-date is missing or malformed"
    if abs((datetime.now(UTC) - when).total_seconds()) > MAX_SKEW_S or not stamp.startswith(day):
        return "InvalidSignatureException", "Signature expired: the request's date is too far from now"
    names = signed.split(";")
    if "host" not in names or any(n not in headers for n in names):
        return "IncompleteSignatureException", "SignedHeaders must name host and only headers sent"
    declared = headers.get("x-amz-content-sha256")
    if body is not None and declared is not None and declared != hashlib.sha256(body).hexdigest():
        # A control call's body is hashed as it arrived (KVS does): the signed header's word for
        # it would let a captured call be replayed naming another stream.
        return "InvalidSignatureException", "x-amz-content-sha256 does not match the request's body"
    signed_headers = {n: headers[n] for n in names}
    expected = _signature(environ, signed_headers, body, (access_key, secret, region, service), stamp)
    if not hmac.compare_digest(expected, signature):
        return (
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


def _signature(
    environ: dict, signed: dict[str, str], body: bytes | None, scope: tuple[str, str, str, str], stamp: str
) -> str:
    key, secret, region, service = scope
    path = environ.get("RAW_URI", environ.get("PATH_INFO", "/")).split("?", 1)[0] or "/"
    query = environ.get("QUERY_STRING", "")
    url = f"http://{signed['host']}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "POST"), url=url, headers=signed, data=body)
    request.context["timestamp"] = stamp
    auth = SigV4Auth(Credentials(key, secret), service, region)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


class SigV4Check:
    """WSGI middleware: refuses what AWS would not authenticate; `exempt(environ)` names
    the requests AWS does not sign (HLS media under a session token, CORS preflights)."""

    def __init__(self, app: Callable, exempt: Callable[[dict], bool]) -> None:
        self.app = app
        self.exempt = exempt

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.exempt(environ):
            return self.app(environ, start_response)
        refused = refusal(environ)
        if refused is None:
            return self.app(environ, start_response)
        status = 400 if refused[0] == "IncompleteSignatureException" else 403
        return error_response(start_response, status, refused[0], refused[1], [("Connection", "close")])
