"""Clips to a case (rtcc.video.clips): the grants of the api (the request) and of video-clip
(the save). Each is exactly a call the code makes (rtcc.video.clips_service, clips_dynamodb,
clips_kvs); tests/integration/video/test_video_clips.py exercises every one."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.cameras import stream_arn
from infra.nag import acknowledge

#: What video-clip asks Kinesis Video Streams: where to read a clip, and the clip. No media
#: write, no HLS, no stream management.
CLIP_ACTIONS = ("kinesisvideo:GetClip", "kinesisvideo:GetDataEndpoint")
BUCKET = "camera-evidence"


def grant_video_clips(api: ApiConstruct, config: DeployConfig) -> None:
    fns = api.functions
    fn, clip = fns["api"], fns["video-clip"]
    # api: the clip's record (a conditional create; one by key), its job. The camera, the
    # owner's windows and the receipt are the registry's and live view's grants.
    api.grant_table(fn, "video-clips", ("dynamodb:PutItem", "dynamodb:GetItem"))
    api.grant_send(fn, "video-clips")
    # video-clip: the clip (one; its steps, conditional), its parts under clips/ (one PUT
    # each), each an evidence item of the case (a conditional put; a redelivery's Query of
    # the parts already there), a custody entry each.
    api.grant_table(clip, "video-clips", ("dynamodb:GetItem", "dynamodb:UpdateItem"))
    api.grant_table(clip, "evidence", ("dynamodb:PutItem", "dynamodb:Query"))
    api.grant_objects(clip, BUCKET, "clips/", ["s3:PutObject"])
    api.grant_audit_append(clip)
    resource = stream_arn(f"{config.resource_prefix}cam-*")
    clip.add_to_role_policy(iam.PolicyStatement(actions=list(CLIP_ACTIONS), resources=[resource]))
    acknowledge(
        clip,
        "Clips of any camera's stream: integrated cameras' streams are made at run time "
        "(<prefix>cam-<camera id>, ending in their creation time), held to the prefix; "
        "GetDataEndpoint and GetClip only.",
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:"
        f"stream/{config.resource_prefix}cam-*/*]",
    )
