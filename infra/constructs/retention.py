"""The retention schedule's table: only the code that writes it and the sweep that reads it.

The `api` function schedules and cancels deletions (inside the transaction that closes or
reopens a tip); the `retention` function reads the due days and removes what it settled.
No other function may touch the schedule (there are no shared grants): a function
that could delete a schedule item could quietly exempt a record from the city's
retention policy.
"""

from __future__ import annotations

from constructs import Construct
from rtcc.store import RetentionRecord, table_spec

from infra.constructs.api import ApiConstruct

SCHEDULE_TABLE = table_spec(RetentionRecord).logical_name
#: Exactly the calls each makes: `api` writes and cancels a tip's schedule item inside its
#: close / reopen transaction; the sweep reads a day (Query), keeps its progress item
#: (GetItem, PutItem, UpdateItem) and removes what it settled (DeleteItem).
USERS = {
    "api": ("dynamodb:PutItem", "dynamodb:DeleteItem"),
    "retention": (
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ),
}


class RetentionConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: ApiConstruct) -> None:
        super().__init__(scope, construct_id)
        for name, actions in USERS.items():
            api.grant_table(api.functions[name], SCHEDULE_TABLE, actions)
