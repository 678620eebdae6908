"""Video: least-privilege grants for live viewing sessions (Kinesis Video Streams' HLS),
camera agents' motion events and an incident's camera grid.

The table comes from the declaration (rtcc.video.capability); what it cannot say (grants
action by action, the streams, settings) is built here. The local stack enforces each grant
and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.cameras import stream_arn
from infra.constructs.data import DataConstruct
from infra.constructs.video_agents import VideoAgentsConstruct
from infra.constructs.video_clips import grant_video_clips
from infra.nag import acknowledge

_GET, _PUT, _QUERY, _BATCH_GET = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
)

#: The HLS session's two calls (rtcc.video.sessions_kvs), nothing that reads or writes media.
LIVE_ACTIONS = ("kinesisvideo:GetDataEndpoint", "kinesisvideo:GetHLSStreamingSessionURL")


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
        self._grant_live(api, config)
        self._grant_motion(api)
        # Camera agents' credentials and clips to a case (lane K).
        self.agents = VideoAgentsConstruct(self, "Agents", config=config)
        grant_video_clips(api, config)

    # --- live sessions and the incident grid (rtcc.video.live, lane D) -------------------
    def _grant_live(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The api opens LIVE HLS sessions of cameras' streams (`<prefix>cam-*`: integrated and
        city cameras, never another system's streams) after deciding by the registry (its
        GetItem and conditional status writes are the registry's grants, infra/constructs/
        cameras.py) and the owners' live windows, and gives the owner a receipt."""
        fn = api.functions["api"]
        resource = stream_arn(f"{config.resource_prefix}cam-*")
        fn.add_to_role_policy(iam.PolicyStatement(actions=list(LIVE_ACTIONS), resources=[resource]))
        acknowledge(
            fn,
            "Live video sessions of any camera's stream: integrated cameras' streams are made at run "
            "time (<prefix>cam-<camera id>, ending in their creation time), held to the prefix; "
            "GetDataEndpoint and GetHLSStreamingSessionURL only.",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:"
            f"stream/{config.resource_prefix}cam-*/*]",
        )
        # rtcc.cameras.live_windows.is_live_allowed: one camera's windows (a Query of its partition).
        api.grant_table(fn, "camera-live-windows", (_QUERY,))
        # The owner's receipt of each view (rtcc.cameras.receipts_dynamodb: one PutItem).
        api.grant_table(fn, "camera-receipts", (_PUT,))

    # --- motion events (rtcc.video.motion, lane D) ---------------------------------------
    def _grant_motion(self, api: ApiConstruct) -> None:
        """Agents' events stored (one conditional PutItem per camera); the grid and the map read
        the cameras' last ones by key. The token is checked with the cameras' link key, whose
        GenerateMac the api holds already (infra/constructs/cameras.py)."""
        api.grant_table(api.functions["api"], "camera-motion", (_PUT, _BATCH_GET))
