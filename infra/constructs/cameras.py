"""Cameras: least-privilege grants for the camera registry, incidents and footage requests,
the city's own cameras' video streams, and the evidence bucket's rules.

The tables, queues and buckets come from the declaration (rtcc.cameras.capability); what it
cannot say (grants action by action, streams, Object Lock, settings) is built here. Each part
of the capability has its own method below, granting exactly the calls its code makes; the
local stack enforces them and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnTag, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisvideo as kinesisvideo
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct, _pascal
from infra.constructs.email import grant_send_email
from infra.nag import acknowledge

_GET, _PUT, _UPDATE, _QUERY = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"
_DELETE, _BATCH_GET, _BATCH_WRITE = "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"

#: The registry (rtcc.cameras.registry_dynamodb, owners_dynamodb, receipts_dynamodb,
#: locator_dynamodb): what each function's code does, table by table. A camera's change is one
#: transaction (PutItem / UpdateItem / DeleteItem per item) over the camera, its cell item and
#: its owner's list; an owner's cameras are one BatchGetItem.
_REGISTRY_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "camera-owners": (_GET, _PUT, _UPDATE, _DELETE),  # register, verify, pause, camera lists, delete
        "camera-owner-contacts": (_GET, _PUT, _DELETE),  # verified lookups; deleted with the owner
        "cameras": (_GET, _PUT, _DELETE, _BATCH_GET),
        "camera-cells": (_PUT, _DELETE, _QUERY),  # kept in step with cameras; nearest and boxes
        "camera-receipts": (_QUERY, _DELETE),  # the portal's list; deleted with the owner
        "camera-contact-codes": (_GET, _UPDATE, _DELETE),  # check, spend an attempt, spent or deleted
        "alert-signup-counts": (_UPDATE,),  # new owners a day, codes an owner a day (by key)
    },
    "camera-verify": {
        "camera-owners": (_GET,),  # the sealed contact, the language
        # "send my link": which owner has this contact; a pending owner's claim on its contact
        "camera-owner-contacts": (_GET, _PUT),
        "camera-contact-codes": (_GET, _PUT),  # the last code's time; the new code's hash
        "sms-opt-outs": (_GET, _UPDATE),  # opted out of these texts?; a 21610 refusal records it
        "alert-signup-counts": (_UPDATE,),  # the SMS line's per-contact and city-wide limits
    },
}
#: Who may open an owner's contact (the vault key's policy names no one else): the code and
#: link sender, and footage requests' notifier.
_CONTACT_READERS = ("camera-verify", "footage-notify")


def grant_camera_email(fn: lambda_.Function, config: DeployConfig) -> None:
    """For the functions that email owners (codes, footage requests): SendEmail from the
    config's `camera_program.email_from` identity, held to its From address
    (infra.constructs.email), which the function reads as RTCC_CAMERAS_EMAIL_FROM. A city
    that set none sends no email: no grant, and an empty sender the code reads as "none"."""
    identity = config.camera_program.email_from
    fn.add_environment("RTCC_CAMERAS_EMAIL_FROM", grant_send_email(fn, identity) if identity else "")


class CamerasConstruct(Construct):
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
        self._grant_registry(api, config)
        self._grant_incidents(api, config)
        self._grant_footage(api, data, config)
        self._streams(api, config)

    # --- the registry: owners, cameras, the area index, receipts (lane: registry) ---------
    def _grant_registry(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The public registration and owner portal routes and the officers' registry views
        (`api`), and the owners' codes and links (`camera-verify`). Three KMS keys guard the
        owners' contacts (see `_registry_keys`); F's footage functions use them too."""
        for name, tables in _REGISTRY_TABLES.items():
            for table, actions in tables.items():
                api.grant_table(api.functions[name], table, actions)
        fn, verify = api.functions["api"], api.functions["camera-verify"]
        api.grant_send(fn, "camera-verify-codes")  # codes and links are asked for, never sent, here
        if "camera-streams" in api.data.queues:  # integrated cameras' streams (lane X's consumer)
            api.grant_send(fn, "camera-streams")
        api.grant_secret(verify, "twilio_api_key")  # texts through Twilio's API
        # Texts go from the alerts number (rtcc.cameras.verify_codes says why).
        verify.add_environment("RTCC_ALERTS_LINE_NUMBER", config.alert_number)
        # ...and within that line's city-wide hourly breaker (the alerts signup's figure).
        verify.add_environment("RTCC_ALERTS_SIGNUPS_PER_HOUR", str(config.alerts.signups_per_hour))
        grant_camera_email(verify, config)  # codes and links to an email, from camera_program.email_from
        self._registry_keys(api, config)

    def _registry_keys(self, api: ApiConstruct, config: DeployConfig) -> None:
        """- the vault key seals owners' contacts: api Encrypts (a registration); only the
          notifiers (`_CONTACT_READERS`) may Decrypt, whatever else IAM says;
        - the contact lookup key (HMAC) keys "which owner has this contact": camera-verify only,
          so the api, which reads lookups, cannot hash numbers to match them;
        - the link key (HMAC) signs owners' portal and request links: the api checks them,
          the notifiers send them."""
        fns = api.functions
        readers = [fns[n] for n in _CONTACT_READERS if n in fns]
        signers = [fns[n] for n in ("api", *_CONTACT_READERS) if n in fns]
        self.owner_vault_key = kms.Key(
            self,
            "OwnerVaultKey",
            description=f"rtcc {config.city_name}: camera owners' contacts; only the notifiers may decrypt",
            enable_key_rotation=True,
            alias=f"alias/{config.resource_prefix}cameras-vault",
            removal_policy=RemovalPolicy.RETAIN,  # an owner outlives a stack update
        )
        keys.only_decrypt(self.owner_vault_key, "OnlyTheNotifiersDecrypt", readers)
        context = keys.sealed_context("camera-owner")
        keys.grant(fns["api"], "kms:Encrypt", self.owner_vault_key, context)
        keys.grant(fns["camera-verify"], "kms:Decrypt", self.owner_vault_key, context)
        self.owner_contact_key = keys.lookup_key(
            self,
            "OwnerContactKey",
            description=f"rtcc {config.city_name}: camera owners' contact lookup (HMAC)",
            alias=f"alias/{config.resource_prefix}cameras-contact",
            sid="OnlyCameraVerifyComputesMacs",
            users=[fns["camera-verify"]],
        )
        self.owner_link_key = keys.lookup_key(
            self,
            "OwnerLinkKey",
            description=f"rtcc {config.city_name}: camera owners' signed links (HMAC)",
            alias=f"alias/{config.resource_prefix}cameras-links",
            sid="OnlyTheLinkFunctionsSign",
            users=signers,
        )
        for fn in {*readers, fns["api"]}:
            fn.add_environment("RTCC_CAMERAS_VAULT_KEY_ID", self.owner_vault_key.key_arn)
        fns["camera-verify"].add_environment("RTCC_CAMERAS_CONTACT_KEY_ID", self.owner_contact_key.key_arn)
        for fn in signers:
            fn.add_environment("RTCC_CAMERAS_LINK_KEY_ID", self.owner_link_key.key_arn)

    # --- incidents, the CAD webhook, the operations map (lane: incidents) -----------------
    def _grant_incidents(self, api: ApiConstruct, config: DeployConfig) -> None:
        """Officers' incidents on `api`, dispatch's incidents on the CAD webhook.

        Both write an incident as one transaction (rtcc.cameras.incidents_dynamodb): the
        record and the map's board item (PutItem, the record's conditional), its live windows
        (PutItem) and the feed item (PutItem); both find the nearest cameras through the
        registry's locator (Query of camera-cells) and append audit entries (create, close)."""
        cad, fn = api.functions["cameras-cad"], api.functions["api"]
        for function in (cad, fn):
            api.grant_table(function, "incidents", (_GET, _PUT))  # one incident; the transaction's puts
            # Windows opened (PutItem) and ended (UpdateItem: the end only, the opening kept).
            api.grant_table(function, "camera-live-windows", (_PUT, _UPDATE))
            api.grant_table(function, "feed", (_PUT,))  # the live feed channel `incidents`
            api.grant_audit_append(function)
        api.grant_table(fn, "incidents", (_QUERY,))  # the board: open and recent, one partition
        # One incident's windows for its nearest cameras, by key (the live_window flags).
        api.grant_table(fn, "camera-live-windows", (_BATCH_GET,))
        # The nearest cameras through the registry's locator (api's Query is the registry's grant).
        api.grant_table(cad, "camera-cells", (_QUERY,))
        # The map's plate-hits layer (rtcc.lpr.map_layer): today's hits' fixed readers, by key.
        api.grant_table(fn, "lpr-readers", (_BATCH_GET,))
        api.grant_secret(cad, "cad_webhook_secret")  # checks CAD's signatures; nothing else reads it
        # Refusals at the door, counted per minute (rtcc.refusals).
        api.grant_table(cad, "refusals", (_UPDATE,))

    # --- footage requests, uploads, evidence (lane: footage) ------------------------------
    def _grant_footage(self, api: ApiConstruct, data: DataConstruct, config: DeployConfig) -> None:
        """Requests, owners' notices, clip uploads, hashing on arrival, exports."""
        from infra.constructs.cameras_footage import grant_footage

        grant_footage(self, api, data, config)
        fn = api.functions["api"]
        # rtcc.cameras.footage_limits_dynamodb: an officer's requests this hour (one conditional
        # ADD); the owners a case already asked (looked up by key, the new ones written).
        api.grant_table(fn, "footage-ask-counts", (_UPDATE,))
        api.grant_table(fn, "footage-case-owners", (_BATCH_GET, _BATCH_WRITE))

    # --- video streams: the city's cameras and integrated ones (lane: infra) --------------
    def _streams(self, api: ApiConstruct, config: DeployConfig) -> None:
        """A Kinesis Video Stream per city camera; the function that creates and deletes
        integrated cameras' streams at run time."""
        self.city_streams = city_streams(self, config)
        fn = api.functions["camera-streams"]
        # rtcc.cameras.streams_kvs: create (tags and retention with it), tag an existing one
        # (a job delivered twice), describe (DeleteStream takes the ARN), delete. Only streams
        # named <prefix>cam-...: never another system's; the city's (CDK's) are denied below.
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "kinesisvideo:CreateStream",
                    "kinesisvideo:DeleteStream",
                    "kinesisvideo:DescribeStream",
                    "kinesisvideo:TagStream",
                ],
                resources=[stream_arn(f"{config.resource_prefix}cam-*")],
            )
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["kinesisvideo:CreateStream", "kinesisvideo:DeleteStream", "kinesisvideo:TagStream"],
                resources=[stream_arn(f"{config.resource_prefix}cam-city-*")],
            )
        )
        acknowledge(
            fn,
            "Integrated cameras' streams are created at run time, named <prefix>cam-<camera id> and "
            "ending in their creation time: unknown at deploy time, held to the prefix.",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:"
            f"stream/{config.resource_prefix}cam-*/*]",
        )
        # The registry (rtcc.cameras.registry_dynamodb): a camera read (GetItem) and its stream
        # recorded (a transaction: the camera's conditional put, its cell item put); the city
        # sync creates or moves a city camera (the old cell item deleted when it moved).
        api.grant_table(fn, "cameras", (_GET, _PUT))
        api.grant_table(fn, "camera-cells", (_PUT, _DELETE))
        for name, variables in cameras_environment(config).items():
            for variable, value in variables.items():
                api.functions[name].add_environment(variable, value)


def stream_arn(name_pattern: str) -> str:
    """A Kinesis Video Stream's ARN: `stream/<name>/<creation time>`, any creation time."""
    return f"arn:{Aws.PARTITION}:kinesisvideo:{Aws.REGION}:{Aws.ACCOUNT_ID}:stream/{name_pattern}/*"


def city_stream_name(config: DeployConfig, camera_id: str) -> str:
    """rtcc.cameras.model.stream_name with the deployment's prefix (the functions' table prefix)."""
    return f"{config.resource_prefix}cam-{camera_id}"


def city_streams(scope: Construct, config: DeployConfig) -> dict[str, kinesisvideo.CfnStream]:
    """One stream per `[[cameras]]` entry, kept camera_program.stream_retention_hours, tagged
    with its camera; retained on stack delete in a deployed city (video may be evidence)."""
    streams = {}
    for camera in config.cameras:
        camera_id = f"city-{camera.id}"
        stream = kinesisvideo.CfnStream(
            scope,
            f"CityStream{_pascal(camera.id)}",
            name=city_stream_name(config, camera_id),
            data_retention_in_hours=config.camera_program.stream_retention_hours,
            media_type="video/h264",
            tags=[CfnTag(key="rtcc:camera", value=camera_id), CfnTag(key="rtcc:owner", value="city")],
        )
        stream.apply_removal_policy(RemovalPolicy.RETAIN if config.is_deployed else RemovalPolicy.DESTROY)
        streams[camera_id] = stream
    return streams


def cameras_environment(config: DeployConfig) -> dict[str, dict[str, str]]:
    """The `[camera_program]` settings (rtcc.cameras.settings, RTCC_CAMERAS_*) each function
    reads, and only those: the request and clip limits to the api (footage requests, upload
    links), retention and the city cameras to camera-streams. Each lane adds its readers."""
    program = config.camera_program
    city = [camera.model_dump(exclude_none=True) for camera in config.cameras]
    return {
        "api": {
            "RTCC_CAMERAS_REQUEST_MAX_RADIUS_M": str(program.request_max_radius_m),
            "RTCC_CAMERAS_REQUEST_MAX_HOURS": str(program.request_max_hours),
            "RTCC_CAMERAS_REQUESTERS": program.requesters,
            "RTCC_CAMERAS_MAX_CLIP_MB": str(program.max_clip_mb),
        },
        "evidence-intake": {"RTCC_CAMERAS_MAX_CLIP_MB": str(program.max_clip_mb)},  # refuses larger
        "camera-streams": {
            "RTCC_CAMERAS_STREAM_RETENTION_HOURS": str(program.stream_retention_hours),
            "RTCC_CAMERAS_CITY_CAMERAS": json.dumps(city, separators=(",", ":")),
        },
    }
