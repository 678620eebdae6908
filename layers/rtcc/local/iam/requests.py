"""What an HTTP request to the AWS emulator asks for, in IAM's terms.

From the raw request (method, path, query, headers, body) it reads who signed it and how
(SigV4 or the legacy SigV2), and which IAM actions on which resource ARNs it needs:
`dynamodb:TransactWriteItems` becomes a PutItem / UpdateItem / DeleteItem /
ConditionCheckItem per item, a batch call one entry per table, an S3 GET on a key
`s3:GetObject` on `arn:aws:s3:::bucket/key`. Pure parsing; names that need the emulator's
state (a KMS alias, a secret's name) are resolved through `Lookups`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Signature:
    access_key: str | None
    version: str | None  # "v4", "v2" or None (unsigned)
    service: str | None = None  # from the SigV4 credential scope


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str
    action: str  # "dynamodb:PutItem"
    resource: str  # ARN, or "*" where the action takes none
    context: dict[str, Any] = field(default_factory=dict)


class Lookups(Protocol):
    def kms_key_arn(self, key_id: str) -> str | None: ...
    def kms_key_of_ciphertext(self, blob: bytes) -> str | None: ...
    def secret_arn(self, secret_id: str) -> str | None: ...
    def ses_identity(self, address: str) -> str | None: ...
    def kinesisvideo_stream_arn(self, stream_name: str) -> str | None: ...


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str  # decoded, as WSGI's PATH_INFO
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    form: Mapping[str, str] = field(default_factory=dict)  # S3 POST-form fields


_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

#: X-Amz-Target prefixes of the JSON-protocol services rtcc uses -> IAM service prefix.
_TARGETS = {
    "DynamoDB_20120810": "dynamodb",
    # DynamoDB Streams signs as `dynamodb` and its IAM actions are dynamodb:*.
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "TrentService": "kms",
    "secretsmanager": "secretsmanager",
    "AmazonSQS": "sqs",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "Logs_20140328": "logs",
    "AWSEvents": "events",
    "GraniteServiceVersion20100801": "cloudwatch",
}

#: Operations whose IAM action has another name.
_SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def signature(request: RawRequest) -> Signature:
    auth = request.headers.get("authorization", "")
    if auth.startswith("AWS4-HMAC-SHA256"):
        match = _SCOPE.search(auth)
        if match:
            return Signature(match.group(1), "v4", match.group(3))
        return Signature(None, "v4")
    if auth.startswith("AWS "):
        return Signature(auth[4:].split(":", 1)[0], "v2", "s3")
    form = {k.lower(): v for k, v in request.form.items()}
    credential = request.query.get("X-Amz-Credential") or form.get("x-amz-credential")
    if credential:
        parts = credential.split("/")
        return Signature(parts[0], "v4", parts[3] if len(parts) > 3 else None)
    key = request.query.get("AWSAccessKeyId") or form.get("awsaccesskeyid")
    if key:
        return Signature(key, "v2", "s3")
    return Signature(None, None)


def calls(request: RawRequest, *, account: str, region: str, lookups: Lookups) -> list[AwsCall]:
    """The IAM actions `request` needs; [] where it is not a call we can read (the enforcer
    refuses those from a function: fail closed)."""
    target = request.headers.get("x-amz-target", "")
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        service = _TARGETS.get(prefix)
        if service is None:
            return []
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return []
        return _json_calls(service, operation, params, account, region, lookups)
    sig = signature(request)
    content_type = request.headers.get("content-type", "")
    if sig.service == "sqs" and content_type.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        return _sqs_calls(form.get("Action", ""), form, account, region)
    if sig.service == "geo":
        return _geo_calls(request, account, region)
    if sig.service == "kinesisvideo":
        return _kinesisvideo_calls(request, account, region, lookups)
    if sig.service == "ses":
        return _ses_calls(request, account, region, lookups)
    if sig.service in (None, "s3") or request.form:
        return _s3_calls(request, account)
    return []


#: Amazon Location's place searches (REST): path -> IAM action, on the place index's ARN.
_GEO_PLACES = re.compile(r"^/places/v0/indexes/([^/]+)/search/(text|position|suggestions)$")
_GEO_ACTIONS = {
    "text": "SearchPlaceIndexForText",
    "position": "SearchPlaceIndexForPosition",
    "suggestions": "SearchPlaceIndexForSuggestions",
}


def _geo_calls(request: RawRequest, account: str, region: str) -> list[AwsCall]:
    match = _GEO_PLACES.match(request.path)
    if match is None or request.method.upper() != "POST":
        return []  # unread: refused (fail closed), never let through unchecked
    operation = _GEO_ACTIONS[match.group(2)]
    arn = f"arn:aws:geo:{region}:{account}:place-index/{match.group(1)}"
    return [AwsCall("geo", operation, f"geo:{operation}", arn)]


# --- Kinesis Video Streams (REST-JSON: POST /<operation>, the stream in the body) ------

#: The control-plane operations: path -> (operation, IAM action).
_KVS_OPERATIONS = {
    "/createStream": "CreateStream",
    "/describeStream": "DescribeStream",
    "/deleteStream": "DeleteStream",
    "/updateStream": "UpdateStream",
    "/updateDataRetention": "UpdateDataRetention",
    "/getDataEndpoint": "GetDataEndpoint",
    "/tagStream": "TagStream",
    "/untagStream": "UntagStream",
    "/listTagsForStream": "ListTagsForStream",
    "/listStreams": "ListStreams",
    # The data plane (the local stand-in, rtcc.local.kvs_media): PutMedia names its stream
    # in headers (its body streams: never read for IAM), the archived-media calls in JSON.
    "/putMedia": "PutMedia",
    "/getHLSStreamingSessionURL": "GetHLSStreamingSessionURL",
    "/getClip": "GetClip",
}


def _kinesisvideo_calls(request: RawRequest, account: str, region: str, lookups: Lookups) -> list[AwsCall]:
    """A stream is named by StreamARN or StreamName. By name, its ARN is the emulator's for
    that stream; a stream that does not exist yet (CreateStream) has no creation time in
    its ARN (`stream/<name>/<creation time>`), so it is read as `stream/<name>/*`: a grant
    must cover every creation time of the names it allows, as a create needs in AWS."""
    operation = _KVS_OPERATIONS.get(request.path)
    if operation is None or request.method.upper() != "POST":
        return []  # unread: refused (fail closed)
    if operation == "PutMedia":
        params = {
            "StreamName": request.headers.get("x-amzn-stream-name"),
            "StreamARN": request.headers.get("x-amzn-stream-arn"),
        }
    else:
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return []
    if operation == "ListStreams":
        return [AwsCall("kinesisvideo", operation, "kinesisvideo:ListStreams", "*")]
    arn = params.get("StreamARN") or params.get("ResourceARN")
    name = params.get("StreamName")
    if not arn and isinstance(name, str) and name:
        found = None if operation == "CreateStream" else lookups.kinesisvideo_stream_arn(name)
        arn = found or f"arn:aws:kinesisvideo:{region}:{account}:stream/{name}/*"
    context: dict[str, Any] = {}
    tags = params.get("Tags")
    if isinstance(tags, dict) and tags:  # CreateStream's and TagStream's tags: aws:RequestTag
        context = {f"aws:RequestTag/{k}": str(v) for k, v in tags.items()}
        context["aws:TagKeys"] = sorted(tags)
    return [AwsCall("kinesisvideo", operation, f"kinesisvideo:{operation}", arn or "*", context)]


# --- SES (v2 REST-JSON; v1 query) --------------------------------------------------------


def _ses_calls(request: RawRequest, account: str, region: str, lookups: Lookups) -> list[AwsCall]:
    """Sending: ses:SendEmail (v2 SendEmail, v1 SendEmail) or ses:SendRawEmail (v1) on the
    identity the From address is verified under (the address, else its domain), with
    `ses:FromAddress` and `ses:ApiVersion` as conditions read them. Anything else is
    refused (fail closed)."""
    method = request.method.upper()
    if request.path == "/v2/email/outbound-emails" and method == "POST":
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return []
        return [
            _ses_send("SendEmail", str(params.get("FromEmailAddress") or ""), "2", account, region, lookups)
        ]
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        action = form.get("Action", "")
        if action in ("SendEmail", "SendRawEmail"):
            return [_ses_send(action, form.get("Source", ""), "1", account, region, lookups)]
    return []


def _ses_send(
    operation: str, source: str, version: str, account: str, region: str, lookups: Lookups
) -> AwsCall:
    from email.utils import parseaddr

    address = parseaddr(source)[1] or source
    identity = lookups.ses_identity(address) or address or "*"
    arn = f"arn:aws:ses:{region}:{account}:identity/{identity}"
    context = {"ses:FromAddress": address, "ses:ApiVersion": version}
    return AwsCall("ses", operation, f"ses:{operation}", arn, context)


# --- JSON services --------------------------------------------------------------------


def _json_calls(
    service: str, operation: str, params: dict, account: str, region: str, lookups: Lookups
) -> list[AwsCall]:
    if service == "dynamodb":
        return _dynamodb_calls(operation, params, account, region)
    if service == "dynamodbstreams":
        return [_stream_call(operation, params)]
    if service == "sqs":
        return _sqs_calls(operation, params, account, region)
    if service == "kms":
        return [_kms_call(operation, params, account, lookups)]
    if service == "secretsmanager":
        secret = params.get("SecretId")
        arn = (lookups.secret_arn(secret) if secret else None) or (secret or "*")
        return [AwsCall(service, operation, f"secretsmanager:{operation}", arn)]
    if service == "cognito-idp":
        pool = params.get("UserPoolId")
        arn = f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}" if pool else "*"
        return [AwsCall(service, operation, f"cognito-idp:{operation}", arn)]
    return [AwsCall(service, operation, f"{service}:{operation}", "*")]


def table_arn(name: str, account: str, region: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def _dynamodb_calls(operation: str, params: dict, account: str, region: str) -> list[AwsCall]:
    def call(action: str, table: str, index: str | None = None) -> AwsCall:
        arn = table_arn(table, account, region) + (f"/index/{index}" if index else "")
        return AwsCall("dynamodb", operation, f"dynamodb:{action}", arn)

    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [call(operation, table) for table in (params.get("RequestItems") or {})]
    if operation == "TransactWriteItems":
        found = []
        for item in params.get("TransactItems") or []:
            for kind, body in item.items():
                if kind in _TRANSACT:
                    found.append(call(_TRANSACT[kind], body.get("TableName", "")))
        return found
    if operation == "TransactGetItems":
        return [
            call("GetItem", i["Get"].get("TableName", ""))
            for i in params.get("TransactItems") or []
            if "Get" in i
        ]
    table = params.get("TableName")
    if not table:
        return [AwsCall("dynamodb", operation, f"dynamodb:{operation}", "*")]
    return [call(operation, table, params.get("IndexName"))]


def _stream_call(operation: str, params: dict) -> AwsCall:
    # GetRecords names its stream only through the iterator, which begins with the
    # stream's ARN ("<stream arn>|..." in moto, as the ARN is encoded in AWS's).
    arn = params.get("StreamArn") or str(params.get("ShardIterator", "")).split("|", 1)[0] or "*"
    return AwsCall("dynamodb", operation, f"dynamodb:{operation}", arn)


def queue_arn_from_url(url: str, account: str, region: str) -> str:
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _sqs_calls(operation: str, params: Mapping[str, Any], account: str, region: str) -> list[AwsCall]:
    action = f"sqs:{_SQS_ACTIONS.get(operation, operation)}"
    if params.get("QueueUrl"):
        arn = queue_arn_from_url(str(params["QueueUrl"]), account, region)
    elif params.get("QueueName"):
        arn = f"arn:aws:sqs:{region}:{account}:{params['QueueName']}"
    else:
        arn = "*"
    return [AwsCall("sqs", operation, action, arn)]


def _kms_call(operation: str, params: dict, account: str, lookups: Lookups) -> AwsCall:
    key_id = params.get("KeyId") or params.get("DestinationKeyId")
    arn = lookups.kms_key_arn(key_id) if key_id else None
    if arn is None and params.get("CiphertextBlob"):
        import base64

        arn = lookups.kms_key_of_ciphertext(base64.b64decode(params["CiphertextBlob"]))
    context: dict[str, Any] = {"kms:CallerAccount": account}
    encryption_context = params.get("EncryptionContext")
    if isinstance(encryption_context, dict):
        for name, value in encryption_context.items():
            context[f"kms:EncryptionContext:{name}"] = str(value)
        context["kms:EncryptionContextKeys"] = sorted(encryption_context)
    if params.get("MacAlgorithm"):  # GenerateMac / VerifyMac
        context["kms:MacAlgorithm"] = str(params["MacAlgorithm"])
    return AwsCall("kms", operation, f"kms:{operation}", arn or "*", context)


# --- S3 ---------------------------------------------------------------------------------

#: Bucket-level sub-resources (?versions, ?location, ...) -> IAM action, for GET.
_BUCKET_GETS = {
    "versions": "ListBucketVersions",
    "location": "GetBucketLocation",
    "object-lock": "GetBucketObjectLockConfiguration",
    "policy": "GetBucketPolicy",
    "encryption": "GetEncryptionConfiguration",
    "versioning": "GetBucketVersioning",
    "cors": "GetBucketCORS",
    "lifecycle": "GetLifecycleConfiguration",
}
_OBJECT_GETS = {
    "tagging": "GetObjectTagging",
    "acl": "GetObjectAcl",
    "retention": "GetObjectRetention",
    "legal-hold": "GetObjectLegalHold",
    "attributes": "GetObjectAttributes",
    "uploadId": "ListMultipartUploadParts",  # ListParts (GET ?uploadId=): not GetObject
}
_OBJECT_PUTS = {
    "tagging": "PutObjectTagging",
    "acl": "PutObjectAcl",
    "retention": "PutObjectRetention",
    "legal-hold": "PutObjectLegalHold",
}


def _s3_calls(request: RawRequest, account: str) -> list[AwsCall]:
    path = request.path  # decoded already (the WSGI server's PATH_INFO)
    if path.startswith("/moto-api"):
        return []
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    method = request.method.upper()
    query = request.query

    def call(action: str, resource: str, context: dict[str, Any] | None = None) -> AwsCall:
        return AwsCall("s3", action, f"s3:{action}", resource, context or {})

    def put(resource: str) -> AwsCall:  # s3:PutObject, named by its S3 operation (multipart's parts)
        return AwsCall("s3", _put_operation(method, query, request.headers), "s3:PutObject", resource)

    if not bucket:
        return [call("ListAllMyBuckets", "*")]
    # A POST form's field names are case-insensitive to S3.
    form = {k.lower(): v for k, v in request.form.items()}
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if form and method == "POST" and not key:
        form_key = form.get("key", "")
        return [call("PutObject", f"{bucket_arn}/{form_key}")]
    if not key:
        if method == "GET":
            sub = next((v for k, v in _BUCKET_GETS.items() if k in query), "ListBucket")
            return [call(sub, bucket_arn, _listing_context(query) if sub.startswith("List") else None)]
        if method == "HEAD":
            return [call("ListBucket", bucket_arn)]
        if method == "POST" and "delete" in query:
            return [call(action, f"{bucket_arn}/{key}") for action, key in _deleted_objects(request.body)]
        return [call(f"{method.capitalize()}Bucket", bucket_arn)]
    object_arn = f"{bucket_arn}/{key}"
    if method in ("GET", "HEAD"):
        sub = next((v for k, v in _OBJECT_GETS.items() if k in query), None)
        if sub is None:
            sub = "GetObjectVersion" if "versionId" in query else "GetObject"
        return [call(sub, object_arn)]
    if method == "PUT":
        sub = next((v for k, v in _OBJECT_PUTS.items() if k in query), "PutObject")
        found = [put(object_arn) if sub == "PutObject" else call(sub, object_arn)]
        source = request.headers.get("x-amz-copy-source")
        if source:
            found.append(call("GetObject", "arn:aws:s3:::" + unquote(source.split("?", 1)[0]).lstrip("/")))
        return found
    if method == "DELETE":
        if "uploadId" in query:
            return [call("AbortMultipartUpload", object_arn)]
        if "versionId" in query:
            # AWS's DeleteObject reference: s3:DeleteObject is always required, and
            # s3:DeleteObjectVersion as well to delete a specific version.
            return [call("DeleteObject", object_arn), call("DeleteObjectVersion", object_arn)]
        return [call("DeleteObject", object_arn)]
    if method == "POST":  # multipart upload start / finish
        return [put(object_arn)]
    return [call(method, object_arn)]


def _put_operation(method: str, query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    """Which S3 operation an s3:PutObject request is. IAM names them all PutObject, but under
    SSE-KMS each asks KMS for something else (rtcc.local.iam.enforcer's _MULTIPART_KMS)."""
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if "uploadId" in query else "PutObject"
    if "uploadId" in query and "partNumber" in query:
        return "UploadPartCopy" if headers.get("x-amz-copy-source") else "UploadPart"
    return "PutObject"


def _listing_context(query: Mapping[str, str]) -> dict[str, Any]:
    """The condition key a listing carries: `s3:prefix`, the prefix asked for (absent
    when none was: a policy that requires one then refuses, as AWS does)."""
    return {"s3:prefix": query["prefix"]} if "prefix" in query else {}


def _deleted_objects(body: bytes) -> list[tuple[str, str]]:
    """(action, key) per object of a DeleteObjects body: an object named with a
    <VersionId> needs DeleteObject and DeleteObjectVersion, as its own DELETE ?versionId."""
    found = []
    for block in re.findall(rb"<Object>(.*?)</Object>", body, re.DOTALL):
        key = re.search(rb"<Key>(.*?)</Key>", block, re.DOTALL)
        if key is None:
            continue
        name = _xml_unescape(key.group(1))
        found.append(("DeleteObject", name))
        if re.search(rb"<VersionId>", block):
            found.append(("DeleteObjectVersion", name))
    return found


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text
