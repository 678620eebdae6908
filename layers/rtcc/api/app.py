"""Builds the one REST resolver: validation, OpenAPI, error bodies, routers.

Routers are included on the first request to one of their paths (`ROUTER_PREFIXES`),
not when the module is imported: a router's module pulls in its pydantic models and
services, and the OpenAPI models come only with /api/docs and /api/openapi.json. A cold
start then pays for what its request needs (issue 7: import time of the api function).
With SnapStart, `RtccResolver.include_all` runs before the snapshot (functions/api.py),
so a restored environment has every router already.
"""

from __future__ import annotations

import importlib
import json
import threading

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from rtcc import __version__
from rtcc.api.security import precheck
from rtcc.errors import DomainError
from rtcc.topology import DECLARED

logger = Logger(service="rtcc-api")

#: Relative to the docs page (<site>/api/docs), so it stays under the stage path of the
#: execute-api URL (/prod/vendor/...); "/vendor/..." would leave it and get a 403.
SWAGGER_ASSETS = "../vendor/swagger-ui"

#: Path prefix -> the router module serving it (the longest matching prefix wins), from
#: every capability's declaration (`Capability.routers`). Every route a router declares
#: must start with one of its own prefixes (a unit test checks it), or the route would
#: answer 404 until a request to another of its paths came.
ROUTER_PREFIXES: dict[str, str] = {
    prefix: module for capability in DECLARED for prefix, module in capability.routers.items()
}
#: Paths that describe every route: all routers are included before they answer.
DOCS_PATHS = ("/api/docs", "/api/openapi.json")


def _error(status: int, message: str, detail: object | None = None) -> Response:
    body: dict[str, object] = {"statusCode": status, "message": message}
    if detail is not None:
        body["detail"] = detail
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def served_under(event: APIGatewayProxyEvent) -> str:
    """The prefix the client put before the resource path: "/prod" on the execute-api URL
    (API Gateway keeps the stage only in requestContext.path), "" at a domain's root."""
    full, path = event.request_context.path or "", event.path or ""
    return full[: -len(path)] if path and full.endswith(path) else ""


def _describe(errors: list[dict]) -> list[dict]:
    """Validation errors as {field, problem}: what a caller needs, nothing of our internals."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        out.append(
            {"field": ".".join(loc) or "body", "problem": err.get("msg", "invalid"), "type": err.get("type")}
        )
    return out


class RtccResolver(APIGatewayRestResolver):
    """The Powertools REST resolver, refusing oversized and anonymous requests before
    any route, validation or body parsing runs."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._included: set[str] = set()
        self._docs_enabled = False
        # `rtcc dev` may call one handler from several gateway threads.
        self._include_lock = threading.Lock()

    def include_for(self, path: str) -> None:
        """Include the router serving `path` (all of them for the docs), once."""
        if path in DOCS_PATHS:
            self.include_all()
            return
        matching = [prefix for prefix in ROUTER_PREFIXES if path.startswith(prefix)]
        if matching:
            self._include(ROUTER_PREFIXES[max(matching, key=len)])

    def include_all(self) -> None:
        for module in dict.fromkeys(ROUTER_PREFIXES.values()):
            self._include(module)
        with self._include_lock:
            if not self._docs_enabled:
                self._enable_docs()
                self._docs_enabled = True

    def _include(self, module: str) -> None:
        if module in self._included:
            return
        with self._include_lock:
            if module not in self._included:
                self.include_router(importlib.import_module(module).router)
                self._included.add(module)

    def _enable_docs(self) -> None:
        # The OpenAPI models (~0.1-0.2 s of pydantic classes) load only here.
        from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

        security = {
            "security_schemes": {"cognito": HTTPBearer(bearerFormat="JWT")},
            "security": [{"cognito": []}],
        }
        self.enable_swagger(
            path="/api/docs",
            title="rtcc API",
            version=__version__,
            description="Real-Time Crime Center API. Staff calls carry a Cognito ID token as a Bearer token.",
            swagger_base_url=SWAGGER_ASSETS,
            **security,
        )

        @self.get("/api/openapi.json", include_in_schema=False)
        def openapi():  # noqa: ANN202 (a Response, kept out of the schema)
            return Response(
                200,
                content_types.APPLICATION_JSON,
                self.get_openapi_json_schema(
                    title="rtcc API",
                    version=__version__,
                    servers=[Server(url=served_under(self.current_event) or "/")],
                    **security,
                ),
            )

    def resolve(self, event: dict, context) -> dict:  # type: ignore[override]
        refused = precheck(event)
        if refused:
            status, message = refused
            return {
                "statusCode": status,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
                "body": json.dumps({"statusCode": status, "message": message}),
                "isBase64Encoded": False,
            }
        path = str(event.get("path") or "")
        self.include_for(path)
        response = super().resolve(event, context)
        if path in DOCS_PATHS:
            _add_docs_headers(response, path)
        return response


def _add_docs_headers(response: dict, path: str) -> None:
    """The docs are a page a browser renders, like the console's: the same security
    headers (API Gateway adds them to console files; these come from the function)."""
    from rtcc.web_security import SECURITY_HEADERS, docs_headers

    html = path == "/api/docs" and response.get("statusCode") == 200
    headers = docs_headers(response.get("body") or "") if html else SECURITY_HEADERS
    for name, value in headers.items():
        if "multiValueHeaders" in response:
            response["multiValueHeaders"][name] = [value]
        response.setdefault("headers", {})[name] = value


def build_app() -> RtccResolver:
    app = RtccResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def on_validation(exc: RequestValidationError) -> Response:
        errors = _describe(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return _error(400, "body: malformed JSON", errors)
        return _error(422, f"{errors[0]['field']}: {errors[0]['problem']}", errors)

    @app.exception_handler(ServiceError)
    def on_service_error(exc: ServiceError) -> Response:
        return _error(exc.status_code, exc.msg)

    @app.exception_handler(DomainError)
    def on_domain_error(exc: DomainError) -> Response:
        # The one place a domain refusal becomes an HTTP answer: routes let it pass.
        return _error(exc.status, exc.message)

    @app.not_found
    def on_not_found(exc: Exception) -> Response:
        return _error(404, f"no route for {app.current_event.http_method} {app.current_event.path}")

    @app.exception_handler(Exception)
    def on_unexpected(exc: Exception) -> Response:
        # Logged with the request id; the caller gets no stack trace and no internals.
        logger.exception("unhandled error")
        return _error(500, "internal error; quote the request id to an administrator")

    return app
