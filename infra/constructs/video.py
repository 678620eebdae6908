"""Video: least-privilege grants for live viewing sessions (Kinesis Video Streams' HLS),
camera agents' motion events and an incident's camera grid.

The table comes from the declaration (rtcc.video.capability); what it cannot say (grants
action by action, the streams, settings) is built here. The local stack enforces each grant
and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

from constructs import Construct

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct


class VideoConstruct(Construct):
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
