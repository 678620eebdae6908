"""Cameras: least-privilege grants for the camera registry, incidents and footage requests,
the city's own cameras' video streams, and the evidence bucket's rules.

The tables, queues and buckets come from the declaration (rtcc.cameras.capability); what it
cannot say (grants action by action, streams, Object Lock, settings) is built here. Each part
of the capability has its own method below, granting exactly the calls its code makes; the
local stack enforces them and tests/integration/test_least_privilege.py fails on any unused one.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct

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
    },
    "camera-verify": {
        "camera-owners": (_GET,),  # the sealed contact, the language
        "camera-owner-contacts": (_GET,),  # "send my link": which owner has this contact
        "camera-contact-codes": (_GET, _PUT),  # the last code's time; the new code's hash
        "sms-opt-outs": (_GET,),  # opted out of these texts?
    },
}
#: Who may open an owner's contact (the vault key's policy names no one else): the code and
#: link sender, and footage requests' notifier.
_CONTACT_READERS = ("camera-verify", "footage-notify")


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
        """Officers' incidents on `api`, dispatch's incidents on the CAD webhook."""

    # --- footage requests, uploads, evidence (lane: footage) ------------------------------
    def _grant_footage(self, api: ApiConstruct, data: DataConstruct, config: DeployConfig) -> None:
        """Requests, owners' notices, clip uploads, hashing on arrival, exports."""

    # --- video streams: the city's cameras and integrated ones (lane: infra) --------------
    def _streams(self, api: ApiConstruct, config: DeployConfig) -> None:
        """A Kinesis Video Stream per city camera; the function that creates and deletes
        integrated cameras' streams at run time."""
