"""The one rtcc stack: one construct per capability, wired in dependency order.

data -> auth -> api (functions, routes, WAF) -> console (pages on the same API)
-> audit anchors, retention schedule, live feed -> each capability's construct, as declared
(`Capability.construct`: tips) -> observability (alarms over
everything above). No function gets a grant by default: each construct grants the
functions it serves exactly the calls their code makes (`ApiConstruct.grant_table`,
`grant_objects`, `grant_send`, `grant_secret`), reaching them through
`stack.api.functions[name]`; the local stack enforces those grants and a test fails on
any the suite never used.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import CfnOutput, Environment, Stack, Tags
from constructs import Construct
from pynamodb.models import Model
from rtcc.capabilities import CAPABILITIES
from rtcc.capability import Capability
from rtcc.store import ALL_MODELS
from rtcc.topology import TOPOLOGY, Topology

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.audit import AuditConstruct
from infra.constructs.auth import AuthConstruct
from infra.constructs.console import WEB_PUBLIC, ConsoleConstruct
from infra.constructs.data import DataConstruct, _pascal
from infra.constructs.feed import FeedConstruct
from infra.constructs.observability import ObservabilityConstruct
from infra.constructs.refusals import RefusalsConstruct
from infra.constructs.retention import RetentionConstruct


class RtccStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: DeployConfig,
        topology: Topology = TOPOLOGY,
        models: Sequence[type[Model]] = ALL_MODELS,
        web_root: Path = WEB_PUBLIC,
        first_deploy: bool = False,
        capabilities: Sequence[Capability] = CAPABILITIES,
    ) -> None:
        """`first_deploy`: the stack does not exist yet (infra/first_deploy.py). Named
        tables and the user pool are then created unprotected, to be deleted if the create
        rolls back, and termination protection waits for the deploy that follows."""
        super().__init__(
            scope,
            config.stack_name,
            # Account-agnostic unless the config names one: synth needs no credentials.
            env=Environment(account=config.account, region=config.region),
            description=f"rtcc Real-Time Crime Center for {config.city_name} ({config.environment})",
            termination_protection=config.is_deployed and not first_deploy,
        )
        Tags.of(self).add("rtcc:city", config.city_name)
        Tags.of(self).add("rtcc:environment", config.environment)

        self.data = DataConstruct(
            self, "Data", config=config, topology=topology, models=models, first_deploy=first_deploy
        )
        self.auth = AuthConstruct(self, "Auth", config=config, first_deploy=first_deploy)
        self.api = ApiConstruct(
            self,
            "Api",
            config=config,
            topology=topology,
            data=self.data,
            auth=self.auth,
        )
        self.console = ConsoleConstruct(
            self, "Console", config=config, topology=topology, api=self.api, data=self.data, web_root=web_root
        )
        self.audit = AuditConstruct(self, "Audit", data=self.data, api=self.api)
        self.retention = RetentionConstruct(self, "Retention", api=self.api)
        self.feed = FeedConstruct(self, "Feed", api=self.api)
        self.refusals = RefusalsConstruct(self, "Refusals", api=self.api)
        # Admins disable staff through the API (rtcc.staff): it alone may, on this pool only.
        self.auth.grant_staff_disable(self.api.functions["api"])
        # Each capability's own construct (`Capability.construct`), by capability name.
        self.capabilities: dict[str, Construct] = {
            capability.name: self._capability_construct(capability, config)
            for capability in capabilities
            if capability.construct
        }
        self.observability = ObservabilityConstruct(
            self, "Observability", config=config, data=self.data, api=self.api, audit=self.audit
        )
        self._outputs()

    def _capability_construct(self, capability: Capability, config: DeployConfig) -> Construct:
        """The construct `capability` declares ("module:Class"), named after it."""
        module, _, name = capability.construct.partition(":")
        construct = getattr(importlib.import_module(module), name)
        return construct(self, _pascal(capability.name), config=config, data=self.data, api=self.api)

    def _outputs(self) -> None:
        """What an operator needs after a deploy: the user pool, secrets to fill in, buckets."""
        CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        for name, secret in self.data.secrets.items():
            label = "".join(p.capitalize() for p in name.split("_"))
            CfnOutput(self, f"{label}SecretArn", value=secret.secret_arn)
        for name, bucket in self.data.buckets.items():
            CfnOutput(self, f"{name.capitalize()}BucketName", value=bucket.bucket_name)
