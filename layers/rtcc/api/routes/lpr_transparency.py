"""The public plate-reader transparency report (`GET /api/public/transparency`, no login):
per month for the last twelve, reads, hits, accepted and rejected hits, searches by purpose
and readers seen, and the retention in force (rtcc.lpr.transparency.report).

Built from the counters alone (rtcc.lpr.counts_dynamodb: one BatchGetItem of the months'
items), never from reads, hits or searches, and checked by `check_anonymous` before it is
answered: nothing in it can name a plate, a person, a case or a reader.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

router = APIGatewayRouter()

#: Months the report covers (this one included).
MONTHS = 12


@router.get(
    "/api/public/transparency",
    summary="Plate-reader transparency report: monthly counts and the retention in force",
    tags=["lpr-public"],
)
def transparency() -> Response[dict]:
    from rtcc.lpr.counts_dynamodb import DynamoCounts, recent_months
    from rtcc.lpr.settings import lpr_settings
    from rtcc.lpr.transparency import report

    settings = lpr_settings()
    months = DynamoCounts().months(recent_months(datetime.now(UTC), MONTHS))
    document = report(months, settings.retention, settings.purposes)
    # Counters move with every read: a few minutes' cache spares the table a crawler's visits.
    return Response(
        200,
        content_types.APPLICATION_JSON,
        document,
        headers={"Cache-Control": "public, max-age=300"},
    )
