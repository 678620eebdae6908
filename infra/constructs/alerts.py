"""Community alerts: least-privilege grants for the alerts functions and the keys that
guard residents' numbers.

The tables come from the registered models (`rtcc.store.alerts`,
`rtcc.store.alert_subscribers`) like every other; what the declaration cannot say (keys,
key policies, grants action by action) is built here.
"""

from __future__ import annotations

from constructs import Construct

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct


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
