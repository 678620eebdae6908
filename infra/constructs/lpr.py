"""License-plate reads: least-privilege grants for the plate-read functions, and the key
that seals sources' HMAC secrets.

The tables, queues and the hotlist bucket come from the declaration (rtcc.lpr.capability);
what it cannot say (grants action by action, keys, settings) is built here. Each part of the
capability has its own method below, granting exactly the calls its code makes; the local
stack enforces them and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

import math
from datetime import timedelta

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct
from rtcc.lpr.retention import policy

from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct
from infra.nag import acknowledge

_GET, _PUT, _UPDATE, _QUERY = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"
_DELETE, _BATCH_GET, _BATCH_WRITE = "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"
#: The encryption context key binding a sealed HMAC key to its source (rtcc.lpr.sources_dynamodb).
SOURCES_CONTEXT_KEY = "lpr-source"


#: Tables holding plates under the read retention (reads and their index items, hits, folds):
#: their point-in-time recovery may not reach further back than the retention, or a restore
#: would bring back reads the law says are gone (PITR keeps 35 days by default).
_Pitr = dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty
RETENTION_BOUND_TABLES = ("lpr-reads", "lpr-hits", "lpr-folds")


def bound_backups(data: DataConstruct, config: DeployConfig) -> None:
    """PITR of the plate tables set to the retention's days (1 to 35), or off when the
    retention is shorter than PITR's one-day minimum (New Hampshire's 3 minutes)."""
    period = policy(config.lpr.retention_preset, config.lpr.retention_days).period
    for name in RETENTION_BOUND_TABLES:
        table = data.tables[name]
        cfn = table.node.default_child
        if period < timedelta(days=1):
            cfn.point_in_time_recovery_specification = _Pitr(point_in_time_recovery_enabled=False)
            acknowledge(
                table,
                "Holds plate reads under a retention shorter than a day (the deploy config's lpr preset): "
                "a point-in-time backup would keep them past it.",
                "AwsSolutions-DDB3",
            )
            continue
        days = min(35, math.ceil(period / timedelta(days=1)))
        cfn.point_in_time_recovery_specification = _Pitr(
            point_in_time_recovery_enabled=True, recovery_period_in_days=days
        )


#: Hits (rtcc.lpr.hit_record over rtcc.lpr.hits_dynamodb, rtcc.lpr.counts_dynamodb): what each
#: function's code does, table by table.
_HITS_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "lpr-ingest": {
        "lpr-folds": (_PUT, _GET, _UPDATE),  # the fold claim (conditional put), the loser's read
        "lpr-hits": (_PUT, _UPDATE),  # a new hit; a folded read counted into it (ADD)
        "lpr-hotlists": (_BATCH_GET,),  # the hits' lists: name, notify
        "lpr-readers": (_BATCH_GET,),  # the hits' reader names
        "feed": (_PUT,),  # the live feed channel lpr-hits
        "lpr-counts": (_UPDATE,),  # transparency counters (ADD): reads, hits
    },
    "api": {
        "lpr-hits": (_QUERY, _GET, _UPDATE),  # a day's hits; one; the verdict (conditional)
        # verdicts and searches counted (ADD); the rates report; the transparency months
        "lpr-counts": (_UPDATE, _GET, _BATCH_GET),
    },
    "lpr-notify": {
        "lpr-hits": (_GET, _UPDATE),  # the hit to text; the claim (conditional), given back on failure
    },
}


def lpr_environment(config: DeployConfig) -> dict[str, dict[str, str]]:
    """The `[lpr]` settings (rtcc.lpr.settings, RTCC_LPR_*) each function reads, and only those:
    search purposes and retention to the api (search, transparency), retention to lpr-ingest
    (each read's TTL), the hotlist size limit to the api (the upload form) and lpr-import, the
    hit texts' numbers to lpr-notify alone."""
    lpr = config.lpr
    retention = {"RTCC_LPR_RETENTION_PRESET": lpr.retention_preset}
    if lpr.retention_days is not None:
        retention["RTCC_LPR_RETENTION_DAYS"] = str(lpr.retention_days)
    size = {"RTCC_LPR_MAX_HOTLIST_BYTES": str(lpr.max_hotlist_mb * 1024 * 1024)}
    texts = {"RTCC_LPR_HIT_TEXT_FROM": lpr.hit_text_from or config.alert_number}
    if lpr.hit_text_to:
        texts["RTCC_LPR_HIT_TEXT_TO"] = ",".join(lpr.hit_text_to)
    return {
        "api": {"RTCC_LPR_PURPOSES": ",".join(lpr.purposes), **retention, **size},
        "lpr-ingest": retention,
        "lpr-import": size,
        "lpr-notify": texts,
    }


class LprConstruct(Construct):
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
        self._grant_sources(api, config)
        self._grant_ingest(api, config)
        self._grant_hotlists(api, config)
        self._grant_hits(api, config)
        self._grant_search(api, config)
        bound_backups(data, config)

    # --- sources, secrets and the ingest (lane: sources) ---------------------------------
    def _grant_sources(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The admins' routes on `api` (rtcc.api.routes.lpr_sources over
        rtcc.lpr.sources_dynamodb): list, create, conditional saves, readers; and the key
        sealing HMAC secrets, which `api` may only Encrypt with."""
        fn = api.functions["api"]
        api.grant_table(fn, "lpr-sources", (_QUERY, _GET, _PUT))  # list; read; create / save (conditional)
        api.grant_table(fn, "lpr-readers", (_QUERY, _PUT, _DELETE))  # a source's readers; add; remove
        self.sources_key = kms.Key(
            self,
            "SourcesKey",
            description=f"rtcc {config.city_name}: plate-read sources' HMAC keys; only lpr-ingest decrypts",
            enable_key_rotation=True,
            alias=f"alias/{config.resource_prefix}lpr-sources",
            # A source's sealed key outlives a stack update; a deleted key strands every HMAC source.
            removal_policy=RemovalPolicy.RETAIN,
        )
        keys.only_decrypt(self.sources_key, "OnlyTheIngestDecrypts", [api.functions["lpr-ingest"]])
        keys.grant(fn, "kms:Encrypt", self.sources_key, keys.sealed_context(SOURCES_CONTEXT_KEY))
        fn.add_environment("RTCC_LPR_SOURCES_KEY_ID", self.sources_key.key_arn)

    def _grant_ingest(self, api: ApiConstruct, config: DeployConfig) -> None:
        """lpr-ingest (rtcc.lpr.ingest): the source by key, its sealed HMAC key opened,
        readers by key and their times, reads de-duplicated (BatchGetItem) and stored with
        their index items (BatchWriteItem). Matching and hits are granted by their lanes."""
        fn = api.functions["lpr-ingest"]
        api.grant_table(fn, "lpr-sources", (_GET,))
        api.grant_table(fn, "lpr-readers", (_BATCH_GET, _UPDATE))  # registered?; last heartbeat / read
        api.grant_table(fn, "lpr-reads", (_BATCH_GET, _BATCH_WRITE))
        keys.grant(fn, "kms:Decrypt", self.sources_key, keys.sealed_context(SOURCES_CONTEXT_KEY))
        fn.add_environment("RTCC_LPR_SOURCES_KEY_ID", self.sources_key.key_arn)

    # --- hotlists: imports, the keyed index, matching (lane: hotlists) --------------------
    def _grant_hotlists(self, api: ApiConstruct, config: DeployConfig) -> None:
        ingest, imports, fn_api = (api.functions[n] for n in ("lpr-ingest", "lpr-import", "api"))
        # Matching (rtcc.lpr.keyed_hotlists): the heads' one partition, then probe keys.
        api.grant_table(ingest, "lpr-hotlists", [_QUERY])
        api.grant_table(ingest, "lpr-hotlist-keys", [_BATCH_GET])
        # Imports (rtcc.lpr.hotlist_store_dynamodb): the head's lease and switch, the
        # touched keys read and written whole, progress; the upload and the versions.
        api.grant_table(imports, "lpr-hotlists", [_GET, _UPDATE])
        api.grant_table(imports, "lpr-hotlist-keys", [_BATCH_GET, _BATCH_WRITE])
        api.grant_table(imports, "lpr-imports", [_GET, _UPDATE])
        # DeleteObject: an imported file goes once its version is live (rtcc.lpr.hotlist_runner).
        # Deleted version by version (rtcc.tips.adapters.aws.delete_every_version): the bucket is
        # versioned, and a plain delete would keep the plates 30 days behind a delete marker.
        deletes = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
        api.grant_objects(imports, "lpr-hotlists", "uploads/", [*deletes, "s3:GetObject"])
        # DeleteObject: a replaced version's files (its plates) go at the switch-over.
        api.grant_objects(imports, "lpr-hotlists", "versions/", [*deletes, "s3:GetObject", "s3:PutObject"])
        # Whether an abandoned attempt left a key manifest, and whether (and how large) the
        # file was uploaded: listings held to versions/ and uploads/ (a GetObject or
        # HeadObject of a missing object is a 403 to a role without ListBucket).
        imports.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[api.data.buckets["lpr-hotlists"].bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["versions/?*", "uploads/?*"]}},
            )
        )
        # The versions of the one file it deletes (the listing names its whole key).
        imports.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[api.data.buckets["lpr-hotlists"].bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["versions/?*/?*", "uploads/?*"]}},
            )
        )
        # The console's routes (rtcc.api.routes.lpr_hotlists): lists, imports, the upload
        # form it signs (the browser posts the file under the api's signature), the queue.
        api.grant_table(fn_api, "lpr-hotlists", [_GET, _PUT, _QUERY])
        api.grant_table(fn_api, "lpr-imports", [_GET, _PUT, _UPDATE])  # register; progress; start (once)
        api.grant_objects(fn_api, "lpr-hotlists", "uploads/", ["s3:PutObject"])
        api.grant_send(fn_api, "lpr-imports")
        api.grant_audit_append(fn_api)
        bucket = api.data.buckets["lpr-hotlists"]
        # The console posts the file straight to S3 with the form (CORS for its origin);
        # a file never started, and each import's upload, is gone after a week.
        bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=[api.public_origin],
            allowed_headers=["content-type"],
            max_age=3600,
        )
        bucket.add_lifecycle_rule(id="HotlistUploads", prefix="uploads/", expiration=Duration.days(7))

    # --- hits, verification, texts, transparency (lane: hits) -----------------------------
    def _grant_hits(self, api: ApiConstruct, config: DeployConfig) -> None:
        for name, tables in _HITS_TABLES.items():
            for table, actions in tables.items():
                api.grant_table(api.functions[name], table, actions)
        # A hit on a feed+sms list is queued (ids only) for lpr-notify, the one LPR texter.
        api.grant_send(api.functions["lpr-ingest"], "lpr-hit-texts")
        api.grant_audit_append(api.functions["api"])  # verdicts are audited before they are written
        api.grant_secret(api.functions["lpr-notify"], "twilio_api_key")  # hit texts, through Twilio's API
        for name, variables in lpr_environment(config).items():
            for variable, value in variables.items():
                api.functions[name].add_environment(variable, value)

    # --- search (lane: hits) ---------------------------------------------------------------
    def _grant_search(self, api: ApiConstruct, config: DeployConfig) -> None:
        """Searches on `api` (rtcc.api.routes.lpr_search): one key Query per lookup on the reads
        table; each search is audited and counted per purpose (granted in _grant_hits)."""
        api.grant_table(api.functions["api"], "lpr-reads", (_QUERY,))
