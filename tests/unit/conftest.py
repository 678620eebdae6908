"""Unit-test fixtures: a private moto server for the few units that own a table."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, with every table from the models.

    Session-scoped and separate from the local stack so unit tests stay quick; the
    environment it sets is the same one `rtcc dev` sets.
    """
    from moto.server import ThreadedMotoServer
    from rtcc.settings import reload_settings
    from rtcc.store import ALL_MODELS, bind_models

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = dict(os.environ)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        RTCC_AWS_ENDPOINT_URL=endpoint,
        RTCC_TABLE_PREFIX="unit-",
        # moto's state is process-wide: the local stack's anchors (its own chain) live in
        # the default bucket, so the units' chain gets a bucket of its own.
        RTCC_ANCHORS_BUCKET="unit-anchors",
    )
    settings = reload_settings()
    bind_models(settings)
    for model in ALL_MODELS:
        model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="unit-anchors")
    yield endpoint
    server.stop()
    os.environ.clear()
    os.environ.update(saved)
    bind_models(reload_settings())
