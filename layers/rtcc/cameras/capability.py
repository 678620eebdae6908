"""The cameras capability, declared once: the camera registry and its owners, incidents and
the operations map, footage requests and evidence.

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability` for what each field does). Only names
and numbers here: importing it loads none of the capability's code.

Each part adds its own entries to the tuples below: one entry per line, so concurrent
additions merge cleanly.
"""

from __future__ import annotations

from rtcc.cameras.footage_declaration import FOOTAGE_FUNCTIONS, FOOTAGE_QUEUES
from rtcc.capability import Capability, FeedSpec, FunctionSpec, HttpRoute, QueueSpec, ScheduleSpec, SecretSpec

#: Integrated cameras' Kinesis Video Streams (queue camera-streams) and the city cameras kept
#: in the registry (its schedule): rtcc.cameras.streams. The one role that may create streams.
CAMERA_STREAMS_FUNCTION = FunctionSpec(
    "camera-streams",
    "functions.camera_streams",
    "cameras",
    memory_mb=256,
    timeout_s=60,
    description="Creates, tags and deletes integrated cameras' video streams; syncs the city's cameras",
)

CAMERAS_FUNCTIONS: tuple[FunctionSpec, ...] = (
    *FOOTAGE_FUNCTIONS,  # footage requests and evidence (rtcc.cameras.footage_declaration)
    CAMERA_STREAMS_FUNCTION,  # video streams and the city cameras' sync (rtcc.cameras.streams)
    # Owners' one-time codes and portal links (rtcc.cameras.verify_codes): the api holds no SMS key.
    FunctionSpec(
        "camera-verify",
        "functions.camera_verify",
        "cameras",
        memory_mb=256,
        timeout_s=30,
        description="Texts camera owners their one-time codes and portal links (opens contacts)",
    ),
    # CAD incidents (rtcc.cameras.incident_desk): signed by the city's CAD, stored once.
    FunctionSpec(
        "cameras-cad",
        "functions.cameras_cad",
        "cameras",
        memory_mb=512,
        timeout_s=15,
        description="POST /webhooks/cad/incidents: signed CAD incidents, stored once with their live windows",
        snapstart=True,
    ),
)
CAMERAS_ROUTES: tuple[HttpRoute, ...] = (
    # The city's CAD posts incidents; public at the gateway, HMAC checked in the function.
    HttpRoute("/webhooks/cad/incidents", "cameras-cad", public=True, methods=("POST",)),
)
CAMERAS_QUEUES: tuple[QueueSpec, ...] = (
    *FOOTAGE_QUEUES,  # owners' notices, clip arrivals, case exports
    QueueSpec("camera-verify-codes", "camera-verify", batch_size=10, visibility_timeout_s=60),  # codes, links
    QueueSpec("camera-streams", "camera-streams", batch_size=5),  # {camera_id, action: create/delete}
)
CAMERAS_SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("camera-streams", every_minutes=60),  # the config's city cameras into the registry
)
CAMERAS_FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec("incidents"),  # new, updated, closed incidents on every officer's map
)

CAMERAS = Capability(
    name="cameras",
    description="Camera registry (residents, businesses, the city), the operations map with incidents "
    "and their nearest cameras, footage requests and evidence with its chain of custody",
    store_modules=(
        "rtcc.store.footage",  # footage requests, owners' notices, evidence, exports
        "rtcc.store.footage_limits",  # an officer's requests an hour, the owners a case asked
        "rtcc.store.camera_registry",  # owners, contact lookup, cameras, the area index, receipts, codes
        "rtcc.store.incidents",  # incidents (record + the map's board), camera live windows
    ),
    functions=CAMERAS_FUNCTIONS,
    routes=CAMERAS_ROUTES,
    queues=CAMERAS_QUEUES,
    schedules=CAMERAS_SCHEDULES,
    buckets=(
        "camera-evidence",  # owners' clips (clips/) and case exports (exports/); versioned, locked deployed
    ),
    pages={
        "/cameras/request": "footage-request.html",  # an owner answers a footage request (#t=<token>&r=<id>)
        "/cameras": "cameras.html",  # residents and businesses register their cameras
        "/cameras/owner": "camera-owner.html",  # the owner portal, by the signed link #t=<token>
    },
    routers={
        "/api/footage": "rtcc.api.routes.footage",  # officers: send, list, one, export
        "/api/public/footage": "rtcc.api.routes.footage_public",  # owners, by the request link
        "/api/public/cameras": "rtcc.api.routes.cameras_public",  # registration, codes, the owner portal
        "/api/cameras": "rtcc.api.routes.cameras",  # officers: cameras in a box, one (audited), nearest
        "/api/incidents": "rtcc.api.routes.incidents",  # officers: open/recent, create, one, close
    },
    console=True,  # web/public/assets/capabilities/cameras.js: #/map (and the footage views)
    feeds=CAMERAS_FEEDS,
    secrets={
        "cad_webhook_secret": SecretSpec(
            description="Shared secret the city's CAD signs incidents with (HMAC-SHA256, "
            "POST /webhooks/cad/incidents); only cameras-cad reads it. Replace the placeholder "
            "after deploy and give CAD the same value.",
            value_set_by_city=True,
            no_rotation_reason="Set in the city's CAD and here together: a rotation is a "
            "coordinated change no Lambda can make.",
        ),
    },
    map_layers={
        "cameras": "rtcc.cameras.map_layers:cameras_layer",  # by level, policy, status
        "incidents": "rtcc.cameras.map_layers:incidents_layer",  # open and recent
    },
    counters={
        "FootageNotices": "Footage request notices by outcome (sms, email, unreachable, already, failed)",
        "EvidenceIntake": "Uploaded clips by outcome (received, refused, already)",
        "EvidenceExports": "Evidence exports by outcome (ready, already)",
        "CameraVerifyTexts": "Owners' codes and links by outcome (code-sent, link-sent, too-soon, ...)",
        "CameraStreams": "Camera stream jobs (created, exists, deleted, gone, skipped) and city syncs",
        "CadIncidents": "CAD incidents by outcome (stored, unchanged, failed)",
        "CadWebhookRefused": "CAD webhook refusals (unauthenticated, too_large, invalid, 409)",
    },
    demo="rtcc.local.demo_cameras:seed_demo_cameras",  # a business and its cameras through the real doors
    local_modules=(
        "rtcc.local.evidence_cors",  # the evidence bucket's CORS rule, for the local origin
    ),
    settings="rtcc.cameras.settings:CamerasSettings",
    construct="infra.constructs.cameras:CamerasConstruct",
)
