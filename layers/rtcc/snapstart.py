"""Lambda SnapStart: warm before the snapshot, make each restored environment its own.

With SnapStart (`api` and the webhooks, see infra/constructs/api.py), Lambda runs a
function's init once, when a version is published, snapshots the memory, and starts
every new execution environment from that snapshot. Whatever init left in memory is
then shared by all of them, for days:

- `random`'s state: every environment would draw the same jitter (rtcc.audit's append
  backoff), so the retries it should spread out would collide. `secrets`, `uuid4` and
  `os.urandom` read the kernel and need nothing.
- AWS clients and pynamodb connections cached in module globals: their pooled TCP/TLS
  connections were opened before the snapshot and are dead or shared after it, and the
  credentials they captured are the publishing environment's. Dropped, they are created
  again on first use with the restored environment's credentials.

`enable()` registers `after_restore` with the runtime's hook library (snapshot_restore_py,
present in Lambda's Python 3.12+ runtimes) and, if given, a `warm` step to run before the
snapshot: importing what the first request would otherwise import lazily, so a restored
environment pays for none of it. Outside Lambda (`rtcc dev`, tests) the library is absent
and nothing is registered.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable


def reseed_random() -> None:
    # From os.urandom: each restored environment gets its own sequence.
    random.seed()


def drop_aws_clients() -> None:
    """Forget every cached client and connection; the next use creates a fresh one.

    Only modules already imported are touched: importing one here to clear it would put
    the import on the restore path for nothing."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None
    store = sys.modules.get("rtcc.store.base")
    if store is not None:
        for model in store.ALL_MODELS:
            model._connection = None  # pynamodb's per-model connection (botocore client)
    records = sys.modules.get("rtcc.tips.records")
    if records is not None:
        records._CONNECTIONS.clear()
    adapters = sys.modules.get("rtcc.tips.adapters")
    if adapters is not None:
        adapters.default_ports.cache_clear()  # KMS, SQS and S3 clients
    audit_routes = sys.modules.get("rtcc.api.routes.audit")
    if audit_routes is not None:
        audit_routes._latest.cache_clear()  # holds an S3 client
    secrets = sys.modules.get("rtcc.secrets")
    if secrets is not None:
        secrets.forget_cached_secrets()  # per-function Secrets Manager providers and clients
    parameters = sys.modules.get("aws_lambda_powertools.utilities.parameters.constants")
    if parameters is not None:
        parameters.DEFAULT_PROVIDERS.clear()  # the Secrets Manager client and its cache


def after_restore() -> None:
    reseed_random()
    drop_aws_clients()


def enable(warm: Callable[[], None] | None = None) -> bool:
    """Register the hooks with the SnapStart runtime; False where there is none."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # not in a Lambda Python runtime
        return False
    if warm is not None:
        register_before_snapshot(warm)
    register_after_restore(after_restore)
    return True
