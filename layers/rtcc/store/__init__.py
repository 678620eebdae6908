"""pynamodb models: the one definition of every DynamoDB table.

`infra/` derives key schemas, indexes and TTL from these classes and `rtcc dev`
creates the local tables from them, so the two can never disagree.
"""

# Importing each model module registers its tables in ALL_MODELS.
from rtcc.store.audit import AuditEntryRecord
from rtcc.store.base import ALL_MODELS, TableSpec, bind_models, table_spec
from rtcc.store.retention import RetentionRecord
from rtcc.store.tips import (
    TipFeedRecord,
    TipMediaRecord,
    TipMessageRecord,
    TipReceiptRecord,
    TipRecord,
    TipsterRecord,
    TipVaultRecord,
)

__all__ = [
    "ALL_MODELS",
    "AuditEntryRecord",
    "RetentionRecord",
    "TableSpec",
    "TipFeedRecord",
    "TipMediaRecord",
    "TipMessageRecord",
    "TipReceiptRecord",
    "TipRecord",
    "TipVaultRecord",
    "TipsterRecord",
    "bind_models",
    "table_spec",
]
