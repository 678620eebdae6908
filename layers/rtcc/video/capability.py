"""The video capability, declared once: live viewing sessions, an incident's camera grid,
camera agents' motion events (and, from other lanes, agents' credentials and clip export).

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability`). Only names and numbers here:
importing it loads none of the capability's code.

Each part adds its own entries to the tuples below: one entry per line, so concurrent
additions merge cleanly.
"""

from __future__ import annotations

from rtcc.capability import Capability, FunctionSpec, HttpRoute, QueueSpec

VIDEO_FUNCTIONS: tuple[FunctionSpec, ...] = ()
VIDEO_ROUTES: tuple[HttpRoute, ...] = ()
VIDEO_QUEUES: tuple[QueueSpec, ...] = ()

VIDEO = Capability(
    name="video",
    description="Live video from cameras whose owners allow it (HLS sessions from Kinesis Video "
    "Streams), an incident's nearest live cameras, camera agents' motion events",
    store_modules=(
        "rtcc.store.video",  # last motion per camera (TTL)
    ),
    functions=VIDEO_FUNCTIONS,
    routes=VIDEO_ROUTES,
    queues=VIDEO_QUEUES,
    routers={
        "/api/video/": "rtcc.api.routes.video",  # officers: live sessions, an incident's cameras
        "/api/public/video/": "rtcc.api.routes.video_public",  # camera agents: motion (link token)
    },
    settings="rtcc.video.settings:VideoSettings",
    construct="infra.constructs.video:VideoConstruct",
    console=True,  # web/public/assets/capabilities/video.js: #/live/<camera>, #/live/incident/<id>
)
