"""Where rtcc keeps things: the KMS key, the DynamoDB tables, the S3 buckets, the queues
and the secrets.

Tables come from the pynamodb models (`rtcc.store.ALL_MODELS` via `table_spec`), queues
and buckets from `rtcc.topology.TOPOLOGY`: the same definitions `rtcc dev` builds the
local stack from, so the deployed and local shapes cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from pynamodb.models import Model
from rtcc.store import TableSpec, table_spec
from rtcc.topology import DECLARED, QueueSpec, SecretSpec, Topology

from infra.config import DeployConfig
from infra.nag import acknowledge

_KEY_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}

#: Secrets the stack creates, by settings name, from every capability's declaration
#: (`Capability.secrets`). Lambdas get `RTCC_<NAME>_SECRET_ARN` and read the value through
#: `rtcc.secrets.secret_value(name)`.
SECRETS: dict[str, SecretSpec] = {name: spec for c in DECLARED for name, spec in c.secrets.items()}


#: Buckets without S3 server access logs, and why. An access log line holds the requester's
#: IP address next to the object key; for the media bucket that key is
#: `uploads/tips/<code>/<media_id>`, a presigned POST straight from the tipster's browser,
#: so the log would tie an anonymous tip to an IP address ("no IP address is stored with
#: the tip"). Object-level auditing there, if a city wants it, is a CloudTrail data-events
#: trail the city configures knowingly (it records source IPs too).
UNLOGGED_BUCKETS: dict[str, str] = {
    "media": "Tipster anonymity: S3 server access logs would record each web tipster's IP address "
    "next to the object key that names their tip (uploads/tips/<code>/...). Object-level auditing "
    "is left to CloudTrail data events, which the city may enable knowingly.",
}


#: Buckets whose objects nobody may delete or overwrite until their retention ends (S3
#: Object Lock, compliance mode), and the retention setting that says how long.
OBJECT_LOCKED_BUCKETS: dict[str, str] = {
    "anchors": "audit_anchor_days",  # the audit chain's published heads (rtcc.anchors)
}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _lock(config: DeployConfig, days: int) -> s3.ObjectLockRetention:
    """Compliance mode when deployed: nobody, root included, can shorten or lift it. A
    dev-sandbox gets governance mode (lifted with s3:BypassGovernanceRetention), or its
    bucket could not be deleted for years after the sandbox is gone."""
    if config.is_deployed:
        return s3.ObjectLockRetention.compliance(Duration.days(days))
    return s3.ObjectLockRetention.governance(Duration.days(days))


def _key(spec) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=spec.name, type=_KEY_TYPES[spec.type])


class DataConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        topology: Topology,
        models: Sequence[type[Model]],
        first_deploy: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        deployed = config.is_deployed
        keep = RemovalPolicy.RETAIN if deployed else RemovalPolicy.DESTROY
        self.key = self._data_key()
        # Tables have fixed names: a table a rolled-back first create kept would make the
        # retry fail with "already exists". On the first deploy (infra/first_deploy.py) they
        # are created unprotected and RetainExceptOnCreate, so a rollback deletes them; the
        # deploy that follows turns protection on and retains them from then on.
        table_protected = deployed and not first_deploy
        table_removal = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if deployed and first_deploy else keep
        self.table_specs: dict[str, TableSpec] = {}
        self.tables: dict[str, dynamodb.Table] = {}
        for model in models:
            spec = table_spec(model)
            self.table_specs[spec.logical_name] = spec
            self.tables[spec.logical_name] = self._table(
                spec, protected=table_protected, removal=table_removal
            )
        self.log_bucket = self._access_log_bucket()
        self.buckets: dict[str, s3.Bucket] = {name: self._bucket(name) for name in topology.buckets}
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for q in topology.queues:
            self.dead_letter_queues[q.name] = self._dead_letter_queue(q)
            self.queues[q.name] = self._queue(q, self.dead_letter_queues[q.name])
        self.secrets: dict[str, secretsmanager.Secret] = {
            name: self._secret(name, meta, keep) for name, meta in SECRETS.items()
        }

    def _data_key(self) -> kms.Key:
        config = self.config
        return kms.Key(
            self,
            "DataKey",
            description=f"rtcc {config.city_name}: tables, media, queues, secrets, alarms",
            enable_key_rotation=True,
            alias=f"alias/{config.resource_prefix}data",
            # A key that encrypted evidence must outlive the stack, even in a sandbox
            # (a deleted key makes every retained backup unreadable).
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _access_log_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogBucket",
            # S3 server access logging only delivers to SSE-S3 buckets, not SSE-KMS.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(self.config.log_retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            bucket,
            "This bucket receives the other buckets' access logs; logging it into itself would loop.",
            "AwsSolutions-S1",
        )
        return bucket

    def _bucket(self, name: str) -> s3.Bucket:
        # Capability constructs add their own expiry rules (tips: TipsConstruct). When
        # an object's last noncurrent version expires, its delete marker is all that is
        # left: remove it too, or every deleted object leaves one behind for ever (each
        # slows LIST and is billed as a request).
        lifecycle = [
            s3.LifecycleRule(
                noncurrent_version_expiration=Duration.days(30), expired_object_delete_marker=True
            )
        ]
        lock_setting = OBJECT_LOCKED_BUCKETS.get(name)
        lock_days = getattr(self.config.retention, lock_setting) if lock_setting else None
        if lock_days is not None:
            # Nothing expires early; the lock decides. No delete-marker rule either: no
            # version here is ever expired, so no marker would ever become "expired".
            lifecycle = []
        logged = name not in UNLOGGED_BUCKETS
        bucket = s3.Bucket(
            self,
            f"{_pascal(name)}Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.log_bucket if logged else None,
            server_access_logs_prefix=f"{name}/" if logged else None,
            lifecycle_rules=lifecycle,
            object_lock_enabled=True if lock_days is not None else None,
            object_lock_default_retention=_lock(self.config, lock_days) if lock_days is not None else None,
            # Evidence is never deleted by a stack operation, sandbox or not.
            removal_policy=RemovalPolicy.RETAIN,
        )
        if not logged:
            acknowledge(bucket, UNLOGGED_BUCKETS[name], "AwsSolutions-S1")
        return bucket

    def _dead_letter_queue(self, q: QueueSpec) -> sqs.Queue:
        return sqs.Queue(
            self,
            f"{_pascal(q.name)}Dlq",
            queue_name=f"{self.config.resource_prefix}{q.name}-dlq",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

    def _queue(self, q: QueueSpec, dlq: sqs.Queue) -> sqs.Queue:
        return sqs.Queue(
            self,
            f"{_pascal(q.name)}Queue",
            queue_name=f"{self.config.resource_prefix}{q.name}",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            # Lambda fetches the data key once per 5 minutes, not once per message.
            data_key_reuse=Duration.minutes(5),
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(q.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=q.max_receive_count, queue=dlq),
        )

    def _secret(self, name: str, meta: SecretSpec, removal: RemovalPolicy) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            f"{_pascal(name)}Secret",
            description=meta.description,
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=removal,
        )
        acknowledge(secret, meta.no_rotation_reason, "AwsSolutions-SMG4")
        return secret

    def _table(self, spec: TableSpec, *, protected: bool, removal: RemovalPolicy) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"{_pascal(spec.logical_name)}Table",
            table_name=f"{self.config.resource_prefix}{spec.logical_name}",
            partition_key=_key(spec.partition_key),
            sort_key=_key(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=protected,
            removal_policy=removal,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if spec.stream else None,
        )
        for index in spec.global_indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_key(index.sort_key) if index.sort_key else None,
                projection_type=_PROJECTIONS[index.projection],
                non_key_attributes=list(index.non_key_attributes) or None,
            )
        return table

    def allow_service_to_use_key(self, service_principal: str) -> None:
        """Let an AWS service (CloudWatch alarms publishing to the encrypted SNS topic)
        encrypt with the data key, within this account only: `aws:SourceAccount` keeps the
        service from using the key on behalf of another account's resources (the confused
        deputy)."""
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(service_principal)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
