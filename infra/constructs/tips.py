"""Anonymous tips: the contact vault's key, least-privilege grants for the tips functions,
and the media bucket's upload rules.

The point of the product is anonymity, so access follows the code exactly:
- `tip-webhook` seals a new tipster's number (kms:Encrypt with the vault key) and writes
  it with a conditional PutItem (never in a batch: BatchWriteItem could delete entries);
- `tip-outbound` is the only reader: GetItem on the vault and kms:Decrypt with the key;
- `api` only schedules the vault entry's deletion when a tip closes (UpdateItem; it never
  gets kms:Decrypt, so even the ciphertext pynamodb's update returns is useless to it);
- `tip-media` never touches the vault;
- `retention` deletes a purged tip's vault entry by key (DeleteItem only, no kms:Decrypt).
The vault key's own policy denies Decrypt (and ReEncryptFrom, which amounts to it) to every
principal but the reply function's role, so an account administrator's IAM rights do not
reach tipsters' numbers either. Every use must carry the `tip` encryption context the
adapter sets (`rtcc.tips.adapters.aws.KmsContactSealer`).

The other tips tables, the media bucket's prefixes, the two tips queues and the two
secrets are granted here too, action by action, to the functions whose code uses them.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct
from rtcc.store import ALL_MODELS, table_spec
from rtcc.store.tips import TipVaultRecord
from rtcc.tips.adapters.aws import MEDIA_QUEUE, OUTBOUND_QUEUE

from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct
from infra.nag import acknowledge, arn_of

VAULT_TABLE = table_spec(TipVaultRecord).logical_name
TIPS_TABLES = frozenset(
    table_spec(m).logical_name for m in ALL_MODELS if m.__module__ == TipVaultRecord.__module__
)
MEDIA_BUCKET = "media"
#: Where the web form's presigned POSTs land (`rtcc.tips.web_intake.upload_key`) and where
#: the media consumer files checked media (`rtcc.tips.media`).
UPLOAD_PREFIX = "uploads/"
MEDIA_PREFIX = "tips/"
#: A presigned form lives 15 minutes and the consumer moves the file at once: anything
#: still in the upload area a day later was abandoned.
ABANDONED_UPLOAD_DAYS = 1
#: The encryption context key the sealer binds each ciphertext to (value: the tip code).
VAULT_CONTEXT_KEY = "tip"

TIPS_FUNCTIONS = ("tip-webhook", "tip-media", "tip-outbound")


_GET, _BATCH_GET, _QUERY = "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"
_PUT, _UPDATE, _DELETE, _BATCH_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)

#: What each function that serves tips may do, table by table, derived from the calls its
#: code makes (pynamodb: get/get_or_none -> GetItem, batch_get -> BatchGetItem, query ->
#: Query, save/create_if_absent and a transaction's save -> PutItem, update and a
#: transaction's update -> UpdateItem, delete -> DeleteItem, put_all/batch_write ->
#: BatchWriteItem). The local stack enforces exactly these, and the least-privilege test
#: fails on any the suite never used. `api` is the inbox and web tips.
_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "tips": (_GET, _BATCH_GET, _PUT, _UPDATE),  # inbox, triage transactions, web intake
        "tip-messages": (_QUERY, _PUT, _UPDATE),
        "tip-media": (_GET, _QUERY, _PUT, _UPDATE),
        "feed": (_PUT,),  # the live feed's channel "tips" (the platform grants the read)
        "tipsters": (_GET, _UPDATE),  # block / unblock, web rate limits
    },
    "tip-webhook": {
        # Intake: claim the MessageSid (receipts), find or open the tip, write the message,
        # its media and a feed entry in one BatchWriteItem; redo: conditional puts.
        "tips": (_GET, _PUT, _UPDATE),  # UpdateItem: the spam flag when a race crosses the limit
        "tip-messages": (_BATCH_WRITE, _PUT),
        "tip-media": (_BATCH_WRITE, _PUT, _QUERY),  # Query: a duplicate MMS re-queues pending media
        "feed": (_BATCH_WRITE, _PUT),
        # UpdateItem: a claim moved to a fresh code. GetItem + UpdateItem also serve replies'
        # status callbacks: is the ref's marker ours, and record its first final status.
        "tip-receipts": (_GET, _PUT, _UPDATE),
        "tipsters": (_GET, _UPDATE),
        # STOP / START (or Twilio's OptOutType) to the tip line, under the tip line's name.
        "sms-opt-outs": (_UPDATE,),
    },
    "tip-media": {
        "tip-media": (_GET, _UPDATE, _QUERY),  # Query: is the message's last item done?
        "tips": (_GET, _PUT),  # the settle transaction bumps the tip's version
        "feed": (_PUT,),
        "tip-messages": (_GET, _UPDATE),  # the MMS deleted at Twilio: its SID removed
    },
    "tip-outbound": {
        "tip-messages": (_GET, _UPDATE),
        "tips": (_GET,),
        "tipsters": (_GET,),  # opted out? (a STOP stored before the platform's record)
        "sms-opt-outs": (_GET, _UPDATE),  # opted out?; a 21610 refusal records it
        # Supervisor alerts sent once; PutItem also saves each reply's status-callback
        # marker before sending (rtcc.tips.reply_status).
        "tip-receipts": (_GET, _PUT),
    },
    "retention": {
        # The purge: claim the tip, delete its media records, thread, receipts and tip.
        "tips": (_GET, _UPDATE, _DELETE),
        "tip-media": (_QUERY, _DELETE),
        "tip-messages": (_QUERY, _BATCH_WRITE),
        "tip-receipts": (_BATCH_WRITE,),  # by the keys the messages carry
        # The tip's code leaves its sender's record, deleted with the last one (by key).
        "tipsters": (_UPDATE, _DELETE),
    },
}
#: Queries on the tips table's indexes (the inbox's status lists).
_INDEXES: dict[str, dict[str, tuple[str, ...]]] = {"api": {"tips": (_QUERY,)}}

#: Objects in the media bucket, by prefix: presigned preview links and upload forms (api),
#: checked media in and processed uploads out (tip-media). The retention sweep's deletes
#: are `_grant_purge`. The bucket is versioned, so a processed upload is deleted version
#: by version (a delete by version id needs s3:DeleteObject and s3:DeleteObjectVersion),
#: never by a plain delete: that would leave the tipster's original, EXIF and GPS
#: included, behind a delete marker for 30 days (rtcc.tips.adapters.aws).
_OBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {"tips/": ("s3:GetObject",), "uploads/tips/": ("s3:PutObject",)},
    "tip-media": {
        "tips/": ("s3:PutObject",),
        "uploads/tips/": ("s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    },
}
#: Whose versions each function may list (s3:ListBucketVersions), by key prefix: the
#: versions of one file it deletes (rtcc.tips.adapters.aws.delete_every_version).
_VERSION_LISTINGS: dict[str, tuple[str, ...]] = {
    "tip-media": (f"{UPLOAD_PREFIX}tips/",),
    "retention": (MEDIA_PREFIX, f"{UPLOAD_PREFIX}tips/"),
}
_QUEUES: dict[str, tuple[str, ...]] = {
    "api": (MEDIA_QUEUE, OUTBOUND_QUEUE),  # confirmed uploads; replies, supervisor alerts
    # Media jobs; alerts, text-only messages to delete at Twilio, and replies to delete there
    # once final (the status callback, rtcc.tips.reply_status).
    "tip-webhook": (MEDIA_QUEUE, OUTBOUND_QUEUE),
}
#: No secret computes a pseudonym: that is the KMS HMAC key only the webhook may use.
_SECRETS: dict[str, tuple[str, ...]] = {
    # The auth token to the webhook alone: it checks signatures with it, and whoever holds
    # it can sign a form and read from the TwiML answer whether a number has an open tip.
    "tip-webhook": ("twilio_auth_token",),
    # Twilio's REST API takes an API key instead (rtcc.sms.twilio_key).
    "tip-media": ("twilio_api_key",),  # authenticated download and delete at Twilio
    "tip-outbound": ("twilio_api_key",),  # sending SMS, deleting text-only messages
}
#: Functions that append to the audit log while serving tips (views, triage, purges). Not
#: the webhook: its refusals are counted and summarised (infra/constructs/refusals.py).
_AUDIT_WRITERS = ("api", "retention")
_ACCESS = {*_TABLES, *_OBJECTS, *_VERSION_LISTINGS, *_QUEUES, *_SECRETS, *_AUDIT_WRITERS}

#: The vault table actions each function's code performs, and nothing else.
_VAULT_ACTIONS = {
    "tip-webhook": ("dynamodb:PutItem",),  # a conditional put of a new tip's sealed number
    "tip-outbound": ("dynamodb:GetItem",),
    "api": ("dynamodb:UpdateItem",),  # set / remove `expires` on close / reopen
    "retention": ("dynamodb:DeleteItem",),  # a purged tip's entry, by key
}


class TipsConstruct(Construct):
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
        missing = {*_ACCESS, *TIPS_FUNCTIONS} - set(api.functions)
        if missing:
            raise ValueError(f"tips: functions {sorted(missing)} are not in the topology")
        self.functions = {name: api.functions[name] for name in sorted(_ACCESS)}
        self.api = api
        self.vault_table = data.tables[VAULT_TABLE]

        self.vault_key = kms.Key(
            self,
            "VaultKey",
            description=f"rtcc {config.city_name}: tipsters' phone numbers (contact vault); "
            "only the reply function may decrypt",
            enable_key_rotation=True,
            alias=f"alias/{config.resource_prefix}tips-vault",
            # A vault entry outlives a stack update; a deleted key would make every one of
            # them (and their backups) unreadable, so the key is kept even in a sandbox.
            removal_policy=RemovalPolicy.RETAIN,
        )
        keys.only_decrypt(self.vault_key, "OnlyTheReplyFunctionDecrypts", [self.functions["tip-outbound"]])
        self.pseudonym_key = self._pseudonym_key(config, self.functions["tip-webhook"])

        for name, fn in self.functions.items():
            self._grant_tips_data(name, fn, api)
        self._grant_vault()
        self._grant_purge(data.buckets[MEDIA_BUCKET])
        # RTCC_TIPS_* only where the code reads them (rtcc.tips.settings): the vault key where
        # contacts are sealed and unsealed, the retention periods where tips are closed.
        for name in ("tip-webhook", "tip-outbound"):
            self.functions[name].add_environment("RTCC_TIPS_VAULT_KEY_ID", self.vault_key.key_arn)
        webhook = self.functions["tip-webhook"]
        webhook.add_environment("RTCC_TIPS_PSEUDONYM_KEY_ID", self.pseudonym_key.key_arn)
        retention = {
            "RTCC_TIPS_VAULT_RETENTION_DAYS": config.retention.tip_contact_days,
            "RTCC_TIPS_CLOSED_RETENTION_DAYS": config.retention.closed_tip_days,
            "RTCC_TIPS_CASE_RETENTION_DAYS": config.retention.case_tip_days,
        }
        for variable, days in retention.items():
            self.functions["api"].add_environment(variable, str(days))

        # Only the reply function sends SMS from the tip line: replies to tipsters and
        # priority alerts to supervisors (rtcc.tips.outbound).
        for name, value in self.outbound_settings(config).items():
            self.functions["tip-outbound"].add_environment(name, value)
        # The tip line's language for tipsters who chose none (rtcc.tips.sms_texts): the
        # webhook answers in it, the reply function frames officers' replies in it.
        if config.tips_sms_language:
            for name in ("tip-webhook", "tip-outbound"):
                self.functions[name].add_environment("RTCC_TIPS_SMS_LANGUAGE", config.tips_sms_language)

        self._media_bucket_rules(data.buckets[MEDIA_BUCKET], api.public_origin, config)

    @staticmethod
    def outbound_settings(config: DeployConfig) -> dict[str, str]:
        return {
            "RTCC_TIPS_LINE_NUMBER": config.tip_line_number,
            # pydantic-settings reads a list field as JSON.
            "RTCC_TIPS_SUPERVISOR_NUMBERS": json.dumps(list(config.tips_supervisor_numbers)),
        }

    # --- grants -------------------------------------------------------------------------
    @staticmethod
    def _grant_tips_data(name: str, fn: lambda_.Function, api: ApiConstruct) -> None:
        for table, actions in _TABLES.get(name, {}).items():
            api.grant_table(fn, table, actions, index_actions=_INDEXES.get(name, {}).get(table, ()))
        for prefix, actions in _OBJECTS.get(name, {}).items():
            api.grant_objects(fn, MEDIA_BUCKET, prefix, actions)
        if name in _VERSION_LISTINGS:
            TipsConstruct._grant_version_listing(fn, api.data.buckets[MEDIA_BUCKET], _VERSION_LISTINGS[name])
        for queue in _QUEUES.get(name, ()):
            api.grant_send(fn, queue)
        for secret in _SECRETS.get(name, ()):
            api.grant_secret(fn, secret)
        if name in _AUDIT_WRITERS:
            api.grant_audit_append(fn)

    @staticmethod
    def _grant_version_listing(fn: lambda_.Function, bucket: s3.Bucket, prefixes: tuple[str, ...]) -> None:
        """s3:ListBucketVersions is a bucket action: held to `prefixes` by `s3:prefix`, and
        to one tip's keys within them (`<prefix><code>/<id>`, both non-empty), so the role
        can list the versions of a file whose tip code it knows, never every tip's keys."""
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}?*/?*" for prefix in prefixes]}},
            )
        )

    def _grant_purge(self, bucket: s3.Bucket) -> None:
        """The retention sweep deletes a purged tip's files for good: checked media and web
        uploads never processed, every version of each (listed through
        `_VERSION_LISTINGS`). Only deletes by version id: a plain delete would leave the
        file readable as an old version for 30 more days. IAM cannot tell the two apart (a
        delete by version id takes s3:DeleteObject too), so a test holds the code to it
        (tests/unit/tips/test_deletes_are_for_good.py)."""
        fn = self.functions["retention"]
        fn.add_to_role_policy(
            iam.PolicyStatement(
                # Deleting by version id takes both (AWS's DeleteObject reference).
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[
                    bucket.arn_for_objects(f"{MEDIA_PREFIX}*"),
                    bucket.arn_for_objects(f"{UPLOAD_PREFIX}tips/*"),
                ],
            )
        )
        acknowledge(
            fn,
            "A purged tip's files are keyed by tip code under these two prefixes; codes are not known "
            "at deploy time.",
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/{MEDIA_PREFIX}*]",
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/{UPLOAD_PREFIX}tips/*]",
        )

    def _grant_vault(self) -> None:
        for name, actions in _VAULT_ACTIONS.items():
            # The vault table is under the data key, which DynamoDB uses on the caller's behalf.
            self.api.grant_table(self.functions[name], VAULT_TABLE, actions)
        # A ciphertext is bound to its tip code by the sealer's encryption context.
        context = keys.sealed_context(VAULT_CONTEXT_KEY)
        keys.grant(self.functions["tip-webhook"], "kms:Encrypt", self.vault_key, context)
        keys.grant(self.functions["tip-outbound"], "kms:Decrypt", self.vault_key, context)

    def _pseudonym_key(self, config: DeployConfig, webhook: lambda_.Function) -> kms.Key:
        """The KMS HMAC key behind tipster pseudonyms and MessageSid receipt keys: only the
        webhook's role may compute with it (infra.constructs.keys), so no other function, and
        no administrator's IAM rights, can hash the city's numbers to find a tipster."""
        return keys.lookup_key(
            self,
            "PseudonymKey",
            description=f"rtcc {config.city_name}: tipster pseudonyms (HMAC); only the tip webhook uses it",
            alias=f"alias/{config.resource_prefix}tips-pseudonym",
            sid="OnlyTheWebhookComputesPseudonyms",
            users=[webhook],
        )

    # --- media bucket -------------------------------------------------------------------
    @staticmethod
    def _media_bucket_rules(bucket: s3.Bucket, origin: str, config: DeployConfig) -> None:
        # The /tip page (served from the API's own origin) POSTs presigned forms straight
        # to S3, and the console fetches media previews with presigned GETs (its CSP keeps
        # images to its own origin); the browser needs CORS for that origin and those two.
        bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.POST],
            allowed_origins=[origin],
            allowed_headers=["content-type"],
            max_age=3600,
        )
        bucket.add_lifecycle_rule(
            id="TipMediaRetention",
            prefix=MEDIA_PREFIX,
            expiration=Duration.days(config.retention.media_days),
        )
        bucket.add_lifecycle_rule(
            id="AbandonedTipUploads",
            prefix=UPLOAD_PREFIX,
            expiration=Duration.days(ABANDONED_UPLOAD_DAYS),
        )
