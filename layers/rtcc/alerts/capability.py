"""The community alerts capability, declared once: what it deploys, serves and shows.

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability` for what each field does). Only
names and numbers here: importing it loads none of the capability's code.

Each part of the capability adds its own entries to the tuples below (functions, routes,
queues, routers, pages): one entry per line, so concurrent additions merge cleanly.
"""

from __future__ import annotations

from rtcc.capability import Capability, FunctionSpec, HttpRoute

ALERT_FUNCTIONS = (
    FunctionSpec(
        "alerts-webhook",
        "functions.alerts_webhook",
        "alerts",
        memory_mb=512,
        timeout_s=10,
        description="Twilio inbound-message webhook of the alerts line: JOIN, YES, STOP, START, HELP",
        snapstart=True,
    ),
)
ALERT_ROUTES = (
    # Texts to the alerts number (rtcc.alerts.sms_line): signed by Twilio, no login.
    HttpRoute("/webhooks/twilio/alerts", "alerts-webhook", public=True, methods=("POST",)),
)
ALERT_QUEUES = ()

ALERTS = Capability(
    name="alerts",
    description="Community alerts: opt-in texts by zone, sent by supervisors, with a public CAP feed",
    store_modules=(
        "rtcc.store.alerts",  # delivery ledger, per-zone counts, the sender's rate slots
        "rtcc.store.alert_subscribers",  # subscribers, number lookup, zone index, consent evidence
    ),
    functions=ALERT_FUNCTIONS,
    routes=ALERT_ROUTES,
    queues=ALERT_QUEUES,
    pages={
        "/alerts": "alerts.html",  # the public list of sent alerts; /alerts#<id> shows one
    },
    routers={
        # The public feed (rtcc.api.routes.alerts_feed): Atom, the CAP index, each alert.
        "/api/public/alerts/feed.atom": "rtcc.api.routes.alerts_feed",
        "/api/public/alerts/cap.xml": "rtcc.api.routes.alerts_feed",
        "/api/public/alerts/sent": "rtcc.api.routes.alerts_feed",
    },
    console=True,  # web/public/assets/capabilities/alerts.js: the composer and delivery view
    sms_lines=("rtcc.alerts.sms_line:ALERTS_LINE",),  # the alerts line's webhook, keywords, opt-outs
    counters={
        "AlertMessages": "Alerts line messages by outcome (pending, confirmed, stop, help, ...)",
        "AlertWebhookRefused": "Alerts webhook refusals",
    },
    settings="rtcc.alerts.settings:AlertsSettings",
    construct="infra.constructs.alerts:AlertsConstruct",
)
