"""The license-plate reads capability, declared once: what it deploys, serves and shows.

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability` for what each field does). Only names
and numbers here: importing it loads none of the capability's code.

Each part adds its own entries to the tuples below: one entry per line, so concurrent
additions merge cleanly.
"""

from __future__ import annotations

from rtcc.capability import Capability, FeedSpec, FunctionSpec, HttpRoute, QueueSpec

LPR_FUNCTIONS = (
    # The readers' door (rtcc.lpr.ingest): source authentication, reads stored once under their
    # search keys, hotlist matching by key, hits folded and published. Readers wait on it.
    FunctionSpec(
        "lpr-ingest",
        "functions.lpr_ingest",
        "lpr",
        memory_mb=1024,
        timeout_s=30,
        description="POST /ingest/lpr/reads: per-source secrets, reads and heartbeats, matching, hits",
        snapstart=True,
    ),
    # One hotlist import per message (rtcc.lpr.hotlist_import): the uploaded file streamed from
    # S3, diffed against the list's current version, the touched keys written, then the switch.
    FunctionSpec(
        "lpr-import",
        "functions.lpr_import",
        "lpr",
        memory_mb=2048,
        timeout_s=900,
        description="Hotlist imports: parse, diff, write the keyed index, switch the list over",
    ),
    # Texts for hits on lists marked feed+sms (rtcc.lpr.hit_texts): the only LPR function
    # holding the Twilio key.
    FunctionSpec(
        "lpr-notify",
        "functions.lpr_notify",
        "lpr",
        memory_mb=256,
        timeout_s=30,
        description="Texts the watch desk a high-priority hit (list, reader, console link; never the plate)",
    ),
)
LPR_ROUTES = (
    # Public at the gateway; the function authenticates each source (bearer token or HMAC).
    HttpRoute("/ingest/lpr/reads", "lpr-ingest", public=True, methods=("POST",)),
)
LPR_QUEUES = (
    # Imports the console or `rtcc lpr import` started (the file is already in S3). One at a
    # time per list (the list head's lease); a failed one is recorded on its import record.
    QueueSpec("lpr-imports", "lpr-import", batch_size=1, visibility_timeout_s=960, max_receive_count=3),
    # Hits to text (ids only; the function reads the hit).
    QueueSpec("lpr-hit-texts", "lpr-notify", batch_size=10, visibility_timeout_s=60, max_receive_count=5),
)

LPR = Capability(
    name="lpr",
    description="License-plate reads: vendor ingest, hotlists, scan-free matching, verified hits, "
    "purpose-bound search, retention and transparency",
    store_modules=(
        "rtcc.store.lpr_sources",  # sources (hashed or sealed secrets) and their readers
        "rtcc.store.lpr_reads",  # reads, once by id and once per search key, TTL at retention
        "rtcc.store.lpr_hotlists",  # list heads, the keyed index, imports
        "rtcc.store.lpr_hits",  # hits with verification, folds, counts
    ),
    functions=LPR_FUNCTIONS,
    routes=LPR_ROUTES,
    queues=LPR_QUEUES,
    buckets=("lpr-hotlists",),  # uploaded hotlist files (uploads/) and each version's entries (versions/)
    pages={
        "/transparency": "transparency.html",  # the public monthly report (rtcc.lpr.transparency)
    },
    routers={
        "/api/lpr/sources": "rtcc.api.routes.lpr_sources",  # admins: sources, secrets, readers
        "/api/lpr/hotlists": "rtcc.api.routes.lpr_hotlists",  # lists, imports, BOLO entries
        "/api/lpr/hits": "rtcc.api.routes.lpr_hits",  # the day's hits, verification
        "/api/lpr/reports": "rtcc.api.routes.lpr_hits",  # acceptance and rejection rates
        "/api/lpr/search": "rtcc.api.routes.lpr_search",  # purpose-bound, audited
        "/api/public/transparency": "rtcc.api.routes.lpr_transparency",
    },
    console=True,  # web/public/assets/capabilities/lpr.js
    # Today's hits at their fixed reader, on the operations map (no plate).
    map_layers={"lpr-hits": "rtcc.lpr.map_layer:hits_layer"},
    feeds=(FeedSpec("lpr-hits"),),
    counters={
        "LprReads": "Plate reads by outcome (stored, duplicate, refused; failed: a delivery answered 503)",
        "LprIngestRefused": "Plate-read requests refused (unknown source, revoked, bad signature, too large)",
        "LprHits": "Hotlist hits by outcome (new, folded)",
        "LprImports": "Hotlist imports by outcome (done, failed)",
        "LprHitTexts": "Hit texts by outcome (sent, failed)",
    },
    # A source, its reader, a BOLO and two reads (one a look-alike hit) through the real doors.
    demo="rtcc.local.demo_lpr:seed_demo_lpr",
    settings="rtcc.lpr.settings:LprSettings",
    construct="infra.constructs.lpr:LprConstruct",
)
