"""What a capability declares: its functions, HTTP routes, queues, schedules, buckets,
pages, tables, API routers, console view, live feed channels, purger, secrets, counters,
operations-map layers and local-only modules.

A capability (tips, alerts, plate reads, cameras, video) is ONE `Capability` value in its
own package (`rtcc/<capability>/capability.py`), listed once in `rtcc.capabilities`.
Everything that used to be a hand-kept list reads the declarations: CDK (`infra/`: tables,
functions, routes, queues, schedules, buckets, secrets, dashboard counters, the
capability's construct), `rtcc dev` (tables, routes, pollers, timers, dev routes, seeds),
the API app (routers by path prefix), the console (`config.json` capabilities -> the view
module `web/public/assets/capabilities/<name>.js`) and the retention sweep (purgers).
The platform itself (the API, the audit log, retention) is declared the same way
(`rtcc.topology.PLATFORM`). Nothing here imports AWS code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # logical name, e.g. "api"
    module: str  # import path of the handler module, e.g. "functions.api"
    capability: str  # which capability declares it
    handler: str = "handler"
    memory_mb: int = 512
    timeout_s: int = 15
    description: str = ""
    # Lambda's /tmp (MiB, 512..10240): a function that writes large files there (an evidence
    # export's zip) says how much it needs; AWS refuses a write past it, rtcc dev does not.
    ephemeral_mb: int = 512
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


#: A live feed channel's name: lowercase, no "#" (it is part of the feed's partition key).
FEED_CHANNEL_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
#: Who may read a channel: one of rtcc.auth.Role's values (higher roles imply lower).
FEED_ROLES = ("officer", "supervisor", "admin", "auditor")


@dataclass(frozen=True)
class FeedSpec:
    """A live feed channel a capability publishes to (`rtcc.feed.LiveFeed`) and the console
    polls (`GET /api/feed/{channel}`, `web/public/assets/feed.js`). `role` reads it: a
    channel can be narrower than the officer default (e.g. supervisors only)."""

    channel: str
    role: str = "officer"

    def __post_init__(self) -> None:
        if not re.match(FEED_CHANNEL_PATTERN, self.channel):
            raise ValueError(f"feed {self.channel!r}: a channel is lowercase letters, digits and '-'")
        if self.role not in FEED_ROLES:
            raise ValueError(f"feed {self.channel}: role must be one of {', '.join(FEED_ROLES)}")


@dataclass(frozen=True)
class Topology:
    functions: tuple[FunctionSpec, ...]
    routes: tuple[HttpRoute, ...]
    queues: tuple[QueueSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    buckets: tuple[str, ...] = ()
    # Static pages served from the web bucket: request path -> object key.
    pages: dict[str, str] = field(default_factory=dict)
    feeds: tuple[FeedSpec, ...] = ()

    def function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)


@dataclass(frozen=True)
class SecretSpec:
    """A secret the stack creates (Secrets Manager); functions read it with
    `rtcc.secrets.secret_value(name)`, locally the `RTCC_<NAME>` setting."""

    description: str
    value_set_by_city: bool  # the stack stores a random placeholder the city replaces
    no_rotation_reason: str


@dataclass(frozen=True)
class Capability:
    name: str  # lowercase, e.g. "tips"; also the console view module's name
    description: str
    #: Modules whose import registers the capability's pynamodb tables (`@register`).
    store_modules: tuple[str, ...] = ()
    functions: tuple[FunctionSpec, ...] = ()
    routes: tuple[HttpRoute, ...] = ()
    queues: tuple[QueueSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    buckets: tuple[str, ...] = ()
    #: Static pages served from the web bucket: request path -> object key under web/public.
    pages: dict[str, str] = field(default_factory=dict)
    #: API path prefix -> the module holding its Powertools router (`router`).
    routers: dict[str, str] = field(default_factory=dict)
    #: The console view: web/public/assets/capabilities/<name>.js registers its views.
    console: bool = False
    #: Live feed channels the capability publishes to (`rtcc.feed`), each with its reader role.
    feeds: tuple[FeedSpec, ...] = ()
    #: Modules whose import registers the capability's retention purgers.
    purger_modules: tuple[str, ...] = ()
    secrets: dict[str, SecretSpec] = field(default_factory=dict)
    #: rtcc.metrics counters -> the dashboard widget's title.
    counters: dict[str, str] = field(default_factory=dict)
    #: Operations-map layers (rtcc.map_layers, GET /api/map/layers/{name}): layer name ->
    #: "module:function", function(principal, bbox) -> list of GeoJSON Feature dicts.
    map_layers: dict[str, str] = field(default_factory=dict)
    #: Modules `rtcc dev` imports at start: local-only routes (/dev/...) and seeds.
    local_modules: tuple[str, ...] = ()
    #: "module:NAME" of each `rtcc.sms.line.SmsLine` the capability texts from (its
    #: webhook path, refusal door, keywords); /dev/phone lists them.
    sms_lines: tuple[str, ...] = ()
    #: "module:function(base_url) -> list[str]": demo data `rtcc dev` sends through the
    #: capability's real doors once everything is up (printed in the start banner).
    demo: str | None = None
    #: "module:Class": the capability's settings model (pydantic-settings, its own
    #: `RTCC_<NAME>_` prefix); the README's settings table is generated from it.
    settings: str | None = None
    #: "module:Class": the CDK construct for what the declarations above do not cover
    #: (IAM grants, keys, bucket rules); built as Class(stack, "<Name>", config=, data=, api=).
    construct: str | None = None


def topology_of(capabilities: tuple[Capability, ...]) -> Topology:
    """One deployment's shape: the declarations of every capability, in order."""
    names = [c.name for c in capabilities]
    if len(set(names)) != len(names):
        raise ValueError(f"capability names repeat: {names}")
    pages: dict[str, str] = {}
    for c in capabilities:
        clash = set(pages) & set(c.pages)
        if clash:
            raise ValueError(f"capability {c.name}: pages {sorted(clash)} are declared twice")
        pages.update(c.pages)
    topology = Topology(
        functions=tuple(f for c in capabilities for f in c.functions),
        routes=tuple(r for c in capabilities for r in c.routes),
        queues=tuple(q for c in capabilities for q in c.queues),
        schedules=tuple(s for c in capabilities for s in c.schedules),
        buckets=tuple(b for c in capabilities for b in c.buckets),
        pages=pages,
        feeds=tuple(f for c in capabilities for f in c.feeds),
    )
    channels = [f.channel for f in topology.feeds]
    if len(set(channels)) != len(channels):
        raise ValueError(f"feed channels repeat across capabilities: {channels}")
    functions = {f.name for f in topology.functions}
    if len(functions) != len(topology.functions):
        raise ValueError("function names repeat across capabilities")
    for used in (
        [r.function for r in topology.routes]
        + [q.consumer for q in topology.queues]
        + [s.function for s in topology.schedules]
    ):
        if used not in functions:
            raise ValueError(f"no function named {used!r} is declared")
    return topology
