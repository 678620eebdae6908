"""The audit log's anchors: who may publish a head and who may read the list.

The anchors bucket (Object Lock, compliance mode: `DataConstruct`): `audit-anchor` may
write and check for an anchor, write its daily full check's outcome (`checks/`) and read
the chain (Query); `api` may
list anchors and read the entries' copy for `GET /api/audit/verify`. `audit-archive`,
fed by the audit table's stream, is the only function that may write the copy
(`entries/`); no API or capability function can. No function may delete an object there (and
the lock would refuse it anyway); the audit table stays append-only for all of them.
"""

from __future__ import annotations

import jsii
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.api import AUDIT_TABLE, ApiConstruct
from infra.constructs.data import DataConstruct
from infra.nag import acknowledge, arn_of

ANCHORS_BUCKET = "anchors"
# Retries of a failed batch of the audit stream (split in two by each bisection) before its
# records go to the failure queue instead of holding the shard until the stream's 24 h
# retention drops them: enough to ride out a brief S3 or KMS error.
ARCHIVE_RETRIES = 20


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
        # The daily full check's outcome (rtcc.anchors.full_check): written by it alone.
        publisher.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects("checks/*")])
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
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/checks/*]",
        )
        self._archive(data, api)

    def _archive(self, data: DataConstruct, api: ApiConstruct) -> None:
        """The write-once copy: the audit table's stream -> `audit-archive` -> entries/."""
        bucket, table = data.buckets[ANCHORS_BUCKET], data.tables[AUDIT_TABLE]
        archiver = api.functions["audit-archive"]
        assert table.table_stream_arn is not None
        # What Lambda's event source mapping does with the function's role, on this
        # stream only (grant_stream_read would add ListStreams on every table's stream).
        archiver.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                resources=[table.table_stream_arn],
            )
        )
        archiver.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects("entries/*")])
        )
        # Stream records of a table under the data key are decrypted with it; S3 asks for
        # a data key to encrypt each copy.
        api.grant_data_key(archiver, "kms:Decrypt", "kms:GenerateDataKey")
        # Readers of the copy: verification in the API and before each anchor.
        for fn in (api.functions["audit-anchor"], api.functions["api"]):
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("entries/*")])
            )
            api.grant_data_key(fn, "kms:Decrypt")
        self._stream(data, archiver)
        for fn in (archiver, api.functions["audit-anchor"], api.functions["api"]):
            acknowledge(
                fn,
                "The audit log's write-once copy is one object per archived batch under entries/ "
                "(keys unknown at deploy time); Object Lock keeps every one from being overwritten "
                "or deleted, and only audit-archive may write there.",
                f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/entries/*]",
            )

    def _stream(self, data: DataConstruct, archiver: lambda_.IFunction) -> None:
        """The audit table's stream -> `audit-archive`, and where records it gave up on go."""
        self.archive_failures = sqs.Queue(
            self,
            "AuditArchiveFailures",
            queue_name=f"{data.config.resource_prefix}audit-archive-failures",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=data.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # Its depth is alarmed (ObservabilityConstruct): each message names stream records
        # whose entries have no write-once copy. Lambda sends it with the function's role:
        # SendMessage, and the data key it already holds (Decrypt, GenerateDataKey), not the
        # Encrypt/ReEncrypt*/GenerateDataKey* that CDK's SqsDlq would add.
        archiver.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.archive_failures.queue_arn])
        )
        acknowledge(
            self.archive_failures,
            "The failure destination of the audit stream's event source mapping: it is the "
            "dead-letter queue (of a stream, not of a queue), and its depth is alarmed.",
            "AwsSolutions-SQS3",
        )
        lambda_.EventSourceMapping(
            self,
            "AuditArchiveStream",
            target=archiver,
            event_source_arn=data.tables[AUDIT_TABLE].table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=500,
            # Copies land within a minute: at most 20 s of batching, then one object.
            max_batching_window=Duration.seconds(20),
            # A malformed item never fails the function (it is reported and kept raw); what
            # can fail is an upload. Split the batch to isolate it, retry a bounded number
            # of times, then hand the records' positions to an alarmed queue and go on: a
            # shard held back for 24 h would lose every later entry's copy instead.
            bisect_batch_on_error=True,
            retry_attempts=ARCHIVE_RETRIES,
            on_failure=_FailureQueue(self.archive_failures),
            parallelization_factor=1,
        )


@jsii.implements(lambda_.IEventSourceDlq)
class _FailureQueue:
    """An SQS on-failure destination that grants nothing itself (see AuditConstruct._stream)."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self.queue.queue_arn)
