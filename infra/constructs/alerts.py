"""Community alerts: least-privilege grants for the alerts functions and the keys that
guard residents' numbers.

The tables come from the registered models (`rtcc.store.alerts`,
`rtcc.store.alert_subscribers`) like every other; what the declaration cannot say (keys,
key policies, grants action by action) is built here.

Two KMS keys, apart from the tips keys:
- the number vault key seals each subscriber's number (kms:Encrypt, bound to the subscriber
  id by the `alerts-subscriber` encryption context); its policy denies Decrypt (and
  ReEncryptFrom, which amounts to it) to every principal but the roles in `_VAULT_READERS`,
  whatever their IAM policies say;
- the subscriber MAC key (HMAC_256) keys the number lookup; its policy denies
  GenerateMac/VerifyMac to every principal but the roles in `_MAC_USERS`, so nobody else (an
  administrator's IAM rights included) can hash the city's numbers to find out who subscribed.
  The internet-facing `api` is not among them: it reads `number_mac` on subscribers and consent
  evidence, and with the key it could hash every number of an area code (~10^7 calls) to match;
- the manage-link key (HMAC_256) signs the manage links, and only `_LINK_SIGNERS` may use it;
  a MAC under it is no number's lookup key, so `api` checking links learns no number.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.bundling import ZONES_FILE_DEPLOYED, zones_code
from infra.config import DeployConfig
from infra.constructs import keys
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct

_GET, _PUT, _UPDATE, _QUERY = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"

#: Sending (rtcc.alerts.sending, functions/alert_dispatch.py): what each function's code does,
#: table by table, and nothing else. The local stack enforces exactly these.
_SENDING_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "alerts": (_GET, _PUT, _QUERY),  # create, conditional state changes, the list
        "alert-zone-subscribers": (_QUERY,),  # recipients by zone, by key (no scan)
        "alert-delivery-counts": (_QUERY,),  # the delivery view
    },
    "alert-dispatch": {
        "alerts": (_GET,),  # the alert's texts, and whether it was cancelled
        "alert-deliveries": (_GET, _UPDATE),  # claim before each send, then settle
        "alert-delivery-counts": (_UPDATE,),  # the delivery view's counters (ADD)
        "sms-send-slots": (_UPDATE,),  # the shared rate (ADD per slot)
        "alert-subscribers": (_GET,),  # the sealed number, at send time only
        "sms-opt-outs": (_GET, _UPDATE),  # opted out of the alerts line?; a 21610 records it
    },
    "alert-status": {
        "alert-deliveries": (_UPDATE,),  # the entry's delivery, once (conditional)
        "alert-delivery-counts": (_UPDATE,),
    },
}

_DELETE = "dynamodb:DeleteItem"
#: The alerts line (rtcc.alerts.inbound over rtcc.alerts.sms_line): JOIN, YES, STOP, START.
#: A subscriber and its number lookup are written and deleted in one transaction (PutItem /
#: DeleteItem per item); STOP deletes the zone entries; consent evidence is added, then its
#: expiry set item by item (Query + UpdateItem); receipts are claimed and settled by PutItem.
_INBOUND_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "alerts-webhook": {
        "alert-subscribers": (_GET, _PUT, _DELETE),
        "alert-subscriber-numbers": (_GET, _PUT, _DELETE),
        "alert-zone-subscribers": (_PUT, _DELETE),
        "alert-consents": (_PUT, _QUERY, _UPDATE),
        "alert-sms-receipts": (_GET, _PUT),  # GetItem: a repeated MessageSid's first answer
        "sms-opt-outs": (_UPDATE,),  # STOP / START under the alerts line's name only
    },
}
#: The public signup. The api function (rtcc.api.routes.alerts_public) queues each signup
#: (sealed) and serves the manage link: read a subscriber, rewrite it with its number lookup
#: (one transaction), its zone index entries, delete both, set the consent evidence's expiry
#: (Query + UpdateItem). `alert-confirm` (rtcc.alerts.signup_confirm) does the signup: the
#: number lookup and the subscriber writes, consent evidence, the limits' counters, and the
#: alerts line's opt-out checked before the text (a 21610 refusal records it).
_SIGNUP_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "alert-subscribers": (_GET, _PUT, _DELETE),
        "alert-subscriber-numbers": (_PUT, _DELETE),
        "alert-zone-subscribers": (_PUT, _DELETE),
        "alert-consents": (_QUERY, _UPDATE),
    },
    "alert-confirm": {
        "alert-subscribers": (_GET, _PUT),
        "alert-subscriber-numbers": (_GET, _PUT),
        "alert-consents": (_PUT, _QUERY, _UPDATE),
        "alert-signup-counts": (_UPDATE,),  # per number and city-wide (conditional ADD)
        "sms-opt-outs": (_GET, _UPDATE),
        "sms-send-slots": (_UPDATE,),  # each text takes its turn in the line's rate (ADD per slot)
    },
}
#: Who seals numbers (kms:Encrypt), who may decrypt them (the key policy allows no one else),
#: and who may compute the keyed hash of a number (the MAC key's policy allows no one else).
_VAULT_SEALERS = ("alerts-webhook", "api")  # api: a signup from /signup, sealed for the queue
#: Each opens a number only to text it: alert-dispatch an alert, alert-confirm the signup's
#: confirmation or manage link. Never the internet-facing api.
_VAULT_READERS: tuple[str, ...] = ("alert-dispatch", "alert-confirm")
#: The number lookup (rtcc.alerts.manage_token.number_mac): the alerts line's webhook and the
#: signup's consumer. Never the internet-facing api.
_MAC_USERS = ("alerts-webhook", "alert-confirm")
#: The manage links (rtcc.alerts.manage_token.issue/verify): api checks them, alert-confirm
#: texts them.
_LINK_SIGNERS = ("api", "alert-confirm")
#: The functions that read the zones (rtcc.alerts.zone_config): the signup page's API and
#: the composer (api), the alerts line's JOIN (alerts-webhook), and the signup's texts
#: naming the zones (alert-confirm, where the stack has it).
ZONE_READERS = ("api", "alerts-webhook", "alert-confirm")
#: The encryption context key the sealer binds each ciphertext to (rtcc.alerts.subscriber_keys).
VAULT_CONTEXT_KEY = "alerts-subscriber"


class AlertsConstruct(Construct):
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
        self.api = api
        # The public feed's CAP <sender> (rtcc.alerts.feed), read by the API function only.
        if config.cap_sender:
            api.functions["api"].add_environment("RTCC_ALERTS_CAP_SENDER", config.cap_sender)
        self.functions = api.functions
        self.vault_key = self._vault_key(config)
        self.subscriber_key = self._subscriber_key(config)
        self.manage_key = self._manage_key(config)
        self._grant_inbound(api, config)
        self._grant_signup(api, config)
        self._ship_zones(api, config)
        self._grant_sending(api, config)
        self._grant_place_search(api, config)
        # The two-person rule for Emergencies (rtcc.alerts.sending), read by the API only.
        approval = "true" if config.alerts.emergency_approval_required else "false"
        api.functions["api"].add_environment("RTCC_ALERTS_EMERGENCY_APPROVAL_REQUIRED", approval)

    @staticmethod
    def _grant_sending(api: ApiConstruct, config: DeployConfig) -> None:
        for name, tables in _SENDING_TABLES.items():
            for table, actions in tables.items():
                api.grant_table(api.functions[name], table, actions)
        # The API queues an alert's pages; the dispatcher puts handed-back recipients back.
        for name in ("api", "alert-dispatch"):
            api.grant_send(api.functions[name], "alert-fanout")
        dispatch = api.functions["alert-dispatch"]
        api.grant_secret(dispatch, "twilio_api_key")  # sends through Twilio's API
        dispatch.add_environment("RTCC_ALERTS_LINE_NUMBER", config.alert_number)  # sends from it
        # The carrier lane's rate: the dispatchers share it; the API sizes pages from it.
        rate = str(config.alerts.sender_rate_per_second)
        # alert-confirm: a signup's text takes its turn in the same rate.
        for name in ("api", "alert-dispatch", "alert-confirm"):
            api.functions[name].add_environment("RTCC_ALERTS_SENDER_RATE_PER_SECOND", rate)
        # The status callbacks' door checks Twilio's signatures (rtcc.sms.webhook).
        api.grant_secret(api.functions["alert-status"], "twilio_auth_token")

    def _grant_place_search(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The /signup page's address search (rtcc.alerts.places_location): the one search
        action on the one index the config names; no index, no grant and no variable."""
        index = config.alerts.place_index
        if not index:
            return
        fn = api.functions["api"]
        arn = Stack.of(self).format_arn(service="geo", resource="place-index", resource_name=index)
        fn.add_to_role_policy(iam.PolicyStatement(actions=["geo:SearchPlaceIndexForText"], resources=[arn]))
        fn.add_environment("RTCC_ALERTS_PLACE_INDEX", index)

    # --- the alerts line and the keys ---------------------------------------------------
    def _grant_inbound(self, api: ApiConstruct, config: DeployConfig) -> None:
        for name, tables in _INBOUND_TABLES.items():
            for table, actions in tables.items():
                api.grant_table(api.functions[name], table, actions)
        webhook = api.functions["alerts-webhook"]
        # The webhook checks Twilio's signatures; it calls no Twilio API (answers are TwiML).
        api.grant_secret(webhook, "twilio_auth_token")
        # pydantic-settings reads a list field as JSON.
        webhook.add_environment("RTCC_ALERTS_ZIP_CODES", json.dumps(list(config.alerts.zip_codes)))

    @staticmethod
    def _grant_signup(api: ApiConstruct, config: DeployConfig) -> None:
        for name, tables in _SIGNUP_TABLES.items():
            for table, actions in tables.items():
                api.grant_table(api.functions[name], table, actions)
            # The zones a signup may name (the page's list, the consumer's confirmation text).
            zip_codes = json.dumps(list(config.alerts.zip_codes))
            api.functions[name].add_environment("RTCC_ALERTS_ZIP_CODES", zip_codes)
        # The internet-facing api texts nobody: it queues the signup, sealed.
        api.grant_send(api.functions["api"], "alert-confirmations")
        confirm = api.functions["alert-confirm"]
        api.grant_secret(confirm, "twilio_api_key")  # the confirmation text, through Twilio's API
        confirm.add_environment("RTCC_ALERTS_LINE_NUMBER", config.alert_number)  # texts from it
        confirm.add_environment("RTCC_ALERTS_SIGNUPS_PER_HOUR", str(config.alerts.signups_per_hour))

    def _ship_zones(self, api: ApiConstruct, config: DeployConfig) -> None:
        """The config's zones file reaches the functions that read zones as a small layer of
        its own (no runtime S3 read, so no grant; a GeoJSON file is far over an environment
        variable's 4 KB). Without one, they have the ZIP codes only."""
        if not config.alerts.zones_geojson:
            return
        layer = lambda_.LayerVersion(
            self,
            "ZonesLayer",
            code=zones_code(Path(config.alerts.zones_geojson)),
            description=f"rtcc {config.city_name}: the alert zones (alerts.zones_geojson)",
        )
        for name in (n for n in ZONE_READERS if n in api.functions):
            api.functions[name].add_layers(layer)
            api.functions[name].add_environment("RTCC_ALERTS_ZONES_FILE", ZONES_FILE_DEPLOYED)

    def _fns(self, names: tuple[str, ...]) -> list[lambda_.Function]:
        return [self.functions[name] for name in names]

    def _vault_key(self, config: DeployConfig) -> kms.Key:
        key = kms.Key(
            self,
            "VaultKey",
            description=f"rtcc {config.city_name}: alert subscribers' phone numbers; only the "
            "functions that text them may decrypt",
            enable_key_rotation=True,
            alias=f"alias/{config.resource_prefix}alerts-vault",
            # A subscriber outlives a stack update; a deleted key would strand every number.
            removal_policy=RemovalPolicy.RETAIN,
        )
        keys.only_decrypt(key, "OnlyTheSendersDecrypt", self._fns(_VAULT_READERS))
        context = keys.sealed_context(VAULT_CONTEXT_KEY)
        for name in _VAULT_SEALERS:
            keys.grant(self.functions[name], "kms:Encrypt", key, context)
        for name in _VAULT_READERS:
            keys.grant(self.functions[name], "kms:Decrypt", key, context)
        for name in {*_VAULT_SEALERS, *_VAULT_READERS}:
            self.functions[name].add_environment("RTCC_ALERTS_VAULT_KEY_ID", key.key_arn)
        return key

    def _subscriber_key(self, config: DeployConfig) -> kms.Key:
        """The HMAC key behind the number lookup (rtcc.alerts.manage_token.number_mac);
        only `_MAC_USERS` may compute with it. Its logical id and alias are the ones the key
        had when it signed manage links too, so stored lookups stay valid."""
        key = keys.lookup_key(
            self,
            "SubscriberKey",
            description=f"rtcc {config.city_name}: alert subscribers' number lookup (HMAC)",
            alias=f"alias/{config.resource_prefix}alerts-subscriber",
            sid="OnlyTheAlertsFunctionsComputeMacs",
            users=self._fns(_MAC_USERS),
        )
        for name in _MAC_USERS:
            self.functions[name].add_environment("RTCC_ALERTS_SUBSCRIBER_KEY_ID", key.key_arn)
        return key

    def _manage_key(self, config: DeployConfig) -> kms.Key:
        """The HMAC key that signs manage links (rtcc.alerts.manage_token.issue); only
        `_LINK_SIGNERS` may compute with it. Links signed before it existed (under the lookup
        key) no longer verify; they lasted 72 hours anyway."""
        key = keys.lookup_key(
            self,
            "ManageLinkKey",
            description=f"rtcc {config.city_name}: alert subscribers' manage links (HMAC)",
            alias=f"alias/{config.resource_prefix}alerts-manage",
            sid="OnlyTheManageLinkFunctionsSign",
            users=self._fns(_LINK_SIGNERS),
        )
        for name in _LINK_SIGNERS:
            self.functions[name].add_environment("RTCC_ALERTS_MANAGE_KEY_ID", key.key_arn)
        return key
