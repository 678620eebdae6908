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
from rtcc.video.clips_declaration import CLIP_FUNCTIONS, CLIP_QUEUES

VIDEO_FUNCTIONS: tuple[FunctionSpec, ...] = (
    *CLIP_FUNCTIONS,  # video-clip: a camera's range saved to a case (rtcc.video.clips)
)
VIDEO_ROUTES: tuple[HttpRoute, ...] = ()
VIDEO_QUEUES: tuple[QueueSpec, ...] = (
    *CLIP_QUEUES,  # video-clips -> video-clip
)

VIDEO = Capability(
    name="video",
    description="Live video from cameras whose owners allow it (HLS sessions from Kinesis Video "
    "Streams), an incident's nearest live cameras, camera agents' motion events",
    store_modules=(
        "rtcc.store.video",  # last motion per camera (TTL)
        "rtcc.store.video_clips",  # clips saved to cases (rtcc.video.clips)
    ),
    functions=VIDEO_FUNCTIONS,
    routes=VIDEO_ROUTES,
    queues=VIDEO_QUEUES,
    routers={
        "/api/video/": "rtcc.api.routes.video",  # officers: live sessions, an incident's cameras
        "/api/public/video/": "rtcc.api.routes.video_public",  # camera agents: motion (link token)
        "/api/video-clips": "rtcc.api.routes.video_clips",  # officers: save a camera's range to a case
    },
    counters={
        "VideoClips": "Clips saved to cases by outcome (saved, refused, failed, already, busy, malformed)",
    },
    map_layers={
        "motion": "rtcc.video.map_layers:motion_layer",  # cameras shared live that saw motion lately
    },
    demo="rtcc.local.demo_video:start_demo_video",  # rtcc dev: the city cameras stream a test pattern
    settings="rtcc.video.settings:VideoSettings",
    construct="infra.constructs.video:VideoConstruct",
    console=True,  # web/public/assets/capabilities/video.js: #/live/<camera>, #/live/incident/<id>
)
