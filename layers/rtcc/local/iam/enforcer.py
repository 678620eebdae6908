"""The middleware in front of the AWS emulator that refuses what AWS would refuse.

Every request signed by a function (`identity`) is read into IAM actions (`requests`),
each action is decided against that function's deployed permissions (`deployed`), and
the answer is AWS's own: S3's 403 `AccessDenied` XML, the JSON services' 400
`AccessDeniedException` (SQS's `AccessDenied`), so botocore raises the same ClientError a
deployed function would get. Using a resource encrypted with a customer-managed key also
needs the key: DynamoDB, S3, SQS and Secrets Manager call KMS with the caller's
permissions, and so is it checked here. S3 also refuses a legacy SigV2 signature on a
KMS-encrypted bucket, as AWS does.

Every call is counted for `GET /dev/aws-calls`.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from rtcc.local.iam.deployed import DeployedPermissions
from rtcc.local.iam.identity import function_of, thing_of
from rtcc.local.iam.requests import AwsCall, Lookups, RawRequest, calls, signature

logger = logging.getLogger("rtcc.local.iam")

#: What a service calls KMS for on the caller's behalf: (service, IAM action) -> KMS action.
_IMPLIED_KMS = {
    ("s3", "s3:PutObject"): ("kms:GenerateDataKey",),
    ("s3", "s3:GetObject"): ("kms:Decrypt",),
    ("s3", "s3:GetObjectVersion"): ("kms:Decrypt",),
    # A producer to an SSE-KMS queue needs both (AWS's SQS developer guide).
    ("sqs", "sqs:SendMessage"): ("kms:GenerateDataKey", "kms:Decrypt"),
    ("sqs", "sqs:ReceiveMessage"): ("kms:Decrypt",),
    ("secretsmanager", "secretsmanager:GetSecretValue"): ("kms:Decrypt",),
}
#: An S3 multipart upload under SSE-KMS, by operation (all are s3:PutObject to IAM). AWS's
#: CreateMultipartUpload and UploadPart references: the upload's data key is generated once,
#: then every part (UploadPart, UploadPartCopy) needs kms:Decrypt of it, and S3 decrypts the
#: parts to assemble them on completion. A single PutObject still needs GenerateDataKey only.
_MULTIPART_KMS = {
    "CreateMultipartUpload": ("kms:GenerateDataKey",),
    "UploadPart": ("kms:Decrypt",),
    "UploadPartCopy": ("kms:Decrypt",),
    "CompleteMultipartUpload": ("kms:Decrypt",),
}
_DYNAMODB_DATA = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    # Stream records of a table under a customer-managed key are decrypted with it.
    "dynamodb:GetRecords",
}


@dataclass(frozen=True)
class CallKey:
    function: str
    action: str
    resource: str
    allowed: bool


class CallLog:
    """Every AWS call functions made, counted by (function, action, resource, allowed).
    Process-wide, so the least-privilege test sees the calls of every stack a test
    session started."""

    def __init__(self) -> None:
        self._counts: dict[CallKey, int] = {}
        self._lock = threading.Lock()

    def record(self, key: CallKey) -> None:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(
                self._counts.items(), key=lambda kv: (kv[0].function, kv[0].action, kv[0].resource)
            )
        return [
            {
                "function": k.function,
                "action": k.action,
                "resource": k.resource,
                "allowed": k.allowed,
                "count": n,
            }
            for k, n in items
        ]


#: Everything since the process started, across stacks (the least-privilege test reads it).
CALLS_EVER = CallLog()


class MotoLookups(Lookups):
    """Names only the emulator's state can resolve (aliases, secret names, ciphertexts)."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def _kms(self) -> Any:
        from moto.kms.models import kms_backends

        return kms_backends[self.account][self.region]

    def kms_key_arn(self, key_id: str) -> str | None:
        try:
            backend = self._kms()
            resolved = backend.get_key_id(key_id)
            if resolved.startswith("alias/"):
                resolved = backend.get_key_id_from_alias(resolved)
            return backend.keys[resolved].arn if resolved in backend.keys else None
        except Exception:
            return None

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        try:
            from moto.kms.utils import _deserialize_ciphertext_blob

            key_id = _deserialize_ciphertext_blob(blob).key_id.decode()
            return self.kms_key_arn(key_id)
        except Exception:
            return None

    def object_exists(self, bucket: str, key: str) -> bool:
        try:
            from moto.s3.models import FakeKey, s3_backends

            keys = s3_backends[self.account]["aws"].get_bucket(bucket).keys
            return key in keys and isinstance(keys[key], FakeKey)
        except Exception:
            return True  # a bucket that is not there is moto's to answer

    def ses_identity(self, address: str) -> str | None:
        """The verified identity SES sends `address` under: the address itself, else its domain."""
        try:
            from moto.ses.models import ses_backends

            verified = ses_backends[self.account][self.region].email_identities
        except Exception:
            return None
        domain = address.rsplit("@", 1)[-1].lower()
        return address if address in verified else domain if domain in verified else None

    def kinesisvideo_stream_arn(self, stream_name: str) -> str | None:
        try:
            from moto.kinesisvideo.models import kinesisvideo_backends

            streams = kinesisvideo_backends[self.account][self.region].streams.values()
            return next((s.arn for s in list(streams) if s.stream_name == stream_name), None)
        except Exception:
            return None

    def secret_arn(self, secret_id: str) -> str | None:
        try:
            from moto.secretsmanager.models import secretsmanager_backends

            backend = secretsmanager_backends[self.account][self.region]
            return backend.describe_secret(secret_id).arn
        except Exception:
            return None


class IamEnforcer:
    """WSGI middleware: `app` is moto's server application."""

    def __init__(
        self,
        app: Callable,
        permissions: Callable[[], DeployedPermissions | None],
        *,
        account: str,
        enforce: bool = True,
        log: CallLog | None = None,
    ) -> None:
        """The region comes with `permissions` (the deployment's, known once the local
        stack has read its settings), never from the constructor."""
        self.app = app
        self.permissions = permissions
        self.account = account
        self.enforce = enforce
        self.log = log or CallLog()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = self._raw_request(environ)
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            # A CORS preflight: S3 answers it from the bucket's CORS rule, unsigned and outside
            # IAM, even when the URL it precedes is presigned (a browser's clip part upload).
            return self.app(environ, start_response)
        sig = signature(request)
        function = function_of(sig.access_key)
        permissions = self.permissions()
        if permissions is None:  # provisioning, before the deployed permissions are known
            return self.app(environ, start_response)
        lookups = MotoLookups(self.account, permissions.region)
        if sig.version == "v2":
            refusal = self._sigv2_refusal(request, permissions, lookups)
            if refusal is not None:
                return refusal(environ, start_response)
        thing = thing_of(sig.access_key)
        if thing is not None:
            return self._as_agent(thing, request, permissions, lookups)(environ, start_response)
        if function is None or function not in permissions.identity:
            # The local stack itself, or a function only a test declares (no deployed role).
            return self.app(environ, start_response)
        try:
            wanted = calls(request, account=self.account, region=permissions.region, lookups=lookups)
        except Exception:
            logger.exception("could not read an AWS request for IAM")
            wanted = []
        if not wanted:
            # Fail closed: a call this reader cannot map to IAM actions is a call nobody
            # checked. Teach rtcc.local.iam.requests the new call (and grant it in infra/).
            self.log.record(CallKey(function, "unreadable", request.path, False))
            CALLS_EVER.record(CallKey(function, "unreadable", request.path, False))
            message = f"rtcc dev cannot check this call by {function} against its IAM: {request.method}"
            logger.warning(message)
            if self.enforce:
                return _denied(AwsCall("unknown", "unknown", "unknown", "*"), message, request)(
                    environ, start_response
                )
            return self.app(environ, start_response)
        for call in self._with_implied_kms(self._with_listing(wanted, lookups), permissions):
            decision = permissions.decide(function, call)
            key = CallKey(function, call.action, call.resource, decision.allowed)
            self.log.record(key)
            CALLS_EVER.record(key)
            if not decision.allowed and self.enforce:
                message = (
                    f"User: {permissions.role_arns.get(function, function)}/{function} is not authorized "
                    f"to perform: {call.action} on resource: {call.resource} {decision.reason}"
                )
                logger.warning("IAM refused %s %s for %s", call.action, call.resource, function)
                return _denied(call, message, request)(environ, start_response)
        return self.app(environ, start_response)

    def _as_agent(
        self, thing: str, request: RawRequest, permissions: DeployedPermissions, lookups: MotoLookups
    ) -> Callable:
        """A camera agent's call (an `RTCCIOT<thing>` key), held to the camera agent role; logged
        as "camera-agent". Unreadable calls are refused, as a function's are."""
        wanted = calls(request, account=self.account, region=permissions.region, lookups=lookups)
        for call in wanted or [AwsCall("unknown", "unknown", "unreadable", request.path)]:
            decision = permissions.agent_decide(thing, call) if wanted else None
            allowed = bool(decision and decision.allowed)
            key = CallKey("camera-agent", call.action, call.resource, allowed)
            self.log.record(key)
            CALLS_EVER.record(key)
            if not allowed and self.enforce:
                role = permissions.agent_role_arn or "camera-agent"
                reason = decision.reason if decision else "(rtcc dev cannot read this call)"
                message = (
                    f"User: {role}/{thing} is not authorized to perform: {call.action} "
                    f"on resource: {call.resource} {reason}"
                )
                logger.warning("IAM refused %s %s for camera agent %s", call.action, call.resource, thing)
                return _denied(call, message, request)
        return self.app

    @staticmethod
    def _with_listing(wanted: list[AwsCall], lookups: MotoLookups) -> list[AwsCall]:
        """S3 answers a read of a missing key with 404 only to a caller who may list the
        bucket; anyone else gets 403 AccessDenied (so a missing key tells them nothing).
        Code that tells "not there yet" by a 404 needs s3:ListBucket, and is held to it."""
        out = list(wanted)
        for call in wanted:
            if call.service != "s3" or call.action != "s3:GetObject":
                continue
            bucket, _, key = call.resource[len("arn:aws:s3:::") :].partition("/")
            if key and not lookups.object_exists(bucket, key):
                out.append(AwsCall("s3", call.operation, "s3:ListBucket", f"arn:aws:s3:::{bucket}"))
        return out

    def _with_implied_kms(self, wanted: list[AwsCall], permissions: DeployedPermissions) -> list[AwsCall]:
        out: list[AwsCall] = []
        for call in wanted:
            out.append(call)
            key = permissions.key_for(call.resource)
            if key is None:
                continue
            actions = _IMPLIED_KMS.get((call.service, call.action), ())
            if call.service == "s3" and call.action == "s3:PutObject":
                actions = _MULTIPART_KMS.get(call.operation, actions)
            if call.action in _DYNAMODB_DATA:
                actions = ("kms:Decrypt",)
            context: dict[str, Any] = {
                "kms:ViaService": f"{call.service}.{permissions.region}.amazonaws.com",
                "kms:CallerAccount": self.account,
            }
            if call.service == "s3":
                bucket = call.resource.split("/", 1)[0]
                context["kms:EncryptionContext:aws:s3:arn"] = bucket  # bucket keys: the bucket's ARN
                context["kms:EncryptionContextKeys"] = ["aws:s3:arn"]
            out.extend(AwsCall("kms", call.operation, action, key, context) for action in actions)
        return out

    def _sigv2_refusal(
        self, request: RawRequest, permissions: DeployedPermissions, lookups: MotoLookups
    ) -> Any:
        """S3 refuses SigV2 for objects under SSE-KMS (AWS's exact error)."""
        for call in calls(request, account=self.account, region=permissions.region, lookups=lookups):
            if call.service == "s3" and "/" in call.resource[len("arn:aws:s3:::") :]:
                if permissions.key_for(call.resource):
                    return _s3_error(
                        400,
                        "InvalidArgument",
                        "Requests specifying Server Side Encryption with AWS KMS managed keys "
                        "require AWS Signature Version 4.",
                    )
        return None

    @staticmethod
    def _raw_request(environ: dict) -> RawRequest:
        method = environ.get("REQUEST_METHOD", "GET")
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        body = b""
        form: dict[str, str] = {}
        if method == "POST" and environ.get("PATH_INFO") != "/putMedia":
            # (PutMedia's body is the live video itself: it streams, and IAM reads its headers.)
            # JSON-protocol calls, S3 POST forms and batch deletes: small bodies, read once
            # and handed on to moto unchanged.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length:
                body = environ["wsgi.input"].read(length)
            elif environ.get("wsgi.input_terminated"):  # chunked: the server marks the end
                body = environ["wsgi.input"].read()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if headers.get("content-type", "").startswith("multipart/form-data"):
                form = _form_fields(environ, body)
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        return RawRequest(method, environ.get("PATH_INFO", "/"), query, headers, body, form)


def _form_fields(environ: dict, body: bytes) -> dict[str, str]:
    from werkzeug.formparser import parse_form_data

    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    _, fields, _ = parse_form_data(copy)
    environ["wsgi.input"] = io.BytesIO(body)
    return dict(fields.items())  # names as sent; S3 treats them case-insensitively (requests.py)


class _Response:
    def __init__(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.status, self.body, self.headers = status, body, headers

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}.get(self.status, "Error")
        start_response(f"{self.status} {reason}", [*self.headers, ("Content-Length", str(len(self.body)))])
        return [self.body]


def _s3_error(status: int, code: str, message: str) -> _Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>local</RequestId></Error>"
    ).encode()
    return _Response(status, body, [("Content-Type", "application/xml")])


def _denied(call: AwsCall, message: str, request: RawRequest) -> _Response:
    if call.service == "s3" and not request.headers.get("x-amz-target"):
        return _s3_error(403, "AccessDenied", "Access Denied")
    if request.headers.get("x-amz-target", "").startswith("AmazonSQS."):
        body = json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException", "message": message})
        # SQS's JSON protocol keeps its query-protocol error codes in this header.
        return _Response(
            400,
            body.encode(),
            [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "AccessDenied;Sender")],
        )
    if call.service in ("geo", "kinesisvideo") or request.path.startswith("/v2/email/"):
        # REST-JSON services (Location, Kinesis Video Streams, SES v2): the error code
        # travels in x-amzn-ErrorType; KVS answers it with 401 (its service model), the
        # others with 403. SES v1's query protocol gets the XML below.
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")]
        status = 401 if call.service == "kinesisvideo" else 403
        return _Response(status, json.dumps({"message": message}).encode(), headers)
    if request.headers.get("x-amz-target"):
        body = json.dumps({"__type": "AccessDeniedException", "message": message})
        return _Response(400, body.encode(), [("Content-Type", "application/x-amz-json-1.0")])
    xml = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>{message}</Message></Error><RequestId>local</RequestId></ErrorResponse>"
    )
    return _Response(403, xml.encode(), [("Content-Type", "text/xml")])
