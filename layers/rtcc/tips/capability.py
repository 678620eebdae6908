"""The anonymous tips capability, declared once: what it deploys, serves and shows.

Read by CDK, `rtcc dev`, the API app, the console and the retention sweep through
`rtcc.capabilities` (see `rtcc.capability.Capability` for what each field does). Only
names and numbers here: importing it loads none of the capability's code.
"""

from __future__ import annotations

from rtcc.capability import Capability, FeedSpec, FunctionSpec, HttpRoute, QueueSpec, SecretSpec

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
    # Status callbacks of replies (rtcc.tips.reply_status): same function, same signature
    # check; a final status queues the reply's deletion at Twilio.
    HttpRoute("/webhooks/twilio/tips/status", "tip-webhook", public=True, methods=("POST",)),
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


TIPS = Capability(
    name="tips",
    description="Anonymous tips by SMS/MMS and the web; the officers' tips inbox",
    store_modules=("rtcc.store.tips",),
    functions=TIP_FUNCTIONS,
    routes=TIP_ROUTES,
    queues=TIP_QUEUES,
    buckets=("media",),
    pages={"/tip": "tip.html", "/tip/follow-up": "tip-follow-up.html"},
    routers={"/api/tips": "rtcc.api.routes.tips", "/api/public/tips": "rtcc.api.routes.tips"},
    console=True,
    # New tips and activity on them (rtcc.tips.records.feed_entry); the inbox list follows it.
    # Tips that carry a place, on the operations map (audited as a read of tips).
    map_layers={"tips": "rtcc.tips.map_layer:tips_layer"},
    feeds=(FeedSpec("tips"),),
    purger_modules=("rtcc.tips.retention",),
    sms_lines=("rtcc.tips.sms_line:TIP_LINE",),  # the tip line's webhook, keywords, opt-outs
    secrets={
        # Only the webhook reads the token (it checks signatures). Whoever holds it can sign
        # a form as Twilio and learn from the answer whether a number has an open tip, so
        # nothing else gets it: the functions calling Twilio's API use the API key below.
        "twilio_auth_token": SecretSpec(
            description="Twilio auth token (verifies the tip line's webhook signatures; the webhook "
            "alone reads it). Replace the placeholder with the token from the Twilio console after deploy.",
            value_set_by_city=True,
            no_rotation_reason="Twilio auth tokens are rotated in the Twilio console (primary/secondary "
            "token swap); the city then writes the new value here. No rotation Lambda can do that.",
        ),
        "twilio_api_key": SecretSpec(
            description="Twilio API key as 'SK...:secret' (sends replies and alerts, downloads MMS media, "
            "deletes messages). Create a Standard API key in the Twilio console after deploy and write "
            "its SID and secret here, joined by a colon.",
            value_set_by_city=True,
            no_rotation_reason="Twilio API keys are created and revoked in the Twilio console; the city "
            "writes a new key here, then revokes the old one. No rotation Lambda can do that.",
        ),
    },
    counters={
        "TipMessages": "Tip line messages by outcome",
        "TipWebhookRefused": "Tip webhook refusals",
        "TipMedia": "Tip media by outcome",
        "TipOutbound": "Replies and alerts by outcome",
        "TipReplyStatus": "Reply status callbacks by outcome (final ones queue the delete at Twilio)",
    },
    local_modules=(
        "rtcc.local.twilio_media_host",  # /dev/twilio-media: Twilio's media host for the phone simulator
        "rtcc.local.phone",  # /dev/phone: the phone simulator (signed Twilio webhooks, outbox replies)
    ),
    demo="rtcc.local.demo_tips:seed_demo_tips",
    settings="rtcc.tips.settings:TipsSettings",
    construct="infra.constructs.tips:TipsConstruct",
)
