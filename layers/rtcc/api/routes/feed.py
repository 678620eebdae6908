"""The live feed: `GET /api/feed/{channel}?after=<cursor>`, what consoles poll for news.

Channels are declared by capabilities (`Capability.feeds`), each with the role that reads
it: the check is here, per channel, not one middleware for all (a channel may be narrower
than the officer default). Items are references; the console fetches what they refer to
through the capability's own routes, which check roles and audit reads.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc.api.security import current_principal
from rtcc.auth import Role, authorize
from rtcc.capability import FEED_CHANNEL_PATTERN, FeedSpec
from rtcc.errors import NotFound
from rtcc.feed import MAX_LIMIT, LiveFeed
from rtcc.models.platform import FeedItemOut, FeedPageOut
from rtcc.topology import TOPOLOGY

router = APIGatewayRouter()

#: Every declared channel, by name.
CHANNELS: dict[str, FeedSpec] = {spec.channel: spec for spec in TOPOLOGY.feeds}


@router.get(
    "/api/feed/<channel>",
    summary="Items published to a live feed channel after a cursor (poll this)",
    tags=["platform"],
)
def read_feed(
    channel: Annotated[str, Path(pattern=FEED_CHANNEL_PATTERN, description="A declared channel, e.g. tips")],
    after: Annotated[
        str | None,
        Query(min_length=2, max_length=80, description="`cursor` of the previous answer; none: start now"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> FeedPageOut:
    who = current_principal(router)  # type: ignore[arg-type]
    spec = CHANNELS.get(channel)
    # The role before the name: a caller who may read no channel learns none exists (a 404
    # for an unknown channel only to those who could read the officers' default).
    authorize(who, (Role(spec.role if spec else Role.OFFICER.value),))
    if spec is None:
        raise NotFound(f"no feed named {channel}", field="channel")
    page = LiveFeed().since(channel, after, limit)
    return FeedPageOut(
        items=[
            FeedItemOut(cursor=i.cursor, at=i.at, kind=i.kind, ref=i.ref, summary=dict(i.summary))
            for i in page.items
        ],
        cursor=page.cursor,
        reset=page.reset,
        more=page.more,
    )
