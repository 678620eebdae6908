"""boto3 clients for deployed code, pointed at the local emulator when `rtcc dev` runs."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from rtcc.settings import get_settings

# Lambda has a few seconds, not minutes: fail fast, retry transient errors a little.
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def client(service: str) -> Any:
    settings = get_settings()
    return boto3.client(
        service, region_name=settings.region, endpoint_url=settings.aws_endpoint_url, config=_CONFIG
    )
