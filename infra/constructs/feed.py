"""The live feed's table: the platform reads it; capabilities grant their publishers.

The `api` function answers `GET /api/feed/{channel}` with key Queries (rtcc.feed); each
capability's construct grants the functions that publish to its channels PutItem (and
BatchWriteItem where they write in a batch) on this table, as tips' does.
"""

from __future__ import annotations

from constructs import Construct
from rtcc.store import FeedRecord, table_spec

from infra.constructs.api import ApiConstruct

FEED_TABLE = table_spec(FeedRecord).logical_name
#: Exactly the calls the reader makes: a Query on a channel's day partitions.
READERS = {"api": ("dynamodb:Query",)}


class FeedConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: ApiConstruct) -> None:
        super().__init__(scope, construct_id)
        for name, actions in READERS.items():
            api.grant_table(api.functions[name], FEED_TABLE, actions)
