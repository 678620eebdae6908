"""Placeholder while the plate-reads capability is wired (issue 11): no routes yet."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

router = APIGatewayRouter()
