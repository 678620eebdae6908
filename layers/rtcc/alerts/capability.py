"""The community alerts capability, declared once: what it deploys, serves and shows.

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability` for what each field does). Only
names and numbers here: importing it loads none of the capability's code.

Each part of the capability adds its own entries to the tuples below (functions, routes,
queues, routers, pages): one entry per line, so concurrent additions merge cleanly.
"""

from __future__ import annotations

from rtcc.capability import Capability, FunctionSpec, HttpRoute, QueueSpec

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
    # Twilio's status callbacks of sent alerts: the delivery ledger's only writer besides
    # the dispatcher (the inbound webhook never touches it).
    FunctionSpec(
        "alert-status",
        "functions.alert_status",
        "alerts",
        memory_mb=256,
        timeout_s=10,
        description="Status callbacks of sent alerts (signed): delivered / undelivered per recipient",
        # A webhook like the others: Twilio waits on it, so it starts from a snapshot.
        snapstart=True,
    ),
    # One page of recipients per invocation (rtcc.alerts.dispatch): pages are sized from the
    # sender's rate, this timeout and the queue's concurrency (dispatch.page_size), and a page
    # slowed further is handed back a minute before the timeout.
    FunctionSpec(
        "alert-dispatch",
        "functions.alert_dispatch",
        "alerts",
        memory_mb=512,
        timeout_s=900,
        description="Sends alert pages on the alerts line: ledger claim, shared rate, opt-outs",
    ),
    # The page's signups (rtcc.alerts.signup_confirm): lookup, writes and the one text, so the
    # internet-facing api holds no Twilio key and opens no number.
    FunctionSpec(
        "alert-confirm",
        "functions.alert_confirm",
        "alerts",
        memory_mb=256,
        timeout_s=30,
        description="Signups from /signup: limits, subscriber writes, confirmation or manage-link text",
    ),
)
ALERT_ROUTES = (
    # Texts to the alerts number (rtcc.alerts.sms_line): signed by Twilio, no login.
    HttpRoute("/webhooks/twilio/alerts", "alerts-webhook", public=True, methods=("POST",)),
    # Status callbacks the dispatcher asks Twilio for (?d=<alert id>.<subscriber id>), signed.
    HttpRoute("/webhooks/twilio/alerts/status", "alert-status", public=True, methods=("POST",)),
)
ALERT_QUEUES = (
    # Pages of an alert's recipients (rtcc.alerts.sending). Visibility outlasts the function's
    # timeout; the ledger makes a redelivered page send nothing twice.
    QueueSpec(
        "alert-fanout",
        "alert-dispatch",
        batch_size=1,
        visibility_timeout_s=960,
        max_receive_count=5,
        max_concurrency=4,
    ),
    # Signups from /signup (sealed numbers, never in clear), one text each at most. A signup
    # whose text finds the alerts number busy (an alert fanning out takes the whole rate) goes
    # back to the queue untouched; 240 receives a minute apart keep it waiting through a
    # 4-hour fan-out (10,000 residents at 1 msg/s take under 3) instead of dead-lettering it
    # after 5 minutes, and alert-confirm drops it as stale after 24 h anyway.
    QueueSpec(
        "alert-confirmations", "alert-confirm", batch_size=10, visibility_timeout_s=60, max_receive_count=240
    ),
)

ALERTS = Capability(
    name="alerts",
    description="Community alerts: opt-in texts by zone, sent by supervisors, with a public CAP feed",
    store_modules=(
        "rtcc.store.alerts",  # delivery ledger, per-zone counts, the sender's rate slots
        "rtcc.store.alert_subscribers",  # subscribers, number lookup, zone index, consent evidence
        "rtcc.store.alert_sends",  # the alerts supervisors send: state, plan, approval, cancel
    ),
    functions=ALERT_FUNCTIONS,
    routes=ALERT_ROUTES,
    queues=ALERT_QUEUES,
    pages={
        "/alerts": "alerts.html",  # the public list of sent alerts; /alerts#<id> shows one
        "/signup": "signup.html",  # residents opt in (rtcc.api.routes.alerts_public)
        "/alerts/manage": "alerts-manage.html",  # the texted manage link: #t=<token>
    },
    routers={
        "/api/alerts": "rtcc.api.routes.alerts",  # supervisors: preview, send, approve, cancel, view
        # The public feed (rtcc.api.routes.alerts_feed): Atom, the CAP index, each alert.
        "/api/public/alerts/feed.atom": "rtcc.api.routes.alerts_feed",
        "/api/public/alerts/cap.xml": "rtcc.api.routes.alerts_feed",
        "/api/public/alerts/sent": "rtcc.api.routes.alerts_feed",
        "/api/public/alerts/places": "rtcc.api.routes.alerts_places",  # the address search
        "/api/public/alerts": "rtcc.api.routes.alerts_public",  # zones, signup, the manage link
    },
    console=True,  # web/public/assets/capabilities/alerts.js: the composer and delivery view
    map_layers={"alert-zones": "rtcc.alerts.map_layer:zones_layer"},  # the zones, on the operations map
    sms_lines=("rtcc.alerts.sms_line:ALERTS_LINE",),  # the alerts line's webhook, keywords, opt-outs
    counters={
        "AlertMessages": "Alerts line messages by outcome (pending, confirmed, stop, help, ...)",
        "AlertWebhookRefused": "Alerts webhook refusals",
        "AlertDispatch": "Alert fan-out recipients by outcome (sent, failed, cancelled, redelivered, ...)",
        "AlertStatus": "Alert status callbacks by outcome (delivered, undelivered, progress, ignored)",
        "AlertSignupTexts": "Signups from /signup by outcome (confirmation-sent, capped, breaker, ...)",
    },
    settings="rtcc.alerts.settings:AlertsSettings",
    construct="infra.constructs.alerts:AlertsConstruct",
)
