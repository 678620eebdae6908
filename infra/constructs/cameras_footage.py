"""Footage requests and evidence: grants, the evidence bucket's rules (CamerasConstruct._grant_footage).

Each grant is exactly a call the footage code makes (rtcc.cameras.footage_dynamodb,
rtcc.cameras.evidence_s3, rtcc.cameras.evidence_jobs); integration tests exercise every one
(tests/integration/cameras/test_footage*.py).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct

_GET, _PUT, _UPDATE, _QUERY = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"
_BATCH_WRITE = "dynamodb:BatchWriteItem"
BUCKET = "camera-evidence"
#: Evidence lock when the deploy config says nothing (lane X's [camera_program] evidence_lock_days).
DEFAULT_LOCK_DAYS = 365

#: What each function's code does, table by table.
FOOTAGE_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "footage-requests": (_PUT, _GET, _QUERY),  # create (conditional); one; a month's list
        # create; a request's; one; the answer; an owner's unanswered ones on "delete everything"
        # (rtcc.cameras.owner_requests)
        "footage-notices": (_BATCH_WRITE, _QUERY, _GET, _UPDATE, "dynamodb:DeleteItem"),
        "evidence": (_PUT, _GET, _QUERY, _UPDATE),  # an upload started; one; a case's; completed
        "evidence-exports": (_PUT, _QUERY, _GET),  # an export queued; a case's exports; a download
        "camera-owners": (_GET,),  # who may be asked: verified, paused (never the contact)
        "camera-cells": (_QUERY,),  # the cameras in the circle (the registry's locator)
        "camera-receipts": (_PUT,),  # "requested", "approved", "declined" on the owner's receipts
    },
    "footage-notify": {
        "camera-owners": (_GET,),  # the owner's sealed contact (rtcc.cameras.owners_dynamodb.owner_contact)
        "footage-requests": (_GET,),
        "footage-notices": (_GET, _UPDATE),  # the notice; its claim (conditional), channel, release
    },
    "evidence-intake": {
        "footage-requests": (_GET,),  # the receipt's agency and case
        "evidence": (_GET, _UPDATE),  # the arrived clip; received or refused (conditional)
        "camera-receipts": (_PUT,),  # "uploaded" on the owner's receipts
    },
    "evidence-export": {
        "evidence": (_QUERY,),  # the case's clips
        "evidence-exports": (_GET, _UPDATE),  # the export; ready (conditional on queued)
    },
}


def lock_days(config: DeployConfig) -> int:
    program = getattr(config, "camera_program", None)
    return int(getattr(program, "evidence_lock_days", DEFAULT_LOCK_DAYS))


def evidence_bucket_rules(api: ApiConstruct, data: DataConstruct, config: DeployConfig) -> None:
    """Browsers PUT parts from the console's origin and read each part's ETag; unfinished
    uploads are aborted after a week; deployed, every version is under Object Lock (governance
    mode: an auditor with s3:BypassGovernanceRetention can still lift a mistaken upload)."""
    bucket = data.buckets[BUCKET]
    bucket.add_cors_rule(
        allowed_methods=[s3.HttpMethods.PUT],
        allowed_origins=[api.public_origin],
        allowed_headers=["content-type", "content-length"],
        exposed_headers=["ETag"],
        max_age=3600,
    )
    # The whole rule set, replacing the platform's default one (noncurrent versions expire after
    # 30 days, bucket-wide): that rule would remove a clip's earlier versions once their
    # governance lock lapsed. Clips never expire here; exports (a copy of evidence, the clips
    # stay) go after a week, their noncurrent versions and delete markers with them.
    bucket.node.default_child.add_property_override(
        "LifecycleConfiguration.Rules",
        [
            {
                "Id": "UnfinishedClipUploads",
                "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            },
            {
                "Id": "Exports",
                "Status": "Enabled",
                "Prefix": "exports/",
                "ExpirationInDays": 7,
            },
            {
                # S3 refuses ExpiredObjectDeleteMarker beside an Expiration in one rule: the
                # expired exports' versions and their markers are cleaned by a rule of their own.
                "Id": "ExportVersions",
                "Status": "Enabled",
                "Prefix": "exports/",
                "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                "ExpiredObjectDeleteMarker": True,
            },
        ],
    )
    if config.is_deployed:
        cfn = bucket.node.default_child
        cfn.object_lock_enabled = True
        cfn.object_lock_configuration = s3.CfnBucket.ObjectLockConfigurationProperty(
            object_lock_enabled="Enabled",
            rule=s3.CfnBucket.ObjectLockRuleProperty(
                default_retention=s3.CfnBucket.DefaultRetentionProperty(
                    mode="GOVERNANCE", days=lock_days(config)
                )
            ),
        )


def _owner_keys(scope: Construct, notify: Any) -> None:
    """footage-notify opens the owner's sealed contact (Decrypt, bound to the owner's context):
    the registry's vault key (CamerasConstruct._registry_keys; its key policy lets only the
    notifiers decrypt, and it gives footage-notify the link key's GenerateMac)."""
    vault = getattr(scope, "owner_vault_key", None)
    if vault is not None:
        keys.grant(notify, "kms:Decrypt", vault, keys.sealed_context("camera-owner"))


def evidence_signing_key(scope: Construct, api: ApiConstruct, config: DeployConfig) -> kms.Key:
    """The key that signs export manifests (rtcc.cameras.evidence_signature): asymmetric, its
    private half never leaves KMS; the key policy denies kms:Sign to all but evidence-export, so
    no other role (nor an administrator's IAM rights) can sign a forged manifest. The api reads
    the public half (GET /api/footage/signing-key) for courts to verify against. Kept when the
    stack goes: exports signed with it must stay checkable."""
    fns = api.functions
    key = kms.Key(
        scope,
        "EvidenceSigningKey",
        description=f"rtcc {config.city_name}: signs evidence export manifests (evidence-export only)",
        key_spec=kms.KeySpec.ECC_NIST_P256,
        key_usage=kms.KeyUsage.SIGN_VERIFY,
        alias=f"alias/{config.resource_prefix}evidence-signing",
        removal_policy=RemovalPolicy.RETAIN,
    )
    keys.only(key, "OnlyEvidenceExportSigns", ["kms:Sign"], [fns["evidence-export"]])
    keys.grant(fns["evidence-export"], "kms:Sign", key)  # a P-256 key signs with ECDSA_SHA_256 only
    for name in ("evidence-export", "api"):
        keys.grant(fns[name], "kms:GetPublicKey", key)
        fns[name].add_environment("RTCC_CAMERAS_EVIDENCE_KEY_ID", key.key_arn)
    return key


def grant_footage(scope: Construct, api: ApiConstruct, data: DataConstruct, config: DeployConfig) -> None:
    fns = api.functions
    for name, tables in FOOTAGE_TABLES.items():
        for table, actions in tables.items():
            api.grant_table(fns[name], table, actions)
    # api: the owners' multipart uploads (CreateMultipartUpload, the UploadPart URLs it signs,
    # CompleteMultipartUpload are all s3:PutObject; under SSE-KMS the parts need kms:Decrypt,
    # and a presigned part is sent with the api's permissions); the three queues; audit entries.
    api.grant_objects(fns["api"], BUCKET, "clips/", ["s3:PutObject"], multipart=True)
    # api: the bytes really sent before completing (ListParts); abort an oversized upload.
    api.grant_objects(
        fns["api"], BUCKET, "clips/", ["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    )
    # api: signs each export download afresh (the requesters' audited route) by version.
    api.grant_objects(fns["api"], BUCKET, "exports/", ["s3:GetObjectVersion"])
    for queue in ("footage-notices", "evidence-arrivals", "evidence-exports"):
        api.grant_send(fns["api"], queue)
    api.grant_audit_append(fns["api"])
    # footage-notify texts through Twilio from the alerts number.
    api.grant_secret(fns["footage-notify"], "twilio_api_key")
    fns["footage-notify"].add_environment("RTCC_ALERTS_LINE_NUMBER", config.alert_number)
    _owner_keys(scope, fns["footage-notify"])
    from infra.constructs.cameras import grant_camera_email  # SES from camera_program.email_from

    grant_camera_email(fns["footage-notify"], config)  # owners whose only verified contact is an email
    # evidence-intake reads the clip at its version; custody entries.
    api.grant_objects(fns["evidence-intake"], BUCKET, "clips/", ["s3:GetObjectVersion"])
    api.grant_audit_append(fns["evidence-intake"])
    # evidence-export reads clips and writes the zip; custody entries. It never reads an
    # export back: the api signs each download when a requester asks (above).
    api.grant_objects(fns["evidence-export"], BUCKET, "clips/", ["s3:GetObjectVersion"])
    # (a zip past SINGLE_PUT_MAX goes up in parts: rtcc.cameras.evidence_s3.put_export)
    api.grant_objects(fns["evidence-export"], BUCKET, "exports/", ["s3:PutObject"], multipart=True)
    api.grant_audit_append(fns["evidence-export"])
    evidence_signing_key(scope, api, config)
    evidence_bucket_rules(api, data, config)
