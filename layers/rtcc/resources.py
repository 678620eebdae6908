"""Which AWS resources a deployment has and what they are called, derived from the
table models, the topology and the settings: never a second hand-kept list.

`rtcc dev` creates exactly these in the moto server; `infra/` reads the same functions
to name the real ones, and deployed code uses the naming helpers (queue_url_env_var).
Nothing here calls AWS, so it is cheap to import; it ships in the Lambda layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtcc.auth import ALL_ROLES
from rtcc.settings import Settings
from rtcc.store import ALL_MODELS, TableSpec, table_spec
from rtcc.topology import TOPOLOGY, QueueSpec, Topology

#: Content types API Gateway passes to Lambda base64-encoded (its `binaryMediaTypes`).
#: Forms are listed because Twilio webhooks are form posts whose signature is computed
#: over the exact bytes; JSON and text stay plain text.
BINARY_MEDIA_TYPES: tuple[str, ...] = (
    "application/x-www-form-urlencoded",
    "multipart/*",
    "image/*",
    "video/*",
    "audio/*",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
)

#: Cognito groups of the staff user pool: one per role.
STAFF_GROUPS: tuple[str, ...] = tuple(role.value for role in ALL_ROLES)

#: Auth flows the console's app client needs (password sign-in, then refresh).
CONSOLE_AUTH_FLOWS: tuple[str, ...] = (
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
)

#: The console client's token lifetimes, read by CDK and the local user pool alike. API
#: Gateway's Cognito authorizer checks a token's signature and expiry, not revocation, so
#: the ID token's lifetime (5 minutes, Cognito's minimum) bounds how long a disabled or
#: signed-out officer keeps access; the console refreshes before it runs out, with a
#: refresh token that lasts one shift and that disabling a user revokes.
CONSOLE_TOKEN_VALIDITY_MINUTES = 5
CONSOLE_REFRESH_TOKEN_VALIDITY_HOURS = 12


@dataclass(frozen=True)
class QueueResource:
    spec: QueueSpec
    name: str
    dlq_name: str

    @property
    def url_env_var(self) -> str:
        """Environment variable carrying the queue URL to producers (set by CDK and `rtcc dev`)."""
        return queue_url_env_var(self.spec.name)


@dataclass(frozen=True)
class BucketResource:
    logical_name: str
    name: str


@dataclass(frozen=True)
class Resources:
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueResource, ...]
    buckets: tuple[BucketResource, ...]
    user_pool_groups: tuple[str, ...] = STAFF_GROUPS


def queue_name(name: str, settings: Settings) -> str:
    return f"{settings.table_prefix}{name}"


def dlq_name(name: str, settings: Settings) -> str:
    return f"{settings.table_prefix}{name}-dlq"


def queue_url_env_var(name: str) -> str:
    return f"RTCC_{name.upper().replace('-', '_')}_QUEUE_URL"


def bucket_env_var(name: str) -> str:
    """The variable CDK names a declared bucket in (`lpr-hotlists` -> RTCC_LPR_HOTLISTS_BUCKET)."""
    return f"RTCC_{name.upper().replace('-', '_')}_BUCKET"


def bucket_name(logical_name: str, settings: Settings) -> str:
    """A bucket named by a setting (`media` -> settings.media_bucket) keeps that name;
    any other gets the deployment prefix."""
    configured = getattr(settings, f"{logical_name}_bucket", None)
    return str(configured) if configured else f"{settings.table_prefix}{logical_name}"


def declared_resources(settings: Settings, topology: Topology = TOPOLOGY) -> Resources:
    """Everything the deployment needs, named for `settings` (call bind_models first so
    table names follow the same settings)."""
    return Resources(
        tables=tuple(table_spec(model) for model in ALL_MODELS),
        queues=tuple(
            QueueResource(spec=q, name=queue_name(q.name, settings), dlq_name=dlq_name(q.name, settings))
            for q in topology.queues
        ),
        buckets=tuple(BucketResource(b, bucket_name(b, settings)) for b in topology.buckets),
    )
