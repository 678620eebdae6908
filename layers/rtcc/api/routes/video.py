"""Officers' live video routes (`/api/video`): live sessions, an incident's camera grid."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

router = APIGatewayRouter()
