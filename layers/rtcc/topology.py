"""What is deployed and how it is wired: functions, HTTP routes, queues, static pages.

`infra/` builds API Gateway resources, Lambda functions and SQS queues from these
lists, and `rtcc dev` routes local HTTP requests and polls local queues from the same
lists, so the deployed and the local shape cannot drift apart. Nothing here imports
AWS code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # logical name, e.g. "api"
    module: str  # import path of the handler module, e.g. "functions.api"
    capability: str  # which infra construct owns it
    handler: str = "handler"
    memory_mb: int = 512
    timeout_s: int = 15
    description: str = ""
    # Lambda SnapStart (deployed): init runs when a version is published and new execution
    # environments start from its snapshot. For functions a person waits on (the API, the
    # webhooks); callers reach them through the `live` alias. See rtcc.snapstart.
    snapstart: bool = False
    # Extra IAM needs are declared by the owning construct, not here.


@dataclass(frozen=True)
class HttpRoute:
    path: str  # API Gateway resource path: "/api/{proxy+}", "/webhooks/twilio/tips"
    function: str  # FunctionSpec.name
    public: bool = False  # True: no Cognito authorizer in front
    methods: tuple[str, ...] = ("ANY",)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    consumer: str  # FunctionSpec.name
    batch_size: int = 10
    visibility_timeout_s: int = 90
    max_receive_count: int = 5  # then the message moves to the DLQ
    # Most concurrent consumer invocations this queue's trigger starts (the event source
    # mapping's maximum concurrency, 2..1000): queue consumers never take the whole account's
    # Lambda concurrency from the API and the webhooks (see infra/constructs/api.py).
    max_concurrency: int = 2

    def __post_init__(self) -> None:
        if not 2 <= self.max_concurrency <= 1000:
            raise ValueError(f"queue {self.name}: max_concurrency must be 2..1000 (Lambda's range)")


@dataclass(frozen=True)
class ScheduleSpec:
    """A function run on a timer: an EventBridge rule when deployed, a thread in `rtcc dev`
    (which also runs it once at start)."""

    function: str  # FunctionSpec.name
    every_minutes: int


@dataclass(frozen=True)
class Topology:
    functions: tuple[FunctionSpec, ...]
    routes: tuple[HttpRoute, ...]
    queues: tuple[QueueSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    buckets: tuple[str, ...] = ()
    # Static pages served from the web bucket: request path -> object key.
    pages: dict[str, str] = field(default_factory=dict)

    def function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)


API_FUNCTION = FunctionSpec(
    name="api",
    module="functions.api",
    capability="api",
    snapstart=True,
    description="JSON API under /api and the console configuration",
)

# Deletes what each capability's retention period says is due (rtcc.retention).
RETENTION_FUNCTION = FunctionSpec(
    name="retention",
    module="functions.retention",
    capability="retention",
    memory_mb=512,
    timeout_s=300,
    description="Hourly: deletes closed tips (and their media) whose retention period ended",
)

# Publishes the audit chain's head to the Object Lock anchors bucket (rtcc.anchors).
AUDIT_ANCHOR_FUNCTION = FunctionSpec(
    name="audit-anchor",
    module="functions.audit_anchor",
    capability="audit",
    memory_mb=256,
    timeout_s=30,
    description="Hourly: writes the audit chain's head to the Object Lock anchors bucket",
)

# --- Anonymous tips -------------------------------------------------------------------
TIP_FUNCTIONS = (
    FunctionSpec(
        "tip-webhook",
        "functions.tip_webhook",
        "tips",
        memory_mb=512,
        timeout_s=10,
        description="Twilio inbound-message webhook of the tip line (TwiML answer)",
        snapstart=True,
    ),
    FunctionSpec(
        "tip-media",
        "functions.tip_media",
        "tips",
        memory_mb=1024,
        timeout_s=60,
        description="Copies MMS and web-upload media to S3: type/size checks, EXIF stripping",
    ),
    FunctionSpec(
        "tip-outbound",
        "functions.tip_outbound",
        "tips",
        memory_mb=256,
        timeout_s=30,
        description="Replies to tipsters, alerts supervisors; the only reader of the vault",
    ),
)
TIP_ROUTES = (
    HttpRoute("/webhooks/twilio/tips", "tip-webhook", public=True, methods=("POST",)),
    # Web tips: no login; the tip code and passphrase travel in the request body.
    HttpRoute("/api/public/{proxy+}", "api", public=True),
)
# Two consumers each, at most: media is a few items per tip (5 per batch, 1 GB functions),
# and outbound replies are paced by Twilio (about one message a second per number) anyway.
TIP_QUEUES = (
    QueueSpec(
        "tip-media",
        "tip-media",
        batch_size=5,
        visibility_timeout_s=360,
        max_receive_count=5,
        max_concurrency=2,
    ),
    QueueSpec(
        "tip-outbound",
        "tip-outbound",
        batch_size=10,
        visibility_timeout_s=180,
        max_receive_count=5,
        max_concurrency=2,
    ),
)

TOPOLOGY = Topology(
    functions=(API_FUNCTION, RETENTION_FUNCTION, AUDIT_ANCHOR_FUNCTION, *TIP_FUNCTIONS),
    routes=(
        # Explicit public resources win over the authorized {proxy+} in API Gateway.
        HttpRoute("/api/health", "api", public=True, methods=("GET",)),
        HttpRoute("/api/openapi.json", "api", public=True, methods=("GET",)),
        HttpRoute("/api/docs", "api", public=True, methods=("GET",)),
        HttpRoute("/config.json", "api", public=True, methods=("GET",)),
        HttpRoute("/api/{proxy+}", "api", public=False),
        *TIP_ROUTES,
    ),
    queues=(*TIP_QUEUES,),
    schedules=(ScheduleSpec("retention", every_minutes=60), ScheduleSpec("audit-anchor", every_minutes=60)),
    buckets=("media", "anchors"),
    # Capabilities add their public pages here (/signup, /tip, /cameras) as they land.
    pages={"/": "index.html", "/tip": "tip.html", "/tip/follow-up": "tip-follow-up.html"},
)


def _route_matches(route_path: str, path: str) -> bool:
    if route_path.endswith("/{proxy+}"):
        return path.startswith(route_path[: -len("{proxy+}")])
    return path == route_path


def match_route(path: str, topology: Topology = TOPOLOGY) -> HttpRoute | None:
    """The route API Gateway would pick: an exact resource beats a {proxy+} one, and a
    longer {proxy+} prefix beats a shorter one."""
    exact = [r for r in topology.routes if not r.path.endswith("{proxy+}") and r.path == path]
    if exact:
        return exact[0]
    greedy = [r for r in topology.routes if r.path.endswith("{proxy+}") and _route_matches(r.path, path)]
    return max(greedy, key=lambda r: len(r.path), default=None)


def is_public_path(path: str, topology: Topology = TOPOLOGY) -> bool:
    """True where no token is needed: public routes, static pages, anything not under /api."""
    if not path.startswith("/api/"):
        return True
    route = match_route(path, topology)
    return bool(route and route.public)
