"""Placeholder while the plate-reads capability is wired (issue 11): answers 503."""

from __future__ import annotations


def handler(event: dict, context: object) -> dict:
    return {"statusCode": 503, "body": '{"error": "not available yet"}'}
