"""The audit log's anchors: who may publish a head and who may read the list.

The anchors bucket (Object Lock, compliance mode: `DataConstruct`): `audit-anchor` may
write and check for an anchor and read the chain's head (Query); `api` may
list anchors for `GET /api/audit/verify`. No function may delete an object there (and
the lock would refuse it anyway); the audit table stays append-only for all of them.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.api import AUDIT_TABLE, ApiConstruct
from infra.constructs.data import DataConstruct
from infra.nag import acknowledge, arn_of

ANCHORS_BUCKET = "anchors"


class AuditConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataConstruct,
        api: ApiConstruct,
    ) -> None:
        super().__init__(scope, construct_id)
        bucket = data.buckets[ANCHORS_BUCKET]
        publisher, reader = api.functions["audit-anchor"], api.functions["api"]
        assert bucket.encryption_key is not None
        # Keys carry the anchor (anchors/<chain>/<seq>-<hash>.json): a listing is a read.
        # Unconditioned on purpose: without ListBucket, S3 answers HeadObject on a key not
        # yet written with 403 instead of 404, and the publisher could never tell
        # "not published yet" from "refused". The bucket holds nothing but anchors.
        for fn in (publisher, reader):
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
            )
        publisher.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"], resources=[bucket.arn_for_objects("anchors/*")]
            )
        )
        # SSE-KMS: S3 uses the data key on the publisher's behalf (read back, write new).
        api.grant_data_key(publisher, "kms:Decrypt", "kms:GenerateDataKey")
        # The publisher reads the chain's head; it never appends.
        api.grant_table(publisher, AUDIT_TABLE, ("dynamodb:Query",), audit_ok=True)
        acknowledge(
            publisher,
            "Anchors are one object per published head under anchors/ (keys unknown at deploy time); "
            "Object Lock keeps every one from being overwritten or deleted.",
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/anchors/*]",
        )
