"""Modules the local stack imports at start so they can register demo seeds
(`rtcc.local.seed.register_seed`) and local-only routes
(`rtcc.local.dev_routes.register_dev_route`). Add one line per module.

Handler modules named in the topology are imported at start as well (as Lambda's init
phase would), so a seed registered at import time of a capability's service module
also runs.
"""

EXTENSION_MODULES: tuple[str, ...] = (
    "rtcc.local.dev_routes",  # GET/DELETE /dev/outbox, GET /dev/aws-calls
    "rtcc.local.twilio_media_host",  # /dev/twilio-media: Twilio's media host for the phone simulator
    "rtcc.local.phone",  # /dev/phone: the phone simulator (signed Twilio webhooks, outbox replies)
)
