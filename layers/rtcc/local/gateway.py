"""The local stand-in for API Gateway (REST, Lambda proxy integration).

Each HTTP request becomes the version 1.0 proxy event Lambda receives in AWS, with the
Cognito authorizer's claims in it after the ID token is verified here; the handler's
proxy response goes back out as HTTP. Paths no route claims are static files from the
web root (as the S3-backed pages are when deployed), or local-only /dev/ routes.

With a base path ("/prod"), the gateway answers only under it, as the execute-api URL
answers only under its stage: the prefix is taken off before routes, pages and /dev/
routes are matched (so `event["path"]` has no stage and `requestContext.path` has it),
and anything outside it gets API Gateway's 403. A page or script that reaches for an
absolute "/api/..." then fails locally exactly as it would deployed.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.security import safe_join
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from rtcc.local.dev_routes import find_dev_route
from rtcc.local.runtime import ACCOUNT_ID, FunctionRuntime
from rtcc.local.tokens import IdTokenVerifier, TokenRejected, authorizer_claims, bearer_token
from rtcc.resources import BINARY_MEDIA_TYPES
from rtcc.settings import get_settings
from rtcc.topology import HttpRoute, Topology, match_route
from rtcc.web_security import (
    SECURITY_HEADERS,
    local_connect_sources,
    local_video_sources,
    tile_image_sources,
    with_connect_sources,
    with_image_sources,
    with_video_sources,
)

logger = logging.getLogger("rtcc.local.gateway")

#: API Gateway's hard limit on a request payload.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
#: The stage name events carry when the gateway serves at the root (as a custom domain does).
ROOT_STAGE = "local"
_BASE_PATH = re.compile(r"(/[A-Za-z0-9_-]+)?")

_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".ico": "image/x-icon",
}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"statusCode": status, "message": message})
    return Response(body, status=status, content_type="application/json", headers=headers)


def missing_authentication_token() -> Response:
    """What API Gateway answers for a path outside the stage (or no resource at all)."""
    return Response(
        json.dumps({"message": "Missing Authentication Token"}),
        status=403,
        content_type="application/json",
        headers={"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
    )


def normalize_base_path(base_path: str) -> str:
    """The prefix to serve under: "prod" or "/prod/" -> "/prod"; "" or "/" -> "" (the root).
    One segment, as a stage name is: letters, digits, "-" and "_"."""
    cleaned = "/" + base_path.strip("/") if base_path.strip("/") else ""
    if not _BASE_PATH.fullmatch(cleaned):
        raise ValueError(f"{base_path!r} is not one stage-like segment such as /prod (or empty)")
    return cleaned


def is_binary(content_type: str | None, binary_types: Iterable[str] = BINARY_MEDIA_TYPES) -> bool:
    """API Gateway's binaryMediaTypes test: exact type, or a "type/*" / "*/*" wildcard."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    main = mime.split("/", 1)[0]
    for pattern in binary_types:
        pattern = pattern.lower()
        if pattern in (mime, "*/*") or (pattern.endswith("/*") and pattern[:-2] == main):
            return True
    return False


def _multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def _proxy_parameter(route: HttpRoute, path: str) -> dict[str, str] | None:
    if route.path.endswith("/{proxy+}"):
        return {"proxy": path[len(route.path) - len("{proxy+}") :]}
    return None


def build_proxy_event(
    request: Request,
    route: HttpRoute,
    body: bytes,
    claims: dict[str, str] | None,
    stage: str = ROOT_STAGE,
) -> dict[str, Any]:
    """The REST API (v1.0) Lambda proxy event for `request` matched to `route`.

    `request.path` is the resource path (no stage); `request.script_root` is the stage
    prefix the client sent ("/prod", or "" at the root), which API Gateway keeps only in
    requestContext.path."""
    source_ip = request.remote_addr or "127.0.0.1"
    headers, multi_headers = _multi(_forwarded_headers(request, source_ip))
    query = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
    params, multi_params = _multi(query)
    body_text, encoded = _proxy_body(body, request.headers.get("Content-Type"))
    request_context = _request_context(request, route, stage, source_ip)
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": params,
        "multiValueQueryStringParameters": multi_params,
        "pathParameters": _proxy_parameter(route, request.path),
        "stageVariables": None,
        "requestContext": request_context,
        "body": body_text,
        "isBase64Encoded": encoded,
    }


def _forwarded_headers(request: Request, source_ip: str) -> list[tuple[str, str]]:
    """The request's headers plus the X-Forwarded-* ones API Gateway adds."""
    return [
        *request.headers.items(),
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Proto", request.scheme),
        ("X-Forwarded-Port", str(request.server[1] if request.server else "")),
    ]


def _proxy_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """The event's body and isBase64Encoded: binary media types arrive base64-encoded."""
    if not body:
        return None, False
    if is_binary(content_type):
        return base64.b64encode(body).decode("ascii"), True
    return body.decode("utf-8", errors="replace"), False


def _request_context(request: Request, route: HttpRoute, stage: str, source_ip: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    host = request.host
    return {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "resourceId": "local",
        "stage": stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "path": f"{request.script_root}{request.path}",
        "resourcePath": route.path,
        "httpMethod": request.method,
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "identity": _identity(source_ip, request.headers.get("User-Agent")),
    }


def _identity(source_ip: str, user_agent: str | None) -> dict[str, Any]:
    """requestContext.identity of an unsigned (non-IAM) call: only the caller's address
    and user agent are known."""
    return {
        "sourceIp": source_ip,
        "userAgent": user_agent,
        "accountId": None,
        "caller": None,
        "user": None,
        "userArn": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "accessKey": None,
        "apiKey": None,
    }


def proxy_response_to_http(result: Any) -> Response:
    """A Lambda proxy response as HTTP; anything malformed is API Gateway's 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        logger.error("handler returned a malformed proxy response")
        return _error(502, "Internal server error: malformed Lambda proxy response")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    response = Response(data, status=result["statusCode"])
    response.headers.clear()
    # API Gateway merges both maps; for a name in both, multiValueHeaders wins.
    multi = {k: [str(v) for v in vs] for k, vs in (result.get("multiValueHeaders") or {}).items()}
    lowered = {k.lower() for k in multi}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in lowered:
            multi[name] = [str(value)]
    for name, values in multi.items():
        for value in values:
            response.headers.add(name, value)
    if "content-type" not in {k.lower() for k in multi}:
        response.headers["Content-Type"] = "application/json"
    return response


class LocalGateway:
    """WSGI application: topology routes -> handlers, /dev/ routes, static files, all
    under `base_path` ("/prod": the stage, as on the execute-api URL; "": the root)."""

    def __init__(
        self,
        topology: Topology,
        runtime: FunctionRuntime,
        verifier: IdTokenVerifier,
        web_root: Path,
        base_path: str = "",
    ) -> None:
        self.topology = topology
        self.runtime = runtime
        self.verifier = verifier
        self.web_root = web_root
        self.base_path = normalize_base_path(base_path)
        #: The KVS stand-in's URL once it runs (rtcc.local.kvs_media): the console plays video from it.
        self.video_url: Callable[[], str | None] = lambda: None
        self.stage = self.base_path.lstrip("/") or ROOT_STAGE

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        started = time.monotonic()
        path_info = environ.get("PATH_INFO") or "/"
        if self.base_path:
            if path_info != self.base_path and not path_info.startswith(self.base_path + "/"):
                # Only the prefix is logged: an outside path may still carry a search term.
                logger.info("%s outside %s -> 403", environ.get("REQUEST_METHOD"), self.base_path)
                return missing_authentication_token()(environ, start_response)
            # The WSGI way to mount under a prefix: what routes see is PATH_INFO alone,
            # and the prefix stays in SCRIPT_NAME (request.script_root) for the event.
            environ = {
                **environ,
                "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + self.base_path,
                "PATH_INFO": path_info[len(self.base_path) :] or "/",
            }
        request = Request(environ)
        response, label = self.dispatch(request)
        # Never the query string or an /api path: they can carry plate searches or phone numbers.
        logger.info(
            "%s %s -> %s (%.0f ms)",
            request.method,
            label,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> tuple[Response, str]:
        path = request.path
        route = match_route(path, self.topology)
        if route is not None:
            return self.invoke_route(request, route), route.path
        dev_route = find_dev_route(path)
        if dev_route is not None:
            if request.method not in dev_route.methods:
                return _error(405, f"method {request.method} not allowed on {dev_route.path}"), dev_route.path
            return dev_route.handler(request), dev_route.path
        if request.method in ("GET", "HEAD"):
            static = self.static_file(path)
            if static is not None:
                return static, path
        return _error(404, f"no route for {request.method} {path}"), "(unmatched)"

    def invoke_route(self, request: Request, route: HttpRoute) -> Response:
        if "ANY" not in route.methods and request.method not in route.methods:
            allowed = ", ".join(route.methods)
            return _error(405, f"method {request.method} not allowed; use {allowed}", {"Allow": allowed})
        length = request.content_length
        if length is not None and length > MAX_REQUEST_BYTES:
            return _error(413, f"body: larger than the API Gateway limit of {MAX_REQUEST_BYTES} bytes")
        body = request.stream.read(MAX_REQUEST_BYTES + 1)
        if len(body) > MAX_REQUEST_BYTES:
            return _error(413, f"body: larger than the API Gateway limit of {MAX_REQUEST_BYTES} bytes")
        claims = None
        if not route.public:
            token = bearer_token(request.headers.get("Authorization"))
            if token is None:
                return _error(401, "Unauthorized: send a Cognito ID token in the Authorization header")
            try:
                claims = authorizer_claims(self.verifier.verify(token))
            except TokenRejected as exc:
                return _error(401, f"Unauthorized: {exc}")
        event = build_proxy_event(request, route, body, claims, self.stage)
        spec = self.topology.function(route.function)
        try:
            result = self.runtime.invoke(spec, event)
        except Exception:
            # What API Gateway shows when the function throws; the trace is in the log.
            logger.exception(
                "function %s failed (request %s)", spec.name, event["requestContext"]["requestId"]
            )
            return _error(502, "Internal server error")
        return proxy_response_to_http(result)

    def static_file(self, path: str) -> Response | None:
        relative = self.topology.pages.get(path) or path.lstrip("/")
        if not relative:
            return None
        candidate = safe_join(str(self.web_root), relative)
        if candidate is None or not Path(candidate).is_file():
            return None
        file = Path(candidate)
        content_type = _EXTRA_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
        content_type = content_type or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/json", "image/svg+xml"):
            content_type += "; charset=utf-8"
        body = file.read_bytes()
        if file.suffix.lower() == ".html":
            # The page's CSP names the origins it may connect to here (the emulator's) and
            # the map tile server, if one is set (none by default: no request leaves).
            settings = get_settings()
            connect = local_connect_sources(settings.aws_endpoint_url)
            page = with_connect_sources(body.decode("utf-8"), connect)
            page = with_video_sources(page, local_video_sources(self.video_url()))  # live video's HLS
            body = with_image_sources(page, tile_image_sources(settings.map_tiles)).encode("utf-8")
        response = Response(body, content_type=content_type)
        response.headers["Cache-Control"] = "no-cache"
        response.headers.update(SECURITY_HEADERS)  # what API Gateway adds when deployed
        return response


class QuietRequestHandler(WSGIRequestHandler):
    """The gateway logs each request itself, without query strings."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
