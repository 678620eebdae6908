"""Cameras: least-privilege grants for the camera registry, incidents and footage requests,
the city's own cameras' video streams, and the evidence bucket's rules.

The tables, queues and buckets come from the declaration (rtcc.cameras.capability); what it
cannot say (grants action by action, streams, Object Lock, settings) is built here. Each part
of the capability has its own method below, granting exactly the calls its code makes; the
local stack enforces them and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

from constructs import Construct

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct

_GET, _PUT, _UPDATE, _QUERY = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"
_DELETE, _BATCH_GET, _BATCH_WRITE = "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"


class CamerasConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        data: DataConstruct,
        api: ApiConstruct,
    ) -> None:
        super().__init__(scope, construct_id)
        self._grant_registry(api, config)
        self._grant_incidents(api, config)
        self._grant_footage(api, data, config)
        self._streams(api, config)

    # --- the registry: owners, cameras, the area index, receipts (lane: registry) ---------
    def _grant_registry(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The public registration and owner portal routes and the officers' registry views."""

    # --- incidents, the CAD webhook, the operations map (lane: incidents) -----------------
    def _grant_incidents(self, api: ApiConstruct, config: DeployConfig) -> None:
        """Officers' incidents on `api`, dispatch's incidents on the CAD webhook."""

    # --- footage requests, uploads, evidence (lane: footage) ------------------------------
    def _grant_footage(self, api: ApiConstruct, data: DataConstruct, config: DeployConfig) -> None:
        """Requests, owners' notices, clip uploads, hashing on arrival, exports."""

    # --- video streams: the city's cameras and integrated ones (lane: infra) --------------
    def _streams(self, api: ApiConstruct, config: DeployConfig) -> None:
        """A Kinesis Video Stream per city camera; the function that creates and deletes
        integrated cameras' streams at run time."""
