"""Camera agents' routes (`/api/public/video`): motion events, by the agent's signed token."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

router = APIGatewayRouter()
