"""pynamodb models: the one definition of every DynamoDB table.

`infra/` derives key schemas, indexes and TTL from these classes and `rtcc dev`
creates the local tables from them, so the two can never disagree.
"""

from rtcc.store.base import ALL_MODELS, bind_models, table_spec, TableSpec  # noqa: F401
from rtcc.store.audit import AuditEntryRecord  # noqa: F401
from rtcc.store.tips import TipRecord, TipMessageRecord, TipMediaRecord, TipReceiptRecord, TipsterRecord, TipVaultRecord, TipFeedRecord  # noqa: F401,E501
