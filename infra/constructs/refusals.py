"""The refusal counters' table: the doors that count, and the summariser that reads them.

Each public door that refuses unauthenticated requests adds to its counter (UpdateItem
only: it can neither read the counters nor append to the audit log). The `refusal-summary`
function reads counters by key (BatchGetItem), claims a minute (conditional PutItem; a
DeleteItem takes the claim back when the append fails) and appends the summary entry.
"""

from __future__ import annotations

from constructs import Construct
from rtcc.store import RefusalCountRecord, table_spec

from infra.constructs.api import ApiConstruct

COUNTERS_TABLE = table_spec(RefusalCountRecord).logical_name
#: Exactly the calls each makes (rtcc.refusals).
USERS = {
    "tip-webhook": ("dynamodb:UpdateItem",),
    "alerts-webhook": ("dynamodb:UpdateItem",),
    "alert-status": ("dynamodb:UpdateItem",),  # the alerts line's status sub-path
    "lpr-ingest": ("dynamodb:UpdateItem",),  # the plate readers' door
    "refusal-summary": ("dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
}


class RefusalsConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: ApiConstruct) -> None:
        super().__init__(scope, construct_id)
        for name, actions in USERS.items():
            api.grant_table(api.functions[name], COUNTERS_TABLE, actions)
        api.grant_audit_append(api.functions["refusal-summary"])
