"""boto3 clients for deployed code, pointed at the local emulator when `rtcc dev` runs."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from rtcc.settings import get_settings

# Lambda has a few seconds, not minutes: fail fast, retry transient errors a little.
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def _s3_config(endpoint_url: str | None) -> Config:
    """S3 always signs with SigV4, also presigned URLs and POST policies.

    botocore still presigns with SigV2 in us-east-1 (its global `s3.amazonaws.com`
    endpoint), and S3 refuses SigV2 for objects under SSE-KMS, as the media bucket is:
    officers' previews and web tip uploads would fail only once deployed. The regional
    endpoint (`<bucket>.s3.<region>.amazonaws.com`) also spares a new bucket the 307s
    the global name answers with. With an endpoint override (the local moto server on
    127.0.0.1) requests stay path-style: a bucket name cannot prefix an IP address.
    """
    s3 = {
        "addressing_style": "path" if endpoint_url else "virtual",
        "us_east_1_regional_endpoint": "regional",
    }
    return _CONFIG.merge(Config(signature_version="s3v4", s3=s3))


def client(service: str) -> Any:
    settings = get_settings()
    endpoint_url = settings.aws_endpoint_url
    config = _s3_config(endpoint_url) if service == "s3" else _CONFIG
    if service == "location" and endpoint_url:
        # Location's operations prefix the host ("places.geo.<region>.amazonaws.com"); on an
        # endpoint override (the local emulator on 127.0.0.1) "places.127.0.0.1" resolves to
        # nothing, so the override is used as given. Deployed (no override) keeps the prefix.
        config = config.merge(Config(inject_host_prefix=False))
    return boto3.client(service, region_name=settings.region, endpoint_url=endpoint_url, config=config)
