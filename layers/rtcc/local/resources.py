"""Moved to `rtcc.resources` (deployed code needs the naming helpers and the Lambda layer
never contains rtcc.local). Kept so existing imports keep working; import rtcc.resources."""

from rtcc.resources import (  # noqa: F401
    BINARY_MEDIA_TYPES,
    CONSOLE_AUTH_FLOWS,
    STAFF_GROUPS,
    BucketResource,
    QueueResource,
    Resources,
    bucket_name,
    declared_resources,
    dlq_name,
    queue_name,
    queue_url_env_var,
)
