"""pynamodb models: the one definition of every DynamoDB table.

`infra/` derives key schemas, indexes and TTL from these classes and `rtcc dev`
creates the local tables from them, so the two can never disagree. Importing a model
module registers its tables in ALL_MODELS: the platform's here, each capability's from
its declaration (`Capability.store_modules`), so adding a capability edits nothing here.
"""

import importlib

from rtcc.store.audit import AuditEntryRecord
from rtcc.store.base import ALL_MODELS, TableSpec, bind_models, table_spec
from rtcc.store.feed import FeedRecord
from rtcc.store.refusals import RefusalCountRecord
from rtcc.store.retention import RetentionRecord
from rtcc.store.sms import SmsOptOutRecord


def _import_capability_tables() -> None:
    from rtcc.capabilities import CAPABILITIES

    for capability in CAPABILITIES:
        for module in capability.store_modules:
            importlib.import_module(module)


_import_capability_tables()

__all__ = [
    "ALL_MODELS",
    "AuditEntryRecord",
    "FeedRecord",
    "RefusalCountRecord",
    "RetentionRecord",
    "SmsOptOutRecord",
    "TableSpec",
    "bind_models",
    "table_spec",
]
