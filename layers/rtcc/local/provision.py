"""Creates the declared resources (tables, queues, buckets, the staff user pool) in the
local AWS emulator. What exists comes from `rtcc.resources`; this module only
turns those declarations into API calls."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import boto3

from rtcc.resources import (
    CONSOLE_AUTH_FLOWS,
    CONSOLE_REFRESH_TOKEN_VALIDITY_HOURS,
    CONSOLE_TOKEN_VALIDITY_MINUTES,
    STAFF_GROUPS,
    QueueResource,
    Resources,
)
from rtcc.store import TableSpec


def aws_client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_table(dynamodb: Any, spec: TableSpec) -> None:
    attrs = {spec.partition_key.name: spec.partition_key.type}
    key_schema = [{"AttributeName": spec.partition_key.name, "KeyType": "HASH"}]
    if spec.sort_key:
        attrs[spec.sort_key.name] = spec.sort_key.type
        key_schema.append({"AttributeName": spec.sort_key.name, "KeyType": "RANGE"})
    indexes = []
    for index in spec.global_indexes:
        attrs[index.partition_key.name] = index.partition_key.type
        index_keys = [{"AttributeName": index.partition_key.name, "KeyType": "HASH"}]
        if index.sort_key:
            attrs[index.sort_key.name] = index.sort_key.type
            index_keys.append({"AttributeName": index.sort_key.name, "KeyType": "RANGE"})
        projection: dict[str, Any] = {"ProjectionType": index.projection}
        if index.non_key_attributes:
            projection["NonKeyAttributes"] = list(index.non_key_attributes)
        indexes.append({"IndexName": index.name, "KeySchema": index_keys, "Projection": projection})
    kwargs: dict[str, Any] = {
        "TableName": spec.table_name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attrs.items()],
        "KeySchema": key_schema,
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    if spec.stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    dynamodb.create_table(**kwargs)
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=spec.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def create_queue(sqs: Any, queue: QueueResource) -> str:
    """Creates the DLQ, then the queue redriving to it; returns the queue URL."""
    dlq_url = sqs.create_queue(QueueName=queue.dlq_name, Attributes={"MessageRetentionPeriod": "1209600"})[
        "QueueUrl"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.spec.max_receive_count)}
    return sqs.create_queue(
        QueueName=queue.name,
        Attributes={
            "VisibilityTimeout": str(queue.spec.visibility_timeout_s),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str


def create_user_pool(cognito: Any, name: str) -> UserPool:
    pool_id = cognito.create_user_pool(
        PoolName=name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        AutoVerifiedAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        # As deployed (infra/constructs/auth.py: sign-in by username or email).
        AliasAttributes=["email"],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    for group in STAFF_GROUPS:
        cognito.create_group(UserPoolId=pool_id, GroupName=group, Description=f"rtcc role: {group}")
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="console",
        GenerateSecret=False,
        ExplicitAuthFlows=list(CONSOLE_AUTH_FLOWS),
        ReadAttributes=["email", "email_verified"],
        # The deployed client's lifetimes (rtcc.local.cognito_fidelity makes moto honour them).
        IdTokenValidity=CONSOLE_TOKEN_VALIDITY_MINUTES,
        AccessTokenValidity=CONSOLE_TOKEN_VALIDITY_MINUTES,
        RefreshTokenValidity=CONSOLE_REFRESH_TOKEN_VALIDITY_HOURS,
        TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "hours"},
        EnableTokenRevocation=True,
    )["UserPoolClient"]["ClientId"]
    return UserPool(pool_id, client_id)


def create_staff_user(cognito: Any, pool_id: str, username: str, password: str, groups: list[str]) -> None:
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=password,
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.invalid"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def provision(
    resources: Resources, endpoint_url: str, region: str, versioned: Collection[str] = ()
) -> dict[str, str]:
    """Creates tables, queues and buckets; returns queue logical name -> URL.

    `versioned`: the buckets (topology names) the deployed template versions. Versioning
    decides what a delete leaves behind (a delete marker over the old version, not
    nothing), so a local bucket that differed would pass code that leaves files in AWS."""
    dynamodb = aws_client("dynamodb", endpoint_url, region)
    for table in resources.tables:
        create_table(dynamodb, table)
    s3 = aws_client("s3", endpoint_url, region)
    for bucket in resources.buckets:
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket.name)
        else:
            s3.create_bucket(Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": region})
        if bucket.logical_name in versioned:
            s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    sqs = aws_client("sqs", endpoint_url, region)
    return {queue.spec.name: create_queue(sqs, queue) for queue in resources.queues}
