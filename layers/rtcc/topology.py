"""What is deployed and how it is wired: the platform's own declaration and every
capability's (`rtcc.capabilities`), merged into one `TOPOLOGY`.

`infra/` builds API Gateway resources, Lambda functions and SQS queues from it, and
`rtcc dev` routes local HTTP requests and polls local queues from the same value, so the
deployed and the local shape cannot drift apart. Nothing here imports AWS code.
"""

from __future__ import annotations

from rtcc.capabilities import CAPABILITIES
from rtcc.capability import (
    Capability,
    FeedSpec,
    FunctionSpec,
    HttpRoute,
    QueueSpec,
    ScheduleSpec,
    SecretSpec,
    Topology,
    topology_of,
)

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
    # Once a day it verifies the whole chain against its copy (about 20,000 entries a
    # second in process, bench/audit_verify.py, plus the reads): 15 minutes, ~10 million entries.
    memory_mb=512,
    timeout_s=900,
    description="Hourly: writes the audit chain's head to the Object Lock anchors bucket; daily full check",
)

# Copies every new audit entry to the Object Lock bucket (rtcc.audit_archive), fed by the
# audit table's DynamoDB stream (infra/constructs/audit.py; locally rtcc.local.pollers).
AUDIT_ARCHIVE_FUNCTION = FunctionSpec(
    name="audit-archive",
    module="functions.audit_archive",
    capability="audit",
    memory_mb=256,
    timeout_s=60,
    description="Copies each new audit entry to the Object Lock bucket; alarms on a changed entry",
)

# Summarises refused unauthenticated requests in the audit log (rtcc.refusals).
REFUSAL_SUMMARY_FUNCTION = FunctionSpec(
    name="refusal-summary",
    module="functions.refusal_summary",
    capability="audit",
    memory_mb=256,
    timeout_s=30,
    description="Every minute: one audit entry per public door and minute with refusals",
)

#: The platform: the API (health, console config, the caller, the audit log, the live feed),
#: the hourly retention sweep and audit anchor, their tables and the anchors bucket.
PLATFORM = Capability(
    name="platform",
    description="The API, the audit log and its anchors, retention, the live feed",
    store_modules=(
        "rtcc.store.audit",
        "rtcc.store.retention",
        "rtcc.store.feed",
        "rtcc.store.refusals",
        "rtcc.store.sms",  # opt-outs per (line, sender), every SMS line
    ),
    functions=(
        API_FUNCTION,
        RETENTION_FUNCTION,
        AUDIT_ANCHOR_FUNCTION,
        AUDIT_ARCHIVE_FUNCTION,
        REFUSAL_SUMMARY_FUNCTION,
    ),
    routes=(
        # Explicit public resources win over the authorized {proxy+} in API Gateway.
        HttpRoute("/api/health", "api", public=True, methods=("GET",)),
        HttpRoute("/api/openapi.json", "api", public=True, methods=("GET",)),
        HttpRoute("/api/docs", "api", public=True, methods=("GET",)),
        HttpRoute("/config.json", "api", public=True, methods=("GET",)),
        HttpRoute("/api/{proxy+}", "api", public=False),
    ),
    schedules=(
        ScheduleSpec("retention", every_minutes=60),
        ScheduleSpec("audit-anchor", every_minutes=60),
        ScheduleSpec("refusal-summary", every_minutes=1),
    ),
    buckets=("anchors",),
    pages={"/": "index.html"},
    routers={
        "/api/health": "rtcc.api.routes.platform",
        "/config.json": "rtcc.api.routes.platform",
        "/api/me": "rtcc.api.routes.platform",
        "/api/audit": "rtcc.api.routes.audit",
        "/api/public/audit/": "rtcc.api.routes.audit",
        "/api/feed/": "rtcc.api.routes.feed",  # every capability's live feed channels
        "/api/staff/": "rtcc.api.routes.staff",  # disable / re-enable a staff member (admin)
        "/api/map/": "rtcc.api.routes.map",  # the operations map's layers (Capability.map_layers)
    },
    counters={
        "RetentionSweep": "Retention deletions by outcome",
        "AuditTamper": "Audit entries changed or removed in the table (each is tampering)",
        "AuditAnchorRefused": "Anchors not published because the chain differs from its copy",
        "AuditVerifyFailed": "Daily full checks of the audit chain against its copy that failed",
    },
    local_modules=(
        "rtcc.local.dev_routes",  # GET/DELETE /dev/outbox, GET /dev/aws-calls
        "rtcc.local.mail",  # GET/DELETE /dev/mail: what functions sent through SES
    ),
)

#: The platform first, then every capability, as declared.
DECLARED: tuple[Capability, ...] = (PLATFORM, *CAPABILITIES)
TOPOLOGY = topology_of(DECLARED)

__all__ = [
    "CAPABILITIES",
    "DECLARED",
    "PLATFORM",
    "TOPOLOGY",
    "Capability",
    "FeedSpec",
    "FunctionSpec",
    "HttpRoute",
    "QueueSpec",
    "ScheduleSpec",
    "SecretSpec",
    "Topology",
    "is_public_path",
    "match_route",
]


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
